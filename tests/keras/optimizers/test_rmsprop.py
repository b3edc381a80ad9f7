"""keras.optimizers.RMSprop against Keras's formulas written out in NumPy."""

import numpy as np
import pytest

from shenjing.keras import optimizers
from shenjing.nn import Parameter


def keras_rmsprop(p, grads, lr=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    """Keras's RMSprop: epsilon inside the sqrt, lr inside the momentum buffer."""
    p, v, a, b = p.copy(), np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            denominator = v - a * a + epsilon
        else:
            denominator = v + epsilon
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            b = momentum * b + increment
            p = p - b
        else:
            p = p - increment
    return p


@pytest.mark.parametrize("momentum, centered", [(0.0, False), (0.9, False), (0.0, True),
                                                (0.5, True)])
def test_rmsprop_matches_keras_formula(momentum, centered):
    rng = np.random.default_rng(2)
    start = rng.standard_normal((5,))
    grads = [rng.standard_normal((5,)) for _ in range(6)]
    w = Parameter(start.copy())
    opt = optimizers.RMSprop(learning_rate=0.01, momentum=momentum, centered=centered,
                             epsilon=1e-3)
    for g in grads:
        opt.apply_gradients([(g, w)])
    want = keras_rmsprop(start, grads, lr=0.01, momentum=momentum, centered=centered,
                         epsilon=1e-3)
    np.testing.assert_allclose(w.numpy(), want, rtol=1e-12)


def test_keras_rmsprop_example():
    # Keras's docstring: var 10, loss var^2 / 2, one step of RMSprop(0.1) -> 9.683772
    var = Parameter(np.array(10.0))
    optimizers.RMSprop(learning_rate=0.1).apply_gradients([(var.numpy().copy(), var)])
    assert float(var.item()) == pytest.approx(9.683772, abs=1e-6)
