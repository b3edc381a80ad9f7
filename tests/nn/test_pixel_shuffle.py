"""PixelShuffle, PixelUnshuffle and ChannelShuffle against PyTorch, gradcheck, errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import functional as F

from .multi_parity import module_gradcheck, module_parity

torch = pytest.importorskip("torch")


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("name,arg,shape", [
    ("PixelShuffle", 2, (2, 8, 3, 4)),
    ("PixelShuffle", 3, (9, 2, 2)),
    ("PixelShuffle", 2, (2, 1, 4, 2, 3)),
    ("PixelUnshuffle", 2, (2, 2, 4, 6)),
    ("PixelUnshuffle", 3, (1, 3, 6)),
    ("ChannelShuffle", 3, (2, 6, 2, 2)),
    ("ChannelShuffle", 2, (3, 4, 5)),
])
def test_shuffles_match_torch(name, arg, shape):
    module_parity(getattr(nn, name)(arg), getattr(torch.nn, name)(arg), [rand(shape)], torch)


@pytest.mark.parametrize("module,shape", [(nn.PixelShuffle(2), (1, 4, 2, 3)),
                                          (nn.PixelUnshuffle(2), (1, 2, 2, 4)),
                                          (nn.ChannelShuffle(2), (1, 4, 3))])
def test_shuffles_gradcheck(module, shape):
    module_gradcheck(module, [rand(shape)])


def test_unshuffle_inverts_shuffle():
    x = sj.tensor(rand((2, 12, 3, 5)))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())


def test_shuffle_errors_say_what_was_expected():
    with pytest.raises(ValueError, match=r"pixel_shuffle: channels .* divisible by "
                                         r"upscale_factor\^2 = 4, got 6"):
        nn.PixelShuffle(2)(sj.zeros(1, 6, 2, 2))
    with pytest.raises(ValueError, match=r"pixel_unshuffle: height and width must be divisible"):
        nn.PixelUnshuffle(2)(sj.zeros(1, 1, 3, 4))
    with pytest.raises(ValueError, match=r"channel_shuffle: channels \(5\) must be divisible by "
                                         r"groups=2"):
        nn.ChannelShuffle(2)(sj.zeros(1, 5, 2))
    with pytest.raises(ValueError, match="upscale_factor must be a positive int, got 0"):
        F.pixel_shuffle(sj.zeros(1, 4, 2, 2), 0)
