"""Fixtures of the tuner tests: optuna (skip when missing), the small real-MNIST split, and
a throwaway PostgreSQL server (``postgres.py``)."""

import pytest

from .models import small_mnist
from .postgres import postgres_url  # noqa: F401 - a session fixture of test_workers


@pytest.fixture(scope="session", autouse=True)
def _optuna():
    pytest.importorskip("optuna")


@pytest.fixture(scope="session")
def digits():
    """(x_train (600, 784), y_train, x_val (300, 784), y_val) from real MNIST."""
    data = small_mnist()
    if data is None:
        pytest.skip("real MNIST not found; set SHENJING_DATA to the folder holding mnist/")
    return data
