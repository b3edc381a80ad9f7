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


# ---------------------------------------------------------------- issue 23: the nn gaps
from ..ops.activation import celu as _celu, glu, gumbel_softmax as _gumbel_softmax  # noqa: E402
from ..ops.activation import prelu, softmin as _softmin, tanhshrink  # noqa: E402
from ..ops.activation import threshold as _threshold  # noqa: E402
from ..ops.bilinear import bilinear  # noqa: E402
from ..ops.channel_dropout import alpha_dropout as _alpha_dropout  # noqa: E402
from ..ops.channel_dropout import channel_dropout as _channel_dropout  # noqa: E402
from ..ops.channel_dropout import feature_alpha_dropout as _feature_alpha_dropout  # noqa: E402
from ..ops.distance import pairwise_distance  # noqa: E402
from ..ops.embedding_bag import embedding_bag as _embedding_bag  # noqa: E402
from ..ops.fold import fold, unfold  # noqa: E402
from ..ops.loss import (cosine_embedding_loss, gaussian_nll_loss,  # noqa: E402
                        hinge_embedding_loss,
                        margin_ranking_loss, multilabel_margin_loss, multilabel_soft_margin_loss,
                        poisson_nll_loss, soft_margin_loss, triplet_margin_loss)
from ..ops.pixel_shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: E402
from ..ops.ctc import ctc_loss  # noqa: E402
from ..ops.grid_sample import affine_grid, grid_sample  # noqa: E402

__all__ += ["celu", "softmin", "glu", "prelu", "tanhshrink", "threshold", "gumbel_softmax",
            "bilinear", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
            "feature_alpha_dropout", "pairwise_distance", "embedding_bag", "fold", "unfold",
            "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "cosine_embedding_loss",
            "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
            "multilabel_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
            "soft_margin_loss", "triplet_margin_loss", "ctc_loss", "affine_grid", "grid_sample"]


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)); same shape out."""
    return _celu(input, alpha)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """softmax(-x) along ``dim`` (the last dim when None)."""
    if dtype is not None:
        input = input.type(dtype)
    return _softmin(input, -1 if dim is None else dim)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """x where x > threshold, else ``value``."""
    return _threshold(input, threshold, value)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A Gumbel-softmax sample softmax((logits + g) / tau) along ``dim``; ``hard`` gives the
    one-hot of its argmax with the soft sample's gradient (straight-through)."""
    return _gumbel_softmax(logits, tau, hard, dim)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Drops whole channels of (N, C, L) or (C, L) with probability p (scaled 1/(1-p))."""
    return _channel_dropout(input, p, training, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Drops whole channels of (N, C, H, W) or (C, H, W) with probability p."""
    return _channel_dropout(input, p, training, 2, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Drops whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p."""
    return _channel_dropout(input, p, training, 3, "dropout3d")


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """SELU's dropout (identity unless ``training``, False by default as torch's)."""
    return _alpha_dropout(input, p, training)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Alpha dropout of whole channels of (N, C, ...)."""
    return _feature_alpha_dropout(input, p, training)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,  # noqa: A002
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Each bag's embeddings reduced by ``mode`` (sum, mean, max): (B, L) ids, or (n,) ids
    with ``offsets`` -> (B, D)."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not "
                                  "supported")
    return _embedding_bag(input, weight, offsets, max_norm, norm_type, mode, per_sample_weights,
                          include_last_offset, padding_idx)
