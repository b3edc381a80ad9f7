"""The update rules on plain arrays (``shenjing.optim.functional``): each against the
textbook formula written naively in float64, with and without work arrays; the gradient
is never changed and float32 stays float32."""

import numpy as np
import pytest

from shenjing.optim import functional as F

STEPS = 6


def arrays(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((4, 3)).astype(dtype)
    grads = [rng.standard_normal((4, 3)).astype(dtype) for _ in range(STEPS)]
    return p, grads


def close(ours, reference):
    np.testing.assert_allclose(ours, reference, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("work", [False, True])
@pytest.mark.parametrize("options", [dict(), dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                     dict(momentum=0.5, dampening=0.5, weight_decay=0.1,
                                          maximize=True)], ids=str)
def test_sgd_is_the_textbook_rule(options, work):
    p, grads = arrays()
    ref = p.astype(np.float64)
    lr, mom = 0.1, options.get("momentum", 0.0)
    damp, wd = options.get("dampening", 0.0), options.get("weight_decay", 0.0)
    buf = ref_buf = None
    for t, g in enumerate(grads):
        g_before = g.copy()
        buf = F.sgd(p, g, buf, lr=lr, work=(np.empty_like(p), np.empty_like(p)) if work else None,
                    **options)
        np.testing.assert_array_equal(g, g_before)         # the gradient is left alone
        d = (-g if options.get("maximize") else g) + wd * ref
        if mom:
            ref_buf = d.copy() if t == 0 else mom * ref_buf + (1 - damp) * d
            d = d + mom * ref_buf if options.get("nesterov") else ref_buf
        ref = ref - lr * d
        close(p, ref)
        assert p.dtype == np.float32
    assert (buf is None) == (mom == 0)


@pytest.mark.parametrize("options", [dict(), dict(amsgrad=True, weight_decay=0.1),
                                     dict(weight_decay=0.1, decoupled_weight_decay=True,
                                          maximize=True)], ids=str)
def test_adam_is_the_textbook_rule(options):
    p, grads = arrays()
    ref = p.astype(np.float64)
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, options.get("weight_decay", 0.0)
    m, v = np.zeros_like(p), np.zeros_like(p)
    vmax = np.zeros_like(p) if options.get("amsgrad") else None
    rm = rv = rvmax = 0.0
    for t, g in enumerate(grads, start=1):
        F.adam(p, g, m, v, vmax, step=t, lr=lr, beta1=b1, beta2=b2, eps=eps, weight_decay=wd,
               decoupled_weight_decay=options.get("decoupled_weight_decay", False),
               maximize=options.get("maximize", False))
        g = -g if options.get("maximize") else g
        if options.get("decoupled_weight_decay"):
            ref = ref * (1 - lr * wd)
        else:
            g = g + wd * ref
        rm = b1 * rm + (1 - b1) * g
        rv = b2 * rv + (1 - b2) * g ** 2
        m_hat, v_hat = rm / (1 - b1 ** t), rv / (1 - b2 ** t)
        if vmax is not None:
            rvmax = np.maximum(rvmax, rv)
            v_hat = rvmax / (1 - b2 ** t)
        ref = ref - lr * m_hat / (np.sqrt(v_hat) + eps)
        close(p, ref)
        close(m, rm)
        close(v, rv)


def test_adagrad_is_the_textbook_rule():
    p, grads = arrays()
    ref = p.astype(np.float64)
    total = np.full_like(p, 0.1)
    ref_total = total.astype(np.float64)
    for t, g in enumerate(grads, start=1):
        F.adagrad(p, g, total, step=t, lr=0.1, lr_decay=0.05, weight_decay=0.01)
        g = g + 0.01 * ref
        ref_total = ref_total + g ** 2
        ref = ref - 0.1 / (1 + (t - 1) * 0.05) * g / (np.sqrt(ref_total) + 1e-10)
        close(p, ref)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_rmsprop_is_the_textbook_rule(centered, momentum):
    p, grads = arrays()
    ref = p.astype(np.float64)
    v, a, b = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    rv = ra = rb = 0.0
    lr, alpha, eps = 0.01, 0.99, 1e-8
    for g in grads:
        F.rmsprop(p, g, v, b if momentum else None, a if centered else None, lr=lr, alpha=alpha,
                  eps=eps, momentum=momentum)
        rv = alpha * rv + (1 - alpha) * g ** 2
        denom = rv
        if centered:
            ra = alpha * ra + (1 - alpha) * g
            denom = rv - ra ** 2
        r = np.sqrt(denom) + eps
        if momentum:
            rb = momentum * rb + g / r
            ref = ref - lr * rb
        else:
            ref = ref - lr * g / r
        close(p, ref)


def test_nadam_is_the_textbook_rule():
    p, grads = arrays()
    ref = p.astype(np.float64)
    m, v = np.zeros_like(p), np.zeros_like(p)
    rm = rv = 0.0
    lr, b1, b2, eps, psi = 0.01, 0.9, 0.999, 1e-8, 4e-3
    mu_product, ref_product = 1.0, 1.0
    for t, g in enumerate(grads, start=1):
        mu_product = F.nadam(p, g, m, v, step=t, mu_product=mu_product, lr=lr)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        ref_product *= mu
        rm = b1 * rm + (1 - b1) * g
        rv = b2 * rv + (1 - b2) * g ** 2
        r = np.sqrt(rv / (1 - b2 ** t)) + eps
        ref = ref - lr * (1 - mu) / (1 - ref_product) * g / r \
            - lr * mu_next / (1 - ref_product * mu_next) * rm / r
        assert mu_product == pytest.approx(ref_product, rel=1e-15)
        close(p, ref)


def test_float32_stays_float32_even_with_numpy_float64_options():
    p, grads = arrays()
    m, v = np.zeros_like(p), np.zeros_like(p)
    expected = p.copy()
    F.adam(expected, grads[0], m.copy(), v.copy(), step=1, lr=0.01)
    F.adam(p, grads[0], m, v, step=1, lr=np.float64(0.01), beta1=np.float64(0.9),
           beta2=np.float64(0.999), eps=np.float64(1e-8))
    assert p.dtype == m.dtype == v.dtype == np.float32
    np.testing.assert_array_equal(p, expected)   # computed in float32, not float64 then cast
