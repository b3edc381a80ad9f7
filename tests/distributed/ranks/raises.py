"""mpirun -n 2: rank 1 raises while rank 0 waits in a collective; the job must end."""

import shenjing as torch
import shenjing.distributed as dist

dist.init_process_group(backend="mpi")
if dist.get_rank() == 1:
    raise RuntimeError("rank one failed on purpose")
dist.all_reduce(torch.ones(3))   # would wait forever for rank 1 without the abort
dist.barrier()
print("rank 0 finished")          # never reached
