"""``Linear`` (y = x W^T + b) and ``Identity``."""

import math

from ... import backend, ops
from .. import init
from ..parameter import Parameter
from .module import Module
from ._checks import check_float_input


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. a removed classifier head)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """Fully connected layer: y = x W^T + b, (..., in_features) -> (..., out_features).

    W is (out_features, in_features); both W and b start as U(-1/sqrt(in), 1/sqrt(in)),
    PyTorch's default (He uniform with a = sqrt(5)).
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(_empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default initialisation."""
        reset_affine(self.weight, self.bias)

    def forward(self, x):
        check_float_input(x, self.weight, "Linear")
        return ops.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def reset_affine(weight, bias):
    """PyTorch's default for Linear and Conv layers: He uniform with a = sqrt(5) for the
    weight, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def _empty(shape, dtype):
    return backend.xp().zeros(shape, backend.to_dtype(dtype) or backend.get_default_dtype())


class Bilinear(Module):
    """y = x1^T A x2 + b: (*, in1_features), (*, in2_features) -> (*, out_features), with A
    (out, in1, in2); A and b start as U(-1/sqrt(in1), 1/sqrt(in1)), as PyTorch's."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in1_features, in2_features), dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias."""
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x1, x2):
        from ...ops.bilinear import bilinear
        check_float_input(x1, self.weight, "Bilinear")
        check_float_input(x2, self.weight, "Bilinear")
        return bilinear(x1, x2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
