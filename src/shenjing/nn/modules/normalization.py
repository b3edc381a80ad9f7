"""Normalisation layers: ``BatchNorm1d`` (and the base other dims build on), ``LayerNorm``."""

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.normalization import batch_norm, group_norm, instance_norm, layer_norm
from ..parameter import Parameter
from .module import Module


class _BatchNorm(Module):
    """Batch norm over every dim but the channels (dim 1); ``expected_dims`` the input ranks."""
    expected_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        xp = backend.xp()
        if affine:
            self.weight = Parameter(xp.ones(num_features, dtype))
            self.bias = Parameter(xp.zeros(num_features, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(xp.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(xp.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(xp.zeros((), "int64")))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def forward(self, x):
        name = type(self).__name__
        if x.ndim not in self.expected_dims:
            dims = " or ".join(f"{d}-d" for d in self.expected_dims)
            raise ValueError(f"{name}: expected {dims} input (N, C, ...), got shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected {self.num_features} channels in dim 1, got "
                             f"{x.shape[1]} (input shape {tuple(x.shape)})")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if momentum is None:  # a cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.array)
        # batch statistics in training, and whenever no running statistics are kept
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          training=self.training or self.running_mean is None,
                          momentum=momentum, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs, per channel."""
    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) inputs, per channel."""
    expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm of (N, C, D, H, W) inputs, per channel."""
    expected_dims = (5,)


class _InstanceNorm(_BatchNorm):
    """Instance norm: each sample's channels standardised over their positions; running
    statistics only with ``track_running_stats=True`` (off by default, as PyTorch)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, x):
        name = type(self).__name__
        if x.ndim != self.expected_dims[0]:
            raise ValueError(f"{name}: expected {self.expected_dims[0]}-d input (N, C, ...), got "
                             f"shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected {self.num_features} channels in dim 1, got "
                             f"{x.shape[1]} (input shape {tuple(x.shape)})")
        use_input_stats = self.training or not self.track_running_stats
        return instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             use_input_stats, self.momentum if self.momentum is not None else 0.1,
                             self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) inputs."""
    expected_dims = (3,)


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) inputs."""
    expected_dims = (4,)


class GroupNorm(Module):
    """Group norm: channels split into ``num_groups`` groups, each standardised per sample."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} is not divisible by "
                             f"num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        xp = backend.xp()
        if affine:
            self.weight = Parameter(xp.ones(num_channels, dtype))
            self.bias = Parameter(xp.zeros(num_channels, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dims, then scale and shift."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
        xp = backend.xp()
        if elementwise_affine:
            self.weight = Parameter(xp.ones(self.normalized_shape, dtype))
            if bias:
                self.bias = Parameter(xp.zeros(self.normalized_shape, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
