"""``keras.distribution``: data-parallel ``fit`` over MPI ranks, in Keras 3's shape.

    # mpirun -n 2 python train.py
    from shenjing import keras
    strategy = keras.distribution.DataParallel()      # joins the MPI ranks
    with strategy.scope():                             # or keras.distribution.set_distribution
        model.fit(x, y, batch_size=64, epochs=3)

A model compiled inside ``strategy.scope()`` keeps that distribution for its later ``fit``
calls, as in TensorFlow (``with strategy.scope(): model = build(); model.compile(...)``).

Inside, ``fit`` runs the same model on every rank:

* at the start of each epoch the ranks share rank 0's random generator (so they shuffle the
  data the same way) and, at the first one, rank 0's weights;
* each global batch of ``batch_size`` samples is split into ``world`` consecutive shards,
  one per rank (sizes differ by at most one: ``numpy.array_split``);
* the gradients are averaged during backward by the reducer of
  ``nn.parallel.DistributedDataParallel``, weighted by shard size so that the step is the
  step of the whole batch:  g = sum_r n_r g_r / N;
* the logs (loss and metrics) are averaged over the ranks, weighted by their samples,
  before the callbacks see them, so every rank's ``History`` and every decision of a
  callback (``EarlyStopping``) agree;
* only rank 0 writes: ``ModelCheckpoint``, ``CSVLogger`` and the progress bar are dropped
  on the other ranks.

Validation and ``evaluate`` run on every rank over all of their data (their logs agree).
"""

import contextlib

import numpy

from .. import backend
from ..autograd import no_grad
from ..distributed import _mpi
from ..distributed import process_group
from ..distributed.reducer import Reducer

_state = {"global": None, "scoped": []}

_WRITERS = ("ModelCheckpoint", "CSVLogger", "ProgbarLogger", "TensorBoard")


class DataParallel:
    """Data parallelism over the MPI ranks: the whole model on each, the batch split.

    ``devices`` is accepted for Keras compatibility (the devices are the ranks that
    ``mpirun`` started); the process group is made here when it does not exist yet.
    ``bucket_cap_mb``: the size of the gradient buckets.
    """

    def __init__(self, devices=None, auto_shard_dataset=True, bucket_cap_mb=25.0):
        if not process_group.is_initialized():
            process_group.init_process_group(backend="mpi")
        self.group = process_group.default_group("keras.distribution.DataParallel")
        self.bucket_cap_mb = bucket_cap_mb
        self._reducers = {}
        self._shard_weight = 1.0
        self._seen = 0            # samples this rank trained on this epoch

    @property
    def rank(self):
        """This process's rank (0 writes checkpoints and logs)."""
        return self.group.rank()

    @property
    def num_replicas_in_sync(self):
        """How many ranks train together (TensorFlow's name)."""
        return self.group.size()

    @contextlib.contextmanager
    def scope(self):
        """``fit`` / ``evaluate`` called inside run data-parallel with this distribution."""
        _state["scoped"].append(self)
        try:
            yield self
        finally:
            _state["scoped"].pop()

    # ------------------------------------------------------------ what fit calls

    def shard(self, model, epochs_source):
        """The per-rank view of ``fit``'s batches (an ``Epochs``)."""
        return _ShardedBatches(self, model, epochs_source)

    def arm(self, model, loss, trainable):
        """Before ``loss.backward()``: let the reducer average the gradients of ``trainable``
        during that backward."""
        keys = tuple(id(p) for p in trainable)
        known = self._reducers.get(id(model))
        if known is None or known[0] != keys:
            if known is not None:
                known[1].remove()
            known = (keys, Reducer(list(trainable), self.group.comm, self.bucket_cap_mb,
                                   names=[getattr(p, "name", None) or f"weight {i}"
                                          for i, p in enumerate(trainable)]))
            self._reducers[id(model)] = known
        known[1].prepare([loss], weight=self._shard_weight)

    def callbacks(self, chain):
        """Rank 0 keeps every callback; the others drop the ones that write."""
        if self.rank == 0:
            return list(chain)
        return [c for c in chain if type(c).__name__ not in _WRITERS]

    def reduce_logs(self, logs):
        """Every number in ``logs`` averaged over the ranks, each rank weighted by the samples
        it has trained on this epoch (its logs are running means over them), so the result is
        the mean over the whole batches.  Logs that every rank computed on the same data
        (validation) are unchanged by it."""
        if not logs:
            return logs
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float, numpy.floating)))
        weight = float(self._seen or 1)
        values = numpy.asarray([float(logs[k]) * weight for k in keys] + [weight, len(keys)],
                               numpy.float64)
        MPI = _mpi.mpi()
        self.group.comm.Allreduce(MPI.IN_PLACE, values, op=MPI.SUM)
        if values[-1] != len(keys) * self.group.size():
            raise ValueError(f"keras.distribution: rank {self.rank}: the ranks log different "
                             f"metrics ({keys} here)")
        reduced = dict(logs)
        reduced.update({k: float(v / values[-2]) for k, v in zip(keys, values[:-2])})
        return reduced

    # ------------------------------------------------------------ sync

    def sync_generator(self):
        """Give every rank rank 0's random generator state (the shuffling order)."""
        gen = backend.generator()
        state = gen.bit_generator.state
        if state.get("bit_generator") != "PCG64":
            raise TypeError(f"keras.distribution: rank {self.rank}: the process generator is "
                            f"{state.get('bit_generator')}, expected PCG64")
        words = numpy.asarray([state["state"]["state"] >> 64, state["state"]["state"] & _MASK,
                               state["state"]["inc"] >> 64, state["state"]["inc"] & _MASK,
                               state["has_uint32"], state["uinteger"]], numpy.uint64)
        self.group.comm.Bcast(words, root=0)
        w = [int(v) for v in words]
        gen.bit_generator.state = {"bit_generator": "PCG64",
                                   "state": {"state": (w[0] << 64) | w[1],
                                             "inc": (w[2] << 64) | w[3]},
                                   "has_uint32": w[4], "uinteger": w[5]}

    def sync_weights(self, model):
        """Copy rank 0's weights (trainable and not) to every rank."""
        from ..distributed.collectives import check_same
        arrays = [w.array for w in model.weights]
        check_same(self.group.comm, arrays, f"keras.distribution: {model.name} weights")
        for a in arrays:
            buffer = a if a.flags.c_contiguous else numpy.ascontiguousarray(a)
            self.group.comm.Bcast(buffer, root=0)
            if buffer is not a:
                a[...] = buffer


