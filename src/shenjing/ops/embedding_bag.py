"""``embedding_bag``: the rows of a bag of ids reduced to one vector (sum, mean or max),
without making the (bags, ids, D) tensor a user would otherwise build.

The bags are ragged: 1-d ``input`` with ``offsets`` (bag b holds input[offsets[b]:
offsets[b+1]]), or 2-d (B, L), every bag L ids.  Here they are laid out as a (B, Lmax)
table of ids with a mask, looked up with ``embedding`` and reduced along the ids:

    sum:   y_b = sum_i m_bi s_bi W[id_bi]          (s the per-sample weights, default 1)
    mean:  y_b = sum_i m_bi W[id_bi] / max(sum_i m_bi, 1)
    max:   y_b = max over the kept i of W[id_bi]   (0 for an empty bag)

m masks out the table's filler and the ``padding_idx`` ids; an empty bag gives zeros.
The gradient comes from ``embedding``, the products, ``sum`` and ``max``.
"""

import numpy

from ..autograd.tensor import Tensor
from ._helpers import as_tensor
from .elementwise import where
from .indexing import embedding


def _bags(op, ids, offsets, include_last_offset):
    """ids (n,) and offsets -> (B, Lmax) table of ids, its mask, and the positions in ids."""
    if offsets is None:
        raise ValueError(f"{op}: a 1-d input needs offsets (the start of each bag)")
    off = as_tensor(offsets).array.astype(numpy.int64).reshape(-1)
    if off.ndim != 1 or off.size == 0 or off[0] != 0:
        raise ValueError(f"{op}: offsets must be a non-empty 1-d tensor starting at 0, got "
                         f"{off.tolist()[:5]}")
    if numpy.any(numpy.diff(off) < 0) or off[-1] > ids.size:
        raise ValueError(f"{op}: offsets must be non-decreasing and at most len(input) = "
                         f"{ids.size}, got {off.tolist()[:8]}")
    if include_last_offset:     # as torch: the last bag still runs to the end of input
        off = off[:-1]
    ends = numpy.append(off[1:], ids.size)
    lengths = ends - off
    width = max(int(lengths.max()) if lengths.size else 0, 1)
    pos = off[:, None] + numpy.arange(width)[None, :]
    mask = numpy.arange(width)[None, :] < lengths[:, None]
    pos = numpy.where(mask, pos, 0)
    return pos, mask


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2.0,  # noqa: A002
                  mode="mean", per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """(n,) ids with offsets (B,) or (B, L) ids, weight (V, D) -> (B, D): see the module
    docstring.  ``per_sample_weights`` (the ids' shape) scales each row, mode 'sum' only."""
    op = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    ids = as_tensor(input).array
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: input must hold integer ids, got {ids.dtype}; use input.long()")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"{op}: per_sample_weights is only supported for mode='sum', got "
                         f"mode={mode!r}")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != ids.shape:
        raise ValueError(f"{op}: per_sample_weights has shape {tuple(per_sample_weights.shape)} "
                         f"but input has {ids.shape}")
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None for a 2-d input (B, L)")
        pos = numpy.arange(ids.size).reshape(ids.shape)
        mask = numpy.ones(ids.shape, bool)
    elif ids.ndim == 1:
        pos, mask = _bags(op, ids, offsets, include_last_offset)
    else:
        raise ValueError(f"{op}: input must be 1-d (with offsets) or 2-d (B, L), got shape "
                         f"{ids.shape}")
    flat = ids.reshape(-1)
    table = flat[pos] if flat.size else numpy.zeros(pos.shape, numpy.int64)
    if padding_idx is not None:
        padding_idx = padding_idx % weight.shape[0]
        mask = mask & (table != padding_idx)
    rows = embedding(table, weight, padding_idx, max_norm, norm_type)     # (B, Lmax, D)
    keep = Tensor(mask[..., None].astype(weight.array.dtype))
    if mode == "max":
        filled = where(Tensor(mask[..., None]), rows, float("-inf"))
        best = filled.max(1).values
        return where(Tensor(mask.any(1)[:, None]), best, 0.0)
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)[Tensor(pos)] if flat.size else None
        keep = keep * psw.unsqueeze(-1)
    total = (rows * keep).sum(1)
    if mode == "sum":
        return total
    count = numpy.maximum(mask.sum(1, keepdims=True), 1).astype(weight.array.dtype)
    return total / Tensor(count)
