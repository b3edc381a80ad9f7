"""mpirun -n 2: wrapping models whose parameter shapes differ across ranks is an error that
names every rank's shapes, raised on every rank (no hang)."""

import shenjing.distributed as dist
from shenjing import nn
from _common import write_result

dist.init_process_group(backend="mpi")
rank = dist.get_rank()
messages = {}
try:
    nn.parallel.DistributedDataParallel(nn.Linear(4, 3 + rank))
except ValueError as error:
    messages["ddp_shapes"] = str(error)
try:
    nn.parallel.DistributedDataParallel(nn.Sequential(*[nn.Linear(2, 2) for _ in range(rank + 1)]))
except ValueError as error:
    messages["ddp_count"] = str(error)
dist.barrier()
write_result(rank, {"messages": messages})
