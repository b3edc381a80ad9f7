"""The embedding's gradient (rows added into a table by id) and its gather, compiled.

``add_rows`` is ``ops.indexing.add_rows`` in one pass over the ids: a counting sort groups
the positions k of each id (in input order), then each row of the table is the float64
sum of its rows of ``rows``, taken in that order and rounded once to the table's dtype,
or zero when its id does not occur.  That is exactly what the reference's weighted
``bincount`` computes (the same additions in the same order), so the two agree bit for
bit; the table is written once, with no float64 table in between.
"""

import numpy

from .common import jit

# exact IEEE arithmetic: each sum is the reference's sequence of float64 additions
_exact = jit(fastmath=False)


@_exact
def group_ids(ids, n):
    """(start, order): the positions k of id v are order[start[v]:start[v + 1]], in input
    order.  Returns start[0] = -1 when an id is outside [0, n) (nothing else is valid)."""
    start = numpy.zeros(n + 1, numpy.intp)
    for k in range(ids.shape[0]):
        v = ids[k]
        if v < 0 or v >= n:
            start[0] = -1
            return start, numpy.empty(0, numpy.intp)
        start[v + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:n].copy()
    order = numpy.empty(ids.shape[0], numpy.intp)
    for k in range(ids.shape[0]):
        v = ids[k]
        order[fill[v]] = k
        fill[v] += 1
    return start, order


@_exact
def sum_rows(out, rows, start, order):
    """out[v] = the sum of rows[k] over the positions k of id v (``group_ids``), in
    float64, rounded once; zero for the ids that do not occur.

    out (n, D) and rows (N, D) C-contiguous of one dtype; start, order from ``group_ids``.
    """
    width = out.shape[1]
    acc = numpy.empty(width, numpy.float64)
    for v in range(out.shape[0]):
        lo, hi = start[v], start[v + 1]
        if lo == hi:
            for j in range(width):
                out[v, j] = 0
            continue
        for j in range(width):
            acc[j] = 0.0
        for i in range(lo, hi):
            k = order[i]
            for j in range(width):
                acc[j] += rows[k, j]
        for j in range(width):
            out[v, j] = acc[j]


@jit
def take_rows(out, table, ids):
    """out[k] = table[ids[k]]; False (out unfinished) when an id is outside the table.

    out (N, D) and table (n, D) C-contiguous of one dtype."""
    n, width = table.shape
    for k in range(ids.shape[0]):
        v = ids[k]
        if v < 0 or v >= n:
            return False
        for j in range(width):
            out[k, j] = table[v, j]
    return True
