"""The fused optimizer kernels (``kernels.optim``) against the NumPy updates of
``optim.functional`` and of the Keras optimizers: bit for bit, over several steps, for
every option that changes the formula, in float32 and float64."""

import contextlib
import itertools

import numpy as np
import pytest

import shenjing
from shenjing import kernels, keras
from shenjing.optim import functional as F

from . import parity

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")
K = kernels.module("optim")

DTYPES = [np.float32, np.float64]
SHAPES = [(7, 13), (3, 5, 7), (1,), (), (0, 4)]


def counting(name):
    """Record the calls of ``K.<name>`` inside the block (see ``parity.counting``)."""
    return parity.counting(K, name)


def _data(shape, dtype, steps, n_state, seed=0):
    rng = np.random.default_rng(seed)
    p = np.asarray(rng.standard_normal(shape), dtype)
    grads = [np.asarray(rng.standard_normal(shape), dtype) for _ in range(steps)]
    state = [np.asarray(0.1 * np.abs(rng.standard_normal(shape)), dtype)
             for _ in range(n_state)]
    return p, grads, state


def _both(update, shape, dtype, n_state, kernel, steps=4, layout=None):
    """Run ``update(step, p, g, state)`` over ``steps`` gradients with the kernels and with
    the reference, check that the final p and state agree bit for bit, and return how many
    times the kernel ran.  ``layout(p, grads)`` may give them other strides first."""
    p0, grads, state0 = _data(shape, dtype, steps, n_state)
    results = []
    for reference in (False, True):
        p, state = p0.copy(), [s.copy() for s in state0]
        p, grads_used = layout(p, grads) if layout is not None else (p, grads)
        with (kernels.reference() if reference else contextlib.nullcontext()), \
                counting(kernel) as calls:
            for t, g in enumerate(grads_used, start=1):
                out = update(t, p, g, state)
                if out is not None:
                    state = out
        if reference:
            assert not calls
        results.append(([p] + list(state), len(calls)))
    (fast, n_calls), (slow, _) = results
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    return n_calls


def _assert_fused(n_calls, steps=4):
    assert n_calls == steps, "the kernel did not run"


# ---------------------------------------------------------------- optim.functional


