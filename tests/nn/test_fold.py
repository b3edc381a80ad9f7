"""Unfold (im2col) and Fold (col2im) against PyTorch, gradcheck, the conv identity, errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import functional as F

from .multi_parity import module_gradcheck, module_parity

torch = pytest.importorskip("torch")

GEOMETRIES = [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3), stride=(2, 1)),
    dict(kernel_size=2, dilation=2, padding=1),
    dict(kernel_size=(3, 2), padding=(1, 0), stride=2, dilation=(1, 2)),
]


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("options", GEOMETRIES, ids=str)
def test_unfold_matches_torch(options):
    module_parity(nn.Unfold(**options), torch.nn.Unfold(**options), [rand((2, 3, 6, 7))], torch)


@pytest.mark.parametrize("options", GEOMETRIES, ids=str)
def test_fold_matches_torch(options):
    cols = torch.nn.functional.unfold(torch.zeros(2, 3, 6, 7), **options)
    module_parity(nn.Fold((6, 7), **options), torch.nn.Fold((6, 7), **options),
                  [rand(tuple(cols.shape))], torch)


@pytest.mark.parametrize("options", GEOMETRIES[2:], ids=str)
def test_many_channels_take_the_compiled_kernels(options):
    module_parity(nn.Unfold(**options), torch.nn.Unfold(**options), [rand((2, 9, 5, 6))], torch)
    cols = torch.nn.functional.unfold(torch.zeros(2, 9, 5, 6), **options)
    module_parity(nn.Fold((5, 6), **options), torch.nn.Fold((5, 6), **options),
                  [rand(tuple(cols.shape))], torch)


def test_unbatched_fold_and_unfold():
    module_parity(nn.Unfold(2), torch.nn.Unfold(2), [rand((2, 3, 4))], torch)
    module_parity(nn.Fold((3, 4), 2), torch.nn.Fold((3, 4), 2), [rand((8, 6))], torch)


@pytest.mark.parametrize("options", GEOMETRIES[::3], ids=str)
def test_fold_and_unfold_gradcheck(options):
    module_gradcheck(nn.Unfold(**options), [rand((1, 2, 4, 5))])
    blocks = torch.nn.functional.unfold(torch.zeros(1, 2, 4, 5), **options).shape
    module_gradcheck(nn.Fold((4, 5), **options), [rand(tuple(blocks))])


def test_conv_is_a_matmul_of_the_unfolded_input():
    x, w = sj.tensor(rand((2, 3, 5, 6))), sj.tensor(rand((4, 3, 3, 3), seed=1))
    cols = F.unfold(x, 3, padding=1)                                   # (N, C*9, L)
    y = (w.reshape(4, -1) @ cols).reshape(2, 4, 5, 6)
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w, padding=1).numpy(), rtol=1e-10,
                               atol=1e-12)


def test_fold_errors_say_what_was_expected():
    with pytest.raises(ValueError, match=r"fold: expected 12 blocks in dim 2"):
        F.fold(sj.zeros(1, 4, 10), (4, 5), 2)
    with pytest.raises(ValueError, match=r"fold: dim 1 of the input \(5\) must be divisible"):
        F.fold(sj.zeros(1, 5, 12), (4, 5), 2)
    with pytest.raises(ValueError, match=r"unfold: expected a 4-d \(N, C, H, W\)"):
        F.unfold(sj.zeros(2, 3), 2)
