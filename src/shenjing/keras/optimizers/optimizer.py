"""``Optimizer``: the base of Keras's optimizers, with Keras 3's protocol.

An optimizer updates variables (shenjing ``Parameter``s) from their gradients::

    optimizer.apply_gradients(zip(grads, variables))     # or optimizer.apply(grads, variables)

Each call is one step, in Keras's order:

1. gradients that are None are skipped (with a warning naming how many);
2. clipping: ``clipvalue`` clips each element to [-v, v]; ``clipnorm`` rescales each
   gradient to an L2 norm of at most c (g * c / max(||g||, c)); ``global_clipnorm``
   rescales all gradients together to a joint norm of at most c;
3. weight decay, when ``weight_decay`` is set (any optimizer, decoupled as in AdamW):
   p = p - lr * weight_decay * p;
4. the optimizer's own rule (``update_step``) on each variable, with the learning rate
   of this step: a float, or the schedule evaluated at ``iterations``;
5. ``iterations`` += 1.

The slots (momentum, velocity, ...) of a variable are created on its first update and
kept by the optimizer (``slots(variable)``).  Updates write the variables' arrays in
place, outside the graph, and count a new version of each, so a backward that still
needs the old value says so.

``get_state(variables)`` / ``set_state(state, variables)`` give and restore the training
state (``iterations``, each variable's slots in order, and the numbers a subclass names in
``shared_state``), checked against the variables, so that a saved model resumes exactly
(``keras/saving.py``, ``BackupAndRestore``).

A subclass gives ``build_slots(param)`` (its state arrays) and ``update_step(grad,
param, slots, lr)`` on arrays; the rules call ``shenjing.optim.functional`` where its
update functions express Keras's formula.
"""

import math
import warnings

import numpy

from ... import backend
from ...autograd.tensor import Tensor
from . import schedules


