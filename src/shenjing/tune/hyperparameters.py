"""``HyperParameters``: the search space, declared where the model is built (Keras Tuner's API).

    def build_model(hp):
        units = hp.Int("units", min_value=32, max_value=512, step=32)
        lr = hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])
        ...

Each call declares one hyperparameter (the first time its name is seen) and returns its
value for the trial being built: Optuna's ``trial.suggest_*`` inside a search (define by
run), a value fixed beforehand (``hp.values`` / ``Fixed``), or the default (outside a
search: ``Int``/``Float`` their ``min_value``, ``Choice`` its first value, ``Boolean``
False).  Inside ``with hp.conditional_scope(parent, values):`` a hyperparameter is active
only when ``parent``'s value is one of ``values``; an inactive one is not sampled and
returns None.
"""

import contextlib
import math

SAMPLINGS = ("linear", "log")


class HyperParameter:
    """One dimension of the search space: its name, default and the conditions under which
    it is active (a list of ``(parent_name, allowed_values)``)."""

    kind = "hyperparameter"

    def __init__(self, name, default, conditions=()):
        self.name, self.default, self.conditions = name, default, list(conditions)

    def suggest(self, trial):
        """The value Optuna's ``trial`` gives this hyperparameter."""
        raise NotImplementedError

    def grid_values(self):
        """Every value, for a grid search."""
        raise NotImplementedError

    def describe(self):
        """The ``search_space_summary`` line of this hyperparameter's settings."""
        return {"default": self.default, "conditions": self.conditions}

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self.describe().items()
                             if k != "conditions" or v)
        return f"{type(self).__name__}(name={self.name!r}, {settings})"


def _sampling(who, sampling, low):
    """``sampling`` in lower case (Keras Tuner accepts 'LOG'), checked."""
    sampling = sampling.lower() if isinstance(sampling, str) else sampling
    if sampling not in SAMPLINGS:
        raise ValueError(f"{who}: unknown sampling {sampling!r}; expected one of {SAMPLINGS}")
    if sampling == "log" and low <= 0:
        raise ValueError(f"{who}: sampling='log' needs min_value > 0, got {low!r}")
    return sampling


def _check_range(who, low, high, step):
    if not low < high:
        raise ValueError(f"{who}: empty range: min_value {low!r} must be below "
                         f"max_value {high!r}")
    if step is not None:
        if not step > 0:
            raise ValueError(f"{who}: step must be positive, got {step!r}")
        if step > high - low:
            raise ValueError(f"{who}: step {step!r} is larger than the range "
                             f"{low!r}..{high!r} (width {high - low!r})")


def _log_grid(low, high, factor):
    """low, low*factor, low*factor**2, ... up to high: the values of a log range with a
    (multiplicative) step, as Keras Tuner defines it."""
    values = []
    value = low
    while value <= high * (1 + 1e-12):
        values.append(value)
        value *= factor
    return values


class Int(HyperParameter):
    """An integer in ``[min_value, max_value]``: on the grid ``min_value + k * step``
    (``sampling='linear'``), or on a log scale (``'log'``; a ``step`` is then a factor)."""

    kind = "Int"

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=()):
        who = f"HyperParameters.Int({name!r})"
        for arg, value in (("min_value", min_value), ("max_value", max_value)):
            if not isinstance(value, (int,)) or isinstance(value, bool):
                raise TypeError(f"{who}: {arg} must be an int, got {value!r}")
        sampling = _sampling(who, sampling, min_value)
        if sampling == "log" and step is not None and step <= 1:
            raise ValueError(f"{who}: with sampling='log' the step is a factor > 1, got {step!r}")
        _check_range(who, min_value, max_value, None if sampling == "log" else step)
        super().__init__(name, min_value if default is None else default, conditions)
        self.min_value, self.max_value, self.sampling = min_value, max_value, sampling
        self.step = step

    def suggest(self, trial):
        if self.sampling == "log":
            if self.step:
                return trial.suggest_categorical(self.name, self.grid_values())
            return trial.suggest_int(self.name, self.min_value, self.max_value, log=True)
        step = self.step or 1
        high = self.min_value + (self.max_value - self.min_value) // step * step
        return trial.suggest_int(self.name, self.min_value, high, step=step)

    def grid_values(self):
        if self.sampling == "log":
            if not self.step:
                raise ValueError(f"GridSearch: Int {self.name!r} with sampling='log' needs a "
                                 f"step (a factor) to make a grid")
            return [int(round(v)) for v in _log_grid(self.min_value, self.max_value, self.step)]
        return list(range(self.min_value, self.max_value + 1, self.step or 1))

    def describe(self):
        return {"default": self.default, "conditions": self.conditions,
                "min_value": self.min_value, "max_value": self.max_value, "step": self.step,
                "sampling": self.sampling}


