"""``Adam`` and ``AdamW``: momentum over a running root mean square, with bias corrections."""

from . import functional as F
from .optimizer import Optimizer, check_option, check_unsupported


def _check_adam_options(name, group):
    check_option(group["lr"] >= 0, name, "learning rate", "lr", group["lr"], ">= 0")
    check_option(group["eps"] >= 0, name, "epsilon value", "eps", group["eps"], ">= 0")
    betas = group["betas"]
    for i in (0, 1):
        check_option(0.0 <= betas[i] < 1.0, name, f"beta parameter at index {i}", f"betas[{i}]",
                     betas[i], f"0 <= betas[{i}] < 1")
    check_option(group["weight_decay"] >= 0, name, "weight_decay value", "weight_decay",
                 group["weight_decay"], ">= 0")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), PyTorch's form (``decoupled_weight_decay=True``: AdamW).

    ::

        g = grad + weight_decay * p                     (-grad if maximize)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)     (t = 1, 2, ...)
        amsgrad:  v_hat = max of all v_hat so far
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Example::

        opt = shenjing.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_unsupported(type(self).__name__, differentiable)
        defaults = dict(lr=lr, betas=tuple(float(b) for b in betas), eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        _check_adam_options(type(self).__name__, group)

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["exp_avg"] = self._zeros(param)
        state["exp_avg_sq"] = self._zeros(param)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        vmax = None
        if group["amsgrad"]:
            vmax = state.get("max_exp_avg_sq")
            if vmax is None:
                vmax = state["max_exp_avg_sq"] = self._zeros(param)
        F.adam(param, grad, state["exp_avg"].array, state["exp_avg_sq"].array,
               None if vmax is None else vmax.array, step=state["step"], lr=group["lr"],
               beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
               decoupled_weight_decay=group["decoupled_weight_decay"],
               maximize=group["maximize"], work=work)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam with weight decay decoupled from the gradient.

    ::

        p = p * (1 - lr * weight_decay)                 before Adam's step on the raw gradient
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, differentiable=differentiable,
                         decoupled_weight_decay=True)
