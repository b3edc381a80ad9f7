"""mpirun -n 2: DistributedDataParallel on real MNIST against one process on the whole batch.

argv: out_dir npz_path model(mlp|cnn).  Each rank starts from different weights (seeded by
rank) to prove the broadcast; trains 4 steps on its half of each batch of 64 (the last
step by gradient accumulation: two micro-batches, the first under no_sync()); every rank
also trains a plain copy on the whole batches; the weights are compared.
"""

import sys

import numpy as np

import shenjing as torch
import shenjing.distributed as dist
from shenjing import nn
from _common import write_result

dist.init_process_group(backend="mpi")
rank, world = dist.get_rank(), dist.get_world_size()
data = np.load(sys.argv[2])
kind = sys.argv[3]


def make():
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32),
                             nn.Tanh(), nn.Linear(32, 10))
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 8, 3),
                         nn.ReLU(), nn.Flatten(), nn.Linear(8 * 11 * 11, 10))


torch.manual_seed(100 + rank)
net = make()
local_first = net.state_dict()[next(iter(net.state_dict()))].numpy().copy()
model = nn.parallel.DistributedDataParallel(net, bucket_cap_mb=0.02)  # several buckets
reference = make()
reference.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in net.state_dict().items()})

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
x = torch.tensor(data["x"][:, None] if kind == "cnn" else data["x"])
y = torch.tensor(data["y"])
batch, shard = 64, 64 // world


def rows(step):
    return slice(step * batch, (step + 1) * batch)


launches, sent = [], []
for step in range(3):
    full = rows(step)
    mine = slice(full.start + rank * shard, full.start + (rank + 1) * shard)
    opt.zero_grad()
    loss_fn(model(x[mine]), y[mine]).backward()
    launches.append(list(model.reducer.launch_log))
    sent.append(model.bytes_last_step)
    opt.step()
    ref_opt.zero_grad()
    loss_fn(reference(x[full]), y[full]).backward()
    ref_opt.step()

# gradient accumulation: micro-batches 3 and 4, the first one without communication
opt.zero_grad()
ref_opt.zero_grad()
for micro in (3, 4):
    full = rows(micro)
    mine = slice(full.start + rank * shard, full.start + (rank + 1) * shard)
    if micro == 3:
        with model.no_sync():
            loss_fn(model(x[mine]), y[mine]).backward()
        local_only = [p.grad.numpy().copy() for p in model.parameters()]
    else:
        loss_fn(model(x[mine]), y[mine]).backward()
    loss_fn(reference(x[full]), y[full]).backward()
opt.step()
ref_opt.step()

# how far apart the ranks are (gathered), and from the one-process reference
gap_ranks, gap_reference, scale = 0.0, 0.0, 0.0
for p, q in zip(model.module.parameters(), reference.parameters()):
    gathered = [torch.zeros_like(p) for _ in range(world)]
    dist.all_gather(gathered, p.detach())
    gap_ranks = max(gap_ranks,
                    max(float(np.abs(g.numpy() - p.numpy()).max()) for g in gathered))
    gap_reference = max(gap_reference, float(np.abs(p.numpy() - q.numpy()).max()))
    scale = max(scale, float(np.abs(q.numpy()).max()))
# float64: the averaged gradient is the whole batch's gradient to rounding
double = make().double()
ddp64 = nn.parallel.DistributedDataParallel(double)   # rank 0's weights on every rank
double_ref = make().double()
double_ref.load_state_dict({k: torch.tensor(v.numpy().copy())
                            for k, v in double.state_dict().items()})
half = slice(rank * shard, (rank + 1) * shard)
loss_fn(ddp64(x[half].double()), y[half]).backward()
loss_fn(double_ref(x[:batch].double()), y[:batch]).backward()
grad_gap64 = max(float(np.abs(p.grad.numpy() - q.grad.numpy()).max())
                 for p, q in zip(double.parameters(), double_ref.parameters()))
firsts = [torch.zeros(local_first.shape) for _ in range(world)]
dist.all_gather(firsts, torch.tensor(local_first))
write_result(rank, {
    "gap_ranks": gap_ranks, "grad_gap64": grad_gap64, "gap_reference": gap_reference,
    "scale": scale,
    "initial_gap": float(np.abs(firsts[0].numpy() - firsts[1].numpy()).max()),
    "launches": launches, "buckets": len(model.reducer.buckets), "bytes": sent,
    "param_bytes": int(sum(p.numpy().nbytes for p in net.parameters())),
    "no_sync_left_local": bool(np.isfinite(local_only[0]).all())})