class Float(HyperParameter):
    """A real number in ``[min_value, max_value]``, uniform (``'linear'``) or uniform in its
    logarithm (``'log'``, for learning rates); with a ``step`` it lies on a grid
    (``min_value + k * step``, or times ``step`` for ``'log'``)."""

    kind = "Float"

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=()):
        who = f"HyperParameters.Float({name!r})"
        for arg, value in (("min_value", min_value), ("max_value", max_value)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"{who}: {arg} must be a number, got {value!r}")
        sampling = _sampling(who, sampling, min_value)
        if sampling == "log" and step is not None and step <= 1:
            raise ValueError(f"{who}: with sampling='log' the step is a factor > 1, got {step!r}")
        _check_range(who, min_value, max_value, None if sampling == "log" else step)
        super().__init__(name, float(min_value if default is None else default), conditions)
        self.min_value, self.max_value = float(min_value), float(max_value)
        self.step, self.sampling = step, sampling

    def suggest(self, trial):
        if self.step and self.sampling == "log":
            return trial.suggest_categorical(self.name, self.grid_values())
        if self.step:
            high = self.min_value + math.floor((self.max_value - self.min_value) / self.step
                                               + 1e-9) * self.step
            return trial.suggest_float(self.name, self.min_value, high, step=self.step)
        return trial.suggest_float(self.name, self.min_value, self.max_value,
                                   log=self.sampling == "log")

    def grid_values(self):
        if not self.step:
            raise ValueError(f"GridSearch: Float {self.name!r} needs a step to make a grid")
        if self.sampling == "log":
            return _log_grid(self.min_value, self.max_value, self.step)
        count = math.floor((self.max_value - self.min_value) / self.step + 1e-9)
        return [self.min_value + k * self.step for k in range(count + 1)]

    def describe(self):
        return {"default": self.default, "conditions": self.conditions,
                "min_value": self.min_value, "max_value": self.max_value, "step": self.step,
                "sampling": self.sampling}


class Choice(HyperParameter):
    """One of ``values`` (ints, floats, strings or booleans, all of one type)."""

    kind = "Choice"

    def __init__(self, name, values, ordered=None, default=None, conditions=()):
        who = f"HyperParameters.Choice({name!r})"
        values = list(values) if isinstance(values, (list, tuple, range)) else values
        if not isinstance(values, list) or not values:
            raise ValueError(f"{who}: values must be a non-empty list, got {values!r}")
        kinds = {bool if isinstance(v, bool) else float if isinstance(v, (int, float)) else
                 type(v) for v in values}
        if len(kinds) > 1 or not kinds <= {bool, float, str}:
            raise TypeError(f"{who}: values must all be numbers, all strings or all booleans, "
                            f"got {values!r}")
        if default is not None and default not in values:
            raise ValueError(f"{who}: default {default!r} is not one of {values!r}")
        super().__init__(name, values[0] if default is None else default, conditions)
        self.values, self.ordered = values, ordered

    def suggest(self, trial):
        return trial.suggest_categorical(self.name, self.values)

    def grid_values(self):
        return list(self.values)

    def describe(self):
        return {"default": self.default, "conditions": self.conditions,
                "values": self.values, "ordered": self.ordered}


class Boolean(Choice):
    """True or False."""

    kind = "Boolean"

    def __init__(self, name, default=False, conditions=()):
        super().__init__(name, [False, True], default=bool(default), conditions=conditions)

    def describe(self):
        return {"default": self.default, "conditions": self.conditions}


class Fixed(HyperParameter):
    """A constant: recorded with the trial, never searched."""

    kind = "Fixed"

    def __init__(self, name, value, conditions=()):
        super().__init__(name, value, conditions)
        self.value = value

    def suggest(self, trial):
        return self.value

    def grid_values(self):
        return [self.value]

    def describe(self):
        return {"value": self.value, "conditions": self.conditions}


