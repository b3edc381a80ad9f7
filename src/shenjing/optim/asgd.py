"""``ASGD``: averaged stochastic gradient descent (Polyak & Juditsky 1992)."""

from .optimizer import Optimizer, check_option, check_unsupported


def asgd(param, grad, ax, *, step, eta, mu, lambd=1e-4, weight_decay=0.0, maximize=False):
    """One ASGD update of ``param`` and its running average ``ax`` in place (PyTorch's form),
    on arrays; the caller moves eta and mu on (last line below).

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        p = p (1 - lambd eta) - eta g                   SGD with a decaying step eta
        ax = ax + mu (p - ax)                           the average of the iterates since t0
                                                        (ax = p while mu = 1)
        eta = lr / (1 + lambd lr t)^alpha,   mu = 1 / max(1, t - t0)   for the next step
    """
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    param *= 1 - lambd * eta
    param -= eta * g
    if mu != 1:
        ax += (param - ax) * mu
    else:
        ax[...] = param


class ASGD(Optimizer):
    """Averaged SGD: SGD with a step eta = lr / (1 + lambd lr t)^alpha that decays, and, from
    step ``t0`` on, a running average ``ax`` of the iterates (the averaged weights to
    evaluate with).  State per parameter: ``step``, ``eta``, ``mu``, ``ax``."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_unsupported("ASGD", differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        check_option(group["lr"] >= 0, "ASGD", "learning rate", "lr", group["lr"], ">= 0")
        check_option(group["weight_decay"] >= 0, "ASGD", "weight_decay value", "weight_decay",
                     group["weight_decay"], ">= 0")

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["eta"] = float(group["lr"])
        state["mu"] = 1.0
        state["ax"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        t, lr = state["step"], group["lr"]
        asgd(param, grad, state["ax"].array, step=t, eta=state["eta"], mu=state["mu"],
             lambd=group["lambd"], weight_decay=group["weight_decay"],
             maximize=group["maximize"])
        state["eta"] = lr / ((1 + group["lambd"] * lr * t) ** group["alpha"])
        state["mu"] = 1 / max(1, t - group["t0"])
