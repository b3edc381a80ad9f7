"""The compiled time loops of the recurrent ops against the NumPy reference
(``kernels.reference()``): outputs and every gradient (x, the initial states, each weight
and bias), float32 and float64, with and without biases, odd shapes, reverse, ragged
lengths, non-contiguous inputs, inference; and the kernels' own argument checks."""

import contextlib

import numpy as np
import pytest

import shenjing as sj
from shenjing import kernels
from shenjing.ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")

# name: (function, gates, number of states, keyword arguments)
OPS = {
    "rnn_tanh": (rnn_sequence, 1, 1, {}),
    "rnn_relu": (rnn_sequence, 1, 1, {"nonlinearity": "relu"}),
    "lstm": (lstm_sequence, 4, 2, {}),
    "gru": (gru_sequence, 3, 1, {}),
}
SHAPES = [(5, 4, 3, 6), (1, 1, 1, 1), (3, 1, 2, 1), (1, 3, 2, 5), (4, 5, 7, 17)]  # T, N, I, H
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def inputs(op, shape, dtype, bias=True, seed=0):
    _, gates, states, _ = OPS[op]
    T, N, I, H = shape
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((T, N, I))]
    arrays += [rng.standard_normal((N, H)) * 0.5 for _ in range(states)]
    arrays += [rng.standard_normal((gates * H, I)) * 0.6, rng.standard_normal((gates * H, H)) * 0.6]
    if bias:
        arrays += [rng.standard_normal(gates * H) * 0.3 for _ in range(2)]
    return [a.astype(dtype) for a in arrays]


def run(op, arrays, grad=True, seed=1, **kwargs):
    """Outputs, and the gradients of a random weighting of all outputs w.r.t. every input;
    also whether the op's node took the kernel path."""
    fn, _, _, options = OPS[op]
    tensors = [sj.tensor(a, requires_grad=grad) for a in arrays]
    if not grad:
        with sj.no_grad():
            return [o.numpy() for o in fn(*tensors, **options, **kwargs)], None
    outputs = fn(*tensors, **options, **kwargs)
    node = outputs[0].grad_fn
    fast = node.fast is not None
    rng = np.random.default_rng(seed)
    loss = None
    for o in outputs:
        weight = sj.tensor(rng.standard_normal(o.shape).astype(o.dtype))
        term = (o * weight).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    return [o.numpy() for o in outputs] + [t.grad.numpy() for t in tensors], fast


def compare(op, arrays, dtype, grad=True, **kwargs):
    got, fast = run(op, arrays, grad, **kwargs)
    with kernels.reference():
        want, slow = run(op, arrays, grad, **kwargs)
    if grad:
        assert fast and not slow
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, err_msg=f"{op}: result {k}", **TOL[dtype])


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reverse", [False, True])
def test_matches_reference(op, dtype, shape, reverse):
    compare(op, inputs(op, shape, dtype), dtype, reverse=reverse)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_without_biases(op, dtype):
    compare(op, inputs(op, (5, 4, 3, 6), dtype, bias=False), dtype)
    compare(op, inputs(op, (5, 4, 3, 6), dtype, bias=False), dtype, reverse=True)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [[3, 6, 1, 6, 0], [2, 5, 5, 1, 4], [6, 6, 6, 6, 6]])
def test_ragged_lengths(op, dtype, reverse, lengths):
    compare(op, inputs(op, (6, 5, 3, 4), dtype), dtype, reverse=reverse, lengths=lengths)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inference(op, dtype):
    for kwargs in ({}, {"reverse": True}, {"lengths": [4, 1, 3]}):
        compare(op, inputs(op, (4, 3, 2, 5), dtype), dtype, grad=False, **kwargs)


@pytest.mark.parametrize("op", sorted(OPS))
def test_non_contiguous_inputs(op):
    arrays = inputs(op, (5, 4, 3, 6), np.float64)
    # x as a batch-first array seen time-major, the weights as transposes of copies
    arrays[0] = np.ascontiguousarray(arrays[0].transpose(1, 0, 2)).transpose(1, 0, 2)
    arrays[-4] = np.asfortranarray(arrays[-4])
    arrays[-3] = np.asfortranarray(arrays[-3])
    arrays[1] = np.asfortranarray(arrays[1])
    assert not arrays[0].flags.c_contiguous and not arrays[-3].flags.c_contiguous
    compare(op, arrays, np.float64)
    compare(op, arrays, np.float64, lengths=[5, 2, 4, 3], reverse=True)


@pytest.mark.parametrize("op", sorted(OPS))
def test_strided_output_gradient(op):
    """A gradient arriving through a transpose (batch_first) reaches the kernel strided."""
    fn, _, _, options = OPS[op]
    arrays = inputs(op, (5, 4, 3, 6), np.float32)
    results = []
    for reference in (False, True):
        tensors = [sj.tensor(a, requires_grad=True) for a in arrays]
        with kernels.reference() if reference else contextlib.nullcontext():
            y = fn(*tensors, **options)[0]
            (y.transpose(0, 1)[:, ::2] * 3.0).sum().backward()
        results.append([t.grad.numpy() for t in tensors])
    for g, w in zip(*results):
        np.testing.assert_allclose(g, w, **TOL[np.float32])


