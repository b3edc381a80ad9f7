"""gram_matrix through the shared harness (float64 gradcheck, forward and backward against
PyTorch in float64 and float32), the PyTorch tutorial's own formula for one image, and its
error for inputs that are not feature maps."""

import re

import numpy
import pytest

from shenjing.autograd import ShapeError, Tensor
from shenjing.ops.gram import gram_matrix

from .harness import OpInfo, S, op_tests, torch_ref as T


def torch_gram(x, normalize=True):
    """F F^T (/ C L) with torch's own bmm: (N, C, ...) -> (N, C, C)."""
    flat = x.flatten(2)
    gram = T.bmm(flat, flat.transpose(1, 2))
    return gram / (flat.shape[1] * flat.shape[2]) if normalize else gram


TABLE = [
    OpInfo("gram_matrix", gram_matrix, torch_gram,
           [S((1, 3, 4, 5)), S((2, 4, 3, 3)), S((2, 3, 6)), S((1, 2, 2, 3, 2)),
            S((2, 3, 2, 2), normalize=False)]),
]
test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


def test_matches_the_pytorch_tutorial_for_one_image():
    """The tutorial's gram_matrix: features.view(a*b, c*d) @ its transpose / (a*b*c*d)."""
    torch = pytest.importorskip("torch")
    x = numpy.random.default_rng(0).standard_normal((1, 8, 5, 7))
    a, b, c, d = x.shape
    features = torch.from_numpy(x).view(a * b, c * d)
    expected = torch.mm(features, features.t()).div(a * b * c * d).numpy()
    got = gram_matrix(Tensor(x)).numpy()
    assert got.shape == (1, 8, 8)
    numpy.testing.assert_allclose(got[0], expected, rtol=1e-12, atol=1e-14)


def test_is_symmetric_and_ignores_where_features_are():
    """G is symmetric, and moving the feature maps around (the same permutation of the
    positions for every channel) leaves it unchanged: style, not layout."""
    rng = numpy.random.default_rng(1)
    x = rng.standard_normal((2, 4, 6, 6))
    g = gram_matrix(Tensor(x)).numpy()
    numpy.testing.assert_allclose(g, g.transpose(0, 2, 1), rtol=1e-12)
    shuffled = x.reshape(2, 4, 36)[:, :, rng.permutation(36)].reshape(2, 4, 6, 6)
    numpy.testing.assert_allclose(gram_matrix(Tensor(shuffled)).numpy(), g, rtol=1e-10)
    assert not numpy.allclose(shuffled, x)


@pytest.mark.parametrize("shape", [(4, 5), (7,)])
def test_rejects_inputs_without_batch_channels_and_positions(shape):
    with pytest.raises(ShapeError, match=r"gram_matrix: expects feature maps .*"
                                         + re.escape(str(shape))):
        gram_matrix(Tensor(numpy.zeros(shape)))

