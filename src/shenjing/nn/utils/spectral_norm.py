"""``spectral_norm`` (Miyato et al. 2018): divide a weight by its largest singular value
sigma, so the layer is 1-Lipschitz (a GAN discriminator's constraint).

sigma is estimated by power iteration on W as a matrix (``dim`` first, the rest
flattened: (h, w)), carried over from step to step in the buffers u (h,) and v (w,):

    v = W^T u / ||W^T u||,   u = W v / ||W v||      (``n_power_iterations`` times, training only)
    sigma = u^T W v,          W_sn = W / sigma

u and v are constants for the gradient (as in the paper and PyTorch); sigma is not, so
the gradient of W_sn reaches W through both W and sigma.  ``spectral_norm(module)``
keeps the learned weight as ``weight_orig`` and sets ``weight`` before every forward.
"""

import numpy

from ... import backend
from ...autograd.tensor import Tensor
from ..parameter import Parameter


def _normalize(a, eps):
    """a / max(||a||, eps), on arrays (no graph)."""
    return a / max(float(numpy.sqrt((a * a).sum())), eps)


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name> = weight_orig / sigma``."""

    def __init__(self, name, n_power_iterations, dim, eps):
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def matrix(self, weight):
        """W as (h, w): ``dim`` first, the other dims flattened."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u").array
        v = getattr(module, self.name + "_v").array
        w = self.matrix(weight)
        if do_power_iteration:
            m = w.array
            for _ in range(self.n_power_iterations):
                v[...] = _normalize(m.T @ u, self.eps)
                u[...] = _normalize(m @ v, self.eps)
        sigma = (Tensor(u.copy()) * (w @ Tensor(v.copy()))).sum()     # u^T W v
        return weight / sigma

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Normalise ``module.<name>`` by its spectral norm (see the module docstring); returns
    the module.  ``dim``: the output dim (0; 1 for transposed convolutions when None)."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError(f"spectral_norm: {name!r} of {type(module).__name__} already "
                               f"has spectral norm")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: n_power_iterations must be positive, got "
                         f"{n_power_iterations}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    fn = SpectralNorm(name, n_power_iterations, dim % weight.ndim, eps)
    h, w = fn.matrix(weight.detach()).shape
    rng, dtype = backend.generator(), weight.array.dtype
    del module._parameters[name]
    module.register_parameter(name + "_orig", Parameter(weight.array.copy()))
    for buffer, n in (("_u", h), ("_v", w)):
        module.register_buffer(name + buffer,
                               Tensor(_normalize(rng.standard_normal(n), eps).astype(dtype)))
    object.__setattr__(module, name, weight.detach())
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``module.<name>`` becomes one parameter (W / sigma, as now)."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            weight = hook.compute_weight(module, False).detach()
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_orig"]
            del module._buffers[name + "_u"]
            del module._buffers[name + "_v"]
            object.__delattr__(module, name)
            module.register_parameter(name, Parameter(weight.array.copy()))
            return module
    raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in "
                     f"{type(module).__name__}")
