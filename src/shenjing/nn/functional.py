"""``nn.functional``: the ops under PyTorch's functional names and signatures.

Nothing is computed here that ``shenjing.ops`` does not already compute; this module
only adapts names and arguments (``F.dropout(x, p, training)``, ``F.softmax(x, dim)``).
"""

from .. import backend, ops
from ..autograd.tensor import Tensor
from ..ops.activation import (elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish, relu, relu6,
                              selu, sigmoid, silu, softplus, softsign, tanh)
from ..ops.indexing import embedding as _embedding
from ..ops.linalg import linear
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                        huber_loss, kl_div, l1_loss, mse_loss, multi_margin_loss, nll_loss,
                        smooth_l1_loss)
from ..ops.normalization import batch_norm as _batch_norm
from ..ops.normalization import group_norm as _group_norm
from ..ops.normalization import instance_norm as _instance_norm
from ..ops.normalization import layer_norm as _layer_norm
from ..ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                        conv_transpose3d)
from ..ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                        adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d,
                        avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d)
from ..ops.upsample import interpolate, upsample
from ..ops.attention import multi_head_attention_forward, scaled_dot_product_attention
from ..ops.dropout import dropout as _dropout
from ..ops.shape import pad as _pad

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus",
           "sigmoid", "tanh", "hardtanh", "logsigmoid", "softsign", "softmax", "log_softmax",
           "linear", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot", "pad",
           "normalize", "cosine_similarity", "group_norm", "instance_norm", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "huber_loss",
           "smooth_l1_loss", "kl_div", "multi_margin_loss"]

__all__ += ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
            "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d",
            "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
            "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
            "adaptive_max_pool3d", "interpolate", "upsample"]
__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]
__all__ += ["hardsigmoid", "hardswish"]


def softmax(input, dim=None, dtype=None):
    """Softmax along ``dim`` (the last dim when None)."""
    if dtype is not None:
        input = input.type(dtype)
    return ops.softmax(input, -1 if dim is None else dim)


def log_softmax(input, dim=None, dtype=None):
    """Log-softmax along ``dim`` (the last dim when None)."""
    if dtype is not None:
        input = input.type(dtype)
    return ops.log_softmax(input, -1 if dim is None else dim)


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout (identity when ``training`` is False)."""
    return _dropout(input, p, training)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch norm over all dims but dim 1, updating the running statistics in training."""
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer norm over the trailing ``normalized_shape`` dims."""
    return _layer_norm(input, normalized_shape, weight, bias, eps)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` for the integer ids in ``input``; with ``max_norm`` the looked-up
    rows are first renormalised in place, as PyTorch's."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    return _embedding(input, weight, padding_idx, max_norm, norm_type)


def one_hot(tensor, num_classes=-1):
    """Integer class ids (...) -> int64 one-hot (..., num_classes)."""
    ids = tensor.array
    if ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects an integer tensor, got {ids.dtype}")
    if num_classes < 0:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(f"one_hot: class values must be in [0, {num_classes}), got "
                         f"{int(ids.min())}..{int(ids.max())}")
    xp = backend.array_module(ids)
    return Tensor.from_node((ids[..., None] == xp.arange(num_classes)).astype("int64"), None, 0)


def pad(input, pad, mode="constant", value=None):
    """Constant padding; ``pad`` lists (before, after) pairs from the last dim backwards."""
    return _pad(input, pad, mode, 0.0 if value is None else value)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """x / max(||x||_p, eps) along ``dim``."""
    norm = (ops.abs(input) ** p).sum(dim, keepdim=True) ** (1.0 / p)
    return input / ops.clamp(norm, min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 . x2 / max(||x1|| ||x2||, eps) along ``dim``."""
    dot = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return dot / ops.sqrt(ops.clamp(n1 * n2, min=eps * eps))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group norm of (N, C, ...) with C split into ``num_groups`` groups."""
    return _group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance norm of (N, C, ...), each sample's channels over their positions."""
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                          momentum, eps)
