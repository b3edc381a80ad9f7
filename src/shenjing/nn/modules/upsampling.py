"""``Upsample`` (with ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``): ``interpolate``
as a layer."""

from ...ops.upsample import interpolate
from .module import Module


class Upsample(Module):
    """Resize (N, C, *S) to ``size`` or S * ``scale_factor`` with ``mode`` 'nearest',
    'nearest-exact', 'linear', 'bilinear', 'trilinear' or 'area'.

    >>> nn.Upsample(scale_factor=2, mode="bilinear")   # (N, C, H, W) -> (N, C, 2H, 2W)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else (tuple(float(s) for s in scale_factor) if scale_factor is not None else None)
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor, name=None)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) with aligned corners (as PyTorch's)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
