"""keras.ops: every function against Keras 3's own ``keras.ops`` (torch backend) on the same
random inputs, values and gradients; float64 gradchecks; errors; and a custom layer and loss
written the Keras 3 guide's way, trained with compile/fit on real digits."""

import numpy
import pytest

from shenjing import keras
from shenjing.autograd import Tensor, gradcheck
from shenjing.datasets import load_sample
from shenjing.keras import ops
from tests.keras.oracle import keras3, to_numpy

RNG = numpy.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def probs(*shape):
    p = RNG.uniform(0.05, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def labels(n, classes):
    return RNG.integers(0, classes, n)


MASK = RNG.uniform(size=(2, 1, 5, 6)) > 0.3

# (id, call(ops, *inputs), inputs, gradient compared): float inputs are differentiable
CASES = [
    ("matmul", lambda o, a, b: o.matmul(a, b), [normal(2, 3, 4), normal(4, 5)], True),
    ("matmul_vec", lambda o, a, b: o.matmul(a, b), [normal(3, 4), normal(4)], True),
    ("dot", lambda o, a, b: o.dot(a, b), [normal(3, 4), normal(4, 2)], True),
    ("tensordot", lambda o, a, b: o.tensordot(a, b, axes=([1, 2], [0, 1])),
     [normal(2, 3, 4), normal(3, 4, 5)], True),
    ("einsum_bmm", lambda o, a, b: o.einsum("bij,bjk->bik", a, b),
     [normal(2, 3, 4), normal(2, 4, 5)], True),
    ("einsum_ellipsis", lambda o, a, b: o.einsum("...ij,jk->...ik", a, b),
     [normal(2, 3, 4), normal(4, 5)], True),
    ("einsum_three", lambda o, a, b, c: o.einsum("ij,jk,kl->il", a, b, c),
     [normal(2, 3), normal(3, 4), normal(4, 2)], True),
    ("einsum_implicit_sum", lambda o, a, b: o.einsum("ij,ij", a, b), [normal(3, 4), normal(3, 4)],
     True),
    ("einsum_outer_trace", lambda o, a: o.einsum("bhqd->bqhd", a), [normal(2, 3, 4, 5)], True),
    ("outer", lambda o, a, b: o.outer(a, b), [normal(3), normal(4)], True),
    ("inner", lambda o, a, b: o.inner(a, b), [normal(2, 4), normal(3, 4)], True),
    ("vdot", lambda o, a, b: o.vdot(a, b), [normal(6), normal(6)], True),
    ("add", lambda o, a, b: o.add(a, b), [normal(2, 3), normal(3)], True),
    ("add_scalar", lambda o, a: o.add(a, 2.5), [normal(2, 3)], True),
    ("subtract", lambda o, a, b: o.subtract(a, b), [normal(2, 1), normal(1, 3)], True),
    ("multiply", lambda o, a, b: o.multiply(a, b), [normal(2, 3), normal(2, 3)], True),
    ("divide", lambda o, a, b: o.divide(a, b), [normal(2, 3), positive(2, 3)], True),
    ("negative", lambda o, a: o.negative(a), [normal(2, 3)], True),
    ("power", lambda o, a, b: o.power(a, b), [positive(2, 3), normal(2, 3)], True),
    ("power_scalar", lambda o, a: o.power(a, 3), [normal(2, 3)], True),
    ("mod", lambda o, a, b: o.mod(a, b), [normal(2, 3) * 3, positive(2, 3)], False),
    ("floor_divide", lambda o, a, b: o.floor_divide(a, b), [normal(2, 3) * 3, positive(2, 3)],
     False),
    ("sum", lambda o, a: o.sum(a, axis=1), [normal(2, 3, 4)], True),
    ("sum_keepdims", lambda o, a: o.sum(a, axis=(0, 1), keepdims=True), [normal(2, 3)], True),
    ("mean", lambda o, a: o.mean(a, axis=(0, 2), keepdims=True), [normal(2, 3, 4)], True),
    ("max", lambda o, a: o.max(a, axis=-1), [normal(3, 5)], True),
    ("min", lambda o, a: o.min(a, axis=0, keepdims=True), [normal(3, 5)], True),
    ("max_initial", lambda o, a: o.max(a, axis=1, initial=0.3), [normal(3, 5)], True),
    ("amax", lambda o, a: o.amax(a, axis=1), [normal(3, 5)], True),
    ("amin", lambda o, a: o.amin(a, axis=(0, 1)), [normal(3, 5)], True),
    ("true_divide", lambda o, a, b: o.true_divide(a, b), [normal(2, 3), positive(3)], True),
    ("absolute", lambda o, a: o.absolute(a), [normal(3, 4)], True),
    ("isinf", lambda o, a: o.isinf(o.divide(1.0, o.round(a))), [normal(3, 4)], False),
    ("cumsum_int", lambda o, a: o.cumsum(o.cast(a * 3, "int32"), axis=0), [normal(3, 4)], False),
    ("argmin_keepdims", lambda o, a: o.argmin(a, axis=-1, keepdims=True), [normal(3, 5)], False),
    ("hard_swish", lambda o, a: o.hard_swish(a * 4), [normal(3, 4)], True),
    ("prod", lambda o, a: o.prod(a, axis=1), [positive(3, 4)], True),
    ("std", lambda o, a: o.std(a, axis=1), [normal(3, 5)], True),
    ("var", lambda o, a: o.var(a), [normal(3, 5)], True),
    ("argmax", lambda o, a: o.argmax(a, axis=1), [normal(3, 5)], False),
    ("argmax_flat", lambda o, a: o.argmax(a), [normal(3, 5)], False),
    ("argmin", lambda o, a: o.argmin(a, axis=0), [normal(3, 5)], False),
    ("logsumexp", lambda o, a: o.logsumexp(a, axis=-1), [normal(3, 5) * 10], True),
    ("any", lambda o, a: o.any(o.greater(a, 1.0), axis=1), [normal(4, 5)], False),
    ("all", lambda o, a: o.all(o.greater(a, -1.0), axis=0), [normal(4, 5)], False),
    ("count_nonzero", lambda o, a: o.count_nonzero(o.greater(a, 0.0), axis=1), [normal(4, 5)],
     False),
    ("average_weights", lambda o, a, w: o.average(a, axis=1, weights=w),
     [normal(3, 4), positive(4)], True),
    ("reshape", lambda o, a: o.reshape(a, (3, -1)), [normal(2, 3, 4)], True),
    ("transpose", lambda o, a: o.transpose(a), [normal(2, 3, 4)], True),
    ("transpose_axes", lambda o, a: o.transpose(a, (1, 2, 0)), [normal(2, 3, 4)], True),
    ("moveaxis", lambda o, a: o.moveaxis(a, 0, -1), [normal(2, 3, 4)], True),
    ("swapaxes", lambda o, a: o.swapaxes(a, 0, 2), [normal(2, 3, 4)], True),
    ("concatenate", lambda o, a, b: o.concatenate([a, b], axis=1), [normal(2, 3), normal(2, 4)],
     True),
    ("stack", lambda o, a, b: o.stack([a, b], axis=-1), [normal(2, 3), normal(2, 3)], True),
    ("hstack", lambda o, a, b: o.hstack([a, b]), [normal(2, 3), normal(2, 1)], True),
    ("vstack", lambda o, a, b: o.vstack([a, b]), [normal(3), normal(2, 3)], True),
    ("unstack", lambda o, a: o.unstack(a, axis=1), [normal(2, 3)], True),
    ("split_sections", lambda o, a: o.split(a, 2, axis=1), [normal(3, 4)], True),
    ("split_indices", lambda o, a: o.split(a, [1, 4], axis=0), [normal(6, 2)], True),
    ("where", lambda o, a, b: o.where(o.greater(a, 0.0), a, b), [normal(3, 4), normal(3, 4)],
     True),
    ("where_nonzero", lambda o, a: o.stack(list(o.where(o.greater(a, 0.0)))), [normal(3, 4)],
     False),
    ("clip", lambda o, a: o.clip(a, -0.5, 0.7), [normal(3, 4)], True),
    ("exp", lambda o, a: o.exp(a), [normal(3, 4)], True),
    ("expm1", lambda o, a: o.expm1(a), [normal(3, 4)], True),
    ("log", lambda o, a: o.log(a), [positive(3, 4)], True),
    ("log1p", lambda o, a: o.log1p(a), [positive(3, 4)], True),
    ("log2", lambda o, a: o.log2(a), [positive(3, 4)], True),
    ("log10", lambda o, a: o.log10(a), [positive(3, 4)], True),
    ("sqrt", lambda o, a: o.sqrt(a), [positive(3, 4)], True),
    ("rsqrt", lambda o, a: o.rsqrt(a), [positive(3, 4)], True),
    ("reciprocal", lambda o, a: o.reciprocal(a), [positive(3, 4)], True),
    ("square", lambda o, a: o.square(a), [normal(3, 4)], True),
    ("abs", lambda o, a: o.abs(a), [normal(3, 4)], True),
    ("sign", lambda o, a: o.sign(a), [normal(3, 4)], False),
    ("maximum", lambda o, a, b: o.maximum(a, b), [normal(3, 4), normal(4)], True),
    ("minimum", lambda o, a, b: o.minimum(a, b), [normal(3, 4), normal(3, 1)], True),
    ("expand_dims", lambda o, a: o.expand_dims(a, 1), [normal(3, 4)], True),
    ("expand_dims_tuple", lambda o, a: o.expand_dims(a, (0, -1)), [normal(3, 4)], True),
    ("squeeze", lambda o, a: o.squeeze(a, axis=1), [normal(3, 1, 4, 1)], True),
    ("squeeze_all", lambda o, a: o.squeeze(a), [normal(3, 1, 4, 1)], True),
    ("ravel", lambda o, a: o.ravel(a), [normal(3, 4)], True),
    ("cast", lambda o, a: o.cast(a, "float32"), [normal(3, 4)], True),
    ("cast_int", lambda o, a: o.cast(a * 3, "int32"), [normal(3, 4)], False),
    ("take", lambda o, a: o.take(a, numpy.array([[0, 2], [1, -1]]), axis=1), [normal(3, 4)],
     True),
    ("take_flat", lambda o, a: o.take(a, numpy.array([5, 0, 11])), [normal(3, 4)], True),
    ("take_along_axis", lambda o, a: o.take_along_axis(a, numpy.array([[0, 3], [2, 2],
                                                                       [1, 0]]), axis=1),
     [normal(3, 4)], True),
    ("cumsum", lambda o, a: o.cumsum(a, axis=1), [normal(3, 5)], True),
    ("cumsum_flat", lambda o, a: o.cumsum(a), [normal(3, 5)], True),
    ("sort", lambda o, a: o.sort(a, axis=0), [normal(4, 3)], True),
    ("argsort", lambda o, a: o.argsort(a, axis=-1), [normal(4, 3)], False),
    ("top_k", lambda o, a: o.top_k(a, 3), [normal(2, 6)], True),
    ("tile", lambda o, a: o.tile(a, (2, 1, 3)), [normal(2, 3)], True),
    ("repeat", lambda o, a: o.repeat(a, 2, axis=1), [normal(2, 3)], True),
    ("repeat_flat", lambda o, a: o.repeat(a, 3), [normal(2, 3)], True),
    ("flip", lambda o, a: o.flip(a, axis=1), [normal(2, 3)], True),
    ("flip_all", lambda o, a: o.flip(a), [normal(2, 3)], True),
    ("roll", lambda o, a: o.roll(a, 2, axis=1), [normal(2, 5)], True),
    ("pad_constant", lambda o, a: o.pad(a, ((1, 2), (0, 3)), constant_values=0.5),
     [normal(2, 3)], True),
    ("pad_reflect", lambda o, a: o.pad(a, ((1, 2), (2, 1)), mode="reflect"), [normal(4, 3)],
     True),
    ("pad_symmetric", lambda o, a: o.pad(a, ((1, 1), (1, 0)), mode="symmetric"),
     [normal(4, 3)], True),
    ("broadcast_to", lambda o, a: o.broadcast_to(a, (2, 3, 4)), [normal(3, 1)], True),
    ("equal", lambda o, a, b: o.equal(o.round(a), o.round(b)), [normal(3, 4), normal(3, 4)],
     False),
    ("not_equal", lambda o, a: o.not_equal(o.round(a), 0.0), [normal(3, 4)], False),
    ("greater", lambda o, a, b: o.greater(a, b), [normal(3, 4), normal(4)], False),
    ("greater_equal", lambda o, a: o.greater_equal(a, 0.1), [normal(3, 4)], False),
    ("less", lambda o, a, b: o.less(a, b), [normal(3, 4), normal(3, 4)], False),
    ("less_equal", lambda o, a: o.less_equal(a, 0.1), [normal(3, 4)], False),
    ("logical_and", lambda o, a, b: o.logical_and(o.greater(a, 0), o.greater(b, 0)),
     [normal(3, 4), normal(3, 4)], False),
    ("logical_or", lambda o, a, b: o.logical_or(o.greater(a, 0), o.greater(b, 0)),
     [normal(3, 4), normal(3, 4)], False),
    ("logical_xor", lambda o, a, b: o.logical_xor(o.greater(a, 0), o.greater(b, 0)),
     [normal(3, 4), normal(3, 4)], False),
    ("logical_not", lambda o, a: o.logical_not(o.greater(a, 0)), [normal(3, 4)], False),
    ("tanh", lambda o, a: o.tanh(a), [normal(3, 4)], True),
    ("sin", lambda o, a: o.sin(a), [normal(3, 4)], True),
    ("cos", lambda o, a: o.cos(a), [normal(3, 4)], True),
    ("tan", lambda o, a: o.tan(a), [normal(3, 4) * 0.5], True),
    ("floor", lambda o, a: o.floor(a * 3), [normal(3, 4)], False),
    ("ceil", lambda o, a: o.ceil(a * 3), [normal(3, 4)], False),
    ("round", lambda o, a: o.round(a * 3), [normal(3, 4)], False),
    ("round_decimals", lambda o, a: o.round(a, 2), [normal(3, 4)], False),
    ("erf", lambda o, a: o.erf(a), [normal(3, 4)], True),
    ("isnan", lambda o, a: o.isnan(o.log(a)), [normal(3, 4)], False),
    ("isfinite", lambda o, a: o.isfinite(o.divide(1.0, o.round(a))), [normal(3, 4)], False),
    ("norm", lambda o, a: o.norm(a), [normal(3, 4)], True),
    ("norm_axis", lambda o, a: o.norm(a, axis=1, keepdims=True), [normal(3, 4)], True),
    ("norm_l1", lambda o, a: o.norm(a, ord=1, axis=-1), [normal(3, 4)], True),
    ("norm_inf", lambda o, a: o.norm(a, ord=numpy.inf, axis=0), [normal(3, 4)], True),
    ("norm_p3", lambda o, a: o.norm(a, ord=3, axis=0), [normal(3, 4)], True),
    ("norm_matrix_1", lambda o, a: o.norm(a, ord=1), [normal(3, 4)], True),
    ("norm_matrix_inf", lambda o, a: o.norm(a, ord=numpy.inf, axis=(1, 2)), [normal(2, 3, 4)],
     True),
    ("sinh", lambda o, a: o.sinh(a), [normal(3, 4)], True),
    ("cosh", lambda o, a: o.cosh(a), [normal(3, 4)], True),
    ("exp2", lambda o, a: o.exp2(a), [normal(3, 4)], True),
    ("trunc", lambda o, a: o.trunc(a * 3), [normal(3, 4)], False),
    ("logaddexp", lambda o, a, b: o.logaddexp(a, b), [normal(3, 4) * 5, normal(4)], True),
    ("hypot", lambda o, a, b: o.hypot(a, b), [normal(3, 4), normal(3, 1)], True),
    ("nan_to_num", lambda o, a: o.nan_to_num(o.log(a), nan=1.5), [normal(3, 4)], False),
    ("threshold", lambda o, a: o.threshold(a, 0.2, -3.0), [normal(3, 4)], True),
    ("diagonal", lambda o, a: o.diagonal(a, 1, 0, 2), [normal(3, 4, 5)], True),
    ("diagonal_below", lambda o, a: o.diagonal(a, -1, 2, 1), [normal(3, 4, 5)], True),
    ("diag_vector", lambda o, a: o.diag(a, 2), [normal(3)], True),
    ("diag_vector_below", lambda o, a: o.diag(a, -1), [normal(3)], True),
    ("diag_matrix", lambda o, a: o.diag(a, 1), [normal(3, 4)], True),
    ("trace", lambda o, a: o.trace(a, 0, 1, 2), [normal(3, 4, 5)], True),
    ("meshgrid", lambda o, a, b: o.meshgrid(a, b), [normal(3), normal(4)], True),
    ("meshgrid_ij", lambda o, a, b, c: o.meshgrid(a, b, c, indexing="ij"),
     [normal(3), normal(4), normal(2)], True),
    ("quantile", lambda o, a: o.quantile(a, numpy.array([0.1, 0.5, 0.93]), axis=1),
     [normal(3, 4, 5)], True),
    ("quantile_nearest", lambda o, a: o.quantile(a, 0.3, axis=(0, 2), method="nearest",
                                                 keepdims=True), [normal(3, 4, 5)], True),
    ("quantile_midpoint", lambda o, a: o.quantile(a, 0.3, method="midpoint"), [normal(3, 4)],
     True),
    ("median", lambda o, a: o.median(a, axis=-1), [normal(3, 4)], True),
    ("median_keepdims", lambda o, a: o.median(a, axis=0, keepdims=True), [normal(3, 5)], True),
    ("searchsorted", lambda o, v: o.searchsorted(numpy.array([-1.0, 0, 0.5, 2]), v,
                                                 side="right"), [normal(7)], False),
    ("digitize", lambda o, v: o.digitize(v, numpy.array([-1.0, 0, 0.5, 2])), [normal(7)], False),
    ("bincount", lambda o: o.bincount(numpy.array([0, 1, 1, 4]), minlength=6), [], False),
    ("bincount_weights", lambda o, w: o.bincount(numpy.array([0, 1, 1, 4]), weights=w),
     [normal(4)], False),
    ("tril", lambda o, a: o.tril(a, -1), [normal(4, 4)], True),
    ("triu", lambda o, a: o.triu(a, 1), [normal(2, 3, 4)], True),
    ("ones_like", lambda o, a: o.ones_like(a), [normal(3, 4)], False),
    ("zeros_like", lambda o, a: o.zeros_like(a, dtype="int32"), [normal(3, 4)], False),
    ("full_like", lambda o, a: o.full_like(a, 2.5), [normal(3, 4)], False),
    ("stop_gradient", lambda o, a: o.stop_gradient(a) * a, [normal(3, 4)], True),
    ("slice", lambda o, a: o.slice(a, (1, 0), (2, 3)), [normal(3, 4)], True),
    # neural-network ops
    ("softmax", lambda o, a: o.softmax(a, axis=1), [normal(2, 4, 3)], True),
    ("log_softmax", lambda o, a: o.log_softmax(a), [normal(2, 5)], True),
    ("sigmoid", lambda o, a: o.sigmoid(a), [normal(3, 4)], True),
    ("relu", lambda o, a: o.relu(a), [normal(3, 4)], True),
    ("relu6", lambda o, a: o.relu6(a * 5), [normal(3, 4)], True),
    ("gelu", lambda o, a: o.gelu(a), [normal(3, 4)], True),
    ("gelu_exact", lambda o, a: o.gelu(a, approximate=False), [normal(3, 4)], True),
    ("silu", lambda o, a: o.silu(a), [normal(3, 4)], True),
    ("swish", lambda o, a: o.swish(a), [normal(3, 4)], True),
    ("elu", lambda o, a: o.elu(a, alpha=0.7), [normal(3, 4)], True),
    ("selu", lambda o, a: o.selu(a), [normal(3, 4)], True),
    ("leaky_relu", lambda o, a: o.leaky_relu(a), [normal(3, 4)], True),
    ("softplus", lambda o, a: o.softplus(a), [normal(3, 4)], True),
    ("softsign", lambda o, a: o.softsign(a), [normal(3, 4)], True),
    ("hard_sigmoid", lambda o, a: o.hard_sigmoid(a * 4), [normal(3, 4)], True),
    ("hard_silu", lambda o, a: o.hard_silu(a * 4), [normal(3, 4)], True),
    ("log_sigmoid", lambda o, a: o.log_sigmoid(a), [normal(3, 4)], True),
    ("celu", lambda o, a: o.celu(a * 2, alpha=0.5), [normal(3, 4)], True),
    ("glu", lambda o, a: o.glu(a, axis=1), [normal(3, 4, 5)], True),
    ("hard_tanh", lambda o, a: o.hard_tanh(a * 2), [normal(3, 4)], True),
    ("squareplus", lambda o, a: o.squareplus(a, b=2), [normal(3, 4)], True),
    ("sparse_plus", lambda o, a: o.sparse_plus(a * 2), [normal(3, 4)], True),
    ("soft_shrink", lambda o, a: o.soft_shrink(a), [normal(3, 4)], True),
    ("hard_shrink", lambda o, a: o.hard_shrink(a, 0.3), [normal(3, 4)], True),
    ("tanh_shrink", lambda o, a: o.tanh_shrink(a), [normal(3, 4)], True),
    ("multi_hot", lambda o: o.multi_hot(numpy.array([[0, 2], [1, 1]]), 4), [], False),
    ("layer_normalization", lambda o, x, g, b: o.layer_normalization(x, g, b),
     [normal(3, 4, 5), normal(5), normal(5)], True),
    ("rms_normalization", lambda o, x, g: o.rms_normalization(x, g), [normal(3, 4), normal(4)],
     True),
    ("one_hot", lambda o: o.one_hot(numpy.array([0, 2, 1, 3]), 4), [], False),
    ("one_hot_axis", lambda o: o.one_hot(numpy.array([[0, 2], [1, 1]]), 3, axis=0), [], False),
    ("categorical_crossentropy", lambda o, t, p: o.categorical_crossentropy(t, p),
     [probs(4, 3), probs(4, 3)], True),
    ("categorical_crossentropy_logits",
     lambda o, t, p: o.categorical_crossentropy(t, p, from_logits=True),
     [probs(4, 3), normal(4, 3)], True),
    ("categorical_crossentropy_axis",
     lambda o, t, p: o.categorical_crossentropy(t, p, from_logits=True, axis=1),
     [probs(2, 4, 3).transpose(0, 2, 1), normal(2, 3, 4)], True),
    ("sparse_categorical_crossentropy",
     lambda o, t, p: o.sparse_categorical_crossentropy(t, p), [labels(5, 4), probs(5, 4)], True),
    ("sparse_categorical_crossentropy_logits",
     lambda o, t, p: o.sparse_categorical_crossentropy(t, p, from_logits=True),
     [labels(5, 4), normal(5, 4)], True),
    ("binary_crossentropy", lambda o, t, p: o.binary_crossentropy(t, p),
     [RNG.uniform(0, 1, (4, 3)), RNG.uniform(0.05, 0.95, (4, 3))], True),
    ("binary_crossentropy_logits",
     lambda o, t, p: o.binary_crossentropy(t, p, from_logits=True),
     [RNG.uniform(0, 1, (4, 3)), normal(4, 3)], True),
    ("conv2d", lambda o, x, k: o.conv(x, k), [normal(2, 6, 5, 3), normal(3, 2, 3, 4)], True),
    ("conv2d_same_stride", lambda o, x, k: o.conv(x, k, strides=2, padding="same"),
     [normal(2, 7, 6, 3), normal(3, 3, 3, 4)], True),
    ("conv2d_dilated", lambda o, x, k: o.conv(x, k, padding="same", dilation_rate=2),
     [normal(1, 7, 7, 2), normal(3, 3, 2, 3)], True),
    ("conv1d", lambda o, x, k: o.conv(x, k, strides=2), [normal(2, 9, 3), normal(3, 3, 4)], True),
    ("conv2d_groups", lambda o, x, k: o.conv(x, k), [normal(2, 5, 5, 4), normal(3, 3, 2, 6)],
     True),
    ("conv2d_channels_first", lambda o, x, k: o.conv(x, k, data_format="channels_first"),
     [normal(2, 3, 6, 5), normal(3, 2, 3, 4)], True),
    ("conv3d", lambda o, x, k: o.conv(x, k), [normal(1, 4, 5, 4, 2), normal(2, 2, 2, 2, 3)], True),
    ("depthwise_conv", lambda o, x, k: o.depthwise_conv(x, k, padding="same"),
     [normal(2, 5, 5, 3), normal(3, 3, 3, 2)], True),
    ("separable_conv", lambda o, x, d, p: o.separable_conv(x, d, p, strides=2),
     [normal(2, 7, 7, 3), normal(3, 3, 3, 2), normal(1, 1, 6, 4)], True),
    ("conv_transpose_same", lambda o, x, k: o.conv_transpose(x, k, strides=2, padding="same"),
     [normal(2, 5, 4, 3), normal(3, 3, 4, 3)], True),
    ("conv_transpose_valid", lambda o, x, k: o.conv_transpose(x, k, strides=2),
     [normal(2, 5, 4, 3), normal(3, 2, 4, 3)], True),
    ("conv_transpose_wide_stride", lambda o, x, k: o.conv_transpose(x, k, strides=3),
     [normal(2, 4, 3), normal(2, 5, 3)], True),
    ("conv_transpose_output_padding",
     lambda o, x, k: o.conv_transpose(x, k, strides=2, padding="same", output_padding=1),
     [normal(1, 5, 5, 2), normal(4, 4, 3, 2)], True),
    ("conv_transpose_dilated", lambda o, x, k: o.conv_transpose(x, k, padding="same",
                                                                dilation_rate=2),
     [normal(1, 6, 2), normal(3, 3, 2)], True),
    ("conv_transpose_channels_first",
     lambda o, x, k: o.conv_transpose(x, k, strides=2, data_format="channels_first"),
     [normal(2, 3, 5, 4), normal(3, 3, 4, 3)], True),
    ("dot_product_attention", lambda o, q, k, v: o.dot_product_attention(q, k, v),
     [normal(2, 5, 4, 8), normal(2, 6, 4, 8), normal(2, 6, 4, 8)], True),
    ("dot_product_attention_gqa_mask",
     lambda o, q, k, v: o.dot_product_attention(q, k, v, mask=MASK, scale=0.2),
     [normal(2, 5, 4, 8), normal(2, 6, 2, 8), normal(2, 6, 2, 8)], True),
    ("dot_product_attention_causal",
     lambda o, q, k, v: o.dot_product_attention(q, k, v, is_causal=True),
     [normal(2, 6, 2, 4), normal(2, 6, 2, 4), normal(2, 6, 2, 4)], True),
    ("dot_product_attention_bias",
     lambda o, q, k, v, b: o.dot_product_attention(q, k, v, bias=b),
     [normal(2, 5, 2, 4), normal(2, 6, 2, 4), normal(2, 6, 2, 4), normal(1, 2, 5, 6)], True),
    ("max_pool", lambda o, x: o.max_pool(x, 2), [normal(2, 6, 6, 3)], True),
    ("max_pool_same", lambda o, x: o.max_pool(x, 3, strides=2, padding="same"),
     [normal(2, 7, 6, 3)], True),
    ("max_pool1d", lambda o, x: o.max_pool(x, 2, strides=1), [normal(2, 7, 3)], True),
    ("average_pool", lambda o, x: o.average_pool(x, (2, 3), strides=(2, 1)),
     [normal(2, 6, 6, 3)], True),
    ("average_pool_same", lambda o, x: o.average_pool(x, 3, strides=1, padding="same"),
     [normal(2, 5, 6, 3)], True),
    ("average_pool_channels_first",
     lambda o, x: o.average_pool(x, 2, data_format="channels_first"), [normal(2, 3, 6, 4)], True),
    ("moments", lambda o, x: o.moments(x, axes=(0, 1)), [normal(4, 3, 5)], True),
    ("moments_keepdims", lambda o, x: o.moments(x, axes=[1], keepdims=True), [normal(4, 3)],
     True),
    ("batch_normalization",
     lambda o, x, m, v, b, s: o.batch_normalization(x, m, v, axis=-1, offset=b, scale=s),
     [normal(4, 3), normal(3), positive(3), normal(3), normal(3)], True),
    ("batch_normalization_axis1",
     lambda o, x, m, v: o.batch_normalization(x, m, v, axis=1, epsilon=0.01),
     [normal(2, 3, 4), normal(3), positive(3)], True),
    ("normalize", lambda o, x: o.normalize(x, axis=-1), [normal(3, 4)], True),
    ("normalize_l1", lambda o, x: o.normalize(x, axis=0, order=1), [normal(3, 4)], True),
]


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [r for item in result for r in _outputs(item)]
    return [result]


@pytest.mark.parametrize("name, call, inputs, differentiable", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(name, call, inputs, differentiable):
    keras = keras3()
    import torch
    ours = [Tensor(x, requires_grad=differentiable) if x.dtype.kind == "f" else x
            for x in inputs]
    theirs = [torch.tensor(x, requires_grad=differentiable) if x.dtype.kind == "f" else x
              for x in inputs]
    got, want = _outputs(call(ops, *ours)), _outputs(call(keras.ops, *theirs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, Tensor), f"{name} returned {type(g).__name__}, not a Tensor"
        w = to_numpy(w)
        assert g.shape == w.shape
        if w.dtype.kind in "iub":
            # argmax and friends give int32; top_k's indices are int32 as Keras's TensorFlow
            # and JAX backends give them (its torch backend leaves torch's int64)
            assert str(g.dtype) == ("int32" if name == "top_k" else str(w.dtype))
            numpy.testing.assert_array_equal(ops.convert_to_numpy(g), w)
        else:
            numpy.testing.assert_allclose(ops.convert_to_numpy(g), w, rtol=1e-5, atol=1e-6)
    if not differentiable:
        return
    weights = [RNG.standard_normal(g.shape) for g in got]
    sum((g * Tensor(wt.astype(g.dtype))).sum() for g, wt in zip(got, weights)
        if g.dtype.kind == "f" and g.requires_grad).backward()
    sum((w * torch.tensor(wt, dtype=w.dtype)).sum() for w, wt in zip(want, weights)
        if w.dtype.is_floating_point and w.requires_grad).backward()
    for mine, ref in zip(ours, theirs):
        if isinstance(mine, Tensor):
            expected = numpy.zeros(mine.shape) if ref.grad is None else to_numpy(ref.grad)
            actual = numpy.zeros(mine.shape) if mine.grad is None else mine.grad.numpy()
            numpy.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


CREATION = [
    ("ones", lambda o: o.ones((2, 3))),
    ("zeros", lambda o: o.zeros(4, dtype="int32")),
    ("full", lambda o: o.full((2, 2), 7)),
    ("full_float", lambda o: o.full((2, 2), 0.5)),
    ("eye", lambda o: o.eye(3, 4, k=1)),
    ("identity", lambda o: o.identity(3)),
    ("tri", lambda o: o.tri(3, 4, k=-1)),
    ("arange", lambda o: o.arange(5)),
    ("arange_float", lambda o: o.arange(1, 2, 0.25)),
    ("linspace", lambda o: o.linspace(0, 1, 5)),
    ("linspace_open", lambda o: o.linspace(2, 3, 4, endpoint=False)),
    ("convert_int", lambda o: o.convert_to_tensor([1, 2, 3])),
    ("convert_float", lambda o: o.convert_to_tensor([[1.5, 2.0]])),
]


@pytest.mark.parametrize("name, call", CREATION, ids=[c[0] for c in CREATION])
def test_creation_matches_keras(name, call):
    keras = keras3()
    got, want = call(ops), to_numpy(call(keras.ops))
    assert isinstance(got, Tensor)
    assert str(got.dtype) == str(want.dtype)
    numpy.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=1e-6)


def test_dot_of_nd_tensors_follows_numpy():
    # Keras documents NumPy's dot (sum over x1's last and x2's second-to-last axis), which
    # its NumPy and JAX backends compute; its torch backend runs torch.matmul instead
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((5, 4, 2))
    numpy.testing.assert_allclose(ops.dot(a, b).numpy(), numpy.dot(a, b), rtol=1e-12)
    assert ops.dot(a, b).shape == (2, 3, 5, 2)


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "edge", "wrap"])
def test_pad_modes_follow_numpy(mode):
    # NumPy's definition (Keras's torch backend differs from it for symmetric widths > 1)
    x = RNG.standard_normal((4, 3))
    widths = ((2, 1), (2, 2))
    numpy.testing.assert_array_equal(ops.pad(x, widths, mode=mode).numpy(),
                                     numpy.pad(x, widths, mode=mode))