ADAM_OPTIONS = list(itertools.product([False, True], [0.0, 0.1], [False, True], [False, True]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("amsgrad,weight_decay,decoupled,maximize", ADAM_OPTIONS)
def test_adam(dtype, amsgrad, weight_decay, decoupled, maximize):
    def update(t, p, g, state):
        F.adam(p, g, *state, step=t, lr=1e-2, beta1=0.8, beta2=0.95, eps=1e-6,
               weight_decay=weight_decay, decoupled_weight_decay=decoupled, maximize=maximize)
    _assert_fused(_both(update, (7, 13), dtype, 3 if amsgrad else 2, "adam"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_adam_shapes(dtype, shape):
    def update(t, p, g, state):
        F.adam(p, g, *state, step=t, lr=1e-2, weight_decay=0.01)
    _assert_fused(_both(update, shape, dtype, 2, "adam"))


SGD_OPTIONS = [(m, d, n, wd, mx) for m, d, n, wd, mx in
               itertools.product([0.0, 0.9], [0.0, 0.3], [False, True], [0.0, 0.1], [False, True])
               if not (n and (m == 0 or d != 0))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum,dampening,nesterov,weight_decay,maximize", SGD_OPTIONS)
def test_sgd(dtype, momentum, dampening, nesterov, weight_decay, maximize):
    buffers = {}

    def update(t, p, g, state):
        if t == 1:
            buffers.clear()
        buffers["b"] = F.sgd(p, g, buffers.get("b"), lr=0.1, momentum=momentum,
                             dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
                             maximize=maximize)
        if momentum:
            return [buffers["b"]]
    _assert_fused(_both(update, (5, 9), dtype, 0, "sgd"))


def test_sgd_nesterov_with_dampening_still_refused():
    p, (g,), _ = _data((4,), np.float32, 1, 0)
    b = F.sgd(p, g, None, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="nesterov"):
        F.sgd(p, g, b, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay,maximize", list(itertools.product([0.0, 0.1], [False, True])))
def test_adagrad(dtype, weight_decay, maximize):
    def update(t, p, g, state):
        F.adagrad(p, g, *state, step=t, lr=0.1, lr_decay=0.01, eps=1e-8,
                  weight_decay=weight_decay, maximize=maximize)
    _assert_fused(_both(update, (3, 5, 7), dtype, 1, "adagrad"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("centered,momentum,weight_decay,maximize",
                         list(itertools.product([False, True], [0.0, 0.9], [0.0, 0.1], [False, True])))
def test_rmsprop(dtype, centered, momentum, weight_decay, maximize):
    def update(t, p, g, state):
        v, rest = state[0], list(state[1:])
        b = rest.pop(0) if momentum else None
        a = rest.pop(0) if centered else None
        if a is not None and t == 1:
            a[...] = 0                  # v >= a^2, as when both start at zero
        F.rmsprop(p, g, v, b, a, lr=0.01, alpha=0.9, eps=1e-6, momentum=momentum,
                  weight_decay=weight_decay, maximize=maximize)
    n_state = 1 + (momentum > 0) + centered
    _assert_fused(_both(update, (7, 13), dtype, n_state, "rmsprop"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_transposed_gradient_is_copied_not_misread(dtype):
    def layout(p, grads):
        return p, [np.asfortranarray(g) for g in grads]

    def update(t, p, g, state):
        assert not g.flags.c_contiguous
        F.adam(p, g, *state, step=t, lr=1e-2, work=(np.empty_like(p), np.empty_like(p)))
    _assert_fused(_both(update, (6, 11), dtype, 2, "adam", layout=layout))


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_parameter_runs_the_reference(dtype):
    def layout(p, grads):
        return np.repeat(p, 2, axis=-1)[..., ::2], grads

    def update(t, p, g, state):
        assert not p.flags.c_contiguous
        F.adam(p, g, *state, step=t, lr=1e-2)
    assert _both(update, (6, 11), dtype, 2, "adam", layout=layout) == 0


def test_other_dtypes_and_mixed_dtypes_run_the_reference():
    p, (g,), (m, v) = _data((8,), np.float16, 1, 2)
    with counting("adam") as calls:
        F.adam(p, g, m, v, step=1)
        p32, g64 = p.astype(np.float32), g.astype(np.float64)
        F.adam(p32, g64, m.astype(np.float32), v.astype(np.float32), step=1)
    assert not calls


def test_split_over_the_cores_gives_the_same_bits(monkeypatch):
    p0, grads, (m0, v0) = _data((1001,), np.float32, 3, 2)
    results = []
    for split in (1 << 40, 100):
        monkeypatch.setattr(F, "_SPLIT", split)
        p, m, v = p0.copy(), m0.copy(), v0.copy()
        for t, g in enumerate(grads, start=1):
            F.adam(p, g, m, v, step=t, lr=1e-2)
        results.append((p, m, v))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- the optimizer classes


def _train(make_opt, dtype, torch_face, steps=4, seed=1):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(dtype) for s in [(5, 3), (3,), (2, 2, 2)]]
    grads = [[rng.standard_normal(p.shape).astype(dtype) for p in params] for _ in range(steps)]
    tensors = [shenjing.nn.Parameter(shenjing.tensor(p)) for p in params]
    opt = make_opt(tensors)
    for step in grads:
        if torch_face:
            for t, g in zip(tensors, step):
                t.grad = shenjing.tensor(g)
            opt.step()
        else:
            opt.apply(step, tensors)
    return [t.array.copy() for t in tensors]


TORCH_FACE = {
    "adam": lambda ps: shenjing.optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    "adamw": lambda ps: shenjing.optim.AdamW(ps, lr=0.01, maximize=True),
    "sgd": lambda ps: shenjing.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop": lambda ps: shenjing.optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    "adagrad": lambda ps: shenjing.optim.Adagrad(ps, lr=0.1, lr_decay=0.1),
}
KERAS_FACE = {
    ("adam", "adam"): lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    ("adam", "adamw"): lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1),
    ("sgd", "plain"): lambda: keras.optimizers.SGD(0.1),
    ("keras_sgd", "momentum"): lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    ("keras_sgd", "nesterov"): lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    ("keras_adagrad", "adagrad"): lambda: keras.optimizers.Adagrad(0.1),
    ("keras_rmsprop", "plain"): lambda: keras.optimizers.RMSprop(0.01),
    ("keras_rmsprop", "momentum"): lambda: keras.optimizers.RMSprop(0.01, momentum=0.9),
    ("keras_rmsprop", "centered"): lambda: keras.optimizers.RMSprop(0.01, centered=True,
                                                                    momentum=0.5),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(TORCH_FACE))
def test_torch_face_optimizers(name, dtype):
    kernel = "adam" if name == "adamw" else name
    with counting(kernel) as calls:
        fast = _train(TORCH_FACE[name], dtype, True)
    assert len(calls) == 4 * 3
    with kernels.reference():
        slow = _train(TORCH_FACE[name], dtype, True)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,case", sorted(KERAS_FACE))
def test_keras_face_optimizers(kernel, case, dtype):
    make = KERAS_FACE[(kernel, case)]
    with counting(kernel) as calls:
        fast = _train(lambda ps: make(), dtype, False)
    assert len(calls) == 4 * 3
    with kernels.reference():
        slow = _train(lambda ps: make(), dtype, False)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
