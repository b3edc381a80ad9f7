"""ONNX nodes of the core layers: Dense/Linear, Embedding, Flatten/Reshape/Permute, and the
layers that are the identity at inference (Dropout, the noise layers, Identity).

Dense and Linear are one formula, y = x W + b on the last axis (MatMul + Add: ONNX's Gemm
takes 2-d inputs only); Keras stores W as (in, out), PyTorch as (out, in).  Reshapes keep
the batch axis symbolic: a ``0`` in an ONNX shape copies the input's size there.
"""

from .. import nn
from ..keras import layers as kl
from .activation import keras_activation
from .registry import builds, passes_through

# a Lambda's function is ops on tensors, exported as the ops between layers are
passes_through(kl.Lambda)


def linear(ex, x, kernel, bias):
    """x @ kernel + bias for a kernel (in, out) (an array) and a bias (out,) or None."""
    g = ex.g
    y = g.add("MatMul", [x, g.weight(kernel, "kernel")])
    return y if bias is None else g.add("Add", [y, ex.weight(bias, "bias")])


@builds(kl.Dense)
def _dense(ex, call):
    m = call.module
    x = ex.value(call.args[0], call)
    y = linear(ex, x, ex.array(m.kernel), m.bias)
    ex.bind(call.output, keras_activation(ex, call, y, m.activation))


@builds(nn.Linear)
def _linear(ex, call):
    m = call.module
    x = ex.value(call.args[0], call)
    ex.bind(call.output, linear(ex, x, ex.array(m.weight).T, m.bias))


@builds(kl.Dropout, kl.GaussianNoise, kl.GaussianDropout, kl.AlphaDropout, kl.InputLayer,
        nn.Dropout, nn.Identity)
def _identity(ex, call):
    ex.unary(call, lambda g, x: g.add("Identity", [x]))


@builds(kl.Flatten)
def _keras_flatten(ex, call):
    x_in, m = call.args[0], call.module

    def build(g, x):
        if x_in.ndim == 1:
            return g.add("Unsqueeze", [x, g.ints([1])])
        if m.data_format == "channels_first" and x_in.ndim > 2:
            x = g.add("Transpose", [x], perm=[0, *range(2, x_in.ndim), 1])
        return g.add("Flatten", [x], axis=1)
    ex.unary(call, build)


@builds(nn.Flatten, nn.Unflatten)
def _torch_reshape(ex, call):
    """Flatten(start_dim, end_dim) and Unflatten(dim, sizes): the output's shape with 0 (copy)
    on the axes before the changed ones, which keeps the batch axis free."""
    m, out = call.module, call.output
    x_in = call.args[0]
    first = m.start_dim if isinstance(m, nn.Flatten) else m.dim
    first = first % max(x_in.ndim, 1)
    if first == 0:
        raise ex.unsupported(call, f"{type(m).__name__} over the batch axis",
                             "the batch axis is exported as dynamic")
    shape = [0] * first + list(out.shape[first:])
    if isinstance(m, nn.Flatten):
        shape[first] = -1
    ex.unary(call, lambda g, x: g.add("Reshape", [x, g.ints(shape)]))


@builds(kl.Reshape)
def _keras_reshape(ex, call):
    shape = [0] + list(call.module.target_shape)
    ex.unary(call, lambda g, x: g.add("Reshape", [x, g.ints(shape)]))


@builds(kl.Permute)
def _permute(ex, call):
    perm = [0] + [int(d) for d in call.module.dims]
    ex.unary(call, lambda g, x: g.add("Transpose", [x], perm=perm))


@builds(kl.RepeatVector)
def _repeat_vector(ex, call):
    n = call.module.n
    ex.unary(call, lambda g, x: g.add("Expand", [g.add("Unsqueeze", [x, g.ints([1])]),
                                                 g.ints([1, n, 1])]))


@builds(kl.Embedding, nn.Embedding)
def _embedding(ex, call):
    m = call.module
    table = m.embeddings if isinstance(m, kl.Embedding) else m.weight
    if isinstance(m, nn.Embedding) and m.max_norm is not None:
        raise ex.unsupported(call, "max_norm", "the renormalisation changes the weights")

    def build(g, ids):
        if call.args[0].dtype.kind not in "iu":
            ids = g.add("Cast", [ids], to=g.onnx.TensorProto.INT64)
        return g.add("Gather", [ex.weight(table, "embeddings"), ids], axis=0)
    ex.unary(call, build)