def test_every_public_name_has_a_docstring():
    for name in ops.__all__:
        assert getattr(ops, name).__doc__, f"keras.ops.{name} has no docstring"


def test_shape_size_ndim_and_numpy_conversion():
    x = ops.ones((2, 3, 4))
    assert ops.shape(x) == (2, 3, 4) and ops.ndim(x) == 3 and ops.size(x) == 24
    assert ops.dtype(x) == "float32" and ops.is_tensor(x) and not ops.is_tensor(numpy.ones(2))
    assert isinstance(numpy.asarray(x), numpy.ndarray)
    assert numpy.asarray(x).sum() == 24
    assert isinstance(ops.convert_to_numpy(x), numpy.ndarray)
    scalar = ops.sum(x)                                     # a 0-d result converts too
    assert numpy.asarray(scalar).shape == () and float(ops.convert_to_numpy(scalar)) == 24


def test_control_flow():
    assert float(ops.cond(ops.greater(1.0, 0.0), lambda: ops.ones(()), lambda: ops.zeros(()))) == 1
    total = ops.fori_loop(0, 5, lambda i, v: v + i, ops.zeros(()))
    assert float(total) == 10
    i, s = ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2), (0, 1))
    assert (i, s) == (4, 16)


# ------------------------------------------------------------------ float64 gradchecks

