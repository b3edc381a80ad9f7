"""Started by ``shenjing launch -n 2``: each rank writes its rank, the world size and the
thread share it was given."""

import os

import shenjing.distributed as dist
from _common import write_result

dist.init_process_group(backend="mpi")
write_result(dist.get_rank(), {"rank": dist.get_rank(), "world": dist.get_world_size(),
                               "threads": os.environ.get("OPENBLAS_NUM_THREADS")})
