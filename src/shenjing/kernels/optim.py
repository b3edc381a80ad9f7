"""The optimizer updates as one fused pass per parameter: read p, g and the state once,
write them once.

Each kernel is the update of ``shenjing.optim.functional`` (or of a Keras optimizer whose
formula differs from PyTorch's) written as a loop over the elements, with the operations
in the same order, each rounded to the arrays' dtype as NumPy rounds it: compiled without
fastmath, the kernels give the reference's results bit for bit, only in one pass instead
of ten.  The elements are independent, so a kernel may run on any slice of the arrays.

Arguments: 1-d C-contiguous arrays of one float dtype (the caller's flat views), then
flags and the scalar factors, computed in Python as floats; a kernel rounds each factor to
the arrays' dtype once (``p.dtype.type``), as NumPy rounds a Python float next to a
float32 array.  The gradient term is

    g = grad * sign                     (sign = -1 for maximize, else 1)
    g = p * weight_decay + g            when decay_grad (L2 weight decay in the gradient)

A state array that an option leaves unused is given as another array of the same shape
(never read or written).
"""

import numpy

from .common import jit

# exact IEEE arithmetic: fastmath's contraction and reciprocal would change the last bit
_exact = jit(fastmath=False)


@_exact
def _gradient(p, grad, sign, decay_grad, weight_decay):
    g = grad * sign
    if decay_grad:
        g = p * weight_decay + g
    return g


@_exact
def adam(p, grad, m, v, vmax, amsgrad, sign, decay_grad, weight_decay, decay,
         beta1, one_minus_beta1, beta2, one_minus_beta2, eps, scale):
    """Adam / AdamW / AMSGrad, ``optim.functional.adam``::

        p = p * decay                         (AdamW: decay = 1 - lr * weight_decay, else 1)
        m = m * beta1 + g * (1 - beta1)
        v = v * beta2 + (g * g) * (1 - beta2)
        vmax = max(vmax, v)                   (amsgrad; then used for v)
        p = p + m / (sqrt(v) + eps) * scale   (eps = c * eps, scale = -lr * c / (1 - beta1^t),
                                               c = sqrt(1 - beta2^t))
    """
    t = p.dtype.type
    sign, weight_decay, decay, eps, scale = t(sign), t(weight_decay), t(decay), t(eps), t(scale)
    beta1, one_minus_beta1 = t(beta1), t(one_minus_beta1)
    beta2, one_minus_beta2 = t(beta2), t(one_minus_beta2)
    for i in range(p.shape[0]):
        pi = p[i] * decay
        g = _gradient(pi, grad[i], sign, decay_grad, weight_decay)
        mi = m[i] * beta1 + g * one_minus_beta1
        vi = v[i] * beta2 + (g * g) * one_minus_beta2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            w = vmax[i]
            if vi > w or vi != vi:              # numpy.maximum: NaN wins
                w = vi
            vmax[i] = w
            vi = w
        p[i] = pi + (mi / (numpy.sqrt(vi) + eps)) * scale


@_exact
def sgd(p, grad, b, mode, first, sign, decay_grad, weight_decay, momentum, damped,
        one_minus_dampening, nesterov, neg_lr, neg_lr_momentum):
    """SGD with (Nesterov) momentum, ``optim.functional.sgd``.  ``mode`` 0: no momentum
    (``b`` unused), 1: momentum; ``first``: the first step, b = g::

        b = b * momentum + g                  (damped: + g * (1 - dampening))
        p = p + g * -lr + b * (-lr * momentum)     (nesterov)
        p = p + b * -lr                            (else; without momentum g for b)
    """
    t = p.dtype.type
    sign, weight_decay, momentum = t(sign), t(weight_decay), t(momentum)
    one_minus_dampening, neg_lr, neg_lr_momentum = (t(one_minus_dampening), t(neg_lr),
                                                    t(neg_lr_momentum))
    for i in range(p.shape[0]):
        pi = p[i]
        g = _gradient(pi, grad[i], sign, decay_grad, weight_decay)
        if mode == 0:
            p[i] = pi + g * neg_lr
            continue
        if first:
            bi = g
        elif damped:
            bi = b[i] * momentum + g * one_minus_dampening
        else:
            bi = b[i] * momentum + g
        b[i] = bi
        if nesterov:
            p[i] = (pi + g * neg_lr) + bi * neg_lr_momentum
        else:
            p[i] = pi + bi * neg_lr


