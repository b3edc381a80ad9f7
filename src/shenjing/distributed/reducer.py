"""The gradient reducer of data-parallel training (``nn.parallel.DistributedDataParallel``,
the Keras ``DataParallel`` distribution): buckets, readiness, overlap.

The parameters are laid out, in reverse registration order (the order in which backward
tends to finish them), in flat buckets of about ``bucket_cap_mb``.  Each backward:

1. At forward time the graph from the outputs is walked once to count how many gradient
   contributions each parameter will receive (a weight used twice gets two).
2. A hook on each parameter sees each contribution; at its last one the parameter's total
   gradient (what ``.grad`` held before plus this contribution) is copied into its bucket.
3. When every parameter of a bucket is in, that bucket's ``Iallreduce`` starts (buckets
   start in index order, so all ranks issue the same collectives in the same order), and
   the rest of backward runs while the bytes travel.
4. The last parameter's hook waits for every bucket, divides by the world size, and writes
   the averages into ``.grad``:   g = (g_0 + g_1 + ... + g_{n-1}) / n.

After the first backward the buckets are rebuilt in the order in which the gradients
actually became ready (rank 0's order, broadcast), as PyTorch does, so that the first bucket
fills, and starts travelling, early.  Parameters the step's graph does not reach count as
ready at the first hook, with the gradient they already hold (or zero).
"""

import numpy

from . import _mpi


class Bucket:
    """One flat buffer holding the gradients of some parameters of one dtype."""

    def __init__(self, params, dtype):
        self.params = params
        self.offsets = []
        total = 0
        for p in params:
            self.offsets.append((total, total + p.array.size))
            total += p.array.size
        self.flat = numpy.zeros(total, dtype)
        self.pending = 0
        self.request = None

    def view(self, index):
        """The part of the buffer that holds parameter ``index`` of this bucket, shaped like it."""
        start, stop = self.offsets[index]
        return self.flat[start:stop].reshape(self.params[index].array.shape)


