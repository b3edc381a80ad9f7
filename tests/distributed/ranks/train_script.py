"""mpirun -n 2: an ordinary PyTorch-style training script (DataLoader + DistributedSampler
+ DistributedDataParallel, one shuffled epoch of real MNIST), against one process trained
on the union of the two ranks' batches, step by step."""

import sys

import numpy as np

import shenjing as torch
import shenjing.distributed as dist
from shenjing import nn
from shenjing.utils.data import DataLoader, DistributedSampler, TensorDataset
from _common import write_result

dist.init_process_group(backend="mpi")
rank, world = dist.get_rank(), dist.get_world_size()
data = np.load(sys.argv[2])
dataset = TensorDataset(torch.tensor(data["x"][:256]), torch.tensor(data["y"][:256]))

torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
reference = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
reference.load_state_dict({k: torch.tensor(v.numpy().copy())
                           for k, v in net.state_dict().items()})
model = nn.parallel.DistributedDataParallel(net)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ref_opt = torch.optim.Adam(reference.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()

sampler = DistributedSampler(dataset, seed=5)
loader = DataLoader(dataset, batch_size=16, sampler=sampler)
# what the other ranks' loaders yield: the reference trains on all shards of each step
everyone = [DataLoader(dataset, batch_size=16, sampler=DistributedSampler(dataset, world, r,
                                                                         seed=5))
            for r in range(world)]
for epoch in range(2):
    sampler.set_epoch(epoch)
    for s in everyone:
        s.sampler.set_epoch(epoch)
    for (x, y), *shards in zip(loader, *everyone):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_fn(reference(torch.cat([s[0] for s in shards])),
                torch.cat([s[1] for s in shards])).backward()
        ref_opt.step()
gap = max(float(np.abs(p.numpy() - q.numpy()).max())
          for p, q in zip(net.parameters(), reference.parameters()))
write_result(rank, {"gap": gap, "steps": len(loader), "seen": sorted(sampler)})
