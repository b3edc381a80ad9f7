"""``keras.losses``: Keras 3's losses, computed by shenjing's differentiable ops.

Two forms, as in Keras:

- functions with Keras's names that return the loss of **each sample**:
  ``sparse_categorical_crossentropy(y_true, y_pred)`` -> shape (N,);
- classes (``SparseCategoricalCrossentropy(from_logits=True)``) whose call
  ``loss(y_true, y_pred, sample_weight=None)`` reduces those to one scalar tensor.

The default reduction ``"sum_over_batch_size"`` is the sum of the (weighted) per-sample
losses divided by their **number**, not by the sum of the weights (Keras 3)::

    loss = sum_n w_n l_n / N                     (w_n = 1 without sample_weight)

``y_pred`` is a float tensor in the graph (a NumPy array is made one); ``y_true`` is a
tensor or an array of targets (no gradient is needed).  Everything is composed of
shenjing's ops, so the losses are differentiable; the hot paths are the fused ops of
``ops/loss.py``: with ``from_logits=True`` the cross-entropies run the stable
softmax-cross-entropy and sigmoid-BCE ops, and the regression losses run ``mse_loss``,
``l1_loss``, ``huber_loss`` and ``kl_div`` with ``reduction="none"``.

Keras's conventions, kept here:

- from probabilities (``from_logits=False``), the cross-entropies renormalise ``y_pred``
  to sum 1 along the last axis and clip it to [1e-7, 1 - 1e-7] before the log, so a
  probability of exactly 0 gives a large finite loss instead of inf;
- the elementwise losses (mse, mae, huber, binary_crossentropy, hinge) average over the
  last axis, so each sample gets one number;
- a target with one axis less or more than the prediction, where that axis has size 1,
  is reshaped to match (``y_true`` (N,) with ``y_pred`` (N, 1)), never broadcast to
  (N, N).

>>> loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
>>> loss = loss_fn(labels, logits)          # scalar tensor
>>> loss.backward()
"""

import warnings

import numpy

from .. import backend
from ..autograd.tensor import Tensor
from . import registry
from .layers.layer import get_keras_mask
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                        huber_loss, kl_div, l1_loss, mse_loss, nll_loss)

#: Keras's ``backend.epsilon()``: the clip of probabilities before a log
EPSILON = 1e-7

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ------------------------------------------------------------------ shapes and inputs


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make two arrays or tensors the same rank where they differ by one axis of size 1.

    Keras's rule: if x1 has one axis more than x2 and that last axis is 1, then x2 gets a
    trailing axis when it is 1-D (``expand_rank_1``), else x1 loses its own; and the same
    the other way round.  (N,) with (N, 1) becomes (N, 1) with (N, 1).  Works on NumPy
    arrays and shenjing tensors alike (both have ``ndim``, ``shape`` and ``reshape``).
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.reshape(tuple(x2.shape) + (1,))
        else:
            x1 = x1.reshape(tuple(x1.shape[:-1]))
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.reshape(tuple(x1.shape) + (1,))
        else:
            x2 = x2.reshape(tuple(x2.shape[:-1]))
    return x1, x2


def _prediction(op, y_pred, dtype=None):
    """y_pred as a floating tensor (arrays and lists become tensors of the default dtype)."""
    dtype = None if dtype is None else numpy.dtype(dtype)
    if not isinstance(y_pred, Tensor):
        # a float array keeps its dtype; lists and integers become the default float dtype
        floating = isinstance(y_pred, numpy.ndarray) and y_pred.dtype.kind == "f"
        y_pred = Tensor(y_pred if floating else
                        numpy.asarray(y_pred, dtype=dtype or backend.get_default_dtype()))
    if dtype is not None and y_pred.dtype != dtype:
        y_pred = y_pred.type(dtype)
    if y_pred.dtype.kind != "f":
        raise TypeError(f"{op}: y_pred must hold floating values (probabilities or logits), "
                        f"got {y_pred.dtype}")
    return y_pred


def _constant(values, dtype=None):
    """Targets or weights as a tensor (a tensor is kept, so that its gradient could flow)."""
    if isinstance(values, Tensor):
        return values if dtype is None or values.dtype == dtype else values.type(dtype)
    array = numpy.asarray(values)
    return Tensor(array if dtype is None else array.astype(dtype, copy=False))


