"""Fixtures of the insight tests: a small real MNIST sample, flattened."""

import pytest


@pytest.fixture(scope="session")
def mnist_small(mnist):
    """The first 2048 MNIST training images as (2048, 784) float32 in [0, 1], and their labels."""
    x_train, y_train, _, _ = mnist
    return x_train[:2048].reshape(-1, 784), y_train[:2048]
