"""keras.optimizers.Adagrad against Keras's formula written out in NumPy."""

import numpy as np
import pytest

from shenjing.keras import optimizers
from shenjing.nn import Parameter


def keras_adagrad(p, grads, lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    """Keras's Adagrad: G += g^2;  p -= lr g / sqrt(G + epsilon)."""
    p, acc = p.copy(), np.full_like(p, initial_accumulator_value)
    for g in grads:
        acc = acc + g * g
        p = p - lr * g / np.sqrt(acc + epsilon)
    return p


@pytest.mark.parametrize("initial", [0.1, 0.0])
def test_adagrad_matches_keras_formula(initial):
    rng = np.random.default_rng(4)
    start = rng.standard_normal((2, 3))
    grads = [rng.standard_normal((2, 3)) for _ in range(5)]
    w = Parameter(start.copy())
    opt = optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=initial, epsilon=1e-2)
    for g in grads:
        opt.apply_gradients([(g, w)])
    want = keras_adagrad(start, grads, lr=0.1, initial_accumulator_value=initial, epsilon=1e-2)
    np.testing.assert_allclose(w.numpy(), want, rtol=1e-12)
    assert opt.slots(w)["accumulator"].shape == (2, 3)
