"""Shared fixtures: the real datasets in ../shared/data (or $SHENJING_DATA)."""

import os
from pathlib import Path

import numpy as np
import pytest


def shared_data_dir():
    """The folder of real datasets: $SHENJING_DATA, else ../shared/data beside the checkout."""
    env = os.environ.get("SHENJING_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def mnist():
    """Full MNIST as float32 arrays in [0, 1]: (x_train (60000, 28, 28), y_train, x_test, y_test)."""
    from shenjing.datasets.idx import read_idx
    folder = shared_data_dir() / "mnist"
    if not folder.is_dir():
        pytest.skip(f"real MNIST not found at {folder}; set SHENJING_DATA to its parent folder")
    load = lambda name: read_idx(folder / name)  # noqa: E731
    x_train = load("train-images-idx3-ubyte.gz").astype(np.float32) / 255
    x_test = load("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    y_train = load("train-labels-idx1-ubyte.gz").astype(np.int64)
    y_test = load("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return x_train, y_train, x_test, y_test
