"""``NAdam``: Adam with Nesterov momentum and a warming-up momentum schedule."""

from . import functional as F
from .adam import _check_adam_options
from .optimizer import Optimizer, check_option, check_unsupported


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), PyTorch's form.

    ::

        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)),  P_t = mu_1 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g,  v = beta2 * v + (1 - beta2) * g^2
        p = p - lr * [(1 - mu_t) / (1 - P_t) * g + mu_{t+1} / (1 - P_t mu_{t+1}) * m]
                   / (sqrt(v / (1 - beta2^t)) + eps)

    ``decoupled_weight_decay=True`` decays the weights directly (as AdamW) instead of
    adding ``weight_decay * p`` to the gradient.
    """

    _number_state = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_unsupported("NAdam", differentiable)
        defaults = dict(lr=lr, betas=tuple(float(b) for b in betas), eps=eps,
                        weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        _check_adam_options("NAdam", group)
        check_option(group["momentum_decay"] >= 0, "NAdam", "momentum_decay value",
                     "momentum_decay", group["momentum_decay"], ">= 0")

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["mu_product"] = 1.0
        state["exp_avg"] = self._zeros(param)
        state["exp_avg_sq"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        state["mu_product"] = F.nadam(
            param, grad, state["exp_avg"].array, state["exp_avg_sq"].array,
            step=state["step"], mu_product=state["mu_product"], lr=group["lr"], beta1=beta1,
            beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
            momentum_decay=group["momentum_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"], work=work)
