"""The update rules of the optimizers, as plain functions on arrays.

Each function takes one parameter's array, its gradient, its state arrays and the
hyper-parameters (Python numbers), and updates the parameter and the state **in place**.
They know nothing of ``Tensor``, ``Optimizer`` or parameter groups, so that every face of
the library (``shenjing.optim``, the Keras optimizers) calls the same few lines of math.

The formulas are PyTorch's (``torch.optim``), step for step, so that the same gradients
give the same parameters.  Notation: ``g`` is the gradient, ``p`` the parameter, ``t`` the
step number (1 on the first update), ``lr`` the learning rate.

Speed: NumPy has no fused kernels, so each line below is one pass over the array, written
with ``out=`` and in-place operators so that no array is allocated in the hot path.  The
two scratch arrays needed for intermediate results come in ``work`` (a pair of arrays
shaped like ``p``; the optimizers lend theirs, reused across parameters); without them they
are allocated.  The gradient is never modified.  Hyper-parameters are turned into Python
floats, which keep float32 arrays in float32 (a NumPy float64 scalar would upcast).

Each update is also compiled as one fused pass (``shenjing.kernels.optim``: parameter,
gradient and state read once and written once) that runs on float32/float64 NumPy arrays
and gives the lines below bit for bit; ``kernel_arrays`` chooses it, in one place for all
of them (the Keras optimizers whose formulas differ use it for their own kernels).
The lines here stay the definition (``SHENJING_KERNELS=numpy`` or ``kernels.reference()``
runs them).
"""

from .. import backend, kernels, parallel


def _work(param, work):
    """Two scratch arrays shaped like ``param``."""
    if work is None:
        xp = backend.array_module(param)
        return xp.empty_like(param), xp.empty_like(param)
    return work


def _effective_grad(xp, param, grad, weight_decay, maximize, out):
    """g = -grad if maximize else grad, plus the L2 term weight_decay * p.

    Returns ``grad`` itself when nothing changes it, else ``out`` holding g.
    """
    if weight_decay != 0:
        xp.multiply(param, weight_decay, out=out)
        if maximize:
            out -= grad
        else:
            out += grad
        return out
    if maximize:
        return xp.negative(grad, out=out)
    return grad


def kernel_arrays(param, grad, work, *state):
    """The kernel module and flat 1-d views of (param, grad, *state), or None when the
    reference must run: kernels off, not float32/float64 NumPy arrays of one dtype, or a
    parameter or state array that is not C-contiguous or not shaped like the parameter.
    A gradient that is not C-contiguous is copied (into ``work[0]`` when given)."""
    module = kernels.module("optim") if kernels.usable(param, grad, *state) else None
    if module is None:
        return None
    shape = param.shape
    if grad.shape != shape or any(a.shape != shape or not a.flags.c_contiguous
                                  or not a.flags.writeable for a in (param, *state)):
        return None
    if not grad.flags.c_contiguous:
        if (work is not None and work[0].shape == shape and work[0].dtype == grad.dtype
                and work[0].flags.c_contiguous):
            work[0][...] = grad
            grad = work[0]
        else:
            grad = grad.copy()
    return module, [a.reshape(-1) for a in (param, grad, *state)]


def run_kernel(kernel, arrays, *scalars):
    """``kernel(*arrays, *scalars)``, split over the cores for large parameters (the
    elements are independent, so the split never changes a result)."""
    n = arrays[0].size
    if n >= _SPLIT and parallel.workers() > 1:
        parallel.map_batch(lambda a, b: kernel(*[x[a:b] for x in arrays], *scalars), n)
    else:
        kernel(*arrays, *scalars)


_SPLIT = 1 << 23        # elements from which an update is split over the cores (memory-bound:
                        # on 2 cores 16M float32 Adam 9.5 -> 8.0 ms, 4M and less slower split)


def _gradient_factors(weight_decay, maximize):
    """(sign, decay_grad, weight_decay) of the kernels' g = p * weight_decay + grad * sign."""
    weight_decay = float(weight_decay)
    return -1.0 if maximize else 1.0, weight_decay != 0, weight_decay


def _add_scaled(param, alpha, x, out):
    """p += alpha * x (two passes through the scratch ``out``; ``x`` may be ``out``)."""
    backend.array_module(param).multiply(x, alpha, out=out)
    param += out