def _array(values):
    """Targets as a NumPy array (a tensor's data; no graph)."""
    if isinstance(values, Tensor):
        values = values.array
    if type(values).__module__.startswith("cupy"):
        values = values.get()
    return numpy.asarray(values)


def _target(op, y_true, y_pred):
    """y_true as a tensor of y_pred's dtype and shape (ranks matched, then broadcast)."""
    y_true = _constant(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        try:
            shape = numpy.broadcast_shapes(y_true.shape, y_pred.shape)
        except ValueError:
            raise ValueError(f"{op}: y_true has shape {tuple(y_true.shape)} and y_pred "
                             f"{tuple(y_pred.shape)}; they must be the same shape (or "
                             f"broadcast)") from None
        if y_true.shape != shape:
            y_true = y_true.broadcast_to(shape)
        if y_pred.shape != shape:
            y_pred = y_pred.broadcast_to(shape)
    return y_true, y_pred


def _mean_last(loss):
    """The mean over the last axis: one value per sample (a 0-d loss stays as it is)."""
    return loss if loss.ndim == 0 else loss.mean(dim=-1)


def _check_axis(op, axis):
    if axis not in (-1, None):
        raise NotImplementedError(f"{op}: only axis=-1 (classes last) is supported, got "
                                  f"axis={axis}")


def _check_smoothing(op, label_smoothing):
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    return float(label_smoothing)


def _log_probabilities(y_pred):
    """log of y_pred renormalised along the last axis and clipped to [eps, 1 - eps] (Keras)."""
    p = y_pred / y_pred.sum(dim=-1, keepdim=True)
    return p.clamp(EPSILON, 1.0 - EPSILON).log()


def _sparse_labels(op, y_true, y_pred):
    """Integer class labels of shape y_pred.shape[:-1], checked against the class count."""
    labels = _array(y_true)
    if labels.ndim == y_pred.ndim and labels.ndim > 0 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])      # (N, 1) -> (N,)
    need = tuple(y_pred.shape[:-1])
    if labels.shape != need:
        raise ValueError(f"{op}: y_true has shape {tuple(_array(y_true).shape)} but y_pred "
                         f"{tuple(y_pred.shape)} needs integer labels of shape {need} (or "
                         f"{need + (1,)})")
    if labels.dtype.kind == "f":
        if not numpy.array_equal(labels, numpy.round(labels)):
            raise ValueError(f"{op}: y_true holds class indices and must be whole numbers, "
                             f"got {labels.reshape(-1)[:5]}; for one-hot or soft targets use "
                             f"categorical_crossentropy")
    elif labels.dtype.kind not in "iub":
        raise TypeError(f"{op}: y_true must hold integer class indices, got {labels.dtype}")
    labels = labels.astype(numpy.int64)
    classes = y_pred.shape[-1]
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        raise ValueError(f"{op}: y_true holds the label {int(labels[bad].reshape(-1)[0])}, out "
                         f"of range for y_pred's {classes} classes (valid: 0 to {classes - 1})")
    return labels


