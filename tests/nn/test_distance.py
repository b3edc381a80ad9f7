"""CosineSimilarity and PairwiseDistance against PyTorch, gradcheck, errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import functional as F

from .multi_parity import module_gradcheck, module_parity

torch = pytest.importorskip("torch")


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("options", [{}, dict(p=1.0), dict(p=3.0, keepdim=True),
                                     dict(p=2.0, eps=1e-3)], ids=str)
def test_pairwise_distance_matches_torch(options):
    module_parity(nn.PairwiseDistance(**options), torch.nn.PairwiseDistance(**options),
                  [rand((5, 4)), rand((5, 4), 1)], torch)


def test_pairwise_distance_broadcasts_and_gradchecks():
    module_parity(nn.PairwiseDistance(), torch.nn.PairwiseDistance(),
                  [rand((5, 4)), rand((1, 4), 1)], torch)
    module_gradcheck(nn.PairwiseDistance(p=3.0), [rand((3, 4)), rand((3, 4), 1)])


@pytest.mark.parametrize("dim,shape", [(1, (4, 5)), (-1, (2, 3, 4)), (0, (6, 2))])
def test_cosine_similarity_matches_torch(dim, shape):
    module_parity(nn.CosineSimilarity(dim), torch.nn.CosineSimilarity(dim),
                  [rand(shape), rand(shape, 1)], torch)
    module_gradcheck(nn.CosineSimilarity(dim), [rand(shape), rand(shape, 1)])


def test_identical_rows_have_zero_distance_but_finite_gradient():
    x = sj.tensor(rand((3, 4)), requires_grad=True)
    d = F.pairwise_distance(x, x.detach())
    assert np.all(d.numpy() < 1e-5)
    d.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


def test_distance_errors():
    with pytest.raises(ValueError, match=r"pairwise_distance: p must be positive, got 0"):
        F.pairwise_distance(sj.zeros(2, 3), sj.zeros(2, 3), p=0)
