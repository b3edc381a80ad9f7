"""Keras 3's products and norms: ``matmul``, ``dot``, ``tensordot``, ``einsum``,
``outer``, ``inner``, ``vdot``, ``norm``, on shenjing's ``matmul`` and reductions.

``einsum`` contracts operands two at a time, each pair as one batched ``matmul``
(batch letters, kept letters of each side, summed letters), so it is differentiable and
runs at matmul speed; a letter repeated within one operand (a diagonal) is not supported.
"""

import numpy

from ... import ops
from .core import broadcast_shape, fail, floating, keras_op, tensor
from .math import abs as _abs, max as _max, min as _min, sum as _sum

__all__ = ["matmul", "dot", "tensordot", "einsum", "outer", "inner", "vdot", "norm"]


@keras_op
def matmul(x1, x2):
    """Matrix product with batching: (..., n, k) @ (..., k, m) -> (..., n, m); a 1-d
    operand is a vector (NumPy's ``matmul``)."""
    a, b = tensor(x1), tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        fail("matmul", f"needs at least 1-d inputs, got shapes {a.shape} and {b.shape}")
    k = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if a.shape[-1] != k:
        fail("matmul", f"x1 of shape {a.shape} and x2 of shape {b.shape} do not fit: the "
                       f"last axis of x1 ({a.shape[-1]}) must equal the "
                       f"{'second-to-last' if b.ndim >= 2 else 'only'} axis of x2 ({k})")
    if a.ndim > 2 and b.ndim > 2:
        broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])
    return ops.matmul(a, b)


