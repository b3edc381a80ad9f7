"""``shenjing.device`` and ``shenjing.cuda``: the names PyTorch code uses to pick a device.

Tensors live in NumPy arrays on the CPU, so ``cuda.is_available()`` is False and the
usual ``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`` picks
"cpu", which ``tensor.to(device)`` and ``model.to(device)`` accept.
"""

import types


class device:  # noqa: N801 - torch.device
    """A device name: ``device("cpu")``; ``type`` and ``index`` as in PyTorch."""

    def __init__(self, type, index=None):  # noqa: A002 - torch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, number = str(type).partition(":")
        if name not in ("cpu", "cuda", "mps"):
            raise RuntimeError(f"device: expected 'cpu', 'cuda' or 'mps', got {type!r}")
        self.type = name
        self.index = int(number) if number else index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type={self.type!r}" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def _false(*args, **kwargs):
    return False


def _zero(*args, **kwargs):
    return 0


cuda = types.SimpleNamespace(is_available=_false, device_count=_zero,
                             manual_seed=lambda seed: None, manual_seed_all=lambda seed: None)
cuda.__doc__ = "CUDA is not used by the NumPy backend: is_available() is False."
backends = types.SimpleNamespace(mps=types.SimpleNamespace(is_available=_false),
                                 cudnn=types.SimpleNamespace(deterministic=True, benchmark=False))