# ---------------------------------------------------------------- SGD


def sgd(param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0,
        weight_decay=0.0, nesterov=False, maximize=False, work=None):
    """Stochastic gradient descent with (Nesterov) momentum; returns the momentum buffer.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        b = g  on the first step, else  b = momentum * b + (1 - dampening) * g
        d = g + momentum * b  if nesterov  else  b      (d = g without momentum)
        p = p - lr * d

    ``momentum_buffer`` is None on the first step: the buffer is then made from the first
    gradient (a copy) and returned; later steps update it in place.  Returns None when
    ``momentum`` is 0.
    """
    lr, momentum, dampening = float(lr), float(momentum), float(dampening)
    b = momentum_buffer
    if momentum != 0 and b is None and kernels.usable(param):
        b = backend.array_module(param).empty_like(param)      # filled with g by the kernel
    fast = kernel_arrays(param, grad, work, *(() if momentum == 0 else (b,)))
    if fast is not None:
        if nesterov and dampening != 0 and momentum_buffer is not None:
            raise ValueError("sgd: nesterov momentum requires zero dampening")
        module, arrays = fast
        if momentum == 0:
            arrays.append(arrays[0])                            # no buffer: never read
        run_kernel(module.sgd, arrays, 0 if momentum == 0 else 1, momentum_buffer is None,
                   *_gradient_factors(weight_decay, maximize), momentum, dampening != 0,
                   1.0 - dampening, bool(nesterov), -lr, -lr * momentum)
        return None if momentum == 0 else b
    xp = backend.array_module(param)
    s, _ = _work(param, work)
    g = _effective_grad(xp, param, grad, float(weight_decay), maximize, s)
    if momentum == 0:
        _add_scaled(param, -lr, g, s)                   # p -= lr * g
        return None
    b = momentum_buffer
    if b is None:
        b = g.astype(param.dtype, copy=True)            # b = g on the first step
    else:
        b *= momentum                                   # b = momentum * b
        if dampening == 0:
            b += g                                      #     + g
        else:
            xp.multiply(g, 1.0 - dampening, out=s)      #     + (1 - dampening) * g
            b += s
            g = None                                    # s no longer holds g
    if nesterov:
        if g is None:
            raise ValueError("sgd: nesterov momentum requires zero dampening")
        _add_scaled(param, -lr, g, s)                   # p -= lr * (g + momentum * b)
        _add_scaled(param, -lr * momentum, b, s)
    else:
        _add_scaled(param, -lr, b, s)                   # p -= lr * b
    return b


# ---------------------------------------------------------------- Adagrad


def adagrad(param, grad, state_sum, *, step, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
            eps=1e-10, maximize=False, work=None):
    """Adagrad: each coordinate's step shrinks with the sum of its squared gradients.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g^2
        p = p - clr * g / (sqrt(G) + eps)

    ``step`` is t, counted from 1; ``state_sum`` is G (it starts at
    ``initial_accumulator_value``).
    """
    clr = float(lr) / (1 + (step - 1) * float(lr_decay))
    fast = kernel_arrays(param, grad, work, state_sum)
    if fast is not None:
        module, arrays = fast
        run_kernel(module.adagrad, arrays, *_gradient_factors(weight_decay, maximize),
                   float(eps), -clr)
        return
    xp = backend.array_module(param)
    s1, s2 = _work(param, work)
    g = _effective_grad(xp, param, grad, float(weight_decay), maximize, s1)
    xp.multiply(g, g, out=s2)                           # G += g^2
    state_sum += s2
    xp.sqrt(state_sum, out=s2)                          # sqrt(G) + eps
    s2 += float(eps)
    xp.divide(g, s2, out=s2)                            # p -= clr * g / (sqrt(G) + eps)
    s2 *= -clr
    param += s2


# ---------------------------------------------------------------- RMSprop


