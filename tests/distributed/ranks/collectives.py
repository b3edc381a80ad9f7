"""mpirun -n 2: every collective against a NumPy reference; bad input gives clear errors."""


import numpy as np

import shenjing as torch
import shenjing.distributed as dist
from _common import write_result

dist.init_process_group(backend="mpi")
rank, world = dist.get_rank(), dist.get_world_size()


def data(r, shape=(3, 4), dtype=np.float32):
    """What rank r contributes: known to every rank, so each can compute the reference."""
    return (np.arange(np.prod(shape), dtype=np.float64).reshape(shape) * (r + 1) + r).astype(dtype)


every = [data(r) for r in range(world)]
err = {}

t = torch.tensor(data(rank))
dist.all_reduce(t)
err["all_reduce_sum"] = float(np.abs(t.numpy() - sum(every)).max())
t = torch.tensor(data(rank))
dist.all_reduce(t, op=dist.ReduceOp.MAX)
err["all_reduce_max"] = float(np.abs(t.numpy() - np.max(every, axis=0)).max())
t = torch.tensor(data(rank))
dist.all_reduce(t, op=dist.ReduceOp.AVG)
err["all_reduce_avg"] = float(np.abs(t.numpy() - np.mean(every, axis=0)).max())
t = torch.tensor(data(rank))
dist.all_reduce(t, async_op=True).wait()
err["all_reduce_async"] = float(np.abs(t.numpy() - sum(every)).max())

# a non-contiguous view: reduced through a copy, written back into the view
base = torch.tensor(np.stack([data(rank)] * 2, axis=2))          # (3, 4, 2)
view = base[:, :, 1]
dist.all_reduce(view)
err["all_reduce_view"] = float(np.abs(base.numpy()[:, :, 1] - sum(every)).max())
err["all_reduce_view_untouched"] = float(np.abs(base.numpy()[:, :, 0] - data(rank)).max())

t = torch.tensor(data(rank, dtype=np.int64))
dist.broadcast(t, src=1)
err["broadcast"] = float(np.abs(t.numpy() - data(1)).max())

outs = [torch.zeros(3, 4) for _ in range(world)]
dist.all_gather(outs, torch.tensor(data(rank)))
err["all_gather"] = max(float(np.abs(o.numpy() - data(r)).max()) for r, o in enumerate(outs))

out = torch.zeros(world * 3, 4)
dist.all_gather_into_tensor(out, torch.tensor(data(rank)))
err["all_gather_into_tensor"] = float(np.abs(out.numpy() - np.concatenate(every)).max())

# reduce_scatter: rank r passes data(r, (world, 3, 4)); rank k gets sum_r of slot k
mine = data(rank, (world, 3, 4))
out = torch.zeros(3, 4)
dist.reduce_scatter(out, [torch.tensor(mine[k]) for k in range(world)])
reference = sum(data(r, (world, 3, 4)) for r in range(world))[rank]
err["reduce_scatter"] = float(np.abs(out.numpy() - reference).max())
out = torch.zeros(3, 4)
dist.reduce_scatter_tensor(out, torch.tensor(mine.reshape(world * 3, 4)))
err["reduce_scatter_tensor"] = float(np.abs(out.numpy() - reference).max())

# zero-copy: a contiguous tensor's own memory is what MPI reduced
t = torch.tensor(data(rank))
before = t.array.__array_interface__["data"][0]
dist.all_reduce(t)
err["same_memory"] = before == t.array.__array_interface__["data"][0]

messages = {}
try:  # mismatched shapes: rank 1 passes (3, 5)
    dist.all_reduce(torch.zeros(3, 4 + rank))
except ValueError as error:
    messages["mismatch"] = str(error)
try:
    dist.all_gather([torch.zeros(2)], torch.zeros(2))
except ValueError as error:
    messages["list_length"] = str(error)
dist.barrier()
dist.destroy_process_group()
try:
    dist.all_reduce(torch.zeros(2))
except RuntimeError as error:
    messages["after_destroy"] = str(error)
write_result(rank, {"world": world, "rank": rank, "err": err, "messages": messages})
