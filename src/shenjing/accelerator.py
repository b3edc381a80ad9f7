"""``shenjing.accelerator``: PyTorch's device-agnostic accelerator API (``torch.accelerator``).

An accelerator is there only when the array backend runs on one: with the CuPy backend
(``shenjing.backend.use("cupy")``) it is the CUDA device, with NumPy (the default) there is
none.  So the lines of PyTorch's examples pick the CPU on a CPU machine::

    use_accel = torch.accelerator.is_available()                         # False with NumPy
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    name = acc.type if (acc := torch.accelerator.current_accelerator()) else "cpu"
"""

from . import backend
from .device import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "synchronize"]


def _cupy():
    """The CuPy module when it is the array backend, else None."""
    module = backend.xp()
    return module if getattr(module, "__name__", "") == "cupy" else None


def device_count():
    """The number of accelerator devices the backend can use (0 with NumPy)."""
    cupy = _cupy()
    if cupy is None:
        return 0
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - a CuPy without a driver has no device
        return 0


def is_available():
    """True when the backend runs on an accelerator (CuPy with a GPU); False on the CPU."""
    return device_count() > 0


def current_accelerator(check_available=False):
    """The accelerator as a ``shenjing.device`` (``device(type='cuda')``), or None when
    there is none.  ``check_available`` is PyTorch's flag (None also when unavailable)."""
    if not is_available():
        return None
    return _device("cuda")


def current_device_index():
    """The index of the current accelerator device (-1 when there is none, as PyTorch)."""
    cupy = _cupy()
    if cupy is None or not is_available():
        return -1
    return int(cupy.cuda.runtime.getDevice())


def synchronize(device=None):
    """Wait for the accelerator's queued work (nothing to wait for on the CPU)."""
    cupy = _cupy()
    if cupy is not None and is_available():
        cupy.cuda.Device().synchronize()
