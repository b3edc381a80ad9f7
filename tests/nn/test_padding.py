"""Padding layers against PyTorch's: forward and input gradient, float64 gradcheck, errors."""

import numpy as np
import pytest

from shenjing import nn

from .multi_parity import module_gradcheck, module_parity

torch = pytest.importorskip("torch")

CASES = [
    ("ZeroPad1d", (2,), (2, 3, 5)),
    ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
    ("ZeroPad3d", (1,), (1, 2, 3, 3, 2)),
    ("ConstantPad1d", ((1, 2), 3.5), (3, 4)),
    ("ConstantPad2d", (1, -1.0), (2, 2, 3, 3)),
    ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 0.5), (2, 2, 2, 3)),
    ("ReflectionPad1d", ((2, 3),), (2, 3, 5)),
    ("ReflectionPad2d", ((1, 2, 2, 1),), (2, 2, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 3)),
    ("ReplicationPad3d", ((1, 2, 0, 1, 1, 0),), (1, 2, 2, 3, 2)),
    ("CircularPad1d", ((2, 1),), (2, 3, 4)),
    ("CircularPad2d", ((1, 1, 2, 0),), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 1, 2, 3, 3)),
]


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("name,args,shape", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_padding_matches_torch(name, args, shape):
    out = module_parity(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), [rand(shape)],
                        torch)
    assert out.shape == tuple(getattr(torch.nn, name)(*args)(torch.zeros(shape)).shape)


@pytest.mark.parametrize("name,args,shape", CASES[::2], ids=[c[0] for c in CASES[::2]])
def test_padding_gradcheck(name, args, shape):
    module_gradcheck(getattr(nn, name)(*args), [rand(shape)])


def test_unbatched_input_is_padded_too():
    x = rand((3, 4, 5))
    module_parity(nn.ReflectionPad2d(1), torch.nn.ReflectionPad2d(1), [x], torch)


def test_padding_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=r"ReflectionPad1d: padding must be non-negative"):
        nn.ReflectionPad1d(-1)
    import shenjing as sj
    with pytest.raises(ValueError, match=r"ReplicationPad2d: expected a 3-d .* or 4-d input, "
                                         r"got shape \(5,\)"):
        nn.ReplicationPad2d(1)(sj.zeros(5))
    with pytest.raises(ValueError, match="reflect padding"):
        nn.ReflectionPad1d(3)(sj.zeros(1, 2, 3))
    assert "value=2.0" in repr(nn.ConstantPad1d(1, 2.0))
