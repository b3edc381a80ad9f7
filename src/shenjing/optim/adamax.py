"""``Adamax``: Adam with the infinity norm in place of the running RMS."""

from .. import backend
from .adam import _check_adam_options
from .functional import _effective_grad, _work
from .optimizer import Optimizer, check_unsupported


def adamax(param, grad, exp_avg, exp_inf, *, step, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8,
           weight_decay=0.0, maximize=False, work=None):
    """One Adamax update of ``param`` in place (PyTorch's form), on arrays.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        m = beta1 * m + (1 - beta1) * g                 exp_avg
        u = max(beta2 * u, |g| + eps)                   exp_inf, the infinity norm
        p = p - lr / (1 - beta1^t) * m / u
    """
    beta1, beta2, lr = float(beta1), float(beta2), float(lr)
    xp = backend.array_module(param)
    s1, s2 = _work(param, work)
    g = _effective_grad(xp, param, grad, float(weight_decay), maximize, s1)
    exp_avg *= beta1                                    # m = beta1 * m + (1 - beta1) * g
    xp.multiply(g, 1.0 - beta1, out=s2)
    exp_avg += s2
    exp_inf *= beta2                                    # u = max(beta2 * u, |g| + eps)
    xp.abs(g, out=s2)
    s2 += float(eps)
    xp.maximum(exp_inf, s2, out=exp_inf)
    xp.divide(exp_avg, exp_inf, out=s2)                 # p = p - lr / (1 - beta1^t) * m / u
    s2 *= -lr / (1.0 - beta1 ** step)
    param += s2


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, section 7), PyTorch's form.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).  Runs on NumPy (no
    compiled kernel).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_unsupported("Adamax", differentiable)
        defaults = dict(lr=lr, betas=tuple(float(b) for b in betas), eps=eps,
                        weight_decay=weight_decay, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        _check_adam_options("Adamax", group)

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["exp_avg"] = self._zeros(param)
        state["exp_inf"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        adamax(param, grad, state["exp_avg"].array, state["exp_inf"].array, step=state["step"],
               lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
               weight_decay=group["weight_decay"], maximize=group["maximize"], work=work)