_MASK = (1 << 64) - 1


class _ShardedBatches:
    """One rank's shards of the global batches of an ``Epochs``; same ``steps``."""

    def __init__(self, strategy, model, source):
        self.strategy, self.model, self.source = strategy, model, source
        self.steps = source.steps
        self.synced = False

    def __len__(self):
        return len(self.source)

    def __iter__(self):
        from .models.data import num_samples
        strategy = self.strategy
        world, rank = strategy.group.size(), strategy.rank
        strategy.sync_generator()
        strategy._seen = 0
        for xb, yb, wb in self.source:
            n = num_samples(xb)
            if n < world:
                raise ValueError(f"{self.model.name}.fit: rank {rank}: a batch of {n} "
                                 f"sample(s) (x shape {_shape(xb)}) cannot be split over "
                                 f"{world} ranks; use a batch_size (and a sample count) of at "
                                 f"least {world} per batch, e.g. drop the last samples")
            start, stop = n * rank // world, n * (rank + 1) // world
            part = (_rows(xb, start, stop), _rows(yb, start, stop), _rows(wb, start, stop))
            if not self.synced:
                if not self.model.built:
                    with no_grad():
                        self.model._outputs(part[0], training=False)
                strategy.sync_weights(self.model)
                self.synced = True
            strategy._shard_weight = (stop - start) * world / n
            strategy._seen += stop - start
            yield part


def _rows(value, start, stop):
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _rows(v, start, stop) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_rows(v, start, stop) for v in value)
    return value[start:stop]


def _shape(value):
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shape(v) for v in value]
    return tuple(getattr(value, "shape", ()))


def active(model=None):
    """The distribution ``fit`` uses now: the innermost ``scope()``, else the global one,
    else the one ``model`` was compiled in (TensorFlow's pattern: build and compile inside
    ``strategy.scope()``, call ``fit`` after it)."""
    if _state["scoped"]:
        return _state["scoped"][-1]
    return _state["global"] or getattr(model, "_distribution", None)


def set_distribution(value):
    """Make ``value`` (a ``DataParallel``, or None) the distribution of every later ``fit``."""
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"keras.distribution.set_distribution: expected a DataParallel or None, "
                        f"got {type(value).__name__}")
    _state["global"] = value


def distribution():
    """The distribution set by ``set_distribution`` (None when none)."""
    return _state["global"]


def list_devices(device_type=None):
    """The ranks that train together, as ``"mpi:<rank>"`` (one CPU process each)."""
    size = process_group.get_world_size() if process_group.is_initialized() else 1
    return [f"mpi:{r}" for r in range(size)]


# ---------------------------------------------------------------- the hooks in Model

def shard(model, train):
    """``fit``: this rank's shards of ``train`` under a distribution, else ``train``."""
    strategy = active(model)
    return train if strategy is None else strategy.shard(model, train)


def before_backward(model, loss, trainable):
    """``train_step``: arm the gradient average under a distribution (else nothing)."""
    strategy = active(model)
    if strategy is not None and trainable:
        strategy.arm(model, loss, trainable)


def wrap_callbacks(hooks, model=None):
    """``_callbacks``: under a distribution, this rank's callbacks (writers on rank 0 only)
    seeing logs averaged over the ranks; else ``hooks`` itself."""
    strategy = active(model)
    if strategy is None:
        return hooks
    hooks.callbacks = strategy.callbacks(hooks.callbacks)
    return _ReducedLogs(hooks, strategy.reduce_logs)


class _ReducedLogs:
    """A ``CallbackList`` whose hooks get the logs (their last argument) reduced first."""

    def __init__(self, hooks, reduce):
        self.hooks, self.reduce, self.callbacks = hooks, reduce, hooks.callbacks

    def __getattr__(self, hook):
        target = getattr(self.hooks, hook)

        def call(*args):
            if args and isinstance(args[-1], dict):
                args = args[:-1] + (self.reduce(args[-1]),)
            return target(*args)
        return call
