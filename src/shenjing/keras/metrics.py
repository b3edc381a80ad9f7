"""``keras.metrics``: running measures of a model's quality, as Keras 3 computes them.

A metric accumulates over batches and reports one number::

    m = keras.metrics.SparseCategoricalAccuracy()
    m.update_state(y_true, y_pred)        # once per batch (arrays or tensors; no graph)
    m.result()                            # a Python float: the value over all batches so far
    m.reset_state()                       # at the start of each epoch

Most metrics are a weighted running mean of a per-sample value (``MeanMetricWrapper``)::

    result = sum_n w_n v_n / sum_n w_n    (w_n = 1 without sample_weight)

where v_n is 1/0 for a hit (the accuracies) or the sample's loss (``MeanSquaredError``,
and any loss name given as a metric: the metric *is* ``keras.losses``' function, run
without a graph).  ``Precision`` and ``Recall`` count weighted true/false positives.

``get("accuracy", loss=...)`` picks the accuracy that fits the loss, as Keras reports it:
sparse categorical cross-entropy -> ``SparseCategoricalAccuracy``, categorical ->
``CategoricalAccuracy``, binary -> ``BinaryAccuracy``; for any other loss the choice is
made from the shapes of the first batch (Keras 3's rule).  The metric keeps the name it
was asked by (``"accuracy"``, so the logs read ``accuracy`` / ``val_accuracy``).
"""

import numpy

from ..autograd import no_grad
from . import losses, registry
from .layers.layer import get_keras_mask
from .losses import _array, squeeze_or_expand_to_same_rank


# ------------------------------------------------------------------ base classes


class Metric:
    """Base class: ``update_state(...)`` accumulates, ``result()`` -> float,
    ``reset_state()`` forgets.  Calling the metric updates it and returns the result."""

    def __init__(self, name=None, dtype=None):
        self.name = name or registry.snake_case(type(self).__name__)
        self.dtype = dtype

    def update_state(self, *args, **kwargs):
        """Accumulate one batch (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        """The metric's value over everything accumulated so far, a Python float."""
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self):
        """Forget everything accumulated (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement reset_state()")

    def reset_states(self):
        """tf.keras 2's name of ``reset_state``."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The arguments that rebuild this metric."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """A metric from what ``get_config()`` returned."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _samplewise(values, sample_weight):
    """Keras's ``reduce_to_samplewise_values``: one (weighted) value per sample.

    values (N, ...) and sample_weight (N,) or broadcastable -> (values * w averaged over all
    axes but the first, the weights averaged alike); without weights, values averaged.
    """
    values = numpy.asarray(values, dtype=numpy.float64)
    if sample_weight is not None:
        weights = numpy.asarray(_array(sample_weight), dtype=numpy.float64)
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = values.mean(axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = numpy.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight has shape {weights.shape}, which does not match "
                             f"the per-sample values of shape {values.shape}") from None
        values = values * weights
        if weights.ndim > 1:
            weights = weights.mean(axis=tuple(range(1, weights.ndim)))
    else:
        weights = None
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return values, weights


