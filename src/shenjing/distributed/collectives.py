"""Collectives on tensors, as ``torch.distributed``: every rank calls the same one in the
same order, and each rank's tensor is changed in place.

    all_reduce(t)         t = t_0 + t_1 + ... + t_{n-1}        (or PRODUCT, MIN, MAX, AVG)
    broadcast(t, src)     t = t_src
    all_gather(ts, t)     ts[r] = t_r for every rank r
    reduce_scatter(t, ts) t = ts_0[rank] + ts_1[rank] + ...   (rank r's shard of the sum)

A tensor's array is handed to MPI as it is (the buffer protocol, no copy) when it is
C-contiguous; otherwise a contiguous copy is sent and the result copied back.  Before each
collective the ranks exchange their tensors' shapes and dtypes (one small ``Allgather``),
so a mismatch is an error naming every rank's shape instead of corrupt data or a hang.
"""

import numpy

from . import _mpi
from .process_group import default_group

_MAX_DIMS = 8


class ReduceOp:
    """How ``all_reduce`` / ``reduce_scatter`` combine the ranks' values."""

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


class Work:
    """The handle of an ``async_op=True`` collective: ``wait()`` finishes it."""

    def __init__(self, request=None, finish=None):
        self._request, self._finish = request, finish

    def wait(self, timeout=None):
        """Block until the collective is done (and its result is in the tensor)."""
        if self._request is not None:
            self._request.Wait()
            self._request = None
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self):
        """True when ``wait()`` would return at once."""
        return self._request is None or self._request.Test()


def _array(tensor, where, name="tensor"):
    array = getattr(tensor, "array", None)
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"{where}: {name} should be a shenjing Tensor, got "
                        f"{type(tensor).__name__}")
    return array


def _mpi_op(op, where):
    MPI = _mpi.mpi()
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
             ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}
    if op not in table:
        raise ValueError(f"{where}: op should be one of ReduceOp.SUM, PRODUCT, MIN, MAX, AVG, "
                         f"got {op!r}")
    return table[op]


def _signature(arrays):
    """One int64 row per array: ndim, dims (padded), dtype number."""
    row = []
    for a in arrays:
        if a.ndim > _MAX_DIMS:
            raise ValueError(f"collectives take tensors of at most {_MAX_DIMS} dimensions, got "
                             f"shape {a.shape}")
        row += [a.ndim, *a.shape, *([-1] * (_MAX_DIMS - a.ndim)), a.dtype.num]
    return numpy.asarray(row, dtype=numpy.int64)


def _describe(row):
    dims = int(row[0])
    shape = tuple(int(d) for d in row[1:1 + dims])
    return f"{shape} {_dtype(int(row[-1]))}"


def _dtype(num):
    for dtype in numpy.sctypeDict.values():
        try:
            if numpy.dtype(dtype).num == num:
                return numpy.dtype(dtype).name
        except TypeError:
            continue
    return f"dtype#{num}"


def check_same(comm, arrays, where):
    """Raise, on every rank, when the ranks' arrays differ in count, shape or dtype; the
    message names each rank's shapes."""
    mine = _signature(arrays)
    sizes = numpy.empty(comm.Get_size(), numpy.int64)
    comm.Allgather(numpy.asarray([mine.size], numpy.int64), sizes)
    if (sizes != mine.size).any():
        raise ValueError(f"{where}: rank {comm.Get_rank()}: the ranks pass different numbers of "
                         f"tensors (" + ", ".join(f"rank {r}: {int(s) // (_MAX_DIMS + 2)}"
                                                  for r, s in enumerate(sizes)) + ")")
    every = numpy.empty((comm.Get_size(), mine.size), numpy.int64)
    comm.Allgather(mine, every)
    if (every != mine).any():
        width = _MAX_DIMS + 2
        lines = []
        for r, row in enumerate(every):
            shapes = [_describe(row[i:i + width]) for i in range(0, row.size, width)]
            lines.append(f"rank {r}: {', '.join(shapes)}")
        raise ValueError(f"{where}: rank {comm.Get_rank()}: tensor shapes or dtypes differ "
                         f"across ranks; every rank must pass the same ({'; '.join(lines)})")


def _contiguous(array):
    """The buffer to give MPI: the array itself when its memory allows, else a copy."""
    return array if array.flags.c_contiguous else numpy.ascontiguousarray(array)


