"""``shenjing.distributed``: processes that train together, on MPI, in PyTorch's shape.

    mpirun -n 2 python train.py            (or: shenjing launch -n 2 train.py)

    import shenjing.distributed as dist
    dist.init_process_group(backend="mpi")     # rank and world size from the launcher
    dist.all_reduce(t)                         # t = sum over ranks, in place

``nn.parallel.DistributedDataParallel`` averages gradients with these, and
``utils.data.DistributedSampler`` gives each rank its shard of the data.  mpi4py is an
optional dependency (``pip install 'shenjing[distributed]'``), imported on first use.
"""

from .collectives import (ReduceOp, Work, all_gather, all_gather_into_tensor, all_reduce,
                          broadcast, reduce_scatter, reduce_scatter_tensor)
from .process_group import (ProcessGroup, barrier, destroy_process_group, get_backend, get_rank,
                            get_world_size, init_process_group, is_available, is_initialized,
                            is_mpi_available)

__all__ = ["ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
           "all_reduce", "barrier", "broadcast", "destroy_process_group", "get_backend",
           "get_rank", "get_world_size", "init_process_group", "is_available", "is_initialized",
           "is_mpi_available", "reduce_scatter", "reduce_scatter_tensor"]
