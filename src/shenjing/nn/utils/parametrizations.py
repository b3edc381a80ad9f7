"""``nn.utils.parametrizations.weight_norm``: the newer form of ``weight_norm``, with
PyTorch's layout: the length g and direction v live in
``module.parametrizations.<name>.original0`` and ``.original1``, and ``module.<name>`` is
g v / ||v|| (``weight_norm.normalized_weight``), recomputed before every forward."""

from ...autograd import grad_mode
from ..modules.container import ModuleDict
from ..modules.module import Module
from ..parameter import Parameter
from .weight_norm import _norm_except_dim, normalized_weight


class _WeightNorm(Module):
    """Holds original0 (g) and original1 (v) of one parametrized tensor."""

    def __init__(self, weight, dim):
        super().__init__()
        self.dim = dim
        with grad_mode.no_grad():
            g = _norm_except_dim(weight.detach(), dim)
        self.original0 = Parameter(g.array.copy())
        self.original1 = Parameter(weight.array.copy())

    def forward(self):
        return normalized_weight(self.original0, self.original1, self.dim)


class _Recompute:
    """The forward pre-hook that sets ``module.<name>`` from its parametrization."""

    def __init__(self, name):
        self.name = name

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, module.parametrizations[self.name]())


def weight_norm(module, name="weight", dim=0):
    """Reparameterise ``module.<name>`` as g v / ||v|| (``dim`` kept; None: one length for the
    whole tensor), with PyTorch's parametrization names; returns the module."""
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"parametrizations.weight_norm: {type(module).__name__} has no "
                         f"parameter {name!r}")
    if dim is not None and not -weight.ndim <= dim < weight.ndim:
        raise ValueError(f"parametrizations.weight_norm: dim must be in [-{weight.ndim}, "
                         f"{weight.ndim}) for a {weight.ndim}-d {name!r}, got {dim}")
    if "parametrizations" not in module._modules:
        module.parametrizations = ModuleDict()
    del module._parameters[name]
    module.parametrizations[name] = _WeightNorm(weight, dim)
    hook = _Recompute(name)
    hook(module, ())
    module.register_forward_pre_hook(hook)
    return module
