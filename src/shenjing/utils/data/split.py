"""``random_split``: cut a dataset into non-overlapping random subsets, as torch does."""

import math
import numbers
import warnings

from .dataset import Subset
from .sampler import _rng


def random_split(dataset, lengths, generator=None):
    """Random, disjoint ``Subset``s of ``dataset`` with the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (then
    each gets ``floor(frac * n)`` and the remainder goes one by one to the first subsets).
    The order comes from ``generator`` or, by default, the process-wide one.

    >>> train, val = random_split(dataset, [0.8, 0.2])
    """
    n = len(dataset)
    lengths = list(lengths)
    fractions = (all(isinstance(x, numbers.Real) and 0 <= x <= 1 for x in lengths)
                 and math.isclose(sum(lengths), 1))
    if fractions and not all(isinstance(x, numbers.Integral) for x in lengths):
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this "
                              f"subset will be empty", stacklevel=2)
        lengths = sizes
    if any(isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths should be non-negative ints or fractions "
                         f"summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    order = _rng(generator).permutation(n).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets
