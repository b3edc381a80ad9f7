"""Shared pieces of the tuner tests: a small real-MNIST split and a model-building function
(importable by the worker subprocesses too)."""

import os
from pathlib import Path

import numpy as np


def mnist_folder():
    """The real MNIST folder: $SHENJING_DATA/mnist, else ../shared/data/mnist."""
    env = os.environ.get("SHENJING_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "mnist"


def small_mnist(n_train=600, n_val=300):
    """(x_train, y_train, x_val, y_val): the first digits of the real MNIST test file,
    flattened to 784 floats in [0, 1]; None when the data is missing."""
    from shenjing.datasets.idx import read_idx
    folder = mnist_folder()
    if not folder.is_dir():
        return None
    x = read_idx(folder / "t10k-images-idx3-ubyte.gz")[:n_train + n_val]
    y = read_idx(folder / "t10k-labels-idx1-ubyte.gz")[:n_train + n_val].astype(np.int64)
    x = x.reshape(len(x), -1).astype(np.float32) / 255
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def build_model(hp):
    """Dense(units, relu) -> Dense(10, softmax), Adam(learning_rate), accuracy logged."""
    from shenjing import keras
    model = keras.Sequential([
        keras.layers.Dense(hp.Int("units", 8, 32, step=8), activation="relu"),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3])),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
