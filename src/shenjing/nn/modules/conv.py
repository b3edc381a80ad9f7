"""Convolution layers: ``Conv1d``/``2d``/``3d`` and ``ConvTranspose1d``/``2d``/``3d``.

They hold PyTorch's parameters (``weight`` (out, in/groups, *kernel); a transposed conv's
(in, out/groups, *kernel); ``bias`` (out,)) with PyTorch's default initialisation, and
call the ops of ``shenjing.ops.conv`` (im2col + one GEMM).  Outputs have PyTorch's shape
and values; in memory they are channels-last, which the next conv or pool reads without
a transpose (see ``ops/conv.py``).
"""

from ... import backend
from ...ops import conv as C
from ...ops.shape import pad
from ..parameter import Parameter
from .linear import reset_affine
from .module import Module


class _ConvNd(Module):
    """Shared by the convolutions of every rank, plain or transposed."""
    d = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, output_padding=0, device=None, dtype=None):
        super().__init__()
        name, d = type(self).__name__, self.d
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        modes = ("zeros", "reflect", "replicate", "circular")
        if padding_mode not in modes:
            raise ValueError(f"{name}: padding_mode must be one of {modes}, got "
                             f"{padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported for transposed "
                             f"convolutions, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = C.ntuple(kernel_size, d, "kernel_size", name)
        self.stride = C.ntuple(stride, d, "stride", name)
        self.dilation = C.ntuple(dilation, d, "dilation", name)
        if isinstance(padding, str):
            if self.transposed or padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int or a tuple"
                                 + ("" if self.transposed else ", 'same' or 'valid'")
                                 + f", got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride {self.stride})")
            self.padding = padding
        else:
            self.padding = C.ntuple(padding, d, "padding", name)
        self.output_padding = C.ntuple(output_padding, d, "output_padding", name)
        self.padding_mode = padding_mode
        if self.transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        self.weight = Parameter(backend.xp().zeros(shape, dtype))
        if bias:
            self.bias = Parameter(backend.xp().zeros(out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: He uniform (a = sqrt(5)) weight, U(-1/sqrt(fan_in), ..) bias."""
        reset_affine(self.weight, self.bias)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, " \
            f"stride={self.stride}"
        if self.padding != (0,) * self.d:
            s += f", padding={self.padding if isinstance(self.padding, str) else self.padding}"
        if self.dilation != (1,) * self.d:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        if self.bias is None:
            s += ", bias=False"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)

    def forward(self, input):
        if self.padding_mode != "zeros":
            # pad with x's own values first (F.pad), then convolve without padding
            input = pad(input, self._pad_widths(), mode=self.padding_mode)
            return C._conv(input, self.weight, self.bias, self.stride, 0, self.dilation,
                           self.groups, self.d, False, None)
        return C._conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                       self.groups, self.d, False, None)

    def _pad_widths(self):
        """F.pad's (before, after) pairs, last dim first; 'same' puts the odd one after."""
        pairs = []
        for i in reversed(range(self.d)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pairs += [total // 2, total - total // 2]
            elif self.padding == "valid":
                pairs += [0, 0]
            else:
                pairs += [self.padding[i]] * 2
        return tuple(pairs)


class Conv1d(_Conv):
    """1-d convolution: (N, C_in, L) -> (N, C_out, L'), weight (C_out, C_in/groups, k)."""
    d = 1


class Conv2d(_Conv):
    """2-d convolution: (N, C_in, H, W) -> (N, C_out, H', W'), weight (C_out, C_in/groups,
    kh, kw); H' = (H + 2 padding - dilation (kh - 1) - 1) // stride + 1.

    >>> conv = nn.Conv2d(1, 32, 3, padding=1)       # (N, 1, 28, 28) -> (N, 32, 28, 28)
    """
    d = 2


class Conv3d(_Conv):
    """3-d convolution: (N, C_in, D, H, W) -> (N, C_out, D', H', W')."""
    d = 3


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype=dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that gives ``output_size`` (PyTorch's forward(x, output_size))."""
        if output_size is None:
            return self.output_padding
        d = self.d
        size = tuple(output_size)[-d:]
        spatial = tuple(input.shape[-d:])
        extra = []
        for n, want, s, p, dl, k in zip(spatial, size, self.stride, self.padding, self.dilation,
                                        self.kernel_size):
            smallest = (n - 1) * s - 2 * p + dl * (k - 1) + 1
            if not smallest <= want < smallest + s:
                raise ValueError(f"requested an output size of {tuple(size)}, but valid sizes "
                                 f"range from {smallest} to {smallest + s - 1} in each dim")
            extra.append(want - smallest)
        return tuple(extra)

    def forward(self, input, output_size=None):
        return C._conv_transpose(input, self.weight, self.bias, self.stride, self.padding,
                                 self._output_padding(input, output_size), self.groups,
                                 self.dilation, self.d, False, None)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-d convolution: (N, C_in, L) -> (N, C_out, L'),
    weight (C_in, C_out/groups, k)."""
    d = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-d convolution (learned upsampling): (N, C_in, H, W) -> (N, C_out, H', W'),
    weight (C_in, C_out/groups, kh, kw),
    H' = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1."""
    d = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-d convolution: (N, C_in, D, H, W) -> (N, C_out, D', H', W')."""
    d = 3
