"""nn.init.dirac_ and sparse_: the properties PyTorch's have, and the same dirac weight."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape,groups", [((3, 3, 3), 1), ((4, 2, 3, 3), 2), ((6, 4, 1, 3, 3), 1),
                                          ((2, 4, 5), 1)])
def test_dirac_matches_torch(shape, groups):
    ours, theirs = sj.zeros(*shape), torch.empty(shape)
    nn.init.dirac_(ours, groups)
    torch.nn.init.dirac_(theirs, groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_dirac_conv_is_the_identity():
    w = sj.zeros(3, 3, 3, 3, dtype=sj.float64)
    nn.init.dirac_(w)
    x = sj.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5)))
    np.testing.assert_allclose(F.conv2d(x, w, padding=1).numpy(), x.numpy(), rtol=1e-12)


def test_sparse_zeroes_the_same_count_in_every_column():
    sj.manual_seed(0)
    w = sj.zeros(200, 30)
    nn.init.sparse_(w, 0.25, std=0.02)
    values = w.numpy()
    assert np.all((values == 0).sum(0) == 50)
    assert abs(values[values != 0].std() - 0.02) < 0.002


def test_init_errors():
    with pytest.raises(ValueError, match=r"dirac_: expects a 3-, 4- or 5-d tensor, got shape "
                                         r"\(2, 2\)"):
        nn.init.dirac_(sj.zeros(2, 2))
    with pytest.raises(ValueError, match=r"dirac_: dim 0 \(3\) must be divisible by groups"):
        nn.init.dirac_(sj.zeros(3, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"sparse_: expects a 2-d tensor"):
        nn.init.sparse_(sj.zeros(2, 2, 2), 0.1)
    with pytest.raises(ValueError, match=r"sparse_: sparsity must be in \[0, 1\], got 1.5"):
        nn.init.sparse_(sj.zeros(2, 2), 1.5)
