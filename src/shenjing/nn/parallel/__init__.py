"""``shenjing.nn.parallel``: data-parallel training over MPI ranks (``DistributedDataParallel``)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