@_exact
def adagrad(p, grad, state_sum, sign, decay_grad, weight_decay, eps, neg_clr):
    """Adagrad, ``optim.functional.adagrad``::

        G = G + g * g
        p = p + (g / (sqrt(G) + eps)) * -clr
    """
    t = p.dtype.type
    sign, weight_decay, eps, neg_clr = t(sign), t(weight_decay), t(eps), t(neg_clr)
    for i in range(p.shape[0]):
        pi = p[i]
        g = _gradient(pi, grad[i], sign, decay_grad, weight_decay)
        s = state_sum[i] + g * g
        state_sum[i] = s
        p[i] = pi + (g / (numpy.sqrt(s) + eps)) * neg_clr


@_exact
def rmsprop(p, grad, v, b, a, centered, use_momentum, sign, decay_grad, weight_decay,
            alpha, one_minus_alpha, eps, momentum, neg_lr):
    """RMSprop, ``optim.functional.rmsprop``::

        v = v * alpha + (g * g) * (1 - alpha)
        a = a * alpha + g * (1 - alpha);  r = sqrt(v - a * a) + eps    (centered)
        r = sqrt(v) + eps                                               (else)
        b = b * momentum + g / r;  p = p + b * -lr                     (momentum)
        p = p + (g / r) * -lr                                           (else)
    """
    t = p.dtype.type
    sign, weight_decay, eps, momentum, neg_lr = (t(sign), t(weight_decay), t(eps),
                                                 t(momentum), t(neg_lr))
    alpha, one_minus_alpha = t(alpha), t(one_minus_alpha)
    for i in range(p.shape[0]):
        pi = p[i]
        g = _gradient(pi, grad[i], sign, decay_grad, weight_decay)
        vi = v[i] * alpha + (g * g) * one_minus_alpha
        v[i] = vi
        if centered:
            ai = a[i] * alpha + g * one_minus_alpha
            a[i] = ai
            r = numpy.sqrt(vi - ai * ai) + eps
        else:
            r = numpy.sqrt(vi) + eps
        s = g / r
        if use_momentum:
            bi = b[i] * momentum + s
            b[i] = bi
            p[i] = pi + bi * neg_lr
        else:
            p[i] = pi + s * neg_lr


# ---------------------------------------------------------------- Keras's own forms


@_exact
def keras_sgd(p, grad, v, nesterov, momentum, lr):
    """Keras's SGD with momentum (the velocity holds the learning rate)::

        v = v * momentum - g * lr
        p = (p - g * lr) + v * momentum       (nesterov)
        p = p + v                             (else)
    """
    t = p.dtype.type
    momentum, lr = t(momentum), t(lr)
    for i in range(p.shape[0]):
        s = grad[i] * lr
        vi = v[i] * momentum - s
        v[i] = vi
        if nesterov:
            p[i] = (p[i] - s) + vi * momentum
        else:
            p[i] = p[i] + vi


@_exact
def keras_adagrad(p, grad, acc, eps, lr):
    """Keras's Adagrad (epsilon inside the root)::

        G = G + g * g
        p = p - (g / sqrt(G + eps)) * lr
    """
    t = p.dtype.type
    eps, lr = t(eps), t(lr)
    for i in range(p.shape[0]):
        g = grad[i]
        s = acc[i] + g * g
        acc[i] = s
        p[i] = p[i] - (g / numpy.sqrt(s + eps)) * lr


@_exact
def keras_rmsprop(p, grad, v, b, a, centered, use_momentum, rho, one_minus_rho, eps,
                  momentum, lr):
    """Keras's RMSprop (epsilon inside the root, lr inside the momentum)::

        v = v * rho + (g * g) * (1 - rho)
        a = a * rho + g * (1 - rho);  d = (v - a * a) + eps      (centered; else d = v + eps)
        s = (g / sqrt(d)) * lr
        b = b * momentum + s;  p = p - b                          (momentum; else p = p - s)
    """
    t = p.dtype.type
    rho, one_minus_rho, eps, momentum, lr = (t(rho), t(one_minus_rho), t(eps), t(momentum),
                                             t(lr))
    for i in range(p.shape[0]):
        g = grad[i]
        vi = v[i] * rho + (g * g) * one_minus_rho
        v[i] = vi
        if centered:
            ai = a[i] * rho + g * one_minus_rho
            a[i] = ai
            d = (vi - ai * ai) + eps
        else:
            d = vi + eps
        s = (g / numpy.sqrt(d)) * lr
        if use_momentum:
            bi = b[i] * momentum + s
            b[i] = bi
            p[i] = p[i] - bi
        else:
            p[i] = p[i] - s
