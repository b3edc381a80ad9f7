"""The whole-sequence recurrent ops (RNN tanh/relu, LSTM, GRU) through the op harness:
gradcheck on x, the initial states and every weight and bias, and PyTorch parity (its
nn.RNN/LSTM/GRU run on the same weights, packed when there are lengths), plus errors and
the packed-layout helpers."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError, gradcheck
from shenjing.ops.recurrent import (gather_rows, gru_sequence, lstm_sequence, rnn_sequence,
                                    scatter_rows)

from .harness import OpInfo, S, op_tests, uniform

T, N, I, H = 4, 3, 2, 3
LENGTHS = np.array([2, 4, 1])          # unsorted, one sequence spans the whole time axis
SHORT = np.array([3, 3, 2])            # none spans the whole time axis


def torch_reference(mode, nonlinearity="tanh"):
    """PyTorch's layer with our tensors as its weights (functional_call routes gradients to
    them); reverse = the backward half of a bidirectional layer; lengths = packed input."""
    def ref(x, h0, *rest, lengths=None, reverse=False):
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        c0, weights = (rest[0], rest[1:]) if mode == "LSTM" else (None, rest)
        steps, _, features = x.shape
        hidden = h0.shape[1]
        kwargs = {"nonlinearity": nonlinearity} if mode == "RNN" else {}
        module = getattr(torch.nn, mode)(features, hidden, bias=len(weights) == 4,
                                         bidirectional=reverse, dtype=x.dtype, **kwargs)
        names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"][:len(weights)]
        params = {n + ("_reverse" if reverse else ""): w for n, w in zip(names, weights)}
        if reverse:
            params.update({n: torch.zeros_like(w) for n, w in zip(names, weights)})

        def state(s):
            return torch.stack([torch.zeros_like(s), s]) if reverse else s[None]

        hx = (state(h0), state(c0)) if mode == "LSTM" else state(h0)
        inp = x if lengths is None else pack_padded_sequence(x, lengths, enforce_sorted=False)
        y, hn = torch.func.functional_call(module, params, (inp, hx))
        if lengths is not None:
            y, _ = pad_packed_sequence(y, total_length=steps)
        k = 1 if reverse else 0
        y = y[..., k * hidden:]
        return (y, hn[0][k], hn[1][k]) if mode == "LSTM" else (y, hn[k])
    return ref


def samples(gates, states):
    shapes = [(T, N, I)] + [(N, H)] * states + [(gates * H, I), (gates * H, H)]
    biases = [(gates * H,), (gates * H,)]
    return [S(*shapes, *biases),
            S(*shapes),
            S(*shapes, *biases, reverse=True),
            S(*shapes, *biases, lengths=LENGTHS),
            S(*shapes, *biases, lengths=LENGTHS, reverse=True),
            S(*shapes, *biases, lengths=SHORT, reverse=True)]


def rnn_relu(x, h0, *w, **kwargs):
    return rnn_sequence(x, h0, *w, nonlinearity="relu", **kwargs)


def gru_op(x, h0, *w, **kwargs):
    return gru_sequence(x, h0, *w, **kwargs)


TABLE = [
    OpInfo("rnn_tanh", rnn_sequence, torch_reference("RNN"), samples(1, 1), gen=uniform(-1, 1)),
    OpInfo("rnn_relu", rnn_relu, torch_reference("RNN", "relu"), samples(1, 1),
           gen=uniform(-1, 1)),
    OpInfo("lstm", lstm_sequence, torch_reference("LSTM"), samples(4, 2), gen=uniform(-1, 1)),
    OpInfo("gru", gru_op, torch_reference("GRU"), samples(3, 1), gen=uniform(-1, 1)),
]

test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)


# ---------------------------------------------------------------- lengths semantics


def _inputs(gates, states, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, s).astype(dtype) for s in
              [(T, N, I)] + [(N, H)] * states + [(gates * H, I), (gates * H, H), (gates * H,),
                                                 (gates * H,)]]
    return [sj.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("reverse", [False, True])
def test_lengths_zero_output_and_own_final_state(reverse):
    x, h0, c0, *w = _inputs(4, 2)
    y, h, c = lstm_sequence(x, h0, c0, *w, lengths=LENGTHS, reverse=reverse)
    for j, n in enumerate(LENGTHS):
        assert not y.numpy()[n:, j].any()
        # the same sequence alone, cut at its length, gives the same outputs and final state
        yj, hj, cj = lstm_sequence(x[:n, j:j + 1], h0[j:j + 1], c0[j:j + 1], *w, reverse=reverse)
        np.testing.assert_allclose(y.numpy()[:n, j], yj.numpy()[:, 0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h.numpy()[j], hj.numpy()[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c.numpy()[j], cj.numpy()[0], rtol=1e-12, atol=1e-14)


def test_full_lengths_equal_no_lengths():
    x, h0, *w = _inputs(3, 1)
    a = gru_sequence(x, h0, *w, lengths=[T] * N)
    b = gru_sequence(x, h0, *w)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u.numpy(), v.numpy())


def test_zero_length_keeps_initial_state():
    x, h0, *w = _inputs(1, 1)
    y, h = rnn_sequence(x, h0, *w, lengths=[0, 2, 4])
    np.testing.assert_array_equal(h.numpy()[0], h0.numpy()[0])
    assert not y.numpy()[:, 0].any()
    gradcheck(lambda *a: rnn_sequence(*a, lengths=[0, 2, 4]), (x, h0, *w))


def test_float32_in_float32_out():
    x, h0, c0, *w = _inputs(4, 2, dtype="float32")
    outs = lstm_sequence(x, h0, c0, *w, lengths=LENGTHS)
    assert all(o.dtype == np.float32 for o in outs)
    sum(o.sum() for o in outs).backward()
    assert all(t.grad.dtype == np.float32 for t in (x, h0, c0, *w))


@pytest.mark.parametrize("lengths", [None, LENGTHS])
@pytest.mark.parametrize("reverse", [False, True])
def test_no_grad_gives_the_same_values(lengths, reverse):
    for op, gates, states in ((lstm_sequence, 4, 2), (gru_sequence, 3, 1), (rnn_sequence, 1, 1)):
        inputs = _inputs(gates, states)
        recorded = op(*inputs, lengths=lengths, reverse=reverse)
        with sj.no_grad():
            plain = op(*inputs, lengths=lengths, reverse=reverse)
        for a, b in zip(recorded, plain):
            assert not b.requires_grad and b.grad_fn is None
            np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------- errors


def test_lengths_exceeding_time_axis():
    x, h0, c0, *w = _inputs(4, 2)
    with pytest.raises(ShapeError, match=r"lstm_sequence: a length \(7\) exceeds the time axis "
                                         r"of the input \(4 steps\)"):
        lstm_sequence(x, h0, c0, *w, lengths=[7, 2, 1])
    with pytest.raises(ShapeError, match=r"lengths must have shape \(3,\)"):
        lstm_sequence(x, h0, c0, *w, lengths=[2, 1])


def test_shape_errors_name_op_expected_and_actual():
    x, h0, c0, *w = _inputs(4, 2)
    with pytest.raises(ShapeError, match=r"lstm_sequence: W_ih must be \(12, 5\) for input size "
                                         r"5, got \(12, 2\)"):
        lstm_sequence(sj.zeros(T, N, 5, dtype=sj.float64), h0, c0, *w)
    with pytest.raises(ShapeError, match=r"gru_sequence: h0 must be \(batch, hidden_size\) = "
                                         r"\(3, 3\), got \(2, 3\)"):
        gru_sequence(x, h0[:2], *_inputs(3, 1)[2:])
    with pytest.raises(ShapeError, match="one floating dtype"):
        rnn_sequence(x.float(), h0, *_inputs(1, 1)[2:])


# ---------------------------------------------------------------- packed layout helpers


def test_gather_and_scatter_rows():
    x = sj.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    index = np.array([3, 0, 2])
    gradcheck(lambda x: gather_rows(x, index), (x,))
    y = scatter_rows(x, np.array([5, 1, 0, 2]), 6)
    np.testing.assert_array_equal(y.numpy()[[5, 1, 0, 2]], x.numpy())
    assert not y.numpy()[[3, 4]].any()
    gradcheck(lambda x: scatter_rows(x, np.array([5, 1, 0, 2]), 6), (x,))


@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_recycled_buffers_never_leak_into_results(lengths):
    """The ops reuse their big scratch buffers from call to call: outputs and gradients
    of an earlier call must not change when later calls run."""
    for op, gates, states in ((lstm_sequence, 4, 2), (gru_sequence, 3, 1), (rnn_sequence, 1, 1)):
        first = _inputs(gates, states, seed=1)
        outs = op(*first, lengths=lengths)
        sum(o.sum() for o in outs).backward()
        kept = [o.numpy().copy() for o in outs] + [t.grad.numpy().copy() for t in first]
        for seed in (2, 3):
            again = _inputs(gates, states, seed=seed)
            sum(o.sum() for o in op(*again, lengths=lengths)).backward()
            with sj.no_grad():
                op(*again, lengths=lengths)
        for a, b in zip(kept, [o.numpy() for o in outs] + [t.grad.numpy() for t in first]):
            np.testing.assert_array_equal(a, b)