class HyperParameters:
    """The search space and one trial's values (Keras Tuner's ``HyperParameters``).

    ``space``: the declared hyperparameters, in order; ``values``: {name: value} of the
    active ones.  ``Int``/``Float``/``Choice``/``Boolean``/``Fixed`` declare and return a
    value; ``conditional_scope`` makes the ones inside depend on a parent's value."""

    def __init__(self):
        self.space = []
        self.values = {}
        self._by_name = {}
        self._conditions = []
        self._trial = None      # the Optuna trial being built, inside a search

    # ------------------------------------------------------------ declaring

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None,
            parent_name=None, parent_values=None):
        """An integer hyperparameter (see ``Int``); returns its value."""
        with self._parent(parent_name, parent_values):
            return self._declare(Int(name, min_value, max_value, step, sampling, default,
                                     self._conditions))

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None,
              parent_name=None, parent_values=None):
        """A real hyperparameter (see ``Float``); returns its value."""
        with self._parent(parent_name, parent_values):
            return self._declare(Float(name, min_value, max_value, step, sampling, default,
                                       self._conditions))

    def Choice(self, name, values, ordered=None, default=None, parent_name=None,
               parent_values=None):
        """One of ``values`` (see ``Choice``); returns the value chosen."""
        with self._parent(parent_name, parent_values):
            return self._declare(Choice(name, values, ordered, default, self._conditions))

    def Boolean(self, name, default=False, parent_name=None, parent_values=None):
        """True or False; returns the value."""
        with self._parent(parent_name, parent_values):
            return self._declare(Boolean(name, default, self._conditions))

    def Fixed(self, name, value, parent_name=None, parent_values=None):
        """A constant, recorded with the trial; returns ``value``."""
        with self._parent(parent_name, parent_values):
            return self._declare(Fixed(name, value, self._conditions))

    @contextlib.contextmanager
    def conditional_scope(self, parent_name, parent_values):
        """Hyperparameters declared inside are active only while ``parent_name``'s value is
        one of ``parent_values`` (a value or a list)."""
        if parent_name not in self._by_name:
            raise ValueError(f"HyperParameters.conditional_scope: unknown parent "
                             f"{parent_name!r}; declare it first (known: "
                             f"{sorted(self._by_name)})")
        values = parent_values if isinstance(parent_values, (list, tuple)) else [parent_values]
        self._conditions.append((parent_name, list(values)))
        try:
            yield
        finally:
            self._conditions.pop()

    @contextlib.contextmanager
    def _parent(self, parent_name, parent_values):
        if parent_name is None:
            yield
        else:
            with self.conditional_scope(parent_name, parent_values):
                yield

    def _declare(self, hp):
        known = self._by_name.get(hp.name)
        if known is None:
            self.space.append(hp)
            self._by_name[hp.name] = hp
        else:
            hp = known
        if not self.is_active(hp):
            return None
        if hp.name not in self.values:
            if isinstance(hp, Fixed):
                self.values[hp.name] = hp.value
            elif self._trial is not None:
                self.values[hp.name] = hp.suggest(self._trial)
            else:
                self.values[hp.name] = hp.default
        if isinstance(hp, Fixed) and self._trial is not None:
            self._trial.set_user_attr(f"fixed/{hp.name}", hp.value)
        return self.values[hp.name]

    # ------------------------------------------------------------ reading

    def is_active(self, hp):
        """Whether ``hp`` (or its name) is active: every condition on it holds."""
        hp = self._by_name[hp] if isinstance(hp, str) else hp
        return all(parent in self.values and self.values[parent] in allowed
                   for parent, allowed in hp.conditions)

    def get(self, name):
        """The value of ``name``; KeyError listing the known names when there is none."""
        if name in self.values:
            return self.values[name]
        if name in self._by_name:
            return None  # declared but inactive
        raise KeyError(f"HyperParameters.get: no hyperparameter {name!r}; known: "
                       f"{sorted(self._by_name)}")

    def __getitem__(self, name):
        return self.get(name)

    def __contains__(self, name):
        return name in self._by_name

    def copy(self):
        """A new object with the same space and values (no trial attached)."""
        other = HyperParameters()
        other.space = list(self.space)
        other._by_name = dict(self._by_name)
        other.values = dict(self.values)
        return other

    def __repr__(self):
        return f"HyperParameters({self.values})"