@keras_op
def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` of x1 and x2 (an int n: the last n of x1 and first n of
    x2; or a pair of axis lists), as one matrix product."""
    a, b = tensor(x1), tensor(x2)
    if isinstance(axes, (int, numpy.integer)):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(int(axes)))
    else:
        axes_a, axes_b = ([axes[0]] if numpy.isscalar(axes[0]) else list(axes[0]),
                          [axes[1]] if numpy.isscalar(axes[1]) else list(axes[1]))
    axes_a = [int(i) % a.ndim for i in axes_a]
    axes_b = [int(i) % b.ndim for i in axes_b]
    if [a.shape[i] for i in axes_a] != [b.shape[i] for i in axes_b]:
        fail("tensordot", f"the summed axes {axes_a} of x1 (shape {a.shape}) and {axes_b} of "
                          f"x2 (shape {b.shape}) differ in size")
    keep_a = [i for i in range(a.ndim) if i not in axes_a]
    keep_b = [i for i in range(b.ndim) if i not in axes_b]
    n = int(numpy.prod([a.shape[i] for i in axes_a], dtype=numpy.int64))
    left = ops.reshape(ops.permute(a, keep_a + axes_a), (-1, n))
    right = ops.reshape(ops.permute(b, axes_b + keep_b), (n, -1))
    out = ops.matmul(left, right)
    return ops.reshape(out, tuple(a.shape[i] for i in keep_a) + tuple(b.shape[i] for i in keep_b))


@keras_op
def dot(x1, x2):
    """NumPy's ``dot``: a product with a scalar, the matrix product for 1-d and 2-d
    operands, and otherwise the sum over the last axis of x1 and the second-to-last of x2."""
    a, b = tensor(x1), tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return ops.mul(a, b)
    k = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if a.shape[-1] != k:
        fail("dot", f"x1 of shape {a.shape} and x2 of shape {b.shape} do not fit: the last "
                    f"axis of x1 ({a.shape[-1]}) must equal axis "
                    f"{-2 if b.ndim >= 2 else 0} of x2 ({k})")
    if a.ndim <= 2 and b.ndim <= 2:
        return ops.matmul(a, b)
    return tensordot(a, b, ([-1], [-2 if b.ndim >= 2 else 0]))


@keras_op
def outer(x1, x2):
    """The outer product of the flattened x1 and x2: (n,), (m,) -> (n, m)."""
    a, b = ops.reshape(tensor(x1), (-1, 1)), ops.reshape(tensor(x2), (1, -1))
    return ops.mul(a, b)


@keras_op
def inner(x1, x2):
    """Sum of products over the last axes of x1 and x2 (for vectors: their dot product)."""
    a, b = tensor(x1), tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return ops.mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        fail("inner", f"the last axes of x1 {a.shape} and x2 {b.shape} differ")
    return tensordot(a, b, ([-1], [-1]))


@keras_op
def vdot(x1, x2):
    """The dot product of the flattened x1 and x2."""
    a, b = ops.reshape(tensor(x1), (-1,)), ops.reshape(tensor(x2), (-1,))
    if a.shape != b.shape:
        fail("vdot", f"x1 and x2 need the same number of elements, got {a.shape[0]} and "
                     f"{b.shape[0]}")
    return ops.sum(ops.mul(a, b))


# ------------------------------------------------------------------ einsum


def _parse(subscripts, shapes):
    """The letters of each operand and of the output, with '...' spelled out as capitals."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        fail("einsum", f"subscripts {subscripts!r} name {len(terms)} operands, got "
                       f"{len(shapes)}", ValueError)
    ellipsis = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                    if "..." in t), default=0)
    spare = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:ellipsis]
    letters = []
    for t, s in zip(terms, shapes):
        n = len(s) - len(t.replace("...", ""))
        t = t.replace("...", spare[ellipsis - n:] if n else "")
        if len(t) != len(s):
            fail("einsum", f"the term {t!r} has {len(t)} letters for an operand of shape {s}",
                 ValueError)
        if len(set(t)) != len(t):
            fail("einsum", f"a letter repeated within one operand ({t!r}, a diagonal) is not "
                           f"supported", NotImplementedError)
        letters.append(t)
    if arrow:
        output = output.replace("...", spare)
    else:
        counts = "".join(letters)
        output = spare + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                        and c not in spare))
    return letters, output


def _sizes(letters, tensors):
    sizes = {}
    for t, x in zip(letters, tensors):
        for c, n in zip(t, x.shape):
            if sizes.get(c, 1) != n and n != 1:
                if sizes.get(c, 1) != 1:
                    fail("einsum", f"the letter {c!r} stands for sizes {sizes[c]} and {n} "
                                   f"(operand shapes {[x.shape for x in tensors]})")
            sizes[c] = max(sizes.get(c, 1), n)
    return sizes


def _reduce(x, letters, keep):
    """Sum out the letters of ``x`` not in ``keep``."""
    drop = tuple(i for i, c in enumerate(letters) if c not in keep)
    if drop:
        x = ops.sum(x, drop)
        letters = "".join(c for c in letters if c in keep)
    return x, letters


def _pair(a, la, b, lb, keep, sizes):
    """Contract two operands as one batched matmul: (batch, left, sum) @ (batch, sum, right)."""
    batch = [c for c in la if c in lb and c in keep]
    summed = [c for c in la if c in lb and c not in keep]
    left = [c for c in la if c not in lb]
    right = [c for c in lb if c not in la]

    def arrange(x, lx, groups):
        order = [c for g in groups for c in g]
        x = ops.permute(x, tuple(lx.index(c) for c in order))
        full = tuple(sizes[c] for c in order)
        if x.shape != full:
            x = ops.broadcast_to(x, full)
        return ops.reshape(x, tuple(sizes[c] for c in batch) +
                           tuple(int(numpy.prod([sizes[c] for c in g], dtype=numpy.int64))
                                 for g in groups[1:]))
    ma = arrange(a, la, [batch, left, summed])
    mb = arrange(b, lb, [batch, summed, right])
    out = ops.matmul(ma, mb)
    letters = "".join(batch + left + right)
    return ops.reshape(out, tuple(sizes[c] for c in letters)), letters


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation: ``einsum("bij,bjk->bik", a, b)`` multiplies the operands along
    letters they share and sums the letters missing from the output ('...' allowed)."""
    tensors = [tensor(x) for x in operands]
    letters, output = _parse(subscripts, [x.shape for x in tensors])
    sizes = _sizes(letters, tensors)
    x, lx = tensors[0], letters[0]
    for i in range(1, len(tensors) + 1):
        later = set(output).union(*letters[i:]) if i < len(tensors) else set(output)
        x, lx = _reduce(x, lx, later | (set(letters[i]) if i < len(tensors) else set()))
        if i < len(tensors):
            y, ly = _reduce(tensors[i], letters[i], later | set(lx))
            x, lx = _pair(x, lx, y, ly, later, sizes)
    missing = [c for c in output if c not in lx]
    if missing:
        fail("einsum", f"the output letters {missing} appear in no operand", ValueError)
    x = ops.permute(x, tuple(lx.index(c) for c in output)) if lx != output else x
    return x if x.shape == tuple(sizes[c] for c in output) else \
        ops.broadcast_to(x, tuple(sizes[c] for c in output))


# ------------------------------------------------------------------ norms


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's name
    """Vector or matrix norm.  ``ord=None`` (or 'fro'): sqrt(sum x^2) over ``axis`` (all
    axes when None).  One axis: sum(|x|^p)^(1/p), max |x| (inf), min |x| (-inf), or the
    count of non-zeros (0).  Two axes: 1 / -1 (max / min column sum of |x|), inf / -inf
    (max / min row sum)."""
    x = floating(x)
    axes = tuple(range(x.ndim)) if axis is None else \
        ((axis,) if isinstance(axis, (int, numpy.integer)) else tuple(axis))
    if ord is None or ord == "fro":
        return ops.sqrt(_sum(ops.square(x), axes, keepdims))
    if axis is None and x.ndim == 1 or len(axes) == 1:
        a = _abs(x)
        if ord == numpy.inf:
            return _max(a, axes, keepdims)
        if ord == -numpy.inf:
            return _min(a, axes, keepdims)
        if ord == 0:
            return _sum(ops.ne(x, 0).type(x.dtype), axes, keepdims)
        return ops.pow(_sum(ops.pow(a, float(ord)), axes, keepdims), 1.0 / float(ord))
    if len(axes) == 2 and ord in (1, -1, numpy.inf, -numpy.inf):
        rows, cols = axes if ord in (1, -1) else axes[::-1]
        sums = _sum(_abs(x), rows, keepdims=True)
        pick = _max if ord > 0 else _min
        out = pick(sums, cols, keepdims=True)
        return out if keepdims else ops.reshape(out, tuple(
            n for i, n in enumerate(x.shape) if i not in [a % x.ndim for a in axes]))
    fail("norm", f"ord={ord!r} over axes {axes} is not supported (vector: None, p, inf, "
                 f"-inf, 0; matrix: None, 'fro', 1, -1, inf, -inf)", NotImplementedError)