class Mean(Metric):
    """The weighted running mean of values: sum(w v) / sum(w).

    ``update_state(values, sample_weight=None)``: values (N, ...) are first averaged to one
    per sample; a scalar with ``sample_weight=n`` counts as n samples of that value (how
    ``fit`` tracks the loss of batches of n samples).

    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7]); m.result()                              # 4.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()  # 2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None):
        values, weights = _samplewise(_array(values), sample_weight)
        self.total += float(values.sum())
        if weights is not None:
            self.count += float(weights.sum())
        else:
            self.count += values.shape[0] if values.ndim else 1

    def result(self):
        return self.total / self.count if self.count else 0.0

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0


class Sum(Metric):
    """The weighted running sum of values: sum(w v).

    >>> m = Sum(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()  # 4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(_array(values), sample_weight)
        self.total += float(values.sum())

    def result(self):
        return self.total

    def reset_state(self):
        self.total = 0.0


class MeanMetricWrapper(Mean):
    """The weighted running mean of ``fn(y_true, y_pred, **kwargs)``, a per-sample value.

    ``update_state(y_true, y_pred, sample_weight=None)``; ``fn`` gets NumPy arrays (or a
    loss function of ``keras.losses``, which gets them as constant tensors) and returns
    an array or tensor of shape (N,) (or (N, ...), averaged per sample).
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch; a mask carried by ``y_pred`` (a masked model output) weighs the
        valid steps 1 and the others 0, times ``sample_weight`` (Keras's rule)."""
        mask = get_keras_mask(y_pred)
        with no_grad():
            values = self._fn(_array(y_true), _array(y_pred), **self._fn_kwargs)
        if mask is not None:
            sample_weight = losses.apply_mask(values, sample_weight, mask, "sum",
                                              who=f"metric {self.name!r}")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}
        if type(self) is not MeanMetricWrapper:     # a class of this module: fn is fixed
            return config
        fn = losses.canonical_name(self._fn)
        if fn is None:
            raise TypeError(f"the metric {self.name!r} wraps the function {self._fn!r}, which "
                            f"cannot be saved in a config; use keras.metrics' classes or names")
        return {"fn": fn, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), str):
            config["fn"] = getattr(losses, losses.canonical_name(config["fn"]))
        return cls(**config)


# ------------------------------------------------------------------ per-sample hit functions