# ------------------------------------------------------------------ per-sample functions


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Cross-entropy against integer labels: -log p[label], one value per sample.

    y_true (N,) or (N, 1) integer labels (or (N, T) with y_pred (N, T, C));
    y_pred (N, C) probabilities, or logits with ``from_logits=True`` -> (N,) (or (N, T)).

        from_logits:   l = logsumexp(x) - x[label]          (shenjing's fused op)
        probabilities: l = -log clip(p[label] / sum(p), 1e-7, 1 - 1e-7)

    >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    # [0.0513, 2.3026]
    """
    op = "sparse_categorical_crossentropy"
    _check_axis(op, axis)
    if ignore_class is not None:
        raise NotImplementedError(f"{op}: ignore_class is not supported yet (got "
                                  f"{ignore_class}); give those samples sample_weight 0")
    y_pred = _prediction(op, y_pred)
    if y_pred.ndim == 0:
        raise ValueError(f"{op}: y_pred must have a class axis (last), got a scalar")
    labels = _sparse_labels(op, y_true, y_pred)
    rows = y_pred.reshape(-1, y_pred.shape[-1])   # (N, C): the fused ops want classes on axis 1
    if from_logits:
        loss = cross_entropy(rows, labels.reshape(-1), reduction="none")
    else:
        loss = nll_loss(_log_probabilities(rows), labels.reshape(-1), reduction="none")
    return loss.reshape(labels.shape)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy against one-hot (or soft) targets: -sum_c t_c log p_c per sample.

    y_true and y_pred (N, C) (or (N, ..., C)) -> (N,) (or (N, ...)).  ``label_smoothing``
    s replaces t by t (1 - s) + s / C.

    >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    # [0.0513, 2.3026]
    """
    op = "categorical_crossentropy"
    _check_axis(op, axis)
    smoothing = _check_smoothing(op, label_smoothing)
    y_pred = _prediction(op, y_pred)
    t = _constant(y_true, y_pred.dtype)
    if t.shape != y_pred.shape:
        raise ValueError(f"{op}: y_true has shape {tuple(t.shape)} but y_pred "
                         f"{tuple(y_pred.shape)}; one-hot targets need the same shape (for "
                         f"integer labels use sparse_categorical_crossentropy)")
    classes = y_pred.shape[-1] if y_pred.ndim else 1
    if classes == 1:
        warnings.warn(f"{op}: y_pred has shape {tuple(y_pred.shape)}, one class; the loss is "
                      f"always 0. Use binary_crossentropy for two classes", stacklevel=2)
    if from_logits:
        rows = y_pred.reshape(-1, classes)
        loss = cross_entropy(rows, t.reshape(-1, classes), reduction="none",
                             label_smoothing=smoothing)
        return loss.reshape(tuple(y_pred.shape[:-1]))
    if smoothing:
        t = t * (1.0 - smoothing) + smoothing / classes
    return -(t * _log_probabilities(y_pred)).sum(dim=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over the last axis: one value per sample.

    y_true and y_pred (N, d) -> (N,); y_true (N,) with y_pred (N, 1) is matched first.
    ``label_smoothing`` s squeezes the targets towards 0.5: t (1 - s) + s / 2.

        from_logits:   l = (1 - t) x + softplus(-x)          (shenjing's fused op)
        probabilities: l = -(t log p + (1 - t) log(1 - p)),  p clipped to [1e-7, 1 - 1e-7]

    >>> binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])   # [0.916, 0.714]
    """
    op = "binary_crossentropy"
    _check_axis(op, axis)
    smoothing = _check_smoothing(op, label_smoothing)
    y_pred = _prediction(op, y_pred)
    t, y_pred = _target(op, y_true, y_pred)
    if smoothing:
        t = t * (1.0 - smoothing) + 0.5 * smoothing
    if from_logits:
        loss = binary_cross_entropy_with_logits(y_pred, t, reduction="none")
    else:
        # after the clip, torch's log clamp at -100 never applies: this is Keras's formula
        loss = binary_cross_entropy(y_pred.clamp(EPSILON, 1.0 - EPSILON), t, reduction="none")
    return _mean_last(loss)


def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)^2) over the last axis: (N, d) -> (N,)."""
    t, y_pred = _target("mean_squared_error", y_true, _prediction("mean_squared_error", y_pred))
    return _mean_last(mse_loss(y_pred, t, reduction="none"))


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis: (N, d) -> (N,)."""
    t, y_pred = _target("mean_absolute_error", y_true,
                        _prediction("mean_absolute_error", y_pred))
    return _mean_last(l1_loss(y_pred, t, reduction="none"))


def huber(y_true, y_pred, delta=1.0):
    """Huber loss averaged over the last axis: (N, d) -> (N,).

        e = y_pred - y_true;   0.5 e^2 where |e| <= delta,   delta (|e| - 0.5 delta) beyond

    >>> huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])     # mean: 0.155
    """
    if delta <= 0:
        raise ValueError(f"huber: delta must be positive, got {delta}")
    t, y_pred = _target("huber", y_true, _prediction("huber", y_pred))
    return _mean_last(huber_loss(y_pred, t, reduction="none", delta=float(delta)))


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence sum_c t_c log(t_c / p_c) per sample: (N, C) -> (N,).

    Both are clipped to [1e-7, 1] first (Keras), so zeros give finite values.
    """
    op = "kl_divergence"
    y_pred = _prediction(op, y_pred)
    t = numpy.clip(_array(y_true).astype(y_pred.dtype), EPSILON, 1.0)
    t, y_pred = _target(op, t, y_pred)
    return kl_div(y_pred.clamp(EPSILON, 1.0).log(), t, reduction="none").sum(dim=-1)


