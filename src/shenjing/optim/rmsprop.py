"""``RMSprop``: divide the gradient by a running root mean square of recent gradients."""

from . import functional as F
from .optimizer import Optimizer, check_option, check_unsupported


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), PyTorch's form.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        v = alpha * v + (1 - alpha) * g^2
        centered:  a = alpha * a + (1 - alpha) * g,  v~ = v - a^2     (else v~ = v)
        r = sqrt(v~) + eps
        momentum > 0:  b = momentum * b + g / r,  p = p - lr * b
        otherwise:     p = p - lr * g / r
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_unsupported("RMSprop", differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        for what, option in [("learning rate", "lr"), ("epsilon value", "eps"),
                             ("momentum value", "momentum"),
                             ("weight_decay value", "weight_decay"), ("alpha value", "alpha")]:
            check_option(group[option] >= 0, "RMSprop", what, option, group[option], ">= 0")

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["square_avg"] = self._zeros(param)
        if group["momentum"] > 0:
            state["momentum_buffer"] = self._zeros(param)
        if group["centered"]:
            state["grad_avg"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        momentum = group["momentum"]
        buf = state.get("momentum_buffer") if momentum > 0 else None
        avg = state.get("grad_avg") if group["centered"] else None
        # momentum or centering turned on after the first step (OneCycleLR) start at zero
        if momentum > 0 and buf is None:
            buf = state["momentum_buffer"] = self._zeros(param)
        if group["centered"] and avg is None:
            avg = state["grad_avg"] = self._zeros(param)
        F.rmsprop(param, grad, state["square_avg"].array,
                  None if buf is None else buf.array, None if avg is None else avg.array,
                  lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                  weight_decay=group["weight_decay"], momentum=momentum,
                  maximize=group["maximize"], work=work)
