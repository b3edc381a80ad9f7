"""Differentiable primitives, each with its forward and backward side by side.

Families: ``arithmetic`` (+ - * / ** neg), ``elementwise`` (exp log sqrt abs clamp maximum
where ...), ``reduction`` (sum mean max var logsumexp ...), ``shape`` (reshape permute cat
split pad ...), ``indexing`` (x[i], gather, embedding), ``linalg`` (matmul, linear),
``activation`` (relu sigmoid gelu softmax ...), ``loss`` (cross-entropy, BCE, MSE ...),
``comparison`` (== < ...) and ``inplace`` (add_ zero_ ...); and ``pointwise`` (tan atan2
fmod lerp ...), ``scan`` (cumsum cumprod diff), ``ordering`` (sort topk quantile unique ...),
``rearrange`` (roll tril diag unfold meshgrid ...), ``scattering`` (scatter masked_select),
``products`` (mm tensordot cross ...), ``contraction`` (einsum), ``norms``, ``sampling``
(normal multinomial) and ``inplace_math`` (exp_ relu_ ...).  Importing this package also
gives ``Tensor`` its operators and methods (``methods``).
"""

from . import methods  # noqa: F401 - attaches the ops to Tensor
from .activation import (elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, log_softmax, logsigmoid, mish, relu,
                         relu6, selu, sigmoid, silu, softmax, softplus, softsign, swish, tanh)
from .arithmetic import add, div, mul, neg, pow, sub
from .comparison import (allclose, eq, equal, ge, gt, isclose, le, logical_and, logical_not,
                         logical_or, logical_xor, lt, ne)
from .elementwise import (abs, ceil, clamp, clamp_max, clamp_min, clip, cos, exp, floor, isfinite,
                          isinf, isnan, log, log1p, maximum, minimum, reciprocal, round, rsqrt,
                          sign, sin, sqrt, square, where)
from .indexing import embedding, gather, index_select, masked_fill, take
from .linalg import linear, matmul
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   hinge_embedding_loss, huber_loss, kl_div, l1_loss, mse_loss,
                   multi_margin_loss, nll_loss, smooth_l1_loss, soft_margin_loss, svm_loss)
from .reduction import (amax, amin, argmax, argmin, count_nonzero, logsumexp, max, mean, min,
                        prod, std, sum, var)
from .reduction import all, any  # noqa: A004
from .shape import (broadcast_to, cat, chunk, concat, concatenate, expand, flatten, flip, pad,
                    permute, repeat, reshape, split, squeeze, stack, swapaxes, t, transpose,
                    unbind, unflatten, unsqueeze, view)
from .special import erf
# issue 23: the PyTorch face's basics
from .contraction import einsum
from .inplace_math import (abs_, exp_, log_, neg_, pow_, relu_, sigmoid_, sqrt_, square_,
                           squeeze_, tanh_, unsqueeze_)
from .norms import cdist, dist, matrix_norm, norm, vector_norm
from .ordering import (argsort, bincount, bucketize, kthvalue, median, nonzero, quantile,
                       searchsorted, sort, topk, unique)
from .pointwise import (acos, arccos, arcsin, arctan, arctan2, asin, atan, atan2, cosh, exp2,
                        expm1, fix, floor_divide, fmod, frac, lerp, log2, log10, nan_to_num,
                        remainder, sinh, tan, true_divide, trunc)
from .products import addmm, baddbmm, bmm, cross, dot, ger, inner, mm, outer, tensordot
from .rearrange import (atleast_1d, atleast_2d, atleast_3d, broadcast_tensors, clone,
                        column_stack, contiguous, diag, diagonal, hstack, meshgrid, moveaxis,
                        movedim, narrow, repeat_interleave, roll, select, take_along_dim, tile,
                        trace, tril, triu, vstack)  # unfold is a Tensor method only
from .reduction import std_mean, var_mean
from .sampling import bernoulli, multinomial, normal
from .scan import cumprod, cumsum, diff
from .scattering import masked_select, scatter, scatter_, scatter_add, scatter_add_
# registers the ops' backwards in tensor ops, for create_graph=True
from . import double_backward, double_backward_fused  # noqa: F401,E402
from . import double_backward_basics  # noqa: F401,E402 - issue 23's primitives

__all__ = [name for name, value in dict(globals()).items()
           if not name.startswith("_") and callable(value) and not isinstance(value, type)]
