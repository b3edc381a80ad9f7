"""shenjing (神经): a deep-learning framework whose engine is written on NumPy.

``import shenjing as torch`` gives the PyTorch-style names: tensors and their creation
functions, the ops, autograd (``no_grad``, ``backward``), dtypes and ``manual_seed``.
"""

from . import allocator, backend
from .autograd import (Tensor, detect_anomaly, enable_grad, inference_mode, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .autograd.creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                                full_like, linspace, ones, ones_like, rand, rand_like, randint,
                                randn, randn_like, randperm, tensor, zeros, zeros_like)
from .backend import Generator, get_default_dtype, manual_seed, set_default_dtype
from .device import backends, cuda, device
from .dtypes import (bool, double, float, float16, float32, float64, half, int, int8, int16,  # noqa: A004
                     int32, int64, long, short, uint8)
from .ops import *  # noqa: F401,F403 - the op functions: shenjing.exp, shenjing.cat, ...
from .ops import abs, all, any, max, min, pow, round, sum  # noqa: A004 - torch's names
from .io import load, save  # shenjing.save / shenjing.load: safetensors files
from .numerics import (Size, e, finfo, get_num_threads, iinfo, inf, is_floating_point,  # noqa: E402
                       nan, pi, set_num_threads)
from . import nn  # noqa: E402 - the PyTorch face: shenjing.nn, shenjing.nn.functional
from . import optim  # noqa: E402 - shenjing.optim: optimizers and lr_scheduler
from . import utils  # noqa: E402 - shenjing.utils.data: Dataset, DataLoader
from . import func  # noqa: E402 - shenjing.func: grad, vmap (torch.func)
from .compiler import compile  # noqa: E402,A004 - shenjing.compile (torch.compile), a no-op today
from . import accelerator  # noqa: E402 - shenjing.accelerator: torch.accelerator's names
from . import distributed  # noqa: E402 - shenjing.distributed: MPI process groups (mpi4py lazily)

__version__ = "0.1.0"

allocator.keep_freed_memory()


def is_tensor(obj):
    """True if ``obj`` is a shenjing tensor."""
    return isinstance(obj, Tensor)


def numel(x):
    """The number of elements of tensor ``x``."""
    return x.numel()


def __getattr__(name):
    """``shenjing.vision`` and ``shenjing.onnx`` load on first use (a light import)."""
    if name in ("vision", "onnx"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
