"""keras.optimizers.Adam, AdamW and Nadam against Keras's formulas written out in NumPy."""

import numpy as np
import pytest

from shenjing.keras import optimizers
from shenjing.nn import Parameter


def grads_sequence(shape, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) * (1 + t) for t in range(steps)]   # growing: amsgrad bites


def keras_adam(p, grads, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
               weight_decay=None):
    """Keras's Adam: the bias corrections go into lr, epsilon is added to sqrt(v)."""
    p, m, v, v_hat = p.copy(), np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if weight_decay:
            p = p - p * weight_decay * lr
        m = m + (g - m) * (1 - beta_1)
        v = v + (g * g - v) * (1 - beta_2)
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
        alpha = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        p = p - alpha * m / (np.sqrt(v_hat if amsgrad else v) + epsilon)
    return p


def run(opt, start, grads):
    w = Parameter(start.copy())
    for g in grads:
        opt.apply_gradients([(g, w)])
    return w.numpy()


START = np.random.default_rng(7).standard_normal((4, 3))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_keras_formula(amsgrad):
    grads = grads_sequence((4, 3), 6)
    # a large epsilon makes Keras's placement of it (before the bias correction) visible
    got = run(optimizers.Adam(learning_rate=0.01, epsilon=0.1, amsgrad=amsgrad), START, grads)
    want = keras_adam(START, grads, lr=0.01, epsilon=0.1, amsgrad=amsgrad)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    torch_eps_placement = START.copy()
    m, v = np.zeros_like(START), np.zeros_like(START)
    for t, g in enumerate(grads, start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        torch_eps_placement -= 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 0.1)
    if not amsgrad:
        assert not np.allclose(got, torch_eps_placement, rtol=1e-6)


def test_adam_defaults_and_first_step_bias_correction():
    opt = optimizers.get("adam")
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    # after one step of bias-corrected Adam every coordinate moves by about lr * sign(g)
    g = np.array([3.0, -0.5, 0.02])
    got = run(opt, np.zeros(3), [g])
    np.testing.assert_allclose(got, -0.001 * np.sign(g), rtol=1e-3)
    np.testing.assert_allclose(got, keras_adam(np.zeros(3), [g]), rtol=1e-12)


def test_adamw_decays_the_weights_before_adam():
    grads = grads_sequence((4, 3), 4)
    got = run(optimizers.AdamW(learning_rate=0.05, weight_decay=0.1), START, grads)
    want = keras_adam(START, grads, lr=0.05, weight_decay=0.1)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert optimizers.AdamW().weight_decay == 0.004
    with pytest.raises(ValueError, match="AdamW: weight_decay must be a float"):
        optimizers.AdamW(weight_decay=None)


def keras_nadam(p, grads, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    p, m, v, u_product = p.copy(), np.zeros_like(p), np.zeros_like(p), 1.0
    for t, g in enumerate(grads, start=1):
        u_t = beta_1 * (1 - 0.5 * 0.96 ** t)
        u_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product = u_product * u_t
        m = m + (g - m) * (1 - beta_1)
        v = v + (g * g - v) * (1 - beta_2)
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return p


def test_nadam_matches_keras_formula():
    grads = grads_sequence((4, 3), 5)
    got = run(optimizers.Nadam(learning_rate=0.02), START, grads)
    np.testing.assert_allclose(got, keras_nadam(START, grads, lr=0.02), rtol=1e-12)


def test_adam_checks_betas():
    with pytest.raises(ValueError, match=r"Adam: beta_1 must be in \[0.0, 1.0\), got beta_1=1.0"):
        optimizers.Adam(beta_1=1.0)