def rmsprop(param, grad, square_avg, momentum_buffer=None, grad_avg=None, *, lr=1e-2,
            alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, maximize=False, work=None):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        v = alpha * v + (1 - alpha) * g^2
        centered (grad_avg given):  a = alpha * a + (1 - alpha) * g,   v~ = v - a^2
        r = sqrt(v~) + eps                              (v~ = v when not centered)
        with momentum:  b = momentum * b + g / r,  p = p - lr * b
        without:        p = p - lr * g / r

    ``square_avg`` is v, ``grad_avg`` is a (None: not centered), ``momentum_buffer`` is b
    (needed when ``momentum`` > 0; it starts at zeros).
    """
    alpha, lr = float(alpha), float(lr)
    use_momentum = momentum > 0
    state = (square_avg,) + ((momentum_buffer,) if use_momentum else ()) + (
        () if grad_avg is None else (grad_avg,))
    fast = kernel_arrays(param, grad, work, *state)
    if fast is not None:
        module, arrays = fast
        v = arrays[2]
        b = arrays[3] if use_momentum else v                    # unused ones: never read
        a = arrays[-1] if grad_avg is not None else v
        run_kernel(module.rmsprop, [arrays[0], arrays[1], v, b, a], grad_avg is not None,
                   use_momentum, *_gradient_factors(weight_decay, maximize), alpha,
                   1.0 - alpha, float(eps), float(momentum), -lr)
        return
    xp = backend.array_module(param)
    s1, s2 = _work(param, work)
    g = _effective_grad(xp, param, grad, float(weight_decay), maximize, s1)
    square_avg *= alpha                                 # v = alpha * v + (1 - alpha) * g^2
    xp.multiply(g, g, out=s2)
    s2 *= 1.0 - alpha
    square_avg += s2
    if grad_avg is not None:
        grad_avg *= alpha                               # a = alpha * a + (1 - alpha) * g
        xp.multiply(g, 1.0 - alpha, out=s2)
        grad_avg += s2
        xp.multiply(grad_avg, grad_avg, out=s2)         # r = sqrt(v - a^2) + eps
        xp.subtract(square_avg, s2, out=s2)
        xp.sqrt(s2, out=s2)
    else:
        xp.sqrt(square_avg, out=s2)                     # r = sqrt(v) + eps
    s2 += float(eps)
    xp.divide(g, s2, out=s2)                            # g / r
    if momentum > 0:
        momentum_buffer *= float(momentum)              # b = momentum * b + g / r
        momentum_buffer += s2
        _add_scaled(param, -lr, momentum_buffer, s2)    # p -= lr * b
    else:
        s2 *= -lr                                       # p -= lr * g / r
        param += s2


# ---------------------------------------------------------------- Adam, AdamW


def adam_moments(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                 decoupled_weight_decay, maximize, work):
    """The part of an Adam step that Adam, AdamW and RAdam share, in place on arrays: the
    weight decay (AdamW's on the weights, Adam's into the gradient), then the two moments

        m = beta1 * m + (1 - beta1) * g,   v = beta2 * v + (1 - beta2) * g^2

    Returns the array module and a scratch array of param's shape for the rest of the step."""
    xp = backend.array_module(param)
    s1, s2 = _work(param, work)
    if decoupled_weight_decay:
        if weight_decay != 0:
            param *= 1.0 - lr * weight_decay            # AdamW: decay the weights directly
        g = _effective_grad(xp, param, grad, 0.0, maximize, s1)
    else:
        g = _effective_grad(xp, param, grad, weight_decay, maximize, s1)
    exp_avg *= beta1                                    # m = beta1 * m + (1 - beta1) * g
    xp.multiply(g, 1.0 - beta1, out=s2)
    exp_avg += s2
    exp_avg_sq *= beta2                                 # v = beta2 * v + (1 - beta2) * g^2
    xp.multiply(g, g, out=s2)
    s2 *= 1.0 - beta2
    exp_avg_sq += s2
    return xp, s2


