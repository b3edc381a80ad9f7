"""keras.optimizers.SGD against Keras's formulas written out in NumPy."""

import numpy as np
import pytest

from shenjing.keras import optimizers
from shenjing.keras.optimizers import schedules
from shenjing.nn import Parameter


def grads_sequence(shape, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(steps)]


def keras_sgd(p, grads, lrs, momentum=0.0, nesterov=False):
    """Keras's SGD: v = momentum v - lr g;  p += v  (nesterov: p += momentum v - lr g)."""
    p, v = p.copy(), np.zeros_like(p)
    for g, lr in zip(grads, lrs):
        if momentum == 0:
            p = p - lr * g
            continue
        v = momentum * v - lr * g
        p = p + (momentum * v - lr * g if nesterov else v)
    return p


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_keras_formula(momentum, nesterov):
    start = np.random.default_rng(1).standard_normal((3, 2))
    grads = grads_sequence((3, 2), 5)
    w = Parameter(start.copy())
    opt = optimizers.SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov)
    for g in grads:
        opt.apply_gradients([(g, w)])
    np.testing.assert_allclose(w.numpy(), keras_sgd(start, grads, [0.05] * 5, momentum,
                                                    nesterov), rtol=1e-12)
    assert opt.iterations == 5


def test_keras_momentum_example():
    # Keras's docstring: the first step is lr * grad = 0.1, the second 0.18 with momentum 0.9
    var = Parameter(np.array(1.0))
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.apply_gradients([(var.numpy().copy(), var)])    # loss var^2 / 2: grad = var
    assert 1.0 - float(var.item()) == pytest.approx(0.1)
    before = float(var.item())
    opt.apply_gradients([(var.numpy().copy(), var)])
    assert before - float(var.item()) == pytest.approx(0.18)


def test_momentum_with_a_schedule_is_keras_not_torch():
    # with a changing lr Keras's velocity (lr inside) differs from torch's buffer (lr outside)
    start = np.zeros(4)
    grads = grads_sequence((4,), 6, seed=3)
    schedule = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    lrs = [0.1 * 0.5 ** t for t in range(6)]
    w = Parameter(start.copy())
    opt = optimizers.SGD(learning_rate=schedule, momentum=0.9)
    for g in grads:
        opt.apply_gradients([(g, w)])
    np.testing.assert_allclose(w.numpy(), keras_sgd(start, grads, lrs, 0.9), rtol=1e-12)
    b, torch_form = np.zeros(4), start.copy()
    for g, lr in zip(grads, lrs):
        b = 0.9 * b + g
        torch_form -= lr * b
    assert not np.allclose(w.numpy(), torch_form)


def test_sgd_checks_momentum():
    with pytest.raises(ValueError, match=r"SGD: momentum must be in \[0.0, 1.0\], got momentum=1.5"):
        optimizers.SGD(momentum=1.5)