GRADCHECKS = [
    ("cumsum", lambda a: ops.cumsum(a, axis=0), [(4, 3)]),
    ("einsum", lambda a, b: ops.einsum("bij,jk->bki", a, b), [(2, 3, 4), (4, 2)]),
    ("sort", lambda a: ops.sort(a, axis=1), [(3, 5)]),
    ("top_k", lambda a: ops.top_k(a, 2)[0], [(3, 5)]),
    ("take_along_axis", lambda a: ops.take_along_axis(a, numpy.array([[1], [0], [2]]), 1),
     [(3, 4)]),
    ("norm_p3", lambda a: ops.norm(a, ord=3, axis=1), [(3, 4)]),
    ("pad_reflect", lambda a: ops.pad(a, ((1, 1), (2, 2)), mode="reflect"), [(3, 4)]),
    ("conv_same_stride", lambda x, k: ops.conv(x, k, strides=2, padding="same"),
     [(1, 5, 5, 2), (3, 3, 2, 2)]),
    ("average_pool_same", lambda x: ops.average_pool(x, 2, padding="same"), [(1, 5, 5, 2)]),
    ("batch_normalization", lambda x, m, s: ops.batch_normalization(x, m, ops.square(s) + 0.5,
                                                                    axis=1, scale=s),
     [(4, 3), (3,), (3,)]),
    ("categorical_crossentropy",
     lambda t, p: ops.categorical_crossentropy(ops.softmax(t), p, from_logits=True, axis=0),
     [(3, 4), (3, 4)]),
    ("tensordot", lambda a, b: ops.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    ("normalize", lambda a: ops.normalize(a), [(3, 4)]),
    ("conv_transpose", lambda x, k: ops.conv_transpose(x, k, 2, "same", output_padding=1),
     [(1, 4, 4, 2), (3, 3, 2, 2)]),
    ("depthwise_conv", lambda x, k: ops.depthwise_conv(x, k, 2, "same"),
     [(1, 5, 5, 2), (3, 3, 2, 2)]),
    ("dot_product_attention_bias_and_mask",
     lambda q, k, v, b: ops.dot_product_attention(q, k, v, bias=b, mask=MASK[:1], is_causal=True),
     [(1, 5, 2, 4), (1, 6, 2, 4), (1, 6, 2, 4), (1, 2, 5, 6)]),
]


def test_layer_normalization_over_a_middle_axis():
    # Keras's torch backend hands a non-last axis to F.layer_norm (last axes only): the
    # reference is the formula itself
    x, gamma, beta = RNG.standard_normal((3, 4, 5)), RNG.standard_normal((4, 1)), \
        RNG.standard_normal((4, 1))
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    expected = (x - mean) / numpy.sqrt(var + 1e-3) * gamma + beta
    got = ops.layer_normalization(x, gamma, beta, axis=1, epsilon=1e-3)
    numpy.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


def test_dot_product_attention_with_bias_and_mask():
    # Keras's torch backend refuses both at once; its JAX backend (and this one) adds the bias
    # and keeps only the masked-in scores: the reference is softmax over those
    q, k, v = RNG.standard_normal((1, 5, 2, 4)), RNG.standard_normal((1, 6, 2, 4)), \
        RNG.standard_normal((1, 6, 2, 4))
    bias, mask = RNG.standard_normal((1, 2, 5, 6)), MASK[:1]
    scores = numpy.einsum("btnh,bsnh->bnts", q, k) / 2 + bias
    scores = numpy.where(mask, scores, -numpy.inf)
    weights = numpy.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = numpy.einsum("bnts,bsnh->btnh", weights, v)
    got = ops.dot_product_attention(q, k, v, bias=bias, mask=mask)
    numpy.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("name, fn, shapes", GRADCHECKS, ids=[c[0] for c in GRADCHECKS])
def test_gradcheck(name, fn, shapes):
    inputs = [Tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, tuple(inputs))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("call, name, shapes", [
    (lambda: ops.matmul(numpy.ones((2, 3)), numpy.ones((4, 5))), "matmul", ["(2, 3)", "(4, 5)"]),
    (lambda: ops.dot(numpy.ones((2, 3)), numpy.ones((4,))), "dot", ["(2, 3)", "(4,)"]),
    (lambda: ops.add(numpy.ones((2, 3)), numpy.ones((4, 5))), "add", ["(2, 3)", "(4, 5)"]),
    (lambda: ops.multiply(numpy.ones((2, 3)), numpy.ones(2)), "multiply", ["(2, 3)", "(2,)"]),
    (lambda: ops.where(numpy.ones(3) > 0, numpy.ones((2, 3)), numpy.ones(4)), "where",
     ["(2, 3)", "(4,)"]),
    (lambda: ops.concatenate([numpy.ones((2, 3)), numpy.ones((4, 5))], axis=1), "concatenate",
     ["(2, 3)", "(4, 5)"]),
    (lambda: ops.stack([numpy.ones((2, 3)), numpy.ones((3, 2))]), "stack", ["(2, 3)", "(3, 2)"]),
    (lambda: ops.reshape(numpy.ones((2, 3)), (4, 2)), "reshape", ["(2, 3)", "(4, 2)"]),
    (lambda: ops.einsum("ij,jk->ik", numpy.ones((2, 3)), numpy.ones((4, 5))), "einsum",
     ["(2, 3)", "(4, 5)"]),
    (lambda: ops.conv(numpy.ones((1, 5, 5, 3)), numpy.ones((3, 3, 2, 4))), "conv",
     ["(1, 5, 5, 3)", "(3, 3, 2, 4)"]),
    (lambda: ops.categorical_crossentropy(numpy.ones((2, 3)), numpy.ones((2, 4))),
     "categorical_crossentropy", ["(2, 3)", "(2, 4)"]),
    (lambda: ops.binary_crossentropy(numpy.ones((2, 3)), numpy.ones((3, 2))),
     "binary_crossentropy", ["(2, 3)", "(3, 2)"]),
    (lambda: ops.broadcast_to(numpy.ones((2, 3)), (4, 3)), "broadcast_to", ["(2, 3)", "(4, 3)"]),
])
def test_incompatible_shapes_name_the_function_and_both_shapes(call, name, shapes):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"keras.ops.{name}:")
    for shape in shapes:
        assert shape in message