class Reducer:
    """Averages the gradients of ``params`` over the ranks of ``comm`` during backward."""

    def __init__(self, params, comm, bucket_cap_mb=25.0, names=None):
        self.comm = comm
        self.names = names or [f"parameter {i}" for i in range(len(params))]
        self.world = comm.Get_size()
        self.cap = max(1, int(bucket_cap_mb * 1024 * 1024))
        self._build_buckets(list(reversed(params)))
        self.ready_order = []     # the first backward's order, for rebuilding the buckets
        self.rebuilt = False
        self.params = params
        self.remaining = {}
        self.armed = False
        self.started = False
        self.next_bucket = 0
        self.launch_log = []      # last step: (bucket, parameters still to come) at each launch
        self.bytes_last_step = 0
        self.handles = [p.register_hook(self._hook_for(p)) for p in params]

    def _build_buckets(self, ordered):
        """Cut ``ordered`` (per dtype) into buckets of at most ``cap`` bytes (a larger
        parameter gets a bucket of its own)."""
        self.buckets = []
        self.where = {}  # id(param) -> (bucket, index in bucket)
        cap = self.cap
        by_dtype = {}
        for p in ordered:
            by_dtype.setdefault(p.array.dtype, []).append(p)
        for dtype, group in by_dtype.items():
            current, size = [], 0
            for p in group:
                if current and size + p.array.nbytes > cap:
                    self._add_bucket(current, dtype)
                    current, size = [], 0
                current.append(p)
                size += p.array.nbytes
            if current:
                self._add_bucket(current, dtype)

    def _add_bucket(self, params, dtype):
        bucket = Bucket(params, dtype)
        for i, p in enumerate(params):
            self.where[id(p)] = (bucket, i)
        self.buckets.append(bucket)

    # ------------------------------------------------------------ one iteration

    def prepare(self, outputs, weight=1.0):
        """Arm the hooks for the backward of ``outputs``: count each parameter's gradient
        contributions in their graph.  A second forward before that backward adds its counts
        (both graphs' gradients are averaged at the end).  ``weight`` scales this rank's
        gradients before the average (n_r * world / N for unequal shards of a batch of N:
        the result is then sum_r n_r g_r / N)."""
        if self.armed and self.started:
            missing = [name for name, p in self._named() if self.remaining.get(id(p), 0) > 0]
            self._abandon()
            raise RuntimeError(
                f"DistributedDataParallel: rank {self.comm.Get_rank()}: the previous backward "
                f"did not finish reducing gradients (parameters still waiting: "
                f"{', '.join(missing[:5])}); every forward output that needs gradients must "
                f"take part in the loss, or run the forward under no_sync()/no_grad()")
        counts = _count_uses(outputs, {id(p) for p in self.params})
        if not self.armed:
            self.remaining = {id(p): 0 for p in self.params}
            for bucket in self.buckets:
                bucket.pending = len(bucket.params)
            self.next_bucket = 0
            self.launch_log = []
            self.bytes_last_step = 0
            self.unused = set()
            self.weight = weight
        for key, n in counts.items():
            self.remaining[key] += n
        self.armed = True
        self.started = False

    def _hook_for(self, p):
        def hook(grad):
            if not self.armed:
                return None
            key = id(p)
            if self.remaining.get(key, 0) <= 0:
                return None
            if not self.started:
                self.started = True
                self._mark_unused()
            self.remaining[key] -= 1
            if self.remaining[key] > 0:
                return None
            return self._ready(p, grad.array, last=True)
        return hook

    def _mark_unused(self):
        """Parameters that this step's graph does not reach count as ready with the gradient
        they already hold (or zero): their bucket must still take part in the all-reduce."""
        for p in self.params:
            if self.remaining[id(p)] == 0 and id(p) not in self.unused:
                self.unused.add(id(p))
                self._ready(p, None, last=False)

    def _ready(self, p, contribution, last):
        """Put ``p``'s total gradient in its bucket; launch full buckets; at the very end wait
        and write the averages.  Returns what the engine should accumulate for ``p``."""
        if not self.rebuilt:
            self.ready_order.append(p)
        bucket, index = self.where[id(p)]
        view = bucket.view(index)
        if contribution is None:
            view[...] = 0 if p.grad is None else p.grad.array
        elif p.grad is None:
            view[...] = contribution
        else:
            numpy.add(p.grad.array, contribution, out=view)
        if self.weight != 1.0:
            view *= self.weight
        bucket.pending -= 1
        self._launch_ready_buckets()
        if not last:
            return None
        if all(b.pending == 0 for b in self.buckets):
            self._finish(skip=p)  # the view now holds the average
        # the engine sets .grad to a copy of what we return: exactly the average for the last
        # parameter; for the others their total, overwritten by _finish later
        p.grad = None
        return view.copy()

    def _launch_ready_buckets(self):
        MPI = _mpi.mpi()
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.request = self.comm.Iallreduce(MPI.IN_PLACE, bucket.flat, op=MPI.SUM)
            waiting = sum(self.remaining.values())
            self.launch_log.append((self.next_bucket, waiting))
            self.bytes_last_step += bucket.flat.nbytes
            self.next_bucket += 1
        pending = [b.request for b in self.buckets if b.request is not None]
        if pending:
            MPI.Request.Testall(pending)  # lets MPI move the bytes along between hooks

    def _finish(self, skip=None):
        """Wait for every bucket, average, and write each parameter's ``.grad``."""
        for bucket in self.buckets:
            if bucket.request is not None:
                bucket.request.Wait()
                bucket.request = None
            bucket.flat /= self.world
            for i, p in enumerate(bucket.params):
                if p is skip:
                    continue
                view = bucket.view(i)
                if p.grad is not None:
                    p.grad.array[...] = view
                elif view.any():
                    p.grad = type(p).from_node(view.copy(), None, 0)
        self.armed = False
        self.started = False
        if not self.rebuilt:
            self._rebuild()

    def _rebuild(self):
        """Rebuild the buckets in the order of readiness seen in the first backward, taking
        rank 0's order so that every rank has the same buckets."""
        self.rebuilt = True
        position = {id(p): i for i, p in enumerate(self.params)}
        order = numpy.asarray([position[id(p)] for p in self.ready_order], numpy.int64)
        if order.size != len(self.params):
            return  # a parameter never became ready (should not happen): keep the buckets
        self.comm.Bcast(order, root=0)
        self._build_buckets([self.params[i] for i in order])

    def _abandon(self):
        """Give up the unfinished step (its started all-reduces are completed and dropped;
        the gradients stay local), so that training can go on after the error."""
        for bucket in self.buckets:
            if bucket.request is not None:
                bucket.request.Wait()
                bucket.request = None
        self.armed = self.started = False

    def _named(self):
        return list(zip(self.names, self.params))

    def remove(self):
        """Take the hooks off the parameters again."""
        for handle in self.handles:
            handle.remove()


def _count_uses(outputs, wanted):
    """How many gradient contributions each parameter in ``wanted`` (ids) will receive in a
    backward through the graphs that made ``outputs``."""
    counts = {}
    stack = [t._node for t in outputs if getattr(t, "_node", None) is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if node in seen or node.inputs is None:
            continue
        seen.add(node)
        needs = node.needs_input_grad or ()
        for t, need in zip(node.inputs, needs):
            if not need:
                continue
            if t._node is None:
                if id(t) in wanted:
                    counts[id(t)] = counts.get(id(t), 0) + 1
            elif t._node not in seen:
                stack.append(t._node)
    return counts