def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true, averaged over the last axis: (N, d) -> (N,)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_array(y_true), _array(y_pred))
    hits = (y_true == y_pred).astype(numpy.float64)
    return hits.mean(axis=-1) if hits.ndim else hits


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals y_true, averaged over the last axis: -> (N,)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(_array(y_true), _array(y_pred))
    hits = (y_true == (y_pred > threshold)).astype(numpy.float64)
    return hits.mean(axis=-1) if hits.ndim else hits


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot): (N, C) -> (N,)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    _check_same_shape("categorical_accuracy", y_true, y_pred)
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(numpy.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label: y_true (N,) or (N, 1), y_pred
    (N, C) -> (N,)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    _check_labels("sparse_categorical_accuracy", y_true, y_pred)
    return (y_true == y_pred.argmax(axis=-1)).astype(numpy.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the label's score is among the k largest (ties count as in): -> (N,)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    _check_labels("sparse_top_k_categorical_accuracy", y_true, y_pred)
    classes = y_pred.shape[-1]
    scores = y_pred.reshape(-1, classes)
    labels = y_true.reshape(-1).astype(numpy.int64)
    k = min(int(k), classes)
    kth = numpy.partition(scores, classes - k, axis=-1)[:, classes - k]    # k-th largest
    hits = scores[numpy.arange(len(labels)), labels] >= kth
    return hits.reshape(y_true.shape).astype(numpy.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's score is among the k largest: (N, C) -> (N,)."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    _check_same_shape("top_k_categorical_accuracy", y_true, y_pred)
    return sparse_top_k_categorical_accuracy(y_true.argmax(axis=-1), y_pred, k=k)


def _check_same_shape(op, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{op}: y_true has shape {y_true.shape} but y_pred {y_pred.shape}; "
                         f"one-hot targets need the same shape (for integer labels use the "
                         f"sparse_ metric)")


def _check_labels(op, y_true, y_pred):
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"{op}: y_true has shape {y_true.shape} but y_pred {y_pred.shape} "
                         f"needs integer labels of shape {y_pred.shape[:-1]}")


# ------------------------------------------------------------------ accuracy classes


class Accuracy(MeanMetricWrapper):
    """How often y_pred equals y_true exactly (labels against predicted labels).

    >>> m = Accuracy(); m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])  # 0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) equals the 0/1 label.

    >>> m = BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]); m.result()  # 0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not 0 < threshold < 1:
            raise ValueError(f"BinaryAccuracy: threshold must be in (0, 1), got {threshold}")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) is the one-hot target's class.

    >>> m = CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])  # 0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) is the integer label: y_true (N,) or (N, 1), y_pred (N, C).

    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]); m.result()  # 0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the k highest scores (default 5)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest scores (default 5).

    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]); m.result()     # 0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class _AccuracyByShape(Metric):
    """``"accuracy"`` whose kind is chosen at the first batch from the shapes (Keras 3):

    y_pred's last axis 1 -> binary; y_true of lower rank than y_pred, or last axis 1 while
    y_pred's is not -> sparse categorical; else categorical.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._metric = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._metric is None:
            t, p = _array(y_true), _array(y_pred)
            if p.ndim and p.shape[-1] == 1:
                cls = BinaryAccuracy
            elif t.ndim < p.ndim or (t.ndim and t.shape[-1] == 1 and p.shape[-1] > 1):
                cls = SparseCategoricalAccuracy
            else:
                cls = CategoricalAccuracy
            self._metric = cls(name=self.name, dtype=self.dtype)
        self._metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        return self._metric.result() if self._metric is not None else 0.0

    def reset_state(self):
        if self._metric is not None:
            self._metric.reset_state()


# ------------------------------------------------------------------ regression metrics


class MeanSquaredError(MeanMetricWrapper):
    """The running mean of ``keras.losses.mean_squared_error``: mean((y_true - y_pred)^2)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The running mean of ``keras.losses.mean_absolute_error``: mean(|y_true - y_pred|)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the running mean of the squared errors: sqrt(sum w (y_pred - y_true)^2 / sum w)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_array(y_true), _array(y_pred))
        super().update_state((y_pred - y_true) ** 2, sample_weight=sample_weight)

    def result(self):
        return float(numpy.sqrt(super().result()))


# ------------------------------------------------------------------ confusion counts


class _ConfusionMetric(Metric):
    """Weighted counts of true/false positives/negatives of binary predictions.

    A prediction is positive where y_pred > threshold (0.5 by default); with ``top_k`` the
    k highest scores of each row are the positives; ``class_id`` looks at one column of
    (N, C) predictions only.  y_true counts as positive where it is non-zero.
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if thresholds is not None and not isinstance(thresholds, (int, float)):
            raise NotImplementedError(f"{type(self).__name__}: one threshold is supported, got "
                                      f"thresholds={thresholds!r}")
        if thresholds is not None and not 0 <= thresholds <= 1:
            raise ValueError(f"{type(self).__name__}: thresholds must be in [0, 1], got "
                             f"{thresholds}")
        self.thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_array(y_true), _array(y_pred))
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true has shape {y_true.shape} but y_pred "
                             f"{y_pred.shape}; they must be the same shape")
        if self.top_k is not None:
            order = numpy.argsort(-y_pred, axis=-1, kind="stable")[..., :self.top_k]
            predicted = numpy.zeros(y_pred.shape, bool)
            numpy.put_along_axis(predicted, order, True, axis=-1)
            if self.thresholds is not None:
                predicted &= y_pred > self.thresholds
        else:
            predicted = y_pred > (0.5 if self.thresholds is None else self.thresholds)
        actual = y_true != 0
        weights = numpy.ones(y_pred.shape)
        if sample_weight is not None:       # one weight per sample, or per prediction
            w = numpy.asarray(_array(sample_weight), dtype=numpy.float64)
            if w.ndim > weights.ndim and w.shape[-1] == 1:
                w = w.reshape(w.shape[:-1])
            w = w.reshape(w.shape + (1,) * (weights.ndim - w.ndim))
            try:
                weights = numpy.broadcast_to(w, weights.shape)
            except ValueError:
                raise ValueError(f"{self.name}: sample_weight has shape "
                                 f"{_array(sample_weight).shape}, which does not match y_pred "
                                 f"{y_pred.shape}") from None
        if self.class_id is not None:
            predicted, actual = predicted[..., self.class_id], actual[..., self.class_id]
            weights = weights[..., self.class_id]
        self.true_positives += float(weights[predicted & actual].sum())
        self.false_positives += float(weights[predicted & ~actual].sum())
        self.false_negatives += float(weights[~predicted & actual].sum())
        self.true_negatives += float(weights[~predicted & ~actual].sum())

    def reset_state(self):
        self.true_positives = self.false_positives = 0.0
        self.false_negatives = self.true_negatives = 0.0

    def get_config(self):
        return {"thresholds": self.thresholds, "top_k": self.top_k, "class_id": self.class_id,
                **super().get_config()}