def test_other_bad_input_names_the_function():
    with pytest.raises(ValueError, match=r"keras\.ops\.split: .*\(2, 5\).* 2 equal"):
        ops.split(numpy.ones((2, 5)), 2, axis=1)
    with pytest.raises(IndexError, match=r"keras\.ops\.sum: axis 3 is out of range"):
        ops.sum(numpy.ones((2, 5)), axis=3)
    with pytest.raises(ValueError, match=r"keras\.ops\.pad: mode must be one of"):
        ops.pad(numpy.ones(3), 1, mode="linear_ramp")
    with pytest.raises(IndexError, match=r"keras\.ops\.take: indices must be in \[-3, 3\)"):
        ops.take(numpy.ones(3), [3])
    with pytest.raises(TypeError, match=r"keras\.ops\.one_hot: expected integer labels"):
        ops.one_hot(numpy.ones(3), 4)
    with pytest.raises(ValueError, match=r"keras\.ops\.sparse_categorical_crossentropy: "
                                         r"target of shape \(3,\)"):
        ops.sparse_categorical_crossentropy(numpy.array([0, 1, 2]), numpy.ones((2, 4)))


def test_results_are_differentiable_tensors_from_mixed_inputs():
    w = Tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    y = ops.sum(ops.square(ops.add(ops.matmul(numpy.ones((4, 3)), w), 1)))
    y.backward()
    expected = 2 * numpy.ones((4, 3)).T @ (numpy.ones((4, 3)) @ w.numpy() + 1)
    numpy.testing.assert_allclose(w.grad.numpy(), expected)


