"""Loading in worker processes, as ``torch.utils.data``'s workers.

The main process walks the batch sampler and hands the index batches out in turn
(task t goes to worker t mod num_workers), keeping at most ``prefetch_factor`` tasks per
worker in flight.  Each worker fetches and collates its batches and puts them, tagged
with their task number, on one result queue; the main process yields them in task order
(sampler order), holding back any that arrive early.

Worker w is seeded with ``base_seed + w`` (the process-wide generator, Python's
``random`` and NumPy's legacy global generator), where ``base_seed`` is drawn once per
pool from the loader's generator without advancing it, so that the sampler draws the
same order as with ``num_workers=0``.  ``get_worker_info()`` tells dataset code which
worker it runs in (``None`` in the main process).

A worker that dies (killed, crashed) is noticed within a fraction of a second: the main
process raises instead of waiting for its batch forever.
"""

import itertools
import multiprocessing
import os
import pickle
import queue
import random
import signal
import traceback

import numpy

from ... import backend
from .fetch import batch_fetcher

_POLL_S = 0.1            # how often the main process looks at its workers while it waits
_PARENT_CHECK_S = 2.0    # how often an idle worker checks that the main process lives


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id`` (0 .. num_workers - 1),
    ``num_workers``, ``seed`` (base_seed + id) and ``dataset`` (this worker's copy)."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


_worker_info = None


def get_worker_info():
    """The current worker's ``WorkerInfo`` inside a DataLoader worker process, None in the
    main process.  An ``IterableDataset`` uses it to give each worker its own share."""
    return _worker_info


class _Exhausted:
    """Marker: the worker's iterable dataset has no more items this epoch."""


class _Failure:
    """An exception raised in a worker, carried to the main process as text and type."""

    def __init__(self, worker_id, exc):
        self.type = type(exc)
        self.text = (f"Caught {type(exc).__name__} in DataLoader worker process {worker_id}.\n"
                     f"Original {''.join(traceback.format_exception(exc))}")

    def reraise(self):
        try:
            error = self.type(self.text)
        except Exception:
            error = RuntimeError(self.text)
        raise error


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    backend.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(numpy.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _worker_loop(dataset, kind, batch_size, drop_last, collate_fn, index_queue, result_queue,
                 base_seed, worker_id, num_workers, worker_init_fn, parent_pid):
    """The body of worker process ``worker_id``: take (epoch, task, indices), put
    (epoch, task, batch); ``None`` stops it.  ``kind``: 'batch' (indices is a list, fetched
    and collated), 'item' (one index, no batching) or 'stream' (an iterable dataset)."""
    global _worker_info
    if kind == "batch":
        fetch = batch_fetcher(dataset, collate_fn)
    else:
        def fetch(index):
            return collate_fn(dataset[index])
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the main process's business
    seed = _seed_worker(base_seed, worker_id)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception as e:
            init_error = _Failure(worker_id, e)
    epoch, stream = None, None
    while True:
        try:
            task = index_queue.get(timeout=_PARENT_CHECK_S)
        except queue.Empty:
            if os.getppid() != parent_pid:
                return
            continue
        if task is None:
            return
        task_epoch, number, indices = task
        if init_error is not None:
            result = init_error
        else:
            try:
                if kind == "stream":
                    if task_epoch != epoch:
                        epoch, stream = task_epoch, iter(dataset)
                    result = _next_stream_batch(stream, batch_size, drop_last, collate_fn)
                else:
                    result = fetch(indices)
            except Exception as e:
                result = _Failure(worker_id, e)
        result_queue.put((task_epoch, number, _pack(result, worker_id, number)))
        del result


def _pack(result, worker_id, number):
    """The result pickled here, so that one that cannot travel becomes an error for the main
    process (a queue's feeder thread would drop it silently, and the main process wait)."""
    try:
        return pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        if isinstance(result, _Failure):        # an exception class that cannot travel
            result.type = RuntimeError
            return pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        failure = _Failure(worker_id, RuntimeError(
            f"batch {number} cannot be sent to the main process: {type(e).__name__}: {e}"))
        return pickle.dumps(failure, pickle.HIGHEST_PROTOCOL)


def _next_stream_batch(stream, batch_size, drop_last, collate_fn):
    if batch_size is None:
        for sample in stream:
            return collate_fn(sample)
        return _Exhausted()
    batch = list(itertools.islice(stream, batch_size))
    if not batch or (len(batch) < batch_size and drop_last):
        return _Exhausted()
    return collate_fn(batch)


class WorkerPool:
    """``num_workers`` processes loading for one DataLoader (for one pass, or for every pass
    with ``persistent_workers``).  ``run(tasks)`` yields the batches in task order."""

    def __init__(self, loader, kind):
        self.num_workers = loader.num_workers
        self.prefetch = loader.prefetch_factor if loader.prefetch_factor is not None else 2
        self.timeout = loader.timeout
        self.in_order = loader.in_order
        context = loader.multiprocessing_context
        if context is None or isinstance(context, str):
            context = multiprocessing.get_context(context)
        self.base_seed = _base_seed(loader.generator)
        self.result_queue = context.Queue()
        self.index_queues, self.workers = [], []
        self.epoch = 0
        for w in range(self.num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            process = context.Process(
                target=_worker_loop, daemon=True,
                args=(loader.dataset, kind, loader.batch_size, loader.drop_last,
                      loader.collate_fn, index_queue, self.result_queue, self.base_seed, w,
                      self.num_workers, loader.worker_init_fn, os.getpid()))
            process.start()
            self.index_queues.append(index_queue)
            self.workers.append(process)
        self.closed = False

    def run(self, tasks):
        """Send the index batches of ``tasks`` (None for each batch of an iterable dataset)
        out to the workers and yield the loaded batches in the same order."""
        self.epoch += 1
        epoch = self.epoch
        tasks = iter(tasks) if tasks is not None else None
        active = list(range(self.num_workers))     # workers whose stream is not exhausted
        owner, waiting, sent, next_out = {}, {}, 0, 0
        done_sending = False

        def send():
            nonlocal sent, done_sending
            if done_sending or not active:
                return False
            if tasks is None:
                indices = None
            else:
                indices = next(tasks, _Exhausted)
                if indices is _Exhausted:
                    done_sending = True
                    return False
            w = active[sent % len(active)]
            self.index_queues[w].put((epoch, sent, indices))
            owner[sent] = w
            sent += 1
            return True

        for _ in range(self.prefetch * self.num_workers):
            if not send():
                break
        while next_out < sent:
            if self.in_order and next_out in waiting:
                number, result = next_out, waiting.pop(next_out)
            else:
                number, result = self._receive(epoch, owner, next_out)
                if self.in_order and number != next_out:
                    waiting[number] = result
                    continue
            next_out += 1
            w = owner.pop(number, None)
            if isinstance(result, _Exhausted):
                if w in active:
                    active.remove(w)
                if not active:
                    done_sending = True
            else:
                if isinstance(result, _Failure):
                    self.shutdown()
                    result.reraise()
                yield result
            send()

    def _receive(self, epoch, owner, wanted):
        waited = 0.0
        while True:
            if epoch != self.epoch:
                raise RuntimeError("DataLoader: this pass over the persistent workers was "
                                   "replaced by a newer iter(loader); finish one pass before "
                                   "starting the next")
            try:
                task_epoch, number, result = self.result_queue.get(timeout=_POLL_S)
            except queue.Empty:
                self._check_alive()
                waited += _POLL_S
                if self.timeout and waited >= self.timeout:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds "
                                       f"waiting for batch {wanted} from worker "
                                       f"{owner.get(wanted)}")
                continue
            if task_epoch == epoch:      # results of an abandoned pass are dropped
                return number, pickle.loads(result)

    def _check_alive(self):
        dead = [p for p in self.workers if not p.is_alive()]
        if dead:
            self.shutdown()
            codes = ", ".join(f"pid {p.pid}: {_describe_exit(p.exitcode)}" for p in dead)
            raise RuntimeError(f"DataLoader worker{'s' if len(dead) > 1 else ''} exited "
                               f"unexpectedly ({codes}); the batch it was loading is lost. "
                               f"Run with num_workers=0 to see the error in the main process")

    def shutdown(self):
        """Stop the workers (politely, then by force) and close the queues."""
        if self.closed:
            return
        self.closed = True
        for q, p in zip(self.index_queues, self.workers):
            if p.is_alive():
                try:
                    q.put(None)
                except (OSError, ValueError):
                    pass
        for p in self.workers:
            p.join(timeout=1.0)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1.0)
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        try:
            self.shutdown()
        except Exception:
            pass


def _describe_exit(code):
    if code is not None and code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _base_seed(generator):
    """A 63-bit seed for the workers, taken from ``generator`` (or the process-wide one) by
    spawning a child generator: the parent's own stream of numbers is left as it was."""
    rng = backend.generator() if generator is None else generator
    rng = getattr(rng, "_rng", rng)          # shenjing.Generator wraps a NumPy one
    if hasattr(rng, "spawn"):
        return int(rng.spawn(1)[0].integers(0, 2 ** 63 - 1))
    return int(rng.integers(0, 2 ** 63 - 1))
