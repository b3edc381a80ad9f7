"""``Rescaling`` and ``Normalization``: the computations of Keras's layers of those names.

``Rescaling(scale, offset)`` maps ``x`` to ``x * scale + offset`` (``1/255`` for [0, 1]).

``Normalization(axis=-1)`` learns with ``adapt(data)`` a mean and a variance for each
index along ``axis`` (per channel for channels-last images), over all other axes, and
maps ``x`` to ``(x - mean) / max(sqrt(variance), 1e-7)`` (``invert=True``: back).  The
variance is the population one (``ddof=0``); data given as batches is combined batch by
batch with the same formula Keras uses.

Both take NumPy arrays (and return float32 arrays) or tensors: a tensor goes through the
engine's ops, so that gradients flow back through the layer.

>>> norm = Normalization()
>>> norm.adapt(x_train)              # (N, H, W, 3): 3 means, 3 variances
>>> x = norm(x_batch)                # float32, zero mean and unit variance per channel
"""

import numpy

from .augment import _to_numpy

EPSILON = 1e-7  # keras.backend.epsilon()


def _float32(inputs):
    """A tensor as a float32 tensor (still in the graph, so gradients flow through the
    layer), anything else as a float32 NumPy array."""
    from ..autograd.tensor import Tensor
    if isinstance(inputs, Tensor):
        return inputs if inputs.dtype == numpy.float32 else inputs.float()
    return numpy.asarray(inputs).astype(numpy.float32)


class Rescaling:
    """``x * scale + offset`` in float32 (``scale``/``offset`` scalars or broadcastable);
    differentiable for tensors."""

    def __init__(self, scale, offset=0.0):
        self.scale, self.offset = scale, offset

    def __call__(self, inputs):
        return (_float32(inputs) * numpy.asarray(self.scale, numpy.float32)
                + numpy.asarray(self.offset, numpy.float32))

    def get_config(self):
        return {"scale": self.scale, "offset": self.offset}


class Normalization:
    """Standardize by a mean and variance per index of ``axis`` (given or ``adapt``-ed).

    ``axis``: an int, a tuple of ints (kept axes) or None (one scalar mean and variance).
    ``mean``/``variance``: fixed statistics instead of ``adapt`` (broadcast to the kept
    axes).  ``invert``: map standardized values back.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False):
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both `mean` and `variance`, or neither "
                             "(and call adapt())")
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        self.invert = invert
        self.input_mean, self.input_variance = mean, variance
        self.mean = self.variance = None  # broadcastable to the input once known
        self._shape = None

    def _keep(self, ndim):
        keep = sorted(a + ndim if a < 0 else a for a in self.axis)
        if any(a < 0 or a >= ndim for a in keep):
            raise ValueError(f"Normalization: axis {self.axis} out of range for inputs with "
                             f"{ndim} dimensions")
        return tuple(keep)

    def _broadcast(self, values, shape):
        keep = self._keep(len(shape))
        values = numpy.asarray(values, dtype=numpy.float32)
        target = [shape[d] if d in keep else 1 for d in range(len(shape))]
        if values.ndim == 0:
            return numpy.broadcast_to(values, target)
        expanded = [1] * len(shape)
        for i in range(1, values.ndim + 1):  # align with the kept axes, right to left
            expanded[keep[-i]] = values.shape[-i]
        return numpy.broadcast_to(values.reshape(expanded), target)

    def adapt(self, data):
        """Learn the mean and variance from an array (or tensor) or an iterable of batches."""
        if self.input_mean is not None:
            raise ValueError("Normalization: cannot adapt a layer created with fixed `mean` and "
                             "`variance`")
        batches = [data] if hasattr(data, "shape") else list(data)
        if not batches:
            raise ValueError("Normalization.adapt: no data (an empty iterable of batches)")
        total_mean = total_var = None
        total_count = 0
        shape = None
        for batch in batches:
            x, _ = _to_numpy(batch)
            x = x.astype(numpy.float64)
            keep = self._keep(x.ndim)
            reduce = tuple(d for d in range(x.ndim) if d not in keep)
            if shape is None:
                shape = x.shape
            elif any(x.shape[d] != shape[d] for d in keep) or x.ndim != len(shape):
                raise ValueError(f"Normalization.adapt: a batch of shape {x.shape} does not match "
                                 f"the first one, {shape}, along the kept axes {keep}")
            mean, var = x.mean(axis=reduce), x.var(axis=reduce)
            count = int(numpy.prod([x.shape[d] for d in reduce])) if reduce else 1
            if total_mean is None:
                total_mean, total_var, total_count = mean, var, count
                continue
            total_count += count
            weight = count / total_count
            new_mean = total_mean * (1 - weight) + mean * weight
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - weight)
                         + (var + (mean - new_mean) ** 2) * weight)
            total_mean = new_mean
        self._shape = shape
        self.mean = self._broadcast(total_mean, shape)
        self.variance = self._broadcast(total_var, shape)

    def __call__(self, inputs):
        x = _float32(inputs)
        if self.input_mean is not None:
            mean = self._broadcast(self.input_mean, x.shape)
            variance = self._broadcast(self.input_variance, x.shape)
        elif self.mean is None:
            raise ValueError("Normalization: call adapt(data) first, or give `mean` and "
                             "`variance`")
        else:
            mean, variance = self.mean, self.variance
            keep = self._keep(x.ndim)
            if x.ndim != len(self._shape) or any(x.shape[d] != self._shape[d] for d in keep):
                raise ValueError(f"Normalization: inputs of shape {x.shape} do not match the "
                                 f"adapted shape {self._shape} along the kept axes {keep}")
        mean = numpy.asarray(mean, numpy.float32)
        std = numpy.maximum(numpy.sqrt(variance), EPSILON).astype(numpy.float32)
        return x * std + mean if self.invert else (x - mean) / std

    def get_config(self):
        def listify(v):
            return None if v is None else numpy.asarray(v).tolist()
        return {"axis": self.axis, "invert": self.invert, "mean": listify(self.input_mean),
                "variance": listify(self.input_variance)}
