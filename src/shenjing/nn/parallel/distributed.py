"""``DistributedDataParallel``: the same model on every rank, each on its share of the batch.

    model = DistributedDataParallel(net)      # rank 0's weights copied to every rank
    loss_fn(model(x_shard), y_shard).backward()  # .grad = mean over ranks of the shard grads
    optimizer.step()                          # identical step everywhere: weights stay equal

With a loss that averages over the shard, averaging the ranks' gradients gives the gradient
of the whole batch (equal shards):  dL/dw = (1/n) sum_r dL_r/dw.  The averaging runs in
buckets during ``backward()`` (``shenjing/distributed/reducer.py``), so communication
overlaps the rest of the backward pass.  ``no_sync()`` skips it, for gradient
accumulation: the gradients of the steps inside it stay local and are averaged, all
together, by the first backward after it.
"""

import contextlib

import numpy

from ...autograd import is_grad_enabled
from ...distributed import collectives
from ...distributed.process_group import default_group
from ...distributed.reducer import Reducer
from ..modules.module import Module


class DistributedDataParallel(Module):
    """Wraps ``module`` so that its gradients are averaged over the ranks in ``backward()``.

    Inputs and outputs are those of ``module`` (each rank passes its own shard, e.g. from a
    ``DistributedSampler``).  ``bucket_cap_mb``: size of the gradient buckets.
    ``broadcast_buffers``: copy rank 0's buffers (batch-norm statistics) at each forward.
    ``device_ids``, ``output_device``, ``find_unused_parameters``, ``static_graph`` and
    ``gradient_as_bucket_view`` are accepted for PyTorch compatibility: parameters that a
    step does not use are found on every step anyway.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=25.0,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module should be a shenjing.nn.Module, "
                            f"got {type(module).__name__}")
        if dim != 0:
            raise ValueError(f"DistributedDataParallel: dim={dim}: only batches split along "
                             f"dimension 0 are supported")
        group = process_group or default_group("DistributedDataParallel")
        self.module = module
        self.__dict__["process_group"] = group
        self.__dict__["broadcast_buffers"] = broadcast_buffers
        self.__dict__["require_backward_grad_sync"] = True
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self._check_same_parameters(group, module)
        self._sync_from_rank0(group, [p for _, p in module.named_parameters()]
                              + [b for _, b in module.named_buffers()])
        self.__dict__["reducer"] = Reducer([p for _, p in named], group.comm, bucket_cap_mb,
                                           names=[n for n, _ in named])

    @staticmethod
    def _check_same_parameters(group, module):
        arrays = [p.array for _, p in module.named_parameters()]
        collectives.check_same(group.comm, arrays, "DistributedDataParallel (model parameters)")

    @staticmethod
    def _sync_from_rank0(group, tensors):
        """Copy rank 0's values into ``tensors`` on every rank: one broadcast per dtype of
        all of them packed together (33 batch-norm buffers are one message, not 33)."""
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t.array.dtype, []).append(t)
        for dtype, group_tensors in by_dtype.items():
            flat = numpy.concatenate([t.array.ravel() for t in group_tensors])
            group.comm.Bcast(flat, root=0)
            start = 0
            for t in group_tensors:
                t.array[...] = flat[start:start + t.array.size].reshape(t.array.shape)
                start += t.array.size

    def forward(self, *inputs, **kwargs):
        """Run the wrapped module; when gradients will be synchronised, arm the reducer for
        the backward of these outputs."""
        if self.broadcast_buffers and self.training:
            buffers = [b for _, b in self.module.named_buffers()]
            if buffers:
                self._sync_from_rank0(self.process_group, buffers)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync and self.reducer.params:
            self.reducer.prepare(_tensors(output))
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Inside: backward accumulates local gradients only (no communication).  The first
        synchronised backward after it averages everything accumulated."""
        before = self.require_backward_grad_sync
        self.__dict__["require_backward_grad_sync"] = False
        try:
            yield
        finally:
            self.__dict__["require_backward_grad_sync"] = before

    @property
    def bytes_last_step(self):
        """Bytes of gradients this rank all-reduced in the last synchronised backward."""
        return self.reducer.bytes_last_step


def _tensors(output):
    """The tensors inside a (possibly nested) output: tensor, tuple, list or dict."""
    if hasattr(output, "_node"):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        found = []
        for item in output:
            found += _tensors(item)
        return found
    return []
