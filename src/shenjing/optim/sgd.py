"""``SGD``: stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from ..autograd.tensor import Tensor
from . import functional as F
from .optimizer import Optimizer, check_option, check_unsupported


class SGD(Optimizer):
    """Stochastic gradient descent: ``p <- p - lr * g``, optionally with (Nesterov) momentum.

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        b = g  on the first step, else  b = momentum * b + (1 - dampening) * g
        p = p - lr * (g + momentum * b  if nesterov  else  b)

    Example::

        opt = shenjing.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        check_unsupported("SGD", differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        check_option(group["lr"] >= 0, "SGD", "learning rate", "lr", group["lr"], ">= 0")
        check_option(group["momentum"] >= 0, "SGD", "momentum value", "momentum",
                     group["momentum"], ">= 0")
        check_option(group["weight_decay"] >= 0, "SGD", "weight_decay value", "weight_decay",
                     group["weight_decay"], ">= 0")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening "
                             f"(got nesterov=True, momentum={group['momentum']!r}, "
                             f"dampening={group['dampening']!r})")

    def _update(self, param, grad, state, group, work):
        buf = state.get("momentum_buffer")
        new = F.sgd(param, grad, None if buf is None else buf.array, lr=group["lr"],
                    momentum=group["momentum"], dampening=group["dampening"],
                    weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                    maximize=group["maximize"], work=work)
        if buf is None and new is not None:
            state["momentum_buffer"] = Tensor.from_node(new, None, 0)
