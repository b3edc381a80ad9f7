"""``Optimizer``: the base of every optimizer, with PyTorch's protocol.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"``, a list of leaf tensors,
and the options such as ``"lr"``, filled in from ``defaults``) and ``state`` (a dict from
parameter to that parameter's buffers: moments, momentum, step count).  Each training
step::

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()          # p <- update(p, p.grad), for every p whose grad is not None

``state_dict()`` packs the state with parameters replaced by their position (0, 1, ...
across the groups in order), which is the layout of ``torch.optim``:
``{"state": {0: {"step": 3, "exp_avg": tensor, ...}}, "param_groups": [{"lr": ...,
"params": [0, 1]}]}``; ``load_state_dict`` restores it into a fresh optimizer built on
the same parameters, so that training resumes exactly.

The updates are plain functions on arrays (``optim.functional``); a subclass names its
state (``_init_state``) and calls its function on each parameter (``_update``).  They run
on the parameters' arrays directly, outside the graph, as PyTorch's run under
``no_grad()``; each update counts a new version of the parameter, so that a backward that
still needs the old value says so instead of computing a wrong gradient.
"""

import copy
import functools
from collections import defaultdict

import numpy

from .. import backend
from ..autograd import grad_mode
from ..autograd.tensor import Tensor
from . import hooks


class _Required:
    """Marks an option without a default: each parameter group must give it."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _mark_called(step):
    """Wrap ``step`` so that schedulers can tell it ran (the order warning), and run the
    step hooks around it (``optim/hooks.py``)."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        self._opt_called = True
        return hooks.run_step(self, step, args, kwargs)
    wrapper._marks_call = True
    return wrapper