class Precision(_ConfusionMetric):
    """Of the predicted positives, the fraction that are positive: TP / (TP + FP) (0 if none).

    >>> m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()   # 0.667
    """

    def result(self):
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 0.0


class Recall(_ConfusionMetric):
    """Of the actual positives, the fraction predicted positive: TP / (TP + FN) (0 if none).

    >>> m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()      # 0.667
    """

    def result(self):
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0


# ------------------------------------------------------------------ lookup by name


_CLASSES = [Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
            TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
            MeanAbsoluteError, RootMeanSquaredError, Precision, Recall]

#: metric names -> class; any loss name of keras.losses is a metric too (its running mean)
_NAMES = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
          "sparse_categorical_accuracy": SparseCategoricalAccuracy,
          "top_k_categorical_accuracy": TopKCategoricalAccuracy,
          "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
          "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
          "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
          "root_mean_squared_error": RootMeanSquaredError, "precision": Precision,
          "recall": Recall}

#: the accuracy that fits each cross-entropy loss
_ACCURACY_FOR_LOSS = {"sparse_categorical_crossentropy": SparseCategoricalAccuracy,
                      "categorical_crossentropy": CategoricalAccuracy,
                      "binary_crossentropy": BinaryAccuracy}


def _by_class_name(name):
    return next((c for c in _CLASSES if c.__name__ == name), None)


def _known():
    loss_names = {n for n in losses._NAMES if n.islower()}
    return ", ".join(sorted({"accuracy", "acc"} | set(_NAMES) | loss_names |
                            {c.__name__ for c in _CLASSES}))


def accuracy_for(loss, name="accuracy"):
    """The accuracy metric that fits ``loss`` (a name, ``Loss`` or function), called ``name``:
    sparse categorical / categorical / binary accuracy for the three cross-entropies, else
    one that chooses from the shapes of the first batch."""
    cls = _ACCURACY_FOR_LOSS.get(losses.canonical_name(loss) if loss is not None else None)
    return cls(name=name) if cls is not None else _AccuracyByShape(name=name)


def get(identifier, loss=None):
    """The ``Metric`` that ``identifier`` names.

    ``"accuracy"`` / ``"acc"`` resolve by ``loss`` (``accuracy_for``); other names
    (``"sparse_categorical_accuracy"``, ``"mse"``, ``"Precision"``, or any loss name of
    ``keras.losses``) give that metric, named as asked, as Keras 3 reports them.  A
    ``Metric`` is returned as it is; a class is instantiated; a dict ``{"class_name",
    "config"}`` rebuilt; a function ``fn(y_true, y_pred)`` -> per-sample values becomes
    their running mean.  None gives None.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return accuracy_for(loss, name=identifier)
        cls = _NAMES.get(identifier) or _NAMES.get(identifier.lower()) or _by_class_name(
            identifier)
        if cls is not None:
            return cls(name=identifier)
        loss_name = losses.canonical_name(identifier)
        if loss_name is not None:
            return MeanMetricWrapper(getattr(losses, loss_name), name=identifier)
        raise ValueError(f"unknown metric {identifier!r}; known: {_known()}")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"could not interpret the metric {identifier!r}: give a name ({_known()}), "
                     f"a keras.metrics.Metric, or a function (y_true, y_pred) -> values")


serialize = registry.serialize


def deserialize(config, custom_objects=None):
    """A metric from ``{"class_name", "config"}`` (``custom_objects`` maps names to classes)."""
    return registry.deserialize(config, "metric", {c.__name__: c for c in _CLASSES},
                                custom_objects)



__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
           "RootMeanSquaredError", "Precision", "Recall", "get", "accuracy_for", "serialize",
           "deserialize", "accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy"]
