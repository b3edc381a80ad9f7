"""The autograd engine: ``Tensor``, the graph of ``Function`` nodes, ``backward()``,
``grad()`` and higher-order gradients (``create_graph``), grad modes and gradient checking.
It imports nothing above ``backend``."""

from .function import Function, ShapeError
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_grad_enabled,
                        no_grad, set_grad_enabled)
from .gradcheck import GradcheckError, GradcheckResult, gradcheck, gradgradcheck
from .higher_order import grad
from . import functional  # noqa: F401,E402 - autograd.functional.vjp / hvp
from .tensor import RemovableHandle, Tensor

__all__ = ["Function", "ShapeError", "Tensor", "RemovableHandle", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly",
           "gradcheck", "GradcheckError", "GradcheckResult", "gradgradcheck", "grad"]