@pytest.mark.parametrize("op", sorted(OPS))
def test_only_some_gradients(op):
    fn, _, _, options = OPS[op]
    arrays = inputs(op, (4, 3, 2, 5), np.float64)
    grads = []
    for reference in (False, True):
        tensors = [sj.tensor(a, requires_grad=(k == 0 or k == len(arrays) - 3))
                   for k, a in enumerate(arrays)]
        with kernels.reference() if reference else contextlib.nullcontext():
            fn(*tensors, **options)[0].sum().backward()
        grads.append([t.grad for t in tensors])
    for g, w in zip(*grads):
        assert (g is None) == (w is None)
        if g is not None:
            np.testing.assert_allclose(g.numpy(), w.numpy(), **TOL[np.float64])


@pytest.mark.parametrize("op", sorted(OPS))
def test_bit_for_bit_reproducible(op):
    arrays = inputs(op, (7, 5, 3, 9), np.float32)
    first, _ = run(op, arrays, lengths=[7, 3, 5, 1, 7])
    second, _ = run(op, arrays, lengths=[7, 3, 5, 1, 7])
    for a, b in zip(first, second):
        assert np.array_equal(a, b)


def test_backward_twice_with_retained_graph():
    arrays = inputs("lstm", (4, 3, 2, 5), np.float64)
    tensors = [sj.tensor(a, requires_grad=True) for a in arrays]
    y, h, c = lstm_sequence(*tensors)
    (y.sum() + c.sum()).backward(retain_graph=True)
    once = [t.grad.numpy().copy() for t in tensors]
    (y.sum() + c.sum()).backward()
    for t, g in zip(tensors, once):
        np.testing.assert_allclose(t.grad.numpy(), 2 * g, rtol=1e-12)


def test_other_dtypes_run_the_reference():
    arrays = [a.astype(np.float16) for a in inputs("gru", (3, 2, 2, 3), np.float32)]
    tensors = [sj.tensor(a, requires_grad=True) for a in arrays]
    y, _ = gru_sequence(*tensors)
    assert y.grad_fn.fast is None and y.dtype == np.float16


# ------------------------------------------------------------------ the kernels' own checks

def test_kernel_rejects_bad_arguments():
    from shenjing.kernels import recurrent as fast
    T, N, H = 3, 2, 4
    P = np.zeros((T, N, 4 * H), np.float32)
    S, C = np.zeros((T + 1, N, H), np.float32), np.zeros((T + 1, N, H), np.float32)
    TC, w = np.zeros((T, N, H), np.float32), np.zeros((4 * H, H), np.float32)
    fast.lstm_forward(P, S, C, TC, w)                                 # fine
    with pytest.raises(ValueError):
        fast.lstm_forward(P, S[:T], C, TC, w)                         # too few states
    with pytest.raises(ValueError):
        fast.lstm_forward(P, S, C, TC, w[:, :H - 1])                  # wrong weights
    with pytest.raises(ValueError):
        fast.lstm_forward(P[:, ::-1], S, C, TC, w)                    # not C-contiguous
    with pytest.raises(TypeError):
        fast.lstm_forward(P, S.astype(np.float64), C, TC, w)          # mixed dtypes
    with pytest.raises(TypeError):
        fast.rnn_forward(np.zeros((T, N, H), np.int32), np.zeros((T + 1, N, H), np.int32),
                         np.zeros((H, H), np.int32))
    with pytest.raises(ValueError):
        fast.lstm_forward(P, S, C, TC, w, sizes=[2, 3, 1])            # more rows than N
    with pytest.raises(ValueError):
        fast.lstm_forward(P, S, C, TC, w, sizes=[2, 1])               # one size per step
    with pytest.raises(ValueError):
        fast.gru_forward(np.zeros((T, N, 3 * H)), np.zeros((T + 1, N, H)),
                         np.zeros((2, N, H)), np.zeros((3 * H, H)))   # neither T nor 1 kept


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("lengths", [None, [3, 6, 1, 6, 0, 2, 5, 4, 6]])
@pytest.mark.parametrize("reverse", [False, True])
def test_batch_split_over_cores_changes_no_bit(op, lengths, reverse, monkeypatch):
    """The batch split over the cores (two or three shares, odd sizes) gives exactly the
    result of one share, and agrees with the reference."""
    from shenjing import parallel
    from shenjing.ops import recurrent
    if parallel.workers() < 2:
        pytest.skip("one core: the time loops are never split")
    arrays = inputs(op, (6, 9, 3, 5), np.float32)
    kwargs = {"reverse": reverse, "lengths": lengths}
    monkeypatch.setattr(recurrent, "SPLIT_ROWS", 1 << 30)
    whole, _ = run(op, arrays, **kwargs)
    for rows in (2, 4):
        monkeypatch.setattr(recurrent, "SPLIT_ROWS", rows)
        split, fast = run(op, arrays, **kwargs)
        assert fast
        for k, (a, b) in enumerate(zip(split, whole)):
            np.testing.assert_array_equal(a, b, err_msg=f"{op}: result {k}, {rows} rows a share")
    compare(op, arrays, np.float32, **kwargs)
