"""Variable-length batches for the recurrent layers, as ``torch.nn.utils.rnn``.

A ``PackedSequence`` holds the steps of a batch of sequences of different lengths without
padding, time-major: first step 0 of every sequence (longest first), then step 1 of those
that have one, and so on.  ``data`` is (sum of lengths, *); ``batch_sizes[t]`` is how many
sequences have a step t; ``sorted_indices`` orders the batch by decreasing length and
``unsorted_indices`` undoes it.

    >>> packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    >>> out, (h, c) = lstm(packed)             # h: each sequence's state at its own last step
    >>> y, lengths = pad_packed_sequence(out, batch_first=True)

The recurrent layers also take ``lengths=`` directly with a padded batch (a shenjing
extension): packing is then not needed at all.
"""

from typing import NamedTuple

import numpy

from ... import backend, ops
from ...autograd.tensor import Tensor, as_array
from ...ops.recurrent import gather_rows, scatter_rows


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences without padding; see the module docstring."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor = None
    unsorted_indices: Tensor = None

    def to(self, *args, **kwargs):
        """The same sequence with ``data`` converted (dtype), as ``Tensor.to``."""
        return self._replace(data=self.data.to(*args, **kwargs))

    def float(self):
        return self._replace(data=self.data.float())

    def double(self):
        return self._replace(data=self.data.double())

    def cpu(self):
        return self

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


# ------------------------------------------------------------------ index bookkeeping

def _host_ints(values, name):
    array = values.array if isinstance(values, Tensor) else as_array(values)
    if hasattr(array, "get"):
        array = array.get()
    array = numpy.asarray(array).reshape(-1)
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers, got {array.dtype}")
    return array.astype(numpy.int64)


def _long(array):
    return Tensor(numpy.asarray(array, dtype=numpy.int64))


def _packed_positions(batch_sizes, sorted_indices, N):
    """For each row of ``data``, its row in the time-major padded batch flattened to (T*N)."""
    T = len(batch_sizes)
    running = numpy.arange(N)[None, :] < batch_sizes[:, None]             # (T, N) sorted rows
    return (numpy.arange(T)[:, None] * N + sorted_indices[None, :])[running]


def _lengths_of(batch_sizes, sorted_indices):
    N = int(batch_sizes[0]) if len(batch_sizes) else 0
    ordered = (batch_sizes[None, :] > numpy.arange(N)[:, None]).sum(1)    # sorted order
    lengths = numpy.empty(N, numpy.int64)
    lengths[sorted_indices] = ordered
    return lengths


def _sorted_indices(sequence):
    N = int(sequence.batch_sizes.array[0]) if len(sequence.batch_sizes) else 0
    if sequence.sorted_indices is None:
        return numpy.arange(N)
    return _host_ints(sequence.sorted_indices, "sorted_indices")


# ------------------------------------------------------------------ public functions

