"""mpirun -n 2: rank 1 never joins the collective (a hang the harness must end)."""

import time

import shenjing as torch
import shenjing.distributed as dist

dist.init_process_group(backend="mpi")
if dist.get_rank() == 1:
    time.sleep(3600)
dist.all_reduce(torch.ones(3))