def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr=1e-3,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
         maximize=False, work=None):
    """Adam (and AdamW, ``decoupled_weight_decay=True``): momentum over a running RMS.

    ::

        Adam:   g = grad + weight_decay * p             (-grad if maximize)
        AdamW:  p = p * (1 - lr * weight_decay),  g = grad
        m = beta1 * m + (1 - beta1) * g                 first moment
        v = beta2 * v + (1 - beta2) * g^2               second moment
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)     bias corrections
        AMSGrad (max_exp_avg_sq given):  v_max = max(v_max, v), used in place of v
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    ``step`` is t, counted from 1; ``exp_avg`` is m, ``exp_avg_sq`` is v.  As in PyTorch,
    eps is added to sqrt(v_hat), after the bias correction.
    """
    beta1, beta2, lr, weight_decay = float(beta1), float(beta2), float(lr), float(weight_decay)
    # m_hat / (sqrt(v_hat) + eps) = c / (1 - beta1^t) * m / (sqrt(v) + c * eps),
    # c = sqrt(1 - beta2^t): the corrections become two numbers, saving a pass
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    c = bias_correction2 ** 0.5
    amsgrad = max_exp_avg_sq is not None
    fast = kernel_arrays(param, grad, work, exp_avg, exp_avg_sq,
                         *((max_exp_avg_sq,) if amsgrad else ()))
    if fast is not None:
        module, arrays = fast
        if not amsgrad:
            arrays.append(arrays[3])                            # no v_max: never read
        decoupled = bool(decoupled_weight_decay) and weight_decay != 0
        run_kernel(module.adam, arrays, amsgrad,
                   *_gradient_factors(0.0 if decoupled_weight_decay else weight_decay, maximize),
                   1.0 - lr * weight_decay if decoupled else 1.0, beta1, 1.0 - beta1,
                   beta2, 1.0 - beta2, c * float(eps), -lr * c / bias_correction1)
        return
    xp, s2 = adam_moments(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                          decoupled_weight_decay, maximize, work)
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)   # AMSGrad
        v = max_exp_avg_sq
    else:
        v = exp_avg_sq
    xp.sqrt(v, out=s2)
    s2 += c * float(eps)
    xp.divide(exp_avg, s2, out=s2)                      # p -= lr * m_hat / (sqrt(v_hat) + eps)
    s2 *= -lr * c / bias_correction1
    param += s2


# ---------------------------------------------------------------- NAdam


def nadam_momentum(beta1, step, momentum_decay):
    """NAdam's momentum schedule: mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))


def nadam(param, grad, exp_avg, exp_avg_sq, *, step, mu_product, lr=2e-3, beta1=0.9,
          beta2=0.999, eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay=False, maximize=False, work=None):
    """NAdam: Adam with Nesterov momentum (Dozat, 2016), PyTorch's schedule; returns mu_product.

    ::

        g = grad + weight_decay * p   (decoupled: p = p * (1 - lr * weight_decay))
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))     (nadam_momentum)
        P_t = P_{t-1} * mu_t                                      (mu_product, P_0 = 1)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        r = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / r
              - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / r

    ``mu_product`` is P_{t-1} (1.0 before the first step); the new P_t is returned.
    """
    beta1, beta2, lr = float(beta1), float(beta2), float(lr)
    weight_decay, momentum_decay = float(weight_decay), float(momentum_decay)
    xp = backend.array_module(param)
    s1, s2 = _work(param, work)
    if decoupled_weight_decay:
        if weight_decay != 0:
            param *= 1.0 - lr * weight_decay
        g = _effective_grad(xp, param, grad, 0.0, maximize, s1)
    else:
        g = _effective_grad(xp, param, grad, weight_decay, maximize, s1)
    mu = nadam_momentum(beta1, step, momentum_decay)
    mu_next = nadam_momentum(beta1, step + 1, momentum_decay)
    mu_product = float(mu_product) * mu
    mu_product_next = mu_product * mu_next
    exp_avg *= beta1                                    # m = beta1 * m + (1 - beta1) * g
    xp.multiply(g, 1.0 - beta1, out=s2)
    exp_avg += s2
    exp_avg_sq *= beta2                                 # v = beta2 * v + (1 - beta2) * g^2
    xp.multiply(g, g, out=s2)
    s2 *= 1.0 - beta2
    exp_avg_sq += s2
    xp.divide(exp_avg_sq, 1.0 - beta2 ** step, out=s2)  # r = sqrt(v_hat) + eps
    xp.sqrt(s2, out=s2)
    s2 += float(eps)
    xp.divide(g, s2, out=s1)                            # the gradient term ...
    s1 *= -lr * (1.0 - mu) / (1.0 - mu_product)
    param += s1
    xp.divide(exp_avg, s2, out=s1)                      # ... and the momentum term
    s1 *= -lr * mu_next / (1.0 - mu_product_next)
    param += s1
    return mu_product
