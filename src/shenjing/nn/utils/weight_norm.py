"""``weight_norm`` (Salimans & Kingma 2016): a weight w split into a direction v and a
length g, learned separately,

    w = g v / ||v||        (the norm over every dim but ``dim``, one length per output)

``weight_norm(module)`` replaces the parameter ``weight`` by ``weight_g`` and ``weight_v``
and recomputes ``weight`` from them before every forward (a forward pre-hook), so its
gradient reaches g and v through the ops.  ``remove_weight_norm`` folds w back into one
parameter.
"""

from ...autograd import grad_mode
from ..parameter import Parameter


def _norm_except_dim(v, dim):
    """||v||_2 over every dim but ``dim``, kept for broadcasting; over all when dim is None."""
    if dim is None:
        return ((v * v).sum()) ** 0.5
    dim = dim % v.ndim
    axes = tuple(d for d in range(v.ndim) if d != dim)
    return ((v * v).sum(axes, keepdim=True)) ** 0.5


def normalized_weight(g, v, dim):
    """w = g v / ||v||, the norm over every dim but ``dim``."""
    return v * (g / _norm_except_dim(v, dim))


class WeightNorm:
    """The forward pre-hook that sets ``module.<name> = g v / ||v||``."""

    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    def compute_weight(self, module):
        return normalized_weight(getattr(module, self.name + "_g"),
                                 getattr(module, self.name + "_v"), self.dim)

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparameterise ``module.<name>`` as g v / ||v|| (see the module docstring); returns
    the module.  ``dim`` is the dim kept (one length per output row with 0; None: one length
    for the whole tensor)."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"weight_norm: {name!r} of {type(module).__name__} already has "
                               f"weight norm")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
    if dim is not None and not -weight.ndim <= dim < weight.ndim:
        raise ValueError(f"weight_norm: dim must be in [-{weight.ndim}, {weight.ndim}) for a "
                         f"{weight.ndim}-d {name!r}, got {dim}")
    fn = WeightNorm(name, dim)
    del module._parameters[name]
    with grad_mode.no_grad():
        g = _norm_except_dim(weight.detach(), dim)
    module.register_parameter(name + "_g", Parameter(g.array.copy()))
    module.register_parameter(name + "_v", Parameter(weight.array.copy()))
    fn(module, ())
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``module.<name>`` becomes one parameter again (g v / ||v||)."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            with grad_mode.no_grad():
                weight = hook.compute_weight(module)
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_g"]
            del module._parameters[name + "_v"]
            object.__delattr__(module, name)
            module.register_parameter(name, Parameter(weight.array.copy()))
            return module
    raise ValueError(f"remove_weight_norm: weight_norm of {name!r} not found in "
                     f"{type(module).__name__}")