def _hinge_labels(y_true, dtype):
    """Labels in {-1, 1}: 0/1 labels are mapped by 2 t - 1 (Keras)."""
    t = _array(y_true).astype(dtype)
    if numpy.all((t == 0) | (t == 1)):
        t = 2.0 * t - 1.0
    return t


def hinge(y_true, y_pred):
    """mean(max(1 - t y_pred, 0)) over the last axis, t in {-1, 1} (0/1 labels are mapped)."""
    y_pred = _prediction("hinge", y_pred)
    t, y_pred = _target("hinge", _hinge_labels(y_true, y_pred.dtype), y_pred)
    return _mean_last((1.0 - t * y_pred).clamp(min=0.0))


def squared_hinge(y_true, y_pred):
    """mean(max(1 - t y_pred, 0)^2) over the last axis, t in {-1, 1}."""
    y_pred = _prediction("squared_hinge", y_pred)
    t, y_pred = _target("squared_hinge", _hinge_labels(y_true, y_pred.dtype), y_pred)
    return _mean_last((1.0 - t * y_pred).clamp(min=0.0).square())


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0) per sample with pos = sum(t y_pred), neg = max((1 - t) y_pred).

    y_true one-hot (N, C), y_pred scores (N, C) -> (N,).
    """
    y_pred = _prediction("categorical_hinge", y_pred)
    t, y_pred = _target("categorical_hinge", y_true, y_pred)
    pos = (t * y_pred).sum(dim=-1)
    neg = ((1.0 - t) * y_pred).amax(dim=-1)
    return (neg - pos + 1.0).clamp(min=0.0)


# Keras's short names of the same functions
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
kld = KLD = kullback_leibler_divergence = kl_divergence


# ------------------------------------------------------------------ the reduction


def apply_mask(values, sample_weight, mask, reduction, who="loss"):
    """Keras's ``apply_mask``: the mask of the predictions (bool, the shape of the per-step
    losses ``values``) folded into the sample weights.  For the averaging reductions a valid
    entry weighs total / valid, so that the mean over all entries is the mean over the
    valid ones: sum(w m l) / sum(m); for the others it weighs 1."""
    mask = numpy.asarray(_array(mask)).astype(bool)
    if mask.shape != tuple(values.shape):
        raise ValueError(f"{who}: the predictions carry a mask of shape {mask.shape}, but the "
                         f"values per step have shape {tuple(values.shape)}; a mask has the "
                         f"shape of the predictions without their last axis")
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(mask.sum())
        weight = mask.size / valid if valid else 0.0
        float_mask = numpy.where(mask, weight, 0.0)
    else:
        float_mask = mask.astype(numpy.float64)
    if sample_weight is None:
        return float_mask
    weights = _array(sample_weight).astype(numpy.float64)
    if weights.ndim < float_mask.ndim:     # per-sample weights of per-step losses
        weights = weights.reshape(weights.shape + (1,) * (float_mask.ndim - weights.ndim))
    return float_mask * weights


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size",
                           mask=None):
    """Weight the per-sample losses and reduce them (Keras's ``reduce_weighted_values``).

    values (N,) (or (N, T), or ()); sample_weight broadcastable to it, (N,) or (N, 1) ->

        "sum_over_batch_size", "mean":  sum(w l) / number of values
        "sum":                          sum(w l)
        "mean_with_sample_weight":      sum(w l) / sum(w)   (0 when the weights sum to 0)
        None, "none":                   w l unreduced

    ``mask`` (bool, the shape of ``values``; the mask a model's output carries) keeps the
    valid entries only: the mean becomes sum(w m l) / sum(m) (``apply_mask``).
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(map(repr, _REDUCTIONS))}, got "
                         f"{reduction!r}")
    if mask is not None:
        sample_weight = apply_mask(values, sample_weight, mask, reduction)
    weights = None
    if sample_weight is not None:
        weights = _constant(_array(sample_weight), values.dtype)
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        if weights.ndim < values.ndim:     # per-sample weights of a per-step loss (N, T)
            weights = weights.reshape(tuple(weights.shape) + (1,) * (values.ndim - weights.ndim))
        try:
            numpy.broadcast_shapes(values.shape, weights.shape)
        except ValueError:
            raise ValueError(f"sample_weight has shape {tuple(_array(sample_weight).shape)}, "
                             f"which does not match the per-sample losses of shape "
                             f"{tuple(values.shape)}") from None
        values = values * weights
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = float(weights.array.sum())
        return total / divisor if divisor else total * 0.0
    return total / values.numel()


