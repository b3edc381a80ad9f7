"""Cross-entropy at class indices and BCE from logits: the kernels against the NumPy
reference, loss and gradients, float32 and float64, every reduction."""

import numpy as np
import pytest

import shenjing
from shenjing import kernels
from shenjing.ops.loss import CrossEntropy, binary_cross_entropy_with_logits, cross_entropy

from .parity import assert_parity

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")

DTYPES = [np.float32, np.float64]
REDUCTIONS = ["mean", "sum", "none"]


def _logits(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x.flat[:2] = [80.0, -80.0]
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(16, 10), (1, 81), (7, 1), (5, 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy(dtype, reduction, shape, weighted):
    n, c = shape
    target = shenjing.from_numpy(np.random.default_rng(1).integers(0, c, n))
    weight = shenjing.from_numpy(np.linspace(0.5, 2, c).astype(dtype)) if weighted else None
    assert_parity(lambda x: cross_entropy(x, target, weight=weight, reduction=reduction),
                  [_logits(shape, dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_ignore_index(dtype, reduction):
    y = np.array([2, -100, 0, 4, -100, 1])
    target = shenjing.from_numpy(y)
    assert_parity(lambda x: cross_entropy(x, target, reduction=reduction),
                  [_logits((6, 5), dtype)])
    target = shenjing.from_numpy(np.array([3, 3, 0, 3]))
    assert_parity(lambda x: cross_entropy(x, target, ignore_index=3, reduction=reduction),
                  [_logits((4, 5), dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_transposed_logits(dtype):
    target = shenjing.from_numpy(np.array([0, 2, 1, 2, 0, 1, 1]))
    assert_parity(lambda x: cross_entropy(x, target),
                  [np.asfortranarray(_logits((7, 3), dtype))])


def test_cross_entropy_takes_the_kernel():
    op = CrossEntropy(np.array([1, 0]), None, -100, "mean", 0.0)
    op.needs_input_grad = None
    op.forward(_logits((2, 3), np.float32))
    assert op.fast is not None
    op = CrossEntropy(np.array([1, 0]), None, -100, "mean", 0.1)   # smoothing: the reference
    op.needs_input_grad = None
    op.forward(_logits((2, 3), np.float32))
    assert op.fast is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(32,), (8, 5), (1,)])
def test_bce_with_logits(dtype, reduction, shape):
    x = _logits(shape, dtype)
    t = (np.random.default_rng(2).random(shape) < 0.5).astype(dtype)
    t.flat[0] = 0.3   # soft targets too
    assert_parity(lambda x, t: binary_cross_entropy_with_logits(x, t, reduction=reduction),
                  [x, t])


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_transposed(dtype):
    x = np.asfortranarray(_logits((6, 4), dtype))
    t = (np.random.default_rng(3).random((6, 4)) < 0.5).astype(dtype)
    assert_parity(lambda x, t: binary_cross_entropy_with_logits(x, t), [x, t])
