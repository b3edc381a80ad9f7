"""Activation layers: each wraps the op of the same name in ``shenjing.ops``."""

from ... import ops
from .module import Module


class _Elementwise(Module):
    """An activation with no parameters: forward applies ``self.fn``."""

    def forward(self, x):
        return self.fn(x)


class ReLU(_Elementwise):
    """max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.relu


class ReLU6(_Elementwise):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.relu6


class Sigmoid(_Elementwise):
    """1 / (1 + e^-x)."""

    def __init__(self):
        super().__init__()
        self.fn = ops.sigmoid


class Tanh(_Elementwise):
    """tanh(x)."""

    def __init__(self):
        super().__init__()
        self.fn = ops.tanh


class SiLU(_Elementwise):
    """x sigmoid(x) (swish)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.silu


class Mish(_Elementwise):
    """x tanh(softplus(x))."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.mish


class SELU(_Elementwise):
    """Scaled ELU with the self-normalising constants."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.selu


class LogSigmoid(_Elementwise):
    """log(sigmoid(x))."""

    def __init__(self):
        super().__init__()
        self.fn = ops.logsigmoid


class Softsign(_Elementwise):
    """x / (1 + |x|)."""

    def __init__(self):
        super().__init__()
        self.fn = ops.softsign


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6: any shape in, same shape out."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.hardsigmoid


class Hardswish(_Elementwise):
    """x relu6(x + 3) / 6 (MobileNetV3): any shape in, same shape out."""

    def __init__(self, inplace=False):
        super().__init__()
        self.fn = ops.hardswish


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x if x > 0 else alpha (e^x - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return ops.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x Phi(x) (``approximate="tanh"`` for the tanh formula)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return ops.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """(1/beta) log(1 + e^(beta x))."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return ops.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return ops.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Softmax(Module):
    """e^x normalised along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.softmax(x, -1 if self.dim is None else self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.log_softmax(x, -1 if self.dim is None else self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class CELU(Module):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)): any shape in, same shape out."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return ops.activation.celu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softmin(Module):
    """softmax(-x) along ``dim``: any shape in, same shape out."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.activation.softmin(x, -1 if self.dim is None else self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Tanhshrink(_Elementwise):
    """x - tanh(x): any shape in, same shape out."""

    def __init__(self):
        super().__init__()
        self.fn = ops.activation.tanhshrink


class Threshold(Module):
    """x where x > threshold, else ``value``: any shape in, same shape out."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value = threshold, value

    def forward(self, x):
        return ops.activation.threshold(x, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}"


class GLU(Module):
    """Gated linear unit a * sigmoid(b), a and b the halves of x along ``dim``:
    (*, 2k, *) -> (*, k, *)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.activation.glu(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """Parametric ReLU: x where x > 0, else a x with a learned slope a, shared
    (``num_parameters=1``) or one per channel of dim 1 (``num_parameters=C``), starting at
    ``init``.  (N, C, ...) in, same shape out."""

    def __init__(self, num_parameters=1, init=0.25, dtype=None):
        from ... import backend
        from ..parameter import Parameter
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or \
                num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got "
                             f"{num_parameters!r}")
        self.num_parameters, self.init = num_parameters, init
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        self.weight = Parameter(backend.xp().full((num_parameters,), init, dtype))

    def reset_parameters(self):
        self.weight.array[...] = self.init

    def forward(self, x):
        return ops.activation.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