def _group(group, where):
    return group if group is not None else default_group(where)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over all ranks, in place: every rank ends with the same result.

    Any shape; the same shape and dtype on every rank.  ``op=ReduceOp.AVG`` divides the sum
    by the world size.  ``async_op=True`` returns a ``Work`` to ``wait()`` on.
    """
    where = "all_reduce"
    comm = _group(group, where).comm
    array = _array(tensor, where)
    mpi_op = _mpi_op(op, where)
    check_same(comm, [array], where)
    buffer = _contiguous(array)
    n = comm.Get_size()

    def finish():
        if op == ReduceOp.AVG:
            buffer[...] = buffer / n if buffer.dtype.kind == "f" else buffer // n
        if buffer is not array:
            array[...] = buffer
    MPI = _mpi.mpi()
    if async_op:
        return Work(comm.Iallreduce(MPI.IN_PLACE, buffer, op=mpi_op), finish)
    comm.Allreduce(MPI.IN_PLACE, buffer, op=mpi_op)
    finish()
    return None


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor`` (same shape everywhere)."""
    where = "broadcast"
    comm = _group(group, where).comm
    array = _array(tensor, where)
    if not 0 <= src < comm.Get_size():
        raise ValueError(f"broadcast: rank {comm.Get_rank()}: src={src} is not a rank of a "
                         f"group of {comm.Get_size()}")
    check_same(comm, [array], where)
    buffer = _contiguous(array)

    def finish():
        if buffer is not array:
            array[...] = buffer
    if async_op:
        return Work(comm.Ibcast(buffer, root=src), finish)
    comm.Bcast(buffer, root=src)
    finish()
    return None


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output[r * n:(r + 1) * n] = input`` of rank r: input (n, ...) -> output
    (world * n, ...)."""
    where = "all_gather_into_tensor"
    comm = _group(group, where).comm
    source = _array(input_tensor, where, "input_tensor")
    out = _array(output_tensor, where, "output_tensor")
    check_same(comm, [source, out], where)
    world = comm.Get_size()
    if source.ndim == 0 or out.shape != (world * source.shape[0],) + source.shape[1:]:
        raise ValueError(f"{where}: rank {comm.Get_rank()}: output_tensor should have shape "
                         f"({world} * {source.shape[:1]}, ...) for input shape {source.shape} "
                         f"on {world} ranks, got {out.shape}")
    if out.dtype != source.dtype:
        raise TypeError(f"{where}: rank {comm.Get_rank()}: output dtype {out.dtype} differs from "
                        f"input dtype {source.dtype}")
    buffer = _contiguous(out)
    comm.Allgather(_contiguous(source), buffer)
    if buffer is not out:
        out[...] = buffer
    return Work() if async_op else None


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` (a list of world-size tensors of the
    same shape as ``tensor``)."""
    where = "all_gather"
    comm = _group(group, where).comm
    source = _array(tensor, where)
    check_same(comm, [source], where)
    world = comm.Get_size()
    if len(tensor_list) != world:
        raise ValueError(f"{where}: rank {comm.Get_rank()}: tensor_list should hold {world} "
                         f"tensors (one per rank), got {len(tensor_list)}")
    outs = [_array(t, where, f"tensor_list[{i}]") for i, t in enumerate(tensor_list)]
    for i, o in enumerate(outs):
        if o.shape != source.shape:
            raise ValueError(f"{where}: rank {comm.Get_rank()}: tensor_list[{i}] has shape "
                             f"{o.shape}, expected the input's {source.shape}")
    gathered = numpy.empty((world,) + source.shape, source.dtype)
    comm.Allgather(_contiguous(source), gathered)
    for o, g in zip(outs, gathered):
        o[...] = g
    return Work() if async_op else None


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (world * n, ...) over the ranks and give rank r rows
    ``r * n:(r + 1) * n`` of the result, in ``output`` (n, ...)."""
    where = "reduce_scatter_tensor"
    comm = _group(group, where).comm
    source = _array(input, where, "input")
    out = _array(output, where, "output")
    mpi_op = _mpi_op(op, where)
    check_same(comm, [source, out], where)
    world = comm.Get_size()
    if out.ndim == 0 or source.shape != (world * out.shape[0],) + out.shape[1:]:
        raise ValueError(f"{where}: rank {comm.Get_rank()}: input should have shape "
                         f"({world} * {out.shape[:1]}, ...) for output shape {out.shape} on "
                         f"{world} ranks, got {source.shape}")
    buffer = _contiguous(out)
    comm.Reduce_scatter_block(_contiguous(source), buffer, op=mpi_op)
    if op == ReduceOp.AVG:
        buffer[...] = buffer / world if buffer.dtype.kind == "f" else buffer // world
    if buffer is not out:
        out[...] = buffer
    return Work() if async_op else None


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """``output = sum over ranks of input_list[rank]``: each rank passes world-size tensors
    and receives the reduction of its own slot (all of ``output``'s shape)."""
    where = "reduce_scatter"
    comm = _group(group, where).comm
    out = _array(output, where, "output")
    world = comm.Get_size()
    if len(input_list) != world:
        raise ValueError(f"{where}: rank {comm.Get_rank()}: input_list should hold {world} "
                         f"tensors (one per rank), got {len(input_list)}")
    parts = [_array(t, where, f"input_list[{i}]") for i, t in enumerate(input_list)]
    for i, p in enumerate(parts):
        if p.shape != out.shape or p.dtype != out.dtype:
            raise ValueError(f"{where}: rank {comm.Get_rank()}: input_list[{i}] has shape "
                             f"{p.shape} {p.dtype}, expected the output's {out.shape} "
                             f"{out.dtype}")
    mpi_op = _mpi_op(op, where)
    check_same(comm, [out], where)
    stacked = numpy.stack(parts)
    result = numpy.empty(out.shape, out.dtype)
    comm.Reduce_scatter_block(stacked, result, op=mpi_op)
    if op == ReduceOp.AVG:
        result = result / world if result.dtype.kind == "f" else result // world
    out[...] = result
    return Work() if async_op else None
