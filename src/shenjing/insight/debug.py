"""``detect_nan()``: the NaN-hunting debug mode.

Inside it every op's forward output and every gradient its backward makes is checked for
NaN and inf (``shenjing.detect_anomaly``), and the first one raises a FloatingPointError
naming the op (``log``), the layer it ran in, by its path in the model (``net.fc2``), and
the line of user code that called it::

    with insight.detect_nan():
        loss = loss_fn(model(x), y)
        loss.backward()
    # FloatingPointError: detect_anomaly: Log (forward) produced NaN or inf: op `log`
    #   in layer `Net.head` (Linear), called at train.py:12 in forward: return torch.log(h)

It costs a pass over every array and a look up the call stack per op: for finding a bug,
not for training.
"""

import linecache
import os
import re
import sys

from ..autograd import grad_mode

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def op_name(name):
    """The function name of an op class: ``Log`` -> ``log``, ``LogSoftmax`` -> ``log_softmax``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _is_module(obj):
    return hasattr(obj, "_modules") and hasattr(obj, "named_modules")


def _label(module):
    own = getattr(module, "__dict__", {}).get("name")
    return own if isinstance(own, str) else type(module).__name__


def _layer_path(modules):
    """``root.child.grandchild`` from the modules being called, outermost first."""
    path = [_label(modules[0])]
    for parent, child in zip(modules, modules[1:]):
        for name, sub in parent.named_modules():
            if sub is child and name:
                path.append(name)
                break
        else:
            path.append(_label(child))
    return ".".join(path)


def describe(name):
    """Where the op ``name`` is being called now: its function name, the layer path and the
    first line of code outside shenjing on the stack (the user's)."""
    modules, user = [], None
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        owner = frame.f_locals.get("self")
        if code.co_name == "__call__" and _is_module(owner) and (not modules or
                                                                 modules[0] is not owner):
            modules.insert(0, owner)
        if user is None and not code.co_filename.startswith(_PACKAGE):
            user = frame
        frame = frame.f_back
    text = f": op `{op_name(name)}`"
    if modules:
        text += f" in layer `{_layer_path(modules)}` ({type(modules[-1]).__name__})"
    if user is not None:
        line = linecache.getline(user.f_code.co_filename, user.f_lineno).strip()
        text += (f", called at {user.f_code.co_filename}:{user.f_lineno} in "
                 f"{user.f_code.co_name}" + (f": {line}" if line else ""))
    return text


class detect_nan:
    """Context manager of the NaN-hunting debug mode (see the module docstring); also usable
    as a decorator."""

    def __enter__(self):
        self._previous = (grad_mode._Mode.detect_anomaly, grad_mode._Mode.anomaly_where)
        grad_mode._Mode.detect_anomaly = True
        grad_mode._Mode.anomaly_where = describe
        return self

    def __exit__(self, *exc):
        grad_mode._Mode.detect_anomaly, grad_mode._Mode.anomaly_where = self._previous
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_nan():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper
