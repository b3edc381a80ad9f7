"""Distance between rows of two batches, on the elementwise ops and reductions:

- pairwise_distance(x1, x2, p): ||x1 - x2 + eps||_p along the last dim

(cosine_similarity is ``nn.functional.cosine_similarity``.)
"""

from .elementwise import abs as abs_
from .elementwise import sqrt


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """(..., D), (..., D) (broadcasting) -> (...): the p-norm of x1 - x2 + eps along the last
    dim (eps keeps the gradient of the 2-norm finite when x1 == x2, as PyTorch)."""
    if p <= 0:
        raise ValueError(f"pairwise_distance: p must be positive, got {p}")
    d = x1 - x2 + eps
    if p == 2:
        return sqrt((d * d).sum(-1, keepdim=keepdim))
    return ((abs_(d) ** p).sum(-1, keepdim=keepdim)) ** (1.0 / p)

