"""scikit-learn estimators around Keras-face models: ``KerasClassifier``, ``KerasRegressor``.

    def build(units=32):
        model = keras.Sequential([keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(build, model__units=64, fit__epochs=3, batch_size=64)
    GridSearchCV(clf, {"model__units": [32, 128], "fit__epochs": [2, 4]}, cv=3).fit(x, y)
    cross_val_score(clf, x, y, cv=5)

Parameters are routed by prefix, as in SciKeras: ``model__name`` to the building function,
``fit__name`` to ``fit``, ``predict__name`` to ``predict``; ``epochs``, ``batch_size``,
``verbose`` go to ``fit``; ``random_state`` seeds shenjing before each build.  The function
may also take ``n_features_in_`` / ``n_classes_`` / ``n_outputs_`` to size its model.
Needs scikit-learn (the ``sklearn`` extra).
"""

import inspect

import numpy

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError:
    raise ImportError("shenjing.tune's KerasClassifier/KerasRegressor need scikit-learn: "
                      "pip install 'shenjing[sklearn]'") from None

_PREFIXES = ("model__", "fit__", "predict__")


class _KerasEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, routing, fit, predict."""

    def __init__(self, model=None, *, epochs=1, batch_size=32, verbose=0, random_state=None,
                 **kwargs):
        self.model, self.epochs, self.batch_size = model, epochs, batch_size
        self.verbose, self.random_state = verbose, random_state
        for key, value in kwargs.items():
            self._check_key(key)
            setattr(self, key, value)
        self._routed = list(kwargs)

    def _check_key(self, key):
        if not key.startswith(_PREFIXES):
            raise ValueError(f"{type(self).__name__}: unknown parameter {key!r}; expected "
                             f"model, epochs, batch_size, verbose, random_state or a "
                             f"{'/'.join(p + '...' for p in _PREFIXES)} routed parameter")

    def get_params(self, deep=True):
        """Every parameter, the routed ``model__``/``fit__``/``predict__`` ones included."""
        params = super().get_params(deep=False)
        params.update({key: getattr(self, key) for key in self._routed})
        return params

    def set_params(self, **params):
        """Set parameters (routed ones may be new); returns the estimator."""
        for key, value in params.items():
            if key not in self.get_params():
                self._check_key(key)
                self._routed.append(key)
            setattr(self, key, value)
        return self

    def _routed_to(self, prefix):
        return {key[len(prefix):]: getattr(self, key) for key in self._routed
                if key.startswith(prefix)}

    def _build(self, meta):
        who = type(self).__name__
        if not callable(self.model):
            raise TypeError(f"{who}: model must be a function returning a compiled model, "
                            f"got {type(self.model).__name__}")
        if self.random_state is not None:
            import shenjing
            shenjing.manual_seed(int(self.random_state))
        kwargs = self._routed_to("model__")
        accepted = inspect.signature(self.model).parameters
        takes_all = any(p.kind == p.VAR_KEYWORD for p in accepted.values())
        kwargs.update({k: v for k, v in meta.items() if k in accepted or takes_all})
        model = self.model(**kwargs)
        if getattr(model, "compiled_loss", None) is None:
            raise ValueError(f"{who}: model() must return a compiled model (call "
                             f"model.compile(optimizer, loss, ...) in it)")
        return model

    def _fit(self, x, y, meta):
        self.model_ = self._build(meta)
        kwargs = {"epochs": self.epochs, "batch_size": self.batch_size,
                  "verbose": self.verbose, **self._routed_to("fit__")}
        self.history_ = self.model_.fit(x, y, **kwargs).history
        return self

    def _predict_raw(self, x):
        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(X, y)")
        kwargs = {"verbose": 0, **self._routed_to("predict__")}
        return numpy.asarray(self.model_.predict(_floats(x), **kwargs))


def _floats(x):
    x = numpy.asarray(x)
    return x.astype(numpy.float32) if x.dtype.kind in "fiub" and x.dtype != numpy.float32 \
        else x


class KerasClassifier(ClassifierMixin, _KerasEstimator):
    """A classifier: ``fit(X, y)`` with any labels (stored in ``classes_``, given to the
    model as ids 0..C-1), ``predict`` (labels), ``predict_proba`` ((N, C)), ``score``
    (accuracy).  The model ends in ``softmax`` over C units (or one ``sigmoid`` unit for
    two classes)."""

    def fit(self, X, y, **fit_params):
        """Train a fresh model on ``X`` (N, ...) and labels ``y`` (N,)."""
        y = numpy.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"KerasClassifier.fit: y must be (N,) labels, got shape {y.shape}")
        self.classes_, ids = numpy.unique(y, return_inverse=True)
        self.n_features_in_ = int(numpy.prod(numpy.shape(X)[1:])) if numpy.ndim(X) > 1 else 1
        meta = {"n_features_in_": self.n_features_in_, "n_classes_": len(self.classes_),
                "n_outputs_": 1}
        for key, value in fit_params.items():
            setattr(self, "fit__" + key, value)
            if "fit__" + key not in self._routed:
                self._routed.append("fit__" + key)
        return self._fit(_floats(X), ids.astype(numpy.int64), meta)

    def predict_proba(self, X):
        """(N, C) class probabilities."""
        p = self._predict_raw(X)
        if p.ndim == 1 or p.shape[1] == 1:          # one sigmoid unit: P(class 1)
            p = p.reshape(-1, 1)
            p = numpy.hstack([1 - p, p])
        return p

    def predict(self, X):
        """(N,) the most probable labels."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class KerasRegressor(RegressorMixin, _KerasEstimator):
    """A regressor: ``fit(X, y)``, ``predict`` ((N,) or (N, outputs)), ``score`` (R^2)."""

    def fit(self, X, y, **fit_params):
        """Train a fresh model on ``X`` (N, ...) and targets ``y`` (N,) or (N, outputs)."""
        y = numpy.asarray(y, dtype=numpy.float32)
        self.n_features_in_ = int(numpy.prod(numpy.shape(X)[1:])) if numpy.ndim(X) > 1 else 1
        meta = {"n_features_in_": self.n_features_in_,
                "n_outputs_": 1 if y.ndim == 1 else y.shape[1]}
        for key, value in fit_params.items():
            setattr(self, "fit__" + key, value)
            if "fit__" + key not in self._routed:
                self._routed.append("fit__" + key)
        return self._fit(_floats(X), y, meta)

    def predict(self, X):
        """(N,) predictions for one output, (N, outputs) for several."""
        p = self._predict_raw(X)
        return p.reshape(-1) if p.ndim == 2 and p.shape[1] == 1 else p
