"""``Rprop``: resilient backpropagation, a step size per weight that follows only the
gradient's sign."""

from .. import backend
from .optimizer import Optimizer, check_option, check_unsupported


def rprop(param, grad, prev, step_size, *, etaminus=0.5, etaplus=1.2, step_size_min=1e-6,
          step_size_max=50.0, maximize=False):
    """One Rprop update of ``param`` in place (PyTorch's form, Riedmiller & Braun 1993), on
    arrays.

    ::

        g = grad                                        (-grad if maximize)
        s = sign(g * prev)                              same sign as last step, or flipped
        step = clip(step * (etaplus if s > 0, etaminus if s < 0, 1 if s = 0), min, max)
        g = 0 where s < 0                               a flipped sign skips this step ...
        p = p - sign(g) * step
        prev = g                                        ... and is forgotten
    """
    xp = backend.array_module(param)
    g = -grad if maximize else grad.copy()
    s = xp.sign(g * prev)
    factor = xp.where(s > 0, etaplus, xp.where(s < 0, etaminus, 1.0)).astype(param.dtype)
    step_size *= factor
    xp.clip(step_size, step_size_min, step_size_max, out=step_size)
    g[s < 0] = 0
    param -= xp.sign(g) * step_size
    prev[...] = g


class Rprop(Optimizer):
    """Rprop: each weight moves by its own step size in the direction of -sign(grad); the
    step grows by ``etas[1]`` while the gradient keeps its sign and shrinks by ``etas[0]``
    when it flips (then that weight skips a step), within ``step_sizes`` = (min, max).
    Meant for full-batch training.  State per parameter: ``step``, ``prev`` (the last
    gradient used) and ``step_size`` (starting at ``lr``)."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_unsupported("Rprop", differentiable)
        defaults = dict(lr=lr, etas=tuple(float(e) for e in etas),
                        step_sizes=tuple(float(s) for s in step_sizes), maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group):
        check_option(group["lr"] >= 0, "Rprop", "learning rate", "lr", group["lr"], ">= 0")
        etaminus, etaplus = group["etas"]
        check_option(0.0 < etaminus < 1.0 < etaplus, "Rprop", "eta values", "etas",
                     group["etas"], "0 < etas[0] < 1 < etas[1]")
        low, high = group["step_sizes"]
        check_option(0 <= low <= high, "Rprop", "step sizes", "step_sizes", group["step_sizes"],
                     "0 <= step_sizes[0] <= step_sizes[1]")

    def _init_state(self, param, state, group):
        state["step"] = 0
        state["prev"] = self._zeros(param)
        state["step_size"] = self._zeros(param, group["lr"])

    def _update(self, param, grad, state, group, work):
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        low, high = group["step_sizes"]
        rprop(param, grad, state["prev"].array, state["step_size"].array, etaminus=etaminus,
              etaplus=etaplus, step_size_min=low, step_size_max=high, maximize=group["maximize"])
