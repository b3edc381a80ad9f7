"""``Objective(name, direction)``: the logged metric a search optimizes, and which way."""

# a metric name containing one of these is maximized without being told (Keras Tuner's rule)
_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "r2", "iou", "top_k")
_MIN_WORDS = ("loss", "error", "mae", "mse", "mape", "msle", "hinge", "crossentropy")


class Objective:
    """The metric ``name`` (a key of ``fit``'s logs, e.g. ``'val_accuracy'``) and its
    ``direction``, ``'min'`` or ``'max'``."""

    def __init__(self, name, direction):
        if not isinstance(name, str) or not name:
            raise ValueError(f"Objective: name must be a metric name, got {name!r}")
        if direction not in ("min", "max"):
            raise ValueError(f"Objective({name!r}): direction must be 'min' or 'max', "
                             f"got {direction!r}")
        self.name, self.direction = name, direction

    @property
    def optuna_direction(self):
        """``'minimize'`` or ``'maximize'``."""
        return "minimize" if self.direction == "min" else "maximize"

    def better(self, a, b):
        """Whether score ``a`` is better than ``b`` (None is worse than anything)."""
        if b is None:
            return a is not None
        if a is None:
            return False
        return a < b if self.direction == "min" else a > b

    def __eq__(self, other):
        return (isinstance(other, Objective) and (self.name, self.direction)
                == (other.name, other.direction))

    def __repr__(self):
        return f"Objective(name={self.name!r}, direction={self.direction!r})"


def as_objective(objective):
    """An ``Objective`` from a metric name (its direction guessed from the name: losses and
    errors down, accuracies up) or an ``Objective``; ValueError when it cannot be guessed."""
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        bare = objective.lower()
        if any(word in bare for word in _MIN_WORDS):
            return Objective(objective, "min")
        if any(word in bare for word in _MAX_WORDS):
            return Objective(objective, "max")
        raise ValueError(f"objective {objective!r}: cannot tell whether to minimize or "
                         f"maximize it; give kt.Objective({objective!r}, direction='min' "
                         f"or 'max')")
    raise TypeError(f"objective must be a metric name or a kt.Objective, got "
                    f"{type(objective).__name__} {objective!r}")
