"""The ``mlp`` workload: a three-layer perceptron on MNIST-shaped inputs, one training step.

784 -> Linear 256 -> ReLU -> Linear 128 -> ReLU -> Linear 10, cross-entropy on integer
labels, Adam (lr 1e-3), batch 128 (../shared/BENCHMARKS.md).  ``width`` scales the two
hidden layers (the scaling report's second axis).

    python -m benchmarks run --only mlp
"""

import numpy

from .common import load_same_weights

NAME = "mlp"
TITLE = "mlp: 784-256-128-10, train step"
BATCH = 128
TINY = {"batch": 4}


def _sizes(width=1.0):
    return [784, int(256 * width), int(128 * width), 10]


def flops_per_step(batch=BATCH, width=1.0):
    """2 flops per multiply-add of the forward GEMMs, the weight-gradient GEMMs and the
    input-gradient GEMMs (none for the first layer: the data needs no gradient)."""
    sizes = _sizes(width)
    layers = [a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * batch * (2 * sum(layers) + sum(layers[1:]))


def build(lib, batch=BATCH, seed=0, width=1.0):
    """(model, loss_fn, inputs, target) made with ``lib`` from the same NumPy arrays."""
    nn = lib.nn
    rng = numpy.random.default_rng(seed)
    lib.manual_seed(seed)
    a, b, c, d = _sizes(width)
    model = nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, c), nn.ReLU(), nn.Linear(c, d))
    load_same_weights(lib, model, rng)
    x = lib.tensor(rng.random((batch, a), dtype=numpy.float32))
    y = lib.tensor(rng.integers(0, d, batch))
    return model, nn.CrossEntropyLoss(), x, y
