"""Where the windows of a convolution or a pooling lie, as tables the kernels index: what
``kernels.conv`` (col2im) and ``kernels.pool`` (the backward passes) share.

A 1-, 2- or 3-d geometry is handled as 3-d, with size-1 dims in front; for each dim,
``window_table`` says which output window reads input position i at kernel offset t.
"""

import numpy


def three(values, fill):
    """A 1-, 2- or 3-tuple as the 3-tuple of the 3-d kernel (``fill`` in front)."""
    return (fill,) * (3 - len(values)) + tuple(int(v) for v in values)


def window_table(n, out, kernel, stride, dilation, pad):
    """(n, kernel) int64: the output position o whose window reads input position i at
    offset t, i = o stride + t dilation - pad, or -1 where there is none."""
    i = numpy.arange(n)[:, None] + pad - numpy.arange(kernel)[None, :] * dilation
    o = i // stride
    return numpy.where((i >= 0) & (i % stride == 0) & (o < out), o, -1).astype(numpy.int64)


_TABLES = {}


def tables(geom):
    """The three ``window_table``s of a geometry, made once (a model's layers repeat)."""
    args = (three(geom.in_size, 1),) + geometry_args(geom)
    tables = _TABLES.get(args)
    if tables is None:
        size, kernel, stride, dilation, pad, out = args
        tables = tuple(window_table(*dim) for dim in zip(size, out, kernel, stride, dilation, pad))
        for t in tables:
            t.flags.writeable = False
        if len(_TABLES) > 256:
            _TABLES.clear()
        _TABLES[args] = tables
    return tables


def geometry_args(geom):
    return (three(geom.kernel, 1), three(geom.stride, 1), three(geom.dilation, 1),
            three(geom.pad_lo, 0), three(geom.out_size, 1))
