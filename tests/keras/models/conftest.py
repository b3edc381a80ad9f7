"""Shared by the model tests: real digits to train on."""

import numpy
import pytest

from shenjing.datasets import load_sample


@pytest.fixture(scope="module")
def digits():
    """The embedded 10,000 MNIST digits in [0, 1]: 8,000 to train on, 2,000 to test."""
    images, labels = load_sample("mnist")
    x = images.astype(numpy.float32) / 255
    y = labels.astype(numpy.int64)
    return (x[:8000], y[:8000]), (x[8000:], y[8000:])
