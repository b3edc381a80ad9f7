"""Label and array helpers: ``to_categorical`` (one-hot) and ``normalize`` (unit norm)."""

import numpy


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows for integer labels ``y``: shape ``y.shape + (num_classes,)``.

    A trailing axis of size 1 is dropped first (labels ``(N, 1)`` -> ``(N, num_classes)``),
    as Keras does.  ``num_classes`` defaults to ``max(y) + 1``.

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    y = numpy.asarray(y)
    if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and numpy.all(y == numpy.round(y))):
        raise ValueError(f"to_categorical: labels must be integers, got dtype {y.dtype}")
    y = y.astype(numpy.int64)
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if not num_classes:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)][0]
        raise ValueError(f"to_categorical: label {bad} is outside [0, {num_classes}) "
                         f"(num_classes={num_classes})")
    out = numpy.zeros((y.size, num_classes), dtype=dtype)
    out[numpy.arange(y.size), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors left as they are)."""
    x = numpy.asarray(x)
    norm = numpy.atleast_1d(numpy.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / numpy.expand_dims(norm, axis)