# ------------------------------------------------------------------ the Keras 3 guide's way


@pytest.fixture(scope="module")
def digits():
    images, target = load_sample("mnist")
    x = images[:2000].reshape(2000, -1).astype(numpy.float32) / 255
    return x, target[:2000].astype(numpy.int64)


def test_custom_layer_and_loss_train_with_fit(digits):
    x, y = digits

    class Linear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    class MLP(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.hidden = Linear(64)
            self.out = Linear(10)

        def call(self, inputs):
            return ops.softmax(self.out(ops.relu(self.hidden(inputs))))

    class CrossEntropy(keras.losses.Loss):
        def call(self, y_true, y_pred):
            one_hot = ops.one_hot(ops.cast(ops.squeeze(y_true), "int32"), 10)
            p = ops.clip(y_pred, 1e-7, 1.0)
            return -ops.sum(one_hot * ops.log(p), axis=-1)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), MLP()])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=CrossEntropy())
    history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    probabilities = ops.convert_to_numpy(model.predict(x[:200], verbose=0))
    direct = model(x[:200])
    numpy.testing.assert_allclose(numpy.asarray(direct), probabilities, rtol=1e-5, atol=1e-7)
    numpy.testing.assert_allclose(ops.convert_to_numpy(direct), probabilities, rtol=1e-5,
                                  atol=1e-7)
    numpy.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    assert (probabilities.argmax(-1) == y[:200]).mean() > 0.8