def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, N, *) (or (N, T, *) with ``batch_first``) of sequences of the
    given lengths.  With ``enforce_sorted`` the lengths must be decreasing; otherwise the
    batch is sorted here and ``unsorted_indices`` remembers the original order."""
    lengths = _host_ints(lengths, "pack_padded_sequence: lengths")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected a padded batch of at least 2 dims, "
                         f"got shape {tuple(input.shape)}")
    x = ops.transpose(input, 0, 1) if batch_first else input
    T, N = x.shape[0], x.shape[1]
    if lengths.shape != (N,):
        raise ValueError(f"pack_padded_sequence: expected {N} lengths (one per sequence), got "
                         f"{lengths.shape[0]}")
    if N and int(lengths.min()) <= 0:
        raise ValueError("pack_padded_sequence: every length must be greater than 0, got "
                         f"{lengths.tolist()}")
    if N and int(lengths.max()) > T:
        raise ValueError(f"pack_padded_sequence: a length ({int(lengths.max())}) exceeds the "
                         f"time axis of the input ({T} steps, shape {tuple(input.shape)})")
    if enforce_sorted:
        if (numpy.diff(lengths) > 0).any():
            raise ValueError("pack_padded_sequence: `lengths` must be sorted in decreasing "
                             "order when enforce_sorted=True; pass enforce_sorted=False")
        order, sorted_indices, unsorted_indices = numpy.arange(N), None, None
    else:
        order = numpy.argsort(-lengths, kind="stable")
        sorted_indices, unsorted_indices = _long(order), _long(numpy.argsort(order))
    T = int(lengths.max()) if N else 0
    batch_sizes = (lengths[None, :] > numpy.arange(T)[:, None]).sum(1)
    rows = _packed_positions(batch_sizes, order, N)
    flat = ops.reshape(x, (x.shape[0] * N,) + tuple(x.shape[2:]))
    return PackedSequence(gather_rows(flat, rows), _long(batch_sizes), sorted_indices,
                          unsorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch (T, N, *) (or (N, T, *)) and the lengths (N,) of a ``PackedSequence``,
    in the original batch order."""
    batch_sizes = _host_ints(sequence.batch_sizes, "batch_sizes")
    order = _sorted_indices(sequence)
    T, N = len(batch_sizes), len(order)
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                             f"length of the longest sequence ({T}), got {total_length}")
        T = total_length
    data = sequence.data
    rows = _packed_positions(batch_sizes, order, N)
    padded = ops.reshape(scatter_rows(data, rows, T * N), (T, N) + tuple(data.shape[1:]))
    if padding_value != 0:
        empty = numpy.ones(T * N, bool)
        empty[rows] = False
        fill = numpy.where(empty, padding_value, 0).astype(data.dtype)
        padded = padded + Tensor(fill.reshape((T, N) + (1,) * (data.ndim - 1)))
    if batch_first:
        padded = ops.transpose(padded, 0, 1)
    return padded, _long(_lengths_of(batch_sizes, order))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into one padded batch (T, N, *) (or (N, T, *)),
    T = max L_i, padding after each sequence (``padding_side="left"``: before)."""
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: expected a non-empty list of tensors")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    tail = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if tuple(s.shape[1:]) != tail:
            raise ValueError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)}, which "
                             f"differs from sequence 0's {tuple(sequences[0].shape)} after dim 0")
    lengths = numpy.array([s.shape[0] for s in sequences], numpy.int64)
    T, N = int(lengths.max()), len(sequences)
    starts = T - lengths if padding_side == "left" else numpy.zeros(N, numpy.int64)
    seq = numpy.repeat(numpy.arange(N), lengths)
    step = numpy.arange(int(lengths.sum())) - numpy.repeat(numpy.cumsum(lengths) - lengths, lengths)
    step = step + starts[seq]
    rows = seq * T + step if batch_first else step * N + seq
    data = ops.cat(sequences, 0) if N > 1 else sequences[0]
    shape = ((N, T) if batch_first else (T, N)) + tail
    padded = ops.reshape(scatter_rows(data, rows, T * N), shape)
    if padding_value != 0:
        empty = numpy.ones(T * N, bool)
        empty[rows] = False
        fill = numpy.where(empty, padding_value, 0).reshape(shape[:2] + (1,) * len(tail))
        padded = padded + Tensor(backend.array_module(data.array).asarray(fill, dtype=data.dtype))
    return padded


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (longest first unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences (L_i, *) of a padded batch."""
    lengths = _host_ints(lengths, "unpad_sequence: lengths")
    x = padded_sequences if batch_first else ops.transpose(padded_sequences, 0, 1)
    return [x[i, :int(n)] for i, n in enumerate(lengths)]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) of a ``PackedSequence``, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def _unpack_for_layer(sequence):
    """(padded time-major data, lengths as NumPy ints, the positions) for a recurrent layer."""
    batch_sizes = _host_ints(sequence.batch_sizes, "batch_sizes")
    order = _sorted_indices(sequence)
    T, N = len(batch_sizes), len(order)
    rows = _packed_positions(batch_sizes, order, N)
    data = sequence.data
    padded = ops.reshape(scatter_rows(data, rows, T * N), (T, N) + tuple(data.shape[1:]))
    return padded, _lengths_of(batch_sizes, order), rows


def _repack_like(output, sequence, rows):
    """Pack a layer's padded time-major output with the layout of the input ``sequence``."""
    T, N = output.shape[0], output.shape[1]
    flat = ops.reshape(output, (T * N,) + tuple(output.shape[2:]))
    return PackedSequence(gather_rows(flat, rows), sequence.batch_sizes, sequence.sorted_indices,
                          sequence.unsorted_indices)
