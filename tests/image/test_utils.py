"""to_categorical and normalize."""

import numpy
import pytest

from shenjing.datasets import load_sample
from shenjing.image import normalize, to_categorical


def test_to_categorical_as_keras():
    numpy.testing.assert_array_equal(to_categorical([0, 1, 2, 3], num_classes=4), numpy.eye(4))
    out = to_categorical(numpy.array([[1], [2]]), 4)  # (N, 1): the trailing 1 is dropped
    assert out.shape == (2, 4) and out.dtype == numpy.float32
    assert out.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]
    grid = to_categorical([[0, 2], [1, 0]])
    assert grid.shape == (2, 2, 3) and grid[0, 1].tolist() == [0, 0, 1]
    assert to_categorical([2], dtype="int64").dtype == numpy.int64
    assert to_categorical(3, 5).tolist() == [0, 0, 0, 1, 0]


def test_to_categorical_on_mnist_labels():
    _, labels = load_sample("mnist")
    onehot = to_categorical(labels)
    assert onehot.shape == (10000, 10)
    numpy.testing.assert_array_equal(onehot.argmax(1), labels)
    assert onehot.sum() == 10000


def test_to_categorical_errors():
    with pytest.raises(ValueError, match="label 5 is outside \\[0, 3\\)"):
        to_categorical([0, 5], num_classes=3)
    with pytest.raises(ValueError, match="label -1"):
        to_categorical([-1, 0])
    with pytest.raises(ValueError, match="integers"):
        to_categorical([0.5])


def test_normalize():
    x = numpy.array([[3.0, 4.0], [0.0, 0.0]])
    numpy.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0, 0]])
    numpy.testing.assert_allclose(normalize(x, axis=0, order=1), [[1, 1], [0, 0]])
