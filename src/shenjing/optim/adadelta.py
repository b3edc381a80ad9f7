"""``Adadelta``: step sizes from running averages of squared gradients and squared updates."""

from .. import backend
from .functional import _effective_grad, _work
from .optimizer import Optimizer, check_option, check_unsupported


def adadelta(param, grad, square_avg, acc_delta, *, lr=1.0, rho=0.9, eps=1e-6,
             weight_decay=0.0, maximize=False, work=None):
    """One Adadelta update of ``param`` in place (PyTorch's form), on arrays.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        v = rho * v + (1 - rho) * g^2                   square_avg
        d = sqrt(u + eps) / sqrt(v + eps) * g           the unit-corrected step
        u = rho * u + (1 - rho) * d^2                   acc_delta
        p = p - lr * d
    """
    rho, lr, eps = float(rho), float(lr), float(eps)
    xp = backend.array_module(param)
    s1, s2 = _work(param, work)
    g = _effective_grad(xp, param, grad, float(weight_decay), maximize, s1)
    square_avg *= rho                                   # v = rho * v + (1 - rho) * g^2
    xp.multiply(g, g, out=s2)
    s2 *= 1.0 - rho
    square_avg += s2
    xp.add(acc_delta, eps, out=s2)                      # d = sqrt(u + eps) / sqrt(v + eps) * g
    xp.sqrt(s2, out=s2)
    s2 *= g
    xp.add(square_avg, eps, out=s1)                     # (g is no longer needed in s1)
    xp.sqrt(s1, out=s1)
    s2 /= s1
    acc_delta *= rho                                    # u = rho * u + (1 - rho) * d^2
    xp.multiply(s2, s2, out=s1)
    s1 *= 1.0 - rho
    acc_delta += s1
    s2 *= -lr                                           # p = p - lr * d
    param += s2


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), PyTorch's form: ``lr=1.0`` scales the step.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        v = rho * v + (1 - rho) * g^2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d^2
        p = p - lr * d

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u), shaped like it.
    Runs on NumPy (no compiled kernel).

    >>> opt = shenjing.optim.Adadelta(model.parameters(), lr=1.0)   # PyTorch's MNIST example
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_unsupported("Adadelta", differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        check_option(group["lr"] >= 0, "Adadelta", "learning rate", "lr", group["lr"], ">= 0")
        check_option(0.0 <= group["rho"] <= 1.0, "Adadelta", "rho value", "rho", group["rho"],
                     "0 <= rho <= 1")
        check_option(group["eps"] >= 0, "Adadelta", "epsilon value", "eps", group["eps"], ">= 0")
        check_option(group["weight_decay"] >= 0, "Adadelta", "weight_decay value",
                     "weight_decay", group["weight_decay"], ">= 0")

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["square_avg"] = self._zeros(param)
        state["acc_delta"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        adadelta(param, grad, state["square_avg"].array, state["acc_delta"].array,
                 lr=group["lr"], rho=group["rho"], eps=group["eps"],
                 weight_decay=group["weight_decay"], maximize=group["maximize"], work=work)
