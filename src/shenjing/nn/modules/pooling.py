"""Pooling layers: ``MaxPool``, ``AvgPool``, ``AdaptiveAvgPool``, ``AdaptiveMaxPool`` in
1-d, 2-d and 3-d, over the ops of ``shenjing.ops.pool``."""

from ...ops import pool as P
from .module import Module


class _MaxPoolNd(Module):
    d = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return P._max_pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                           self.ceil_mode, self.return_indices, self.d, False, None)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over windows of ``kernel_size``: (N, C, L) -> (N, C, L'); stride = kernel_size."""
    d = 1


class MaxPool2d(_MaxPoolNd):
    """Max over kh x kw windows: (N, C, H, W) -> (N, C, H', W'); the gradient goes to each
    window's largest input.  ``MaxPool2d(2)`` halves H and W."""
    d = 2


class MaxPool3d(_MaxPoolNd):
    """Max over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, D', H', W')."""
    d = 3


class _AvgPoolNd(Module):
    d = 2

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return P._avg_pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                           self.count_include_pad, self.divisor_override, self.d, False, None)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of ``kernel_size``: (N, C, L) -> (N, C, L')."""
    d = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over kh x kw windows: (N, C, H, W) -> (N, C, H', W')."""
    d = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over kd x kh x kw windows: (N, C, D, H, W) -> (N, C, D', H', W')."""
    d = 3


class _AdaptivePoolNd(Module):
    d = 2
    kind = "avg"

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return P._adaptive(input, self.output_size, self.d, False, None, self.kind,
                           self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Mean over ``output_size`` bins spanning the input: (N, C, L) -> (N, C, output_size)."""
    d = 1

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Mean over an (oh, ow) grid of bins: (N, C, H, W) -> (N, C, oh, ow).
    ``AdaptiveAvgPool2d(1)`` is global average pooling."""
    d = 2

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Mean over an (od, oh, ow) grid of bins."""
    d = 3

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    """Max over ``output_size`` bins: (N, C, L) -> (N, C, output_size)."""
    d = 1
    kind = "max"


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max over an (oh, ow) grid of bins: (N, C, H, W) -> (N, C, oh, ow)."""
    d = 2
    kind = "max"


class AdaptiveMaxPool3d(_AdaptivePoolNd):
    """Max over an (od, oh, ow) grid of bins."""
    d = 3
    kind = "max"