def _number(owner, name, value):
    """A hyper-parameter as a Python float, or ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, numpy.number)):
        raise ValueError(f"{owner}: {name} must be a number, got {name}={value!r}")
    return float(value)


def check_range(owner, name, value, low, high, closed_high=True):
    """``value`` as a float in [low, high] (or [low, high)), else ValueError naming it."""
    value = _number(owner, name, value)
    inside = low <= value <= high if closed_high else low <= value < high
    if not inside:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{owner}: {name} must be in [{low}, {high}{bracket}, got "
                         f"{name}={value!r}")
    return value


class Optimizer:
    """Base class of Keras's optimizers.

    ``Optimizer(learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
    global_clipnorm=None, loss_scale_factor=None, name=None)``; ``use_ema`` and
    ``gradient_accumulation_steps`` are accepted at their defaults only.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        owner = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{owner}: the argument decay is no longer supported (Keras 3) and "
                          f"is ignored; use a learning rate schedule", stacklevel=3)
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {sorted(kwargs)}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can "
                             f"be set, got clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        if use_ema:
            raise NotImplementedError(f"{owner}: use_ema=True (a moving average of the "
                                      f"weights) is not supported yet")
        if gradient_accumulation_steps:
            raise NotImplementedError(f"{owner}: gradient_accumulation_steps is not supported "
                                      f"yet (got {gradient_accumulation_steps})")
        for key, value in (("weight_decay", weight_decay), ("clipnorm", clipnorm),
                           ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm),
                           ("loss_scale_factor", loss_scale_factor)):
            if value is not None:
                _number(owner, key, value)
        self.name = name or _snake(owner)
        self.weight_decay, self.loss_scale_factor = weight_decay, loss_scale_factor
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.iterations = 0
        self._learning_rate = None
        self.learning_rate = learning_rate
        self._slots = {}          # id(variable) -> (variable, {slot name: array})
        self._variables = None    # the variables of build(), for apply(grads) alone
        self._no_decay = set()    # id(variable) of variables excluded from weight decay
        self._work = {}

    # ------------------------------------------------------------ the learning rate

    @property
    def learning_rate(self):
        """The learning rate of the next step: the float, or the schedule (or a callable of
        no arguments) evaluated at ``iterations``."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        if callable(lr):
            return float(lr())
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(f"{type(self).__name__}: this optimizer was made with a "
                            f"LearningRateSchedule ({type(self._learning_rate).__name__}), so "
                            f"its learning rate cannot be set to the number {value!r} (as in "
                            f"Keras); give a float learning_rate to make it settable")
        self._learning_rate = _number(type(self).__name__, "learning_rate", value)

    lr = learning_rate   # tf.keras 2's name

    # ------------------------------------------------------------ slots

    def build(self, variables):
        """Create the slots of ``variables`` now (otherwise done at their first update) and
        remember them, so that ``apply(grads)`` may omit the variables."""
        self._variables = list(variables)
        for variable in self._variables:
            self.slots(variable)

    @property
    def built(self):
        """True once ``build`` or a first update has run."""
        return self._variables is not None

    def slots(self, variable):
        """The dict of state arrays of ``variable`` (created on first sight)."""
        entry = self._slots.get(id(variable))
        if entry is None or entry[0] is not variable:
            entry = (variable, self.build_slots(variable.array))
            self._slots[id(variable)] = entry
        return entry[1]

    def build_slots(self, param):
        """The state arrays of the parameter array ``param`` (subclasses); none by default."""
        return {}

    @staticmethod
    def _zeros(param, fill=0.0):
        """A slot shaped like ``param``, filled with ``fill``."""
        return backend.array_module(param).full(param.shape, fill, dtype=param.dtype)

    def _work_arrays(self, param):
        """Two scratch arrays shaped like ``param``, views of buffers shared by all
        variables of one dtype, so that an update allocates nothing."""
        key = (type(param), param.dtype)
        buffers = self._work.get(key)
        if buffers is None or buffers[0].size < param.size:
            xp = backend.array_module(param)
            buffers = self._work[key] = (xp.empty(param.size, param.dtype),
                                         xp.empty(param.size, param.dtype))
        n = param.size
        return buffers[0][:n].reshape(param.shape), buffers[1][:n].reshape(param.shape)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Apply no weight decay to the variables of ``var_list`` (e.g. biases)."""
        if var_names:
            raise NotImplementedError(f"{type(self).__name__}.exclude_from_weight_decay: "
                                      f"var_names is not supported (shenjing's variables carry "
                                      f"no names); give var_list")
        self._no_decay = {id(v) for v in var_list or ()}

    # ------------------------------------------------------------ one step

    def apply_gradients(self, grads_and_vars):
        """One step from (gradient, variable) pairs; returns ``iterations``.

        A gradient is a tensor, an array or None (that variable is skipped); a variable is a
        shenjing ``Parameter`` (any tensor), updated in place.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """One step (Keras 3's form): ``grads`` one per variable, in order; without
        ``trainable_variables``, those given to ``build``."""
        grads = list(grads)
        if not grads:
            return
        owner = type(self).__name__
        if trainable_variables is None:
            if self._variables is None:
                raise ValueError(f"{owner}.apply: without trainable_variables the optimizer "
                                 f"must be built first; call build(variables) or pass them")
            variables = self._variables
        else:
            variables = list(trainable_variables)
            if self._variables is None:
                self._variables = variables
        if len(grads) != len(variables):
            raise ValueError(f"{owner}.apply: got {len(grads)} gradients for {len(variables)} "
                             f"variables; give one gradient (or None) per variable")
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            raise ValueError(f"{owner}: no gradients provided for any variable (all "
                             f"{len(variables)} are None); did the loss depend on them?")
        if len(pairs) < len(variables):
            warnings.warn(f"{owner}: gradients do not exist for {len(variables) - len(pairs)} "
                          f"of {len(variables)} variables; they are not updated", stacklevel=3)
        arrays = [self._gradient_array(g, v) for g, v in pairs]
        variables = [v for _, v in pairs]
        if self.loss_scale_factor is not None:
            arrays = [g / float(self.loss_scale_factor) for g in arrays]
        arrays = self._clip(arrays)
        lr = float(self.learning_rate)
        if self.weight_decay:
            self._apply_weight_decay(variables, lr)
        self._update_all(arrays, variables, lr)
        for v in variables:
            v._version += 1
        self.iterations += 1

    def _gradient_array(self, grad, variable):
        if not isinstance(variable, Tensor):
            raise TypeError(f"{type(self).__name__}: variables must be shenjing tensors "
                            f"(Parameters), got {type(variable).__name__}")
        array = grad.array if isinstance(grad, Tensor) else grad
        if not hasattr(array, "shape"):
            array = backend.xp().asarray(array)
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(f"{type(self).__name__}: a gradient of shape {tuple(array.shape)} "
                             f"was given for a variable of shape {tuple(variable.shape)}")
        return array.astype(variable.dtype, copy=False)

    def _clip(self, grads):
        """Keras's clipping; new arrays, the gradients themselves are never changed."""
        if self.clipnorm and self.clipnorm > 0:
            c = float(self.clipnorm)
            return [g * (c / max(_l2(g), c)) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = float(self.global_clipnorm)
            norm = math.sqrt(sum(_l2(g) ** 2 for g in grads))
            scale = c / max(norm, c) if math.isfinite(norm) else math.nan  # Keras: inf -> nan
            return [g * scale for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = float(self.clipvalue)
            return [backend.array_module(g).clip(g, -v, v) for g in grads]
        return grads

    def _apply_weight_decay(self, variables, lr):
        """p = p - lr * weight_decay * p, before the update (decoupled, as AdamW)."""
        factor = 1.0 - lr * float(self.weight_decay)
        for v in variables:
            if id(v) not in self._no_decay:
                v.array *= factor

    def _update_all(self, grads, variables, lr):
        """``update_step`` on each variable (subclasses that keep a shared state extend it)."""
        for g, v in zip(grads, variables):
            p = v.array
            self.update_step(g, p, self.slots(v), lr, self._work_arrays(p))

    def update_step(self, grad, param, slots, lr, work):
        """Update the array ``param`` in place from ``grad`` (subclasses); ``slots`` is its
        state, ``lr`` this step's learning rate, ``work`` two scratch arrays."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step()")

    # ------------------------------------------------------------ state (saving, resuming)

    shared_state = ()   # names of number attributes a subclass advances per step (Nadam)

    def get_state(self, variables=None):
        """The training state, to resume exactly where it stopped: ``{"iterations": n,
        "shared": {name: number}, "slots": [{slot name: array (the variable's shape)}, ...]}``
        with one dict of slots per variable of ``variables`` (default: those the optimizer
        was built for), in that order.  The arrays are copies."""
        variables = self._state_variables(variables, "get_state")
        return {"iterations": int(self.iterations),
                "shared": {name: float(getattr(self, name)) for name in self.shared_state},
                "slots": [{name: array.copy() for name, array in self.slots(v).items()}
                          for v in variables]}

    def set_state(self, state, variables=None, names=None):
        """Restore what ``get_state`` returned onto ``variables`` (default: those the
        optimizer was built for), after checking that it fits them; ``names`` (one per
        variable, e.g. ``"dense.kernel"``) only make the errors clearer.

        ValueError naming the first mismatch: another number of variables, of slots or
        other slot names for a variable, a slot of another shape than its variable."""
        variables = self._state_variables(variables, "set_state")
        self.check_state(state, variables, names)
        for name in self.shared_state:
            setattr(self, name, float(state["shared"][name]))
        self._slots = {id(v): (v, {name: backend.xp().asarray(array).astype(v.dtype)
                                   for name, array in slots.items()})
                       for v, slots in zip(variables, state["slots"])}
        self._variables = list(variables)
        self.iterations = int(state["iterations"])

    def check_state(self, state, variables, names=None):
        """Raise ValueError naming the first way ``state`` (``get_state``'s form) does not
        fit ``variables``; return nothing when it fits."""
        owner = f"{type(self).__name__}.set_state"
        names = list(names) if names is not None else [f"#{i}" for i in range(len(variables))]
        if not isinstance(state, dict) or not isinstance(state.get("slots"), list) \
                or isinstance(state.get("iterations"), bool) \
                or not isinstance(state.get("iterations"), int):
            raise ValueError(f"{owner}: expected {{'iterations': int, 'shared': {{...}}, "
                             f"'slots': [...]}} as get_state() returns, got {_describe(state)}")
        missing = [n for n in self.shared_state if n not in (state.get("shared") or {})]
        if missing:
            raise ValueError(f"{owner}: the saved state lacks {missing}, which "
                             f"{type(self).__name__} keeps")
        saved = state["slots"]
        if len(saved) != len(variables):
            raise ValueError(f"{owner}: the saved state holds the slots of {len(saved)} "
                             f"variables, but there are {len(variables)} trainable variables")
        for i, (variable, slots) in enumerate(zip(variables, saved)):
            shape = tuple(variable.shape)
            expected = sorted(self.build_slots(variable.array))
            if not isinstance(slots, dict) or sorted(slots) != expected:
                got = sorted(slots) if isinstance(slots, dict) else _describe(slots)
                raise ValueError(f"{owner}: variable {i} ({names[i]}, shape {shape}) has "
                                 f"{len(expected)} slot(s) {expected} in "
                                 f"{type(self).__name__}, the saved state {got}")
            for key in expected:
                got = tuple(getattr(slots[key], "shape", ()))
                if got != shape:
                    raise ValueError(f"{owner}: slot {key!r} of variable {i} ({names[i]}) has "
                                     f"shape {got} in the saved state, but the variable has "
                                     f"shape {shape}")

    def _state_variables(self, variables, who):
        if variables is None:
            if self._variables is None:
                raise ValueError(f"{type(self).__name__}.{who}: the optimizer has not been "
                                 f"built; pass the variables (model.trainable_weights)")
            return self._variables
        return list(variables)

    # ------------------------------------------------------------ config

    def get_config(self):
        """The arguments that rebuild this optimizer (without its state)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            raise TypeError(f"{type(self).__name__}: a learning rate given as a function "
                            f"cannot be saved in a config; use a LearningRateSchedule")
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """An optimizer from what ``get_config()`` returned (a schedule is rebuilt too)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} iterations={self.iterations}>"


def _describe(value):
    """A short description of a value found where a state dict or list was expected."""
    return f"a {type(value).__name__}" if not isinstance(value, (list, dict)) else repr(value)[:80]


def _l2(g):
    """The L2 norm of an array, as a Python float."""
    return float(backend.array_module(g).sqrt((g * g).sum()))


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