class Optimizer(hooks.HookMixin):
    """Base class of the optimizers: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
    groups, each with its own options: ``[{"params": body}, {"params": head, "lr": 1e-3}]``).
    ``defaults`` holds the options a group does not give.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_marks_call", False):
            cls.step = _mark_called(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._opt_called = False
        self._work = {}
        if isinstance(params, Tensor):
            raise TypeError(f"{self._name}: params should be an iterable of tensors or dicts, "
                            f"got a single tensor; pass [tensor] or model.parameters()")
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self):
        return type(self).__name__

    def __repr__(self):
        lines = [self._name + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_opt_called", False)
        self._work = {}

    # ------------------------------------------------------------ parameter groups

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. layers unfrozen later)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self._name}.add_param_group: expected a dict, got "
                            f"{type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"{self._name}: parameters need an ordered collection (the order of "
                            f"a set changes between runs); use a list")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{self._name}: give all parameters with names or none")
            param_group["param_names"] = names
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{self._name} can only optimize tensors, but one of the params "
                                f"is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{self._name}: can't optimize a non-leaf tensor (one computed "
                                 f"from others); optimize the leaves it was computed from")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"{self._name}: parameter group didn't specify a value of "
                                 f"required optimization parameter {name}")
            param_group.setdefault(name, default)
        self._check_options(param_group)
        if len({id(p) for p in params}) != len(params):
            import warnings
            warnings.warn(f"{self._name}: a parameter group holds the same parameter twice; it "
                          f"would be updated twice per step", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for group in self.param_groups:
            if ("param_names" in group) != ("param_names" in param_group):
                raise ValueError(f"{self._name}: all parameter groups should be with names or "
                                 f"all without")
        if any(id(p) in seen for p in params):
            raise ValueError(f"{self._name}: some parameters appear in more than one parameter "
                             f"group")
        self.param_groups.append(param_group)

    def _check_options(self, group):
        """Raise ValueError for invalid options of a group (subclasses check theirs)."""

    # ------------------------------------------------------------ the step

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``.grad = None`` (default), or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g = p.grad
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad = False
                    g.array[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        ``closure`` re-evaluates the model and returns the loss (it runs with the graph
        recorded, e.g. for ``loss.backward()`` inside it) before the update.
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        self._opt_called = True
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if grad.shape != p.shape:
                    raise RuntimeError(f"{self._name}.step: the gradient of a parameter of "
                                       f"shape {p.shape} has shape {grad.shape}")
                state = self.state.get(p)
                fresh = not state
                if fresh:  # the first update of p (or its state was only looked at)
                    state = {} if state is None else state
                    self._init_state(p, state, group)
                self._update(p.array, grad.array, state, group, self._work_arrays(p.array))
                if fresh and state:  # SGD without momentum keeps no state, as PyTorch
                    self.state[p] = state
                p._version += 1
        return loss

    #: the state entries that are numbers (step counts), not buffers shaped like the param
    _number_state = ("step",)

    def _init_state(self, param, state, group):
        """Fill ``state`` (an empty dict) with the buffers of ``param`` (subclasses)."""

    def _update(self, param, grad, state, group, work):
        """Update the array ``param`` in place from ``grad`` (subclasses)."""
        raise NotImplementedError(f"{self._name} does not implement step()")

    def _work_arrays(self, array):
        """Two scratch arrays shaped like ``array``, views of buffers shared by all params.

        They hold the intermediate results of an update, so that no array is allocated per
        step; they grow to the largest parameter of each dtype.
        """
        key = (type(array), array.dtype)
        buffers = self._work.get(key)
        if buffers is None or buffers[0].size < array.size:
            xp = backend.array_module(array)
            buffers = (xp.empty(array.size, array.dtype), xp.empty(array.size, array.dtype))
            self._work[key] = buffers
        n = array.size
        return buffers[0][:n].reshape(array.shape), buffers[1][:n].reshape(array.shape)

    @staticmethod
    def _zeros(param, fill=0.0):
        """A state buffer like ``param`` (a tensor or an array), filled with ``fill``."""
        array = param.array if isinstance(param, Tensor) else param
        xp = backend.array_module(array)
        return Tensor.from_node(xp.full(array.shape, fill, dtype=array.dtype), None, 0)

    # ------------------------------------------------------------ saving and resuming

    def state_dict(self):
        """The state and the options, with parameters replaced by their position.

        ``{"state": {index: {name: tensor or number}}, "param_groups": [{option: value,
        "params": [index, ...]}]}``.  As in PyTorch, the tensors are the optimizer's own
        buffers, not copies: save them (or deep-copy the dict) before stepping again.
        """
        hooks.run_state_dict_pre(self)
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return hooks.run_state_dict_post(self, {"state": state, "param_groups": groups})

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned, onto this optimizer's parameters.

        The options of each group are replaced by the saved ones; buffers are copied and
        cast to their parameter's dtype, so the saved dict stays untouched.
        """
        state_dict = hooks.run_load_state_dict_pre(self, state_dict)
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{self._name}.load_state_dict: the saved state has "
                             f"{len(saved_groups)} parameter groups, this optimizer "
                             f"{len(self.param_groups)}")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"{self._name}.load_state_dict: parameter group {i} has "
                                 f"{len(group['params'])} parameters, the saved one "
                                 f"{len(saved['params'])}")
        params = {}
        for group, saved in zip(self.param_groups, saved_groups):
            params.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in params:
                p = params[key]
                state[p] = {name: _cast(p, v, name in self._number_state)
                            for name, v in value.items()}
            else:
                state[key] = value
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                saved.setdefault(name, default)  # options added since the state was saved
            groups.append(saved)
        self.state = state
        self.param_groups = groups
        hooks.run_load_state_dict_post(self)


Optimizer.step = _mark_called(Optimizer.step)  # the step hooks run around the base step too


def check_option(ok, optimizer, what, option, value, expected):
    """Raise ``ValueError`` naming the optimizer and the option unless ``ok``.

    ``check_option(lr >= 0, "Adam", "learning rate", "lr", lr, ">= 0")`` raises
    ``Adam: Invalid learning rate: lr=-1 (expected >= 0)``.
    """
    if not ok:
        raise ValueError(f"{optimizer}: Invalid {what}: {option}={value!r} (expected {expected})")


def check_unsupported(optimizer, differentiable=False, **ignored):
    """Accept PyTorch's implementation switches (``foreach``, ``fused``, ``capturable``).

    They choose among PyTorch's kernels and mean nothing here; ``differentiable=True``
    (a graph through the update itself) is not supported.
    """
    if differentiable:
        raise ValueError(f"{optimizer}: differentiable=True (backpropagating through the "
                         f"update) is not supported")


def _cast(param, value, is_number):
    """A copy of a saved state value for ``param``: buffers take its dtype, counts are numbers."""
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, (numpy.ndarray, numpy.generic)) or hasattr(value, "__cuda_array_interface__"):
        if is_number:
            return value.item()  # a step count saved as a 0-d tensor (PyTorch keeps it so)
        array = backend.xp().asarray(value)
        dtype = param.dtype if param.dtype.kind == "f" and array.dtype.kind == "f" else array.dtype
        return Tensor.from_node(array.astype(dtype, copy=True), None, 0)
    if isinstance(value, dict):
        return {k: _cast(param, v, False) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v, False) for v in value)
    return value
