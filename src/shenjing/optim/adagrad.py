"""``Adagrad``: per-coordinate learning rates that shrink with the gradients seen so far."""

from . import functional as F
from .optimizer import Optimizer, check_option, check_unsupported


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): ``p <- p - clr * g / (sqrt(G) + eps)``, ``G = sum g^2``.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g^2                                     (G starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(G) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_unsupported("Adagrad", differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch makes Adagrad's state at construction
            for p in group["params"]:
                state = {}
                self._init_state(p, state, group)
                self.state[p] = state

    def _check_options(self, group):
        for what, option in [("learning rate", "lr"), ("lr_decay value", "lr_decay"),
                             ("weight_decay value", "weight_decay"),
                             ("initial_accumulator_value value", "initial_accumulator_value"),
                             ("epsilon value", "eps")]:
            check_option(group[option] >= 0, "Adagrad", what, option, group[option], ">= 0")

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["sum"] = self._zeros(param, group["initial_accumulator_value"])

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        F.adagrad(param, grad, state["sum"].array, step=state["step"], lr=group["lr"],
                  lr_decay=group["lr_decay"], weight_decay=group["weight_decay"],
                  eps=group["eps"], maximize=group["maximize"], work=work)
