"""Keras's merge layers: one tensor from a list of tensors.

``Concatenate(axis=-1)`` joins them along an axis; ``Add``, ``Subtract`` (two inputs),
``Multiply``, ``Average``, ``Maximum`` and ``Minimum`` combine them elementwise
(broadcasting as NumPy does); ``Dot(axes)`` takes the dot product of two inputs per sample.
Each is written with shenjing's ops (``cat``, ``+``, ``*``, ``maximum``, ``matmul``), so
its gradient is theirs.  The lowercase functions (``concatenate(inputs, axis=-1)``, ``add``,
...) make the layer and call it, as Keras's.

    merged = layers.Concatenate()([image_features, row_means])  # (N, 64), (N, 28) -> (N, 92)
    total = layers.add([a, b, c])                                 # a + b + c
"""

import numpy

from ... import ops
from ...autograd.tensor import Tensor
from .core import layer_input
from .layer import Layer, get_keras_mask


class _Merge(Layer):
    """The base of the merge layers: ``call(inputs)`` on a list of at least ``fewest``
    tensors (exactly two when ``exactly_two``), cast to the layer's dtype."""

    fewest, exactly_two = 2, False

    @property
    def who(self):
        """``name (Class)``, how errors name the layer."""
        return f"{self.name} ({type(self).__name__})"

    def _shapes(self, input_shape):
        """The list of input shapes, checked to be a list of the right length."""
        if not isinstance(input_shape, list) or not all(isinstance(s, tuple) for s in input_shape):
            raise ValueError(f"{self.who}: expected a list of input tensors, got an input of "
                             f"shape {input_shape}")
        if self.exactly_two and len(input_shape) != 2:
            raise ValueError(f"{self.who}: expected exactly 2 inputs, got {len(input_shape)}")
        if len(input_shape) < self.fewest:
            raise ValueError(f"{self.who}: expected a list of at least {self.fewest} inputs, got "
                             f"{len(input_shape)}")
        return input_shape

    def check_shapes(self, shapes):
        """Raise a ValueError naming the layer when ``shapes`` cannot be merged."""
        try:
            numpy.broadcast_shapes(*[tuple(1 if n is None else n for n in s) for s in shapes])
        except ValueError:
            raise ValueError(f"{self.who}: inputs of shapes {shapes} cannot be combined "
                             f"elementwise (each axis must agree or be 1)") from None

    def build(self, input_shape):
        self.check_shapes(self._shapes(input_shape))
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self.who}: expected a list of input tensors, got "
                             f"{type(inputs).__name__}")
        tensors = [layer_input(x, self) for x in inputs]
        self.check_shapes(self._shapes([tuple(t.shape) for t in tensors]))
        masks = [get_keras_mask(x) if isinstance(x, Tensor) else None for x in inputs]
        if any(m is not None for m in masks) and type(self).merge_masked is not _Merge.merge_masked:
            return self.merge_masked(tensors, [None if m is None else _widened(m, t)
                                               for m, t in zip(masks, tensors)])
        return self.merge(tensors)

    def merge(self, tensors):
        raise NotImplementedError

    def merge_masked(self, tensors, masks):
        """``merge`` for inputs of which some carry masks (each widened to its input's
        shape, None where an input has none); the layers whose masked steps must not take
        part (Multiply, Maximum, Minimum) override it."""
        return self.merge(tensors)

    supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        """Keras's rule for the elementwise merges: a step is kept where any input keeps it
        (the logical or of the masks); no mask when some input has none."""
        masks = previous_mask if isinstance(previous_mask, list) else None
        if masks is None or any(m is None for m in masks):
            return None
        kept = masks[0].array
        for m in masks[1:]:
            kept = kept | m.array
        return Tensor(kept)


class Add(_Merge):
    """The sum of the inputs, elementwise: [x1, x2, ...] -> x1 + x2 + ..."""

    def merge(self, tensors):
        return _sum(tensors)


class Subtract(_Merge):
    """The difference of two inputs, elementwise: [x1, x2] -> x1 - x2."""

    exactly_two = True

    def merge(self, tensors):
        return tensors[0] - tensors[1]


class Multiply(_Merge):
    """The product of the inputs, elementwise: [x1, x2, ...] -> x1 * x2 * ...; a masked step
    of an input counts as 1 (Keras's rule), and a step every input masks is 0."""

    def merge(self, tensors):
        product = tensors[0]
        for t in tensors[1:]:
            product = product * t
        return product

    def merge_masked(self, tensors, masks):
        product = self.merge([t if m is None else ops.where(m, t, 1.0)
                              for t, m in zip(tensors, masks)])
        if any(m is None for m in masks):
            return product
        return ops.where(_either(masks), product, 0.0)


class Average(_Merge):
    """The mean of the inputs, elementwise: [x1, ..., xn] -> (x1 + ... + xn) / n."""

    def merge(self, tensors):
        return _sum(tensors) * (1.0 / len(tensors))


class Maximum(_Merge):
    """The largest input, elementwise (the gradient goes to the largest); a masked step of
    one input takes no part (Keras's rule), unless every input masks it."""

    def merge(self, tensors):
        result = tensors[0]
        for t in tensors[1:]:
            result = ops.maximum(result, t)
        return result

    def merge_masked(self, tensors, masks):
        return _skip_masked(ops.maximum, tensors, masks)


class Minimum(_Merge):
    """The smallest input, elementwise (the gradient goes to the smallest)."""

    def merge(self, tensors):
        result = tensors[0]
        for t in tensors[1:]:
            result = ops.minimum(result, t)
        return result

    def merge_masked(self, tensors, masks):
        return _skip_masked(ops.minimum, tensors, masks)


