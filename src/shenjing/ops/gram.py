"""The Gram matrix of feature maps: which channels fire together, wherever they fire.

Neural style transfer (Gatys, Ecker & Bethge, 2015) describes an image's *style* at one
layer by the correlations between its C feature maps, summed over all positions, so that
where a texture appears no longer matters::

    F = features reshaped to (N, C, L)      L = H * W positions
    G = F F^T / (C L)                       G[n, i, j] = sum_p F[n, i, p] F[n, j, p] / (C H W)

It is composed of reshape, transpose and matmul, so it gets its gradient from them
(dG/dF is (dL/dG + dL/dG^T) F / (C L)).
"""

from ._helpers import as_tensor, expect
from .linalg import matmul
from .shape import reshape, transpose


def gram_matrix(features, normalize=True):
    """The Gram matrices of a batch of feature maps: (N, C, H, W) -> (N, C, C).

    Any number of spatial dims works ((N, C, L), (N, C, D, H, W)): they are flattened into
    L positions.  ``normalize=True`` divides by C * L (the PyTorch tutorial's G / (C H W)
    for one image); ``False`` gives the plain F F^T.

    >>> gram_matrix(features)            # features (1, 64, 32, 32) -> (1, 64, 64)
    """
    x = as_tensor(features)
    expect(x.ndim >= 3, "gram_matrix",
           f"expects feature maps (N, C, H, W) (at least 3 dims: batch, channels, "
           f"positions), got shape {tuple(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    flat = reshape(x, (n, c, -1))                       # F: (N, C, L)
    gram = matmul(flat, transpose(flat, 1, 2))          # F F^T: (N, C, C)
    if normalize:
        gram = gram / (c * flat.shape[2])
    return gram
