"""Gradient checking: compare backward() with float64 central differences.

For a function f of tensors and each input x that requires grad, the numerical gradient
of L = sum(f(x) * w) (w a fixed random weighting, so that every output element counts)
is, element by element,

    dL/dx_i  ~  (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)

and the check passes when the relative error

    ||g_num - g|| / (||g_num|| + ||g||)

is below ``tol``.  Inputs must be float64: float32 rounding swamps the differences.
"""

import numpy

from . import grad_mode
from .tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and numerical gradients disagree; the message names the worst element."""


class GradcheckResult:
    """What ``gradcheck`` measured: per input, the relative error and the worst element."""

    def __init__(self, reports):
        self.reports = reports

    @property
    def max_relative_error(self):
        return max((r["relative_error"] for r in self.reports), default=0.0)

    def __bool__(self):
        return all(r["ok"] for r in self.reports)

    def __str__(self):
        lines = []
        for r in self.reports:
            lines.append(
                f"input {r['input']} {r['shape']}: relative error {r['relative_error']:.2e} "
                f"(tol {r['tol']:.0e}); worst element {r['worst_index']}: analytic "
                f"{r['analytic']:.6g}, numerical {r['numerical']:.6g}")
        return "\n".join(lines)


def _weighted_sum(outputs, weights):
    return sum(float((o.array.astype(numpy.float64) * w).sum()) for o, w in zip(outputs, weights))


def _as_outputs(result):
    if isinstance(result, Tensor):
        return (result,)
    return tuple(r for r in result if isinstance(r, Tensor))


def gradcheck(fn, inputs, eps=1e-6, tol=1e-6, raise_exception=True, seed=0):
    """Check ``fn(*inputs)``'s backward against central differences.

    ``inputs`` is a tuple of tensors (those with ``requires_grad`` are checked; they must
    be float64) or of other arguments passed through.  Returns a ``GradcheckResult``
    (true when every input passes); raises ``GradcheckError`` with the worst element when
    ``raise_exception`` and a check fails.

    >>> x = shenjing.randn(3, 4, dtype=shenjing.float64, requires_grad=True)
    >>> gradcheck(lambda x: (x * x).sum(1), (x,))
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs "
                            f"(x.double()), float32 rounding hides the differences")
    for i in checked:
        inputs[i].grad = None
    with grad_mode.enable_grad():
        outputs = _as_outputs(fn(*inputs))
        rng = numpy.random.default_rng(seed)
        weights = [rng.standard_normal(o.shape) for o in outputs]
        terms = [(o * Tensor(w.astype(o.dtype))).sum()
                 for o, w in zip(outputs, weights) if o.requires_grad]
        if not terms:
            raise GradcheckError("gradcheck: no output depends on an input that requires grad")
        sum(terms[1:], terms[0]).backward()
    analytic = {i: (inputs[i].grad.array.astype(numpy.float64) if inputs[i].grad is not None
                    else numpy.zeros(inputs[i].shape)) for i in checked}

    reports = []
    with grad_mode.no_grad():
        for i in checked:
            x = inputs[i].array
            numerical = numpy.zeros(x.shape)
            flat = x.reshape(-1)  # a view: perturbing it perturbs the input
            if not numpy.shares_memory(flat, x):
                raise ValueError(f"gradcheck: input {i} must be contiguous")
            for k in range(flat.size):
                old = flat[k]
                flat[k] = old + eps
                plus = _weighted_sum(_as_outputs(fn(*inputs)), weights)
                flat[k] = old - eps
                minus = _weighted_sum(_as_outputs(fn(*inputs)), weights)
                flat[k] = old
                numerical.reshape(-1)[k] = (plus - minus) / (2 * eps)
            g = analytic[i]
            diff = numpy.abs(numerical - g)
            denom = numpy.linalg.norm(numerical) + numpy.linalg.norm(g)
            error = float(numpy.linalg.norm(numerical - g) / denom) if denom > 0 else 0.0
            worst = numpy.unravel_index(int(diff.argmax()), x.shape) if x.size else ()
            reports.append(dict(input=i, shape=tuple(x.shape), relative_error=error, tol=tol,
                                ok=error <= tol, worst_index=tuple(int(w) for w in worst),
                                analytic=float(g[worst]) if x.size else 0.0,
                                numerical=float(numerical[worst]) if x.size else 0.0))
    result = GradcheckResult(reports)
    if raise_exception and not result:
        raise GradcheckError("gradcheck failed:\n" + str(result))
    return result


def gradgradcheck(fn, inputs, eps=1e-6, tol=1e-6, raise_exception=True, seed=1):
    """Check second derivatives: ``gradcheck`` of the first gradient, made with ``create_graph``.

    For L = sum(fn(*inputs) * v), v a fixed random weighting that is itself an input that
    requires grad (as torch's ``gradgradcheck``: the backward must be differentiable in the
    incoming gradient too), the function checked is

        G(inputs, v) = dL/d(inputs that require grad)      (autograd.grad, create_graph=True)

    against central differences of G.  First, G itself must equal the array backward's
    gradient, which ``gradcheck`` checks against central differences of fn: so the tensor
    backward is right in value and in slope.  Inputs must be float64.  Returns the
    ``GradcheckResult`` of G.
    """
    from .higher_order import grad
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input requires grad, so there is nothing to check")
    with grad_mode.enable_grad():
        shapes = [o.shape for o in _as_outputs(fn(*inputs))]
    rng = numpy.random.default_rng(seed)
    vs = tuple(Tensor(rng.standard_normal(s), dtype=numpy.float64, requires_grad=True)
               for s in shapes)
    n = len(inputs)

    def first_gradient(*args):
        xs, v = args[:n], args[n:]
        with grad_mode.enable_grad():
            outputs = [o for o in _as_outputs(fn(*xs))]
            terms = [(o * w).sum() for o, w in zip(outputs, v) if o.requires_grad]
            total = sum(terms[1:], terms[0])
            grads = grad(total, [xs[i] for i in checked], create_graph=True,
                         materialize_grads=True)
        return tuple(grads)

    first = gradcheck(fn, inputs, eps=eps, tol=tol, raise_exception=raise_exception, seed=seed)
    if not first:
        return first
    with grad_mode.enable_grad():
        outputs = _as_outputs(fn(*inputs))
        terms = [(o * w).sum() for o, w in zip(outputs, vs) if o.requires_grad]
        fast = grad(sum(terms[1:], terms[0]), [inputs[i] for i in checked],
                    materialize_grads=True)
    for i, a, b in zip(checked, fast, first_gradient(*inputs, *vs)):
        a, b = a.array, b.array
        denom = numpy.linalg.norm(a) + numpy.linalg.norm(b)
        error = float(numpy.linalg.norm(a - b) / denom) if denom > 0 else 0.0
        if error > tol:
            message = (f"gradgradcheck: input {i}: the create_graph (tensor) backward gives a "
                       f"first gradient {error:.2e} (relative) away from the array backward's")
            if raise_exception:
                raise GradcheckError(message)
            return GradcheckResult([dict(input=i, shape=tuple(a.shape), relative_error=error,
                                         tol=tol, ok=False, worst_index=(), analytic=0.0,
                                         numerical=0.0)])
    return gradcheck(first_gradient, inputs + vs, eps=eps, tol=tol,
                     raise_exception=raise_exception, seed=seed)
