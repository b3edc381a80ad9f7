"""``keras.optimizers.schedules``: learning rates that change with the optimizer's step.

A schedule is a callable ``schedule(step) -> float``; given as an optimizer's
``learning_rate``, it is evaluated at ``optimizer.iterations`` (0 on the first update)
before every update.  The formulas are Keras's, step by step (``step`` counts updates,
not epochs)::

    ExponentialDecay        lr0 * rate^(step / decay_steps)
    InverseTimeDecay        lr0 / (1 + rate * step / decay_steps)        power scheduling, c = 1
    PolynomialDecay         (lr0 - end) * (1 - min(step, decay_steps) / decay_steps)^power + end
    CosineDecay             lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)
    PiecewiseConstantDecay  values[i] for boundaries[i-1] < step <= boundaries[i]

(``staircase=True`` floors ``step / decay_steps``: the rate changes every
``decay_steps`` steps.)

>>> lr = ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)
>>> opt = keras.optimizers.SGD(learning_rate=lr)
"""

import math
from bisect import bisect_left

from .. import registry


def _step(step):
    """The step as a Python float (ints, NumPy scalars and one-element tensors)."""
    if hasattr(step, "item"):
        step = step.item()
    return float(step)


def _positive(schedule, name, value):
    if not value > 0:
        raise ValueError(f"{schedule}: {name} must be > 0, got {name}={value!r}")


class LearningRateSchedule:
    """Base class: ``schedule(step)`` -> the learning rate at that step (a float).

    A subclass writes ``__call__(step)`` and ``get_config()``::

        class MyLRSchedule(LearningRateSchedule):
            def __init__(self, initial_learning_rate):
                self.initial_learning_rate = initial_learning_rate
            def __call__(self, step):
                return self.initial_learning_rate / (step + 1)
    """

    def __call__(self, step):
        raise NotImplementedError(f"learning rate schedule {type(self).__name__} must "
                                  f"override __call__(self, step)")

    def get_config(self):
        """The arguments that rebuild this schedule."""
        raise NotImplementedError(f"learning rate schedule {type(self).__name__} must "
                                  f"override get_config() to be saved")

    @classmethod
    def from_config(cls, config):
        """A schedule from what ``get_config()`` returned."""
        return cls(**config)


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: lr0, decay_steps, decay_rate, and
    the progress p = step / decay_steps (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        _positive(type(self).__name__, "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase = decay_rate, staircase
        self.name = name or type(self).__name__

    def progress(self, step):
        p = _step(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """lr0 * decay_rate^(step / decay_steps) (floored exponent with ``staircase``).

    >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)      # 0.1 * 0.5^2 = 0.025
    """

    def __call__(self, step):
        return float(self.initial_learning_rate * self.decay_rate ** self.progress(step))


class InverseTimeDecay(_StepDecay):
    """lr0 / (1 + decay_rate * step / decay_steps): the course's power scheduling
    lr0 / (1 + t / s)^c with c = 1 (s = decay_steps / decay_rate).

    >>> InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)(2)        # 0.1 / 2 = 0.05
    """

    def __call__(self, step):
        return float(self.initial_learning_rate / (1.0 + self.decay_rate * self.progress(step)))



class PolynomialDecay(LearningRateSchedule):
    """From lr0 to ``end_learning_rate`` in ``decay_steps`` along (1 - step/decay_steps)^power.

    Beyond ``decay_steps`` the rate stays at the end; with ``cycle`` it restarts, over the
    first multiple of ``decay_steps`` above the step.

    >>> PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)(5)  # 0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle = end_learning_rate, power, cycle
        self.name = name

    def __call__(self, step):
        step, decay_steps = _step(step), float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return float((self.initial_learning_rate - self.end_learning_rate)
                     * (1.0 - p) ** self.power + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from lr0 (or ``warmup_target``) to alpha times it, after a linear warmup.

    Without ``warmup_target``: lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha) with s = min(step, decay_steps).  With it: a linear rise from lr0 to
    ``warmup_target`` over ``warmup_steps``, then the same decay from ``warmup_target``
    with s = min(step, warmup_steps + decay_steps) - warmup_steps.

    >>> CosineDecay(0.1, decay_steps=10)(5)                             # 0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decayed(self, step, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = _step(step)
        if self.warmup_target is None:
            return float(self._decayed(min(step, self.decay_steps), self.initial_learning_rate))
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return float(rise * step / self.warmup_steps + self.initial_learning_rate)
        return float(self._decayed(step - self.warmup_steps, self.warmup_target))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class PiecewiseConstantDecay(LearningRateSchedule):
    """Constant pieces: values[0] while step <= boundaries[0], values[i] while
    boundaries[i-1] < step <= boundaries[i], values[-1] after the last boundary.

    >>> PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])(105)       # 0.5
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: values needs one more entry than "
                             f"boundaries, got {len(boundaries)} boundaries {list(boundaries)} "
                             f"and {len(values)} values {list(values)}")
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase strictly, got "
                             f"{list(boundaries)}")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        return float(self.values[bisect_left(self.boundaries, _step(step))])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PolynomialDecay,
                                            CosineDecay, PiecewiseConstantDecay)}


def serialize(schedule):
    """``{"module", "class_name", "config"}`` of a schedule, as Keras writes it."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    """A schedule from ``{"class_name", "config"}`` (``custom_objects`` maps names to classes)."""
    return registry.deserialize(config, "learning rate schedule", _SCHEDULES, custom_objects)


__all__ = ["LearningRateSchedule", "serialize", "deserialize"] + sorted(_SCHEDULES)
