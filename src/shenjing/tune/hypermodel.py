"""``HyperModel``: a model family indexed by hyperparameters (Keras Tuner's base class).

Subclass it and define ``build(hp)`` (returns a compiled Keras-face model); override
``fit(hp, model, *args, **kwargs)`` to tune how it is trained too (``batch_size``,
``shuffle``, ...); it returns the ``History`` (or the objective as a float, or a dict of
metrics).  A plain function ``build_model(hp)`` works wherever a ``HyperModel`` does.
"""


class HyperModel:
    """A buildable, tunable model: ``build(hp)`` and ``fit(hp, model, *args, **kwargs)``."""

    def __init__(self, name=None, tunable=True):
        self.name, self.tunable = name, tunable

    def build(self, hp):
        """The compiled model for the values in ``hp`` (a ``HyperParameters``)."""
        raise NotImplementedError(f"{type(self).__name__}.build(hp) must be defined")

    def fit(self, hp, model, *args, **kwargs):
        """Train ``model``: ``model.fit(*args, **kwargs)`` unless overridden."""
        return model.fit(*args, **kwargs)


class FunctionHyperModel(HyperModel):
    """A ``HyperModel`` whose ``build`` is the function ``build_fn(hp)``."""

    def __init__(self, build_fn):
        super().__init__(name=getattr(build_fn, "__name__", None))
        self.build_fn = build_fn

    def build(self, hp):
        return self.build_fn(hp)


def as_hypermodel(hypermodel, who):
    """``hypermodel`` as a ``HyperModel`` (a function is wrapped); TypeError naming ``who``
    otherwise."""
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return FunctionHyperModel(hypermodel)
    raise TypeError(f"{who}: hypermodel must be a HyperModel or a function build_model(hp), "
                    f"got {type(hypermodel).__name__}")