# ------------------------------------------------------------------ the classes


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` -> scalar tensor.

    A subclass writes ``call(y_true, y_pred)`` returning the loss of each sample; the
    weighting and the ``reduction`` are applied here.  ``name`` is Keras's snake name.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{', '.join(map(repr, _REDUCTIONS))}, got {reduction!r}")
        self.name = name or registry.snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)          # a masked model output: average the valid steps
        y_pred = _prediction(self.name, y_pred, self.dtype)
        loss = self.call(_constant(y_true), y_pred)
        if not isinstance(loss, Tensor):
            raise TypeError(f"{type(self).__name__}.call must return a shenjing tensor (the "
                            f"loss of each sample), got {type(loss).__name__}")
        if mask is not None:
            sample_weight = apply_mask(loss, sample_weight, mask, self.reduction, who=self.name)
        return reduce_weighted_values(loss, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        """The loss of each sample (subclasses): y_true and y_pred are tensors."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        """The arguments that rebuild this loss: ``type(loss)(**loss.get_config())``."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """A loss from what ``get_config()`` returned."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


class LossFunctionWrapper(Loss):
    """A loss made from a function ``fn(y_true, y_pred, **kwargs)`` that returns the loss of
    each sample (or one scalar); the ranks of y_true and y_pred are matched first."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: fn must be callable, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None) or "loss",
                         reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true = _constant(y_true)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        loss = self.fn(y_true, y_pred, **self._fn_kwargs)
        return loss if isinstance(loss, Tensor) else _constant(loss)

    def get_config(self):
        raise TypeError(f"the loss {self.name!r} wraps the function {self.fn!r}, which cannot "
                        f"be saved in a config; use one of keras.losses' classes or names")


class _KerasLoss(LossFunctionWrapper):
    """A named loss of this module: its per-sample function ``fn`` with the class's
    arguments, which are also its attributes and its config."""

    fn = None

    def __init__(self, reduction, name, dtype, **arguments):
        super().__init__(type(self).fn, reduction=reduction, name=name, dtype=dtype,
                         **arguments)
        for key, value in arguments.items():
            setattr(self, key, value)

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}


class SparseCategoricalCrossentropy(_KerasLoss):
    """Cross-entropy against integer labels: y_true (N,) or (N, 1), y_pred (N, C).

    From logits, shenjing's fused softmax-cross-entropy op computes it.

    >>> scce = SparseCategoricalCrossentropy()
    >>> scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])                          # 1.177
    >>> scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], sample_weight=[0.3, 0.7])  # 0.814
    """

    fn = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class)


class CategoricalCrossentropy(_KerasLoss):
    """Cross-entropy against one-hot (or soft) targets: y_true and y_pred (N, C).

    >>> CategoricalCrossentropy()([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    # 1.177
    """

    fn = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(_KerasLoss):
    """Binary cross-entropy: y_true of 0/1 and y_pred (N, d), or y_true (N,) with y_pred (N, 1).

    From logits, shenjing's fused sigmoid-BCE op computes it.

    >>> BinaryCrossentropy(from_logits=True)([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])
    # 0.8654
    """

    fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class MeanSquaredError(_KerasLoss):
    """Mean of (y_true - y_pred)^2: y_true and y_pred (N, d)."""

    fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanAbsoluteError(_KerasLoss):
    """Mean of |y_true - y_pred|: y_true and y_pred (N, d)."""

    fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction, name, dtype)


class Huber(_KerasLoss):
    """Huber loss: quadratic within ``delta`` of the target, linear beyond; (N, d)."""

    fn = staticmethod(huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(reduction, name, dtype, delta=delta)


class KLDivergence(_KerasLoss):
    """Kullback-Leibler divergence of the distributions y_pred from y_true, both (N, C)."""

    fn = staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction, name, dtype)


class Hinge(_KerasLoss):
    """Hinge loss max(1 - y_true y_pred, 0), y_true in {-1, 1} (0/1 labels are mapped)."""

    fn = staticmethod(hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class SquaredHinge(_KerasLoss):
    """Squared hinge loss max(1 - y_true y_pred, 0)^2."""

    fn = staticmethod(squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class CategoricalHinge(_KerasLoss):
    """Multi-class hinge max(max((1 - t) y_pred) - sum(t y_pred) + 1, 0), t one-hot (N, C)."""

    fn = staticmethod(categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


# ------------------------------------------------------------------ lookup by name


_CLASSES = [SparseCategoricalCrossentropy, CategoricalCrossentropy, BinaryCrossentropy,
            MeanSquaredError, MeanAbsoluteError, Huber, KLDivergence, Hinge, SquaredHinge,
            CategoricalHinge]

#: Keras's names (and aliases) of the losses -> class
_NAMES = {cls.fn.__name__: cls for cls in _CLASSES}
_NAMES["huber_loss"] = Huber
_NAMES.update({"mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
               "MAE": MeanAbsoluteError, "kld": KLDivergence, "KLD": KLDivergence,
               "kullback_leibler_divergence": KLDivergence})


def canonical_name(identifier):
    """Keras's snake name of the loss ``identifier`` (a name, class, instance or one of
    this module's functions), or None for a loss this module does not know (a custom
    function).  ``canonical_name("mse") == "mean_squared_error"``."""
    cls = None
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _by_class_name(identifier)
    elif isinstance(identifier, _KerasLoss):
        cls = type(identifier)
    elif isinstance(identifier, type) and issubclass(identifier, _KerasLoss):
        cls = identifier
    elif isinstance(identifier, LossFunctionWrapper):
        return canonical_name(identifier.fn)
    elif callable(identifier):
        cls = next((c for c in _CLASSES if c.fn is identifier), None)
    return cls.fn.__name__ if cls is not None else None


def _by_class_name(name):
    return next((c for c in _CLASSES if c.__name__ == name), None)


def _known():
    return ", ".join(sorted(set(_NAMES) | {c.__name__ for c in _CLASSES}))


def get(identifier):
    """The ``Loss`` that ``identifier`` names.

    A ``Loss`` is returned as it is; a name (``"sparse_categorical_crossentropy"``,
    ``"mse"``, ``"Huber"``) or a class gives an instance with Keras's defaults; a dict
    ``{"class_name", "config"}`` is rebuilt from its config; any other callable
    ``fn(y_true, y_pred)`` is wrapped (its per-sample values are averaged).  None gives None.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _NAMES.get(identifier.lower()) or _by_class_name(
            identifier)
        if cls is None:
            raise ValueError(f"unknown loss {identifier!r}; known: {_known()}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        cls = next((c for c in _CLASSES if c.fn is identifier), None)
        return cls() if cls is not None else LossFunctionWrapper(identifier)
    raise ValueError(f"could not interpret the loss {identifier!r}: give a name ({_known()}), "
                     f"a keras.losses.Loss, or a function (y_true, y_pred) -> loss")


serialize = registry.serialize


def deserialize(config, custom_objects=None):
    """A loss from ``{"class_name", "config"}`` (``custom_objects`` maps names to classes)."""
    return registry.deserialize(config, "loss", {**_NAMES, **{c.__name__: c for c in _CLASSES}},
                                custom_objects)



__all__ = ["Loss", "LossFunctionWrapper", "get", "serialize", "deserialize",
           "reduce_weighted_values", "squeeze_or_expand_to_same_rank",
           "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
           "mean_squared_error", "mean_absolute_error", "huber", "kl_divergence", "hinge",
           "squared_hinge", "categorical_hinge", "mse", "mae", "kld", "MSE", "MAE", "KLD"]
__all__ += [cls.__name__ for cls in _CLASSES]