def test_custom_loss_function_with_ops_matches_keras_loss():
    def mean_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    y_true, y_pred = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
    ours = keras.losses.LossFunctionWrapper(mean_squared_error)(y_true, Tensor(y_pred))
    reference = keras.losses.MeanSquaredError()(y_true, Tensor(y_pred))
    assert float(ours) == pytest.approx(float(reference), rel=1e-6)


def test_ops_on_keras_tensors_build_a_functional_model(digits, tmp_path):
    x, y = digits
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(784,))
    hidden = ops.relu(keras.layers.Dense(32)(inputs))
    logits = keras.layers.Dense(10)(hidden)
    outputs = ops.softmax(logits)
    assert tuple(outputs.shape) == (None, 10)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x[:1000], y[:1000], epochs=2, batch_size=50, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    dense1, dense2 = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    h = numpy.maximum(x[:5] @ dense1.kernel.numpy() + dense1.bias.numpy(), 0)
    z = h @ dense2.kernel.numpy() + dense2.bias.numpy()
    expected = numpy.exp(z - z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    numpy.testing.assert_allclose(model.predict(x[:5], verbose=0), expected, rtol=1e-4,
                                  atol=1e-6)
    with pytest.raises(TypeError, match="cannot be saved"):
        model.save(tmp_path / "model.keras")
