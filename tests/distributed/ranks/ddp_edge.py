"""mpirun -n 2: DistributedDataParallel with a weight used twice, a parameter the step does
not use, two outputs and a frozen layer; and the error when a backward leaves gradients
unreduced.  Float64 gradients are compared with one process on the whole batch."""

import numpy as np

import shenjing as torch
import shenjing.distributed as dist
from shenjing import nn
from _common import write_result

dist.init_process_group(backend="mpi")
rank, world = dist.get_rank(), dist.get_world_size()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Linear(6, 6)
        self.head_a = nn.Linear(6, 3)
        self.head_b = nn.Linear(6, 2)
        self.unused = nn.Linear(6, 6)
        self.frozen = nn.Linear(6, 6)
        self.frozen.requires_grad_(False)

    def forward(self, x):
        h = self.shared(self.frozen(x)).tanh()
        h = self.shared(h).tanh()                 # the same weight a second time
        return self.head_a(h), self.head_b(h)


def loss_of(outputs, y):
    a, b = outputs
    return ((a - y[:, :3]) ** 2).mean() + ((b - y[:, 3:]) ** 2).mean()


rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((8, 6)))
y = torch.tensor(rng.standard_normal((8, 5)))
torch.manual_seed(rank)
net = Net().double()
model = nn.parallel.DistributedDataParallel(net, bucket_cap_mb=0.0005)
ref = Net().double()
ref.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in net.state_dict().items()})
mine = slice(rank * 4, (rank + 1) * 4)
gaps = []
for step in range(2):                              # the second step uses rebuilt buckets
    model.zero_grad()
    ref.zero_grad()
    loss_of(model(x[mine]), y[mine]).backward()
    loss_of(ref(x), y).backward()
    gaps.append(max(float(np.abs(p.grad.numpy() - q.grad.numpy()).max())
                    for p, q in zip(net.parameters(), ref.parameters()) if q.grad is not None))
grads = {name: p.grad is not None for name, p in net.named_parameters()}

message = ""
model(x[mine])                                     # an output whose backward never runs
loss_of(model(x[mine]), y[mine]).backward()        # gradients of one of two graphs
try:
    model(x[mine])
except RuntimeError as error:
    message = str(error)
model.zero_grad()                                  # after the error, training goes on
ref.zero_grad()
loss_of(model(x[mine]), y[mine]).backward()
loss_of(ref(x), y).backward()
gaps.append(max(float(np.abs(p.grad.numpy() - q.grad.numpy()).max())
                for p, q in zip(net.parameters(), ref.parameters()) if q.grad is not None))
bn = nn.BatchNorm1d(4)
bn.running_mean.array[...] = rank + 1.0            # buffers differ before wrapping
bn.num_batches_tracked.array[...] = 7 * rank
nn.parallel.DistributedDataParallel(bn)
buffers = [float(bn.running_mean.numpy().max()), int(bn.num_batches_tracked.item())]
write_result(rank, {"gaps": gaps, "grads": grads, "message": message, "buffers": buffers})
