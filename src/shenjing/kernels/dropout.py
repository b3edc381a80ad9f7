"""The kernel of inverted dropout (``shenjing.ops.dropout``): the mask applied and scaled
in one pass, from the uniform numbers u that shenjing's generator drew (so a seed gives
the same mask with or without kernels).  The same pass serves the backward, so the op
keeps u instead of a mask array.
"""

from .common import jit


@jit
def apply_mask(x, u, p, scale, y):
    """y = x scale where u >= p, x * 0 elsewhere (what x * mask gives)."""
    for i in range(y.size):
        v = x[i]
        y[i] = v * scale if u[i] >= p else v * type(v)(0)
