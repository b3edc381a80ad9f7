"""Global autograd modes: whether ops record a graph, and anomaly detection.

They are context managers (and decorators), never flags flipped here and there::

    with shenjing.no_grad():
        y = model(x)          # no graph is built, nothing is kept for backward
"""

import functools


class _Mode:
    """Process-wide switches read by every op call."""
    grad_enabled = True
    detect_anomaly = False
    #: under anomaly detection, ``anomaly_where(op_name)`` may add to the error where the op
    #: was called (layer path, user code); ``shenjing.insight.detect_nan`` sets it
    anomaly_where = None


def is_grad_enabled():
    """True when ops record the graph that ``backward()`` walks."""
    return _Mode.grad_enabled


class _SwitchGrad:
    """Base of the grad-mode context managers: set a mode on enter, restore it on exit."""
    value = None

    def __enter__(self):
        self._previous = _Mode.grad_enabled
        _Mode.grad_enabled = self.value

    def __exit__(self, *exc):
        _Mode.grad_enabled = self._previous
        return False

    def __call__(self, fn):
        value = self.value

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous = _Mode.grad_enabled
            _Mode.grad_enabled = value
            try:
                return fn(*args, **kwargs)
            finally:
                _Mode.grad_enabled = previous
        return wrapper


class no_grad(_SwitchGrad):
    """Context manager (or decorator) in which ops build no graph: for inference and updates."""
    value = False


class enable_grad(_SwitchGrad):
    """Context manager (or decorator) that turns graph recording back on inside ``no_grad``."""
    value = True


class set_grad_enabled(_SwitchGrad):
    """Turn graph recording on or off: ``with set_grad_enabled(training): ...``.

    Called as a plain function it switches the mode until switched back.
    """

    def __init__(self, mode):
        self.value = bool(mode)
        self._previous = _Mode.grad_enabled
        _Mode.grad_enabled = self.value

    def __enter__(self):
        pass  # the switch already happened in __init__, as in PyTorch

    def __call__(self, fn):
        _Mode.grad_enabled = self._previous  # used as a decorator: switch only inside fn
        return super().__call__(fn)


class inference_mode(no_grad):
    """Alias of ``no_grad`` (PyTorch's faster no-grad mode; here they are the same)."""

    def __init__(self, mode=True):
        self.value = not mode


class detect_anomaly:
    """Context manager that checks every op's output for NaN or inf and names the op that made it.

    Forward outputs are checked as they are made; gradients as backward makes them.
    It costs one pass over every array, so use it to find a bug, not to train.
    """

    def __enter__(self):
        self._previous = _Mode.detect_anomaly
        _Mode.detect_anomaly = True

    def __exit__(self, *exc):
        _Mode.detect_anomaly = self._previous
        return False
