"""Optimizers and learning-rate schedules with PyTorch's interface (``torch.optim``).

``shenjing.optim.Adam(model.parameters(), lr=1e-3)``, ``optimizer.zero_grad()``,
``optimizer.step()``, ``shenjing.optim.lr_scheduler.OneCycleLR(...)``.  The update rules
themselves are plain functions on arrays in ``shenjing.optim.functional``, shared with the
Keras face.
"""

from . import functional, lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "NAdam", "functional",
           "lr_scheduler"]
__all__ += ["Adadelta", "Adamax", "RAdam", "LBFGS"]

from .asgd import ASGD  # noqa: E402
from .rprop import Rprop  # noqa: E402

__all__ += ["ASGD", "Rprop"]