class Concatenate(_Merge):
    """The inputs joined along ``axis`` (the last by default); the other axes must agree:
    [(N, a), (N, b)] -> (N, a + b)."""

    fewest = 1

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"{self.who}: axis must be an int, got {axis!r}")
        self.axis = axis

    def check_shapes(self, shapes):
        rank = len(shapes[0])
        axis = self.axis + rank if self.axis < 0 else self.axis
        if not 0 < axis < rank:   # the batch axis is not joined
            raise ValueError(f"{self.who}: axis {self.axis} is out of range for inputs of "
                             f"shapes {shapes} (axis 0, the batch, cannot be joined)")
        def others(shape):
            return [n for i, n in enumerate(shape) if i != axis]
        if any(len(s) != rank or any(a is not None and b is not None and a != b
                                     for a, b in zip(others(s), others(shapes[0])))
               for s in shapes):
            raise ValueError(f"{self.who}: inputs must have the same shape except on axis "
                             f"{self.axis}; got shapes {shapes}")

    def merge(self, tensors):
        return ops.cat(tensors, self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        """Keras's rule: each input's mask widened to the input's shape (all True for an
        input without one), joined along ``axis``, then kept where any feature is kept."""
        masks = previous_mask if isinstance(previous_mask, list) else None
        if masks is None or all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            shape = tuple(x.shape)
            if m is None:
                full.append(numpy.ones(shape, bool))
            else:
                m = m.array.astype(bool)
                full.append(numpy.broadcast_to(m[..., None], shape) if m.ndim < len(shape) else m)
        return Tensor(numpy.concatenate(full, axis=self.axis).any(axis=-1))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """The dot product of two inputs per sample, along ``axes`` (an int for both, or a pair
    (axis of x1, axis of x2); never the batch axis 0).  (N, d), (N, d) -> (N, 1);
    (N, a, d), (N, b, d) with axes=2 -> (N, a, b): the remaining axes of x1, then of x2.
    ``normalize=True`` divides each input by its L2 norm along the axis first (the cosine
    similarity).  Inputs of rank 2 or 3."""

    exactly_two = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        pair = list(axes) if isinstance(axes, (list, tuple)) else [axes, axes]
        if len(pair) != 2 or not all(isinstance(a, int) and not isinstance(a, bool)
                                     for a in pair):
            raise ValueError(f"{self.who}: axes must be an int or a pair of ints, got {axes!r}")
        self.axes, self.normalize = axes if isinstance(axes, int) else list(axes), bool(normalize)
        self._pair = pair

    def _axes(self, shapes):
        """The contracted axis of each input, checked: positive, not the batch axis."""
        found = []
        for shape, axis in zip(shapes, self._pair):
            if len(shape) not in (2, 3) or len(shape) != len(shapes[0]):
                raise NotImplementedError(f"{self.who}: inputs of rank 2 or 3, both the same, "
                                          f"are supported; got shapes {shapes}")
            a = axis + len(shape) if axis < 0 else axis
            if not 0 < a < len(shape):
                raise ValueError(f"{self.who}: axes {self.axes} out of range for shapes "
                                 f"{shapes} (axis 0, the batch, cannot be contracted)")
            found.append(a)
        return found

    def check_shapes(self, shapes):
        a, b = self._axes(shapes)
        if None not in (shapes[0][a], shapes[1][b]) and shapes[0][a] != shapes[1][b]:
            raise ValueError(f"{self.who}: the dot product needs axis {a} of the first input "
                             f"and axis {b} of the second to have one size; got shapes "
                             f"{shapes}")

    def merge(self, tensors):
        x, y = tensors
        a, b = self._axes([tuple(t.shape) for t in tensors])
        if self.normalize:
            x, y = _l2_normalize(x, a), _l2_normalize(y, b)
        if x.ndim == 2:
            return (x * y).sum(1, keepdim=True)
        if a == 1:
            x = ops.transpose(x, 1, 2)      # the contracted axis last
        if b == 2:
            y = ops.transpose(y, 1, 2)      # the contracted axis first (after the batch)
        return ops.matmul(x, y)

    def compute_mask(self, inputs, previous_mask=None):
        return None    # Keras's: the product has no time axis left to mask

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _widened(mask, x):
    """A (N, T) mask as a bool array of x's shape (N, T, ...)."""
    m = mask.array.astype(bool)
    return numpy.broadcast_to(m.reshape(m.shape + (1,) * (x.ndim - m.ndim)), tuple(x.shape))


def _either(masks):
    kept = masks[0]
    for m in masks[1:]:
        kept = kept | m
    return kept


def _skip_masked(op, tensors, masks):
    """Keras's fold for Maximum/Minimum: where the next input is masked, it takes the
    running result's value; where the running result is masked, it takes the next input's
    (so masked steps do not take part); the running mask is the or of the masks so far."""
    result, kept = tensors[0], masks[0]
    for t, m in zip(tensors[1:], masks[1:]):
        if m is not None:
            t = ops.where(m, t, result)
        if kept is not None:
            result = ops.where(kept, result, t)
        kept = kept | m if kept is not None and m is not None else None
        result = op(result, t)
    return result


def _sum(tensors):
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t
    return total


def _l2_normalize(x, axis):
    """x / max(||x||, 1e-6) along ``axis``, as Keras's l2_normalize."""
    return x / ops.sqrt(ops.clamp_min((x * x).sum(axis, keepdim=True), 1e-12))


# ---------------------------------------------------------------- the function forms

def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
