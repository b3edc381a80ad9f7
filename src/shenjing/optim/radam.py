"""``RAdam``: Adam whose adaptive step is switched on only once the variance of its
estimate is tractable, and then rectified."""

from .adam import _check_adam_options
from .functional import adam_moments
from .optimizer import Optimizer, check_unsupported


def radam_rectification(step, beta2):
    """``(rho_t, r_t)``: the length of the approximated SMA and the rectification term
    (``r_t`` is None while rho_t <= 5, when the adaptive step is not used).

    ::

        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
    """
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * step * beta2 ** step / (1.0 - beta2 ** step)
    if rho_t <= 5.0:
        return rho_t, None
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    return rho_t, rect


def radam(param, grad, exp_avg, exp_avg_sq, *, step, lr=1e-3, beta1=0.9, beta2=0.999,
          eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False, maximize=False, work=None):
    """One RAdam update of ``param`` in place (PyTorch's form), on arrays.

    ::

        g = grad + weight_decay * p      (decoupled: p = p * (1 - lr * weight_decay))
        m = beta1 * m + (1 - beta1) * g,   v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)
        rho_t > 5:  p = p - lr * m_hat * r_t * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        otherwise:  p = p - lr * m_hat          (SGD with momentum while v is unreliable)
    """
    beta1, beta2, lr, weight_decay = float(beta1), float(beta2), float(lr), float(weight_decay)
    xp, s2 = adam_moments(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                          decoupled_weight_decay, maximize, work)
    bias_correction1 = 1.0 - beta1 ** step
    _, rect = radam_rectification(step, beta2)
    if rect is None:
        xp.multiply(exp_avg, -lr / bias_correction1, out=s2)    # p = p - lr * m_hat
    else:
        xp.sqrt(exp_avg_sq, out=s2)                     # sqrt(1 - beta2^t) / (sqrt(v) + eps)
        s2 += float(eps)
        xp.divide(exp_avg, s2, out=s2)
        s2 *= -lr * rect * (1.0 - beta2 ** step) ** 0.5 / bias_correction1
    param += s2


class RAdam(Optimizer):
    """RAdam (Liu et al., 2020, "On the Variance of the Adaptive Learning Rate and Beyond"),
    PyTorch's form.

    ::

        m, v as in Adam;  m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1,   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    p = p - lr * m_hat * r_t * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        otherwise:  p = p - lr * m_hat

    ``decoupled_weight_decay=True`` decays the weights directly (as AdamW).  State per
    parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.  Runs on NumPy (no compiled kernel).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_unsupported("RAdam", differentiable)
        defaults = dict(lr=lr, betas=tuple(float(b) for b in betas), eps=eps,
                        weight_decay=weight_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        _check_adam_options("RAdam", group)

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["exp_avg"] = self._zeros(param)
        state["exp_avg_sq"] = self._zeros(param)

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        radam(param, grad, state["exp_avg"].array, state["exp_avg_sq"].array,
              step=state["step"], lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
              weight_decay=group["weight_decay"],
              decoupled_weight_decay=group["decoupled_weight_decay"],
              maximize=group["maximize"], work=work)
