"""RNN, LSTM, GRU and their cells against PyTorch with copied weights (outputs, final
states, gradients of the input, the initial states and every weight), variable lengths
against torch's packed sequences, the rnn utilities, state dicts and errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn.utils import rnn as rnn_utils

from .parity import copy_weights

torch = pytest.importorskip("torch")

TOL = {"float64": (1e-9, 1e-11), "float32": (2e-4, 2e-5)}


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def pair(make, dtype):
    """The same layer in both libraries, torch's weights copied into ours."""
    ours, theirs = make(nn), make(torch.nn)
    theirs.to(getattr(torch, dtype))
    ours.to(getattr(sj, dtype))
    copy_weights(theirs, ours)
    return ours, theirs


def flat(result):
    """A layer's result (tensor, tuple, nested tuple, PackedSequence) as a flat list."""
    if isinstance(result, (rnn_utils.PackedSequence, torch.nn.utils.rnn.PackedSequence)):
        return [result.data]
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in flat(r)]
    return [result]


def compare(ours_out, theirs_out, ours_in, theirs_in, ours, theirs, dtype):
    """Outputs equal; then the gradients of every input and parameter under one weighting."""
    rtol, atol = TOL[dtype]
    ours_out, theirs_out = flat(ours_out), flat(theirs_out)
    assert len(ours_out) == len(theirs_out)
    for k, (o, t) in enumerate(zip(ours_out, theirs_out)):
        assert tuple(o.shape) == tuple(t.shape), f"output {k}"
        assert o.dtype == np.dtype(dtype)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"output {k}")
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(o.shape).astype(dtype) for o in ours_out]
    sum((o * sj.tensor(w)).sum() for o, w in zip(ours_out, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(theirs_out, weights)).backward()
    for k, (a, b) in enumerate(zip(ours_in, theirs_in)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {k}")
    theirs_params = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(theirs_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of {name}")


def inputs(shapes, dtype, seed=0):
    arrays = [rand(*s, seed=seed + k).astype(dtype) for k, s in enumerate(shapes)]
    return ([sj.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


LAYERS = {
    "rnn_tanh": lambda m, **kw: m.RNN(4, 5, **kw),
    "rnn_relu": lambda m, **kw: m.RNN(4, 5, nonlinearity="relu", **kw),
    "lstm": lambda m, **kw: m.LSTM(4, 5, **kw),
    "gru": lambda m, **kw: m.GRU(4, 5, **kw),
}
CONFIGS = {
    "plain": dict(),
    "no_bias": dict(bias=False),
    "deep_bidir_batch_first": dict(num_layers=2, bidirectional=True, batch_first=True),
    "three_layers": dict(num_layers=3),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("initial", [False, True])
def test_layer_parity(kind, config, dtype, initial):
    kw = CONFIGS[config]
    ours, theirs = pair(lambda m: LAYERS[kind](m, **kw), dtype)
    T, N = 6, 3
    count = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    shapes = [(N, T, 4) if kw.get("batch_first") else (T, N, 4)]
    if initial:
        shapes += [(count, N, 5)] * (2 if kind == "lstm" else 1)
    ours_in, theirs_in = inputs(shapes, dtype)
    if initial:
        hx, thx = ((tuple(ours_in[1:]), tuple(theirs_in[1:])) if kind == "lstm"
                   else (ours_in[1], theirs_in[1]))
        out, tout = ours(ours_in[0], hx), theirs(theirs_in[0], thx)
    else:
        out, tout = ours(ours_in[0]), theirs(theirs_in[0])
    compare(out, tout, ours_in, theirs_in, ours, theirs, dtype)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_unbatched_input(kind):
    ours, theirs = pair(lambda m: LAYERS[kind](m, num_layers=2, bidirectional=True), "float64")
    ours_in, theirs_in = inputs([(5, 4)], "float64")
    compare(ours(ours_in[0]), theirs(theirs_in[0]), ours_in, theirs_in, ours, theirs, "float64")


# ---------------------------------------------------------------- variable lengths


LENGTHS = [3, 6, 1, 4]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("how", ["packed", "lengths"])
def test_variable_lengths_match_torch_packed(kind, how, dtype):
    make = lambda m: LAYERS[kind](m, num_layers=2, bidirectional=True, batch_first=True)  # noqa
    ours, theirs = pair(make, dtype)
    shapes = [(4, 6, 4)] + [(4, 4, 5)] * (2 if kind == "lstm" else 1)
    ours_in, theirs_in = inputs(shapes, dtype)
    thx = tuple(theirs_in[1:]) if kind == "lstm" else theirs_in[1]
    hx = tuple(ours_in[1:]) if kind == "lstm" else ours_in[1]
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(theirs_in[0], torch.tensor(LENGTHS),
                                                      batch_first=True, enforce_sorted=False)
    ty, th = theirs(tpacked, thx)
    ty, _ = torch.nn.utils.rnn.pad_packed_sequence(ty, batch_first=True, total_length=6)
    if how == "packed":
        packed = rnn_utils.pack_padded_sequence(ours_in[0], sj.tensor(LENGTHS), batch_first=True,
                                                enforce_sorted=False)
        y, h = ours(packed, hx)
        assert isinstance(y, rnn_utils.PackedSequence)
        np.testing.assert_array_equal(y.batch_sizes.numpy(), tpacked.batch_sizes.numpy())
        y, lengths = rnn_utils.pad_packed_sequence(y, batch_first=True, total_length=6)
        assert lengths.tolist() == LENGTHS
    else:
        y, h = ours(ours_in[0], hx, lengths=LENGTHS)
    compare((y, h), (ty, th), ours_in, theirs_in, ours, theirs, dtype)


# ---------------------------------------------------------------- cells


CELLS = {
    "rnn_tanh": lambda m, **kw: m.RNNCell(4, 5, **kw),
    "rnn_relu": lambda m, **kw: m.RNNCell(4, 5, nonlinearity="relu", **kw),
    "lstm": lambda m, **kw: m.LSTMCell(4, 5, **kw),
    "gru": lambda m, **kw: m.GRUCell(4, 5, **kw),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("case", ["state", "no_state", "unbatched", "no_bias"])
def test_cell_parity(kind, case, dtype):
    kw = {"bias": False} if case == "no_bias" else {}
    ours, theirs = pair(lambda m: CELLS[kind](m, **kw), dtype)
    batch = () if case == "unbatched" else (3,)
    shapes = [batch + (4,)]
    if case != "no_state":
        shapes += [batch + (5,)] * (2 if kind == "lstm" else 1)
    ours_in, theirs_in = inputs(shapes, dtype)
    if case == "no_state":
        out, tout = ours(ours_in[0]), theirs(theirs_in[0])
    elif kind == "lstm":
        out, tout = ours(ours_in[0], tuple(ours_in[1:])), theirs(theirs_in[0], tuple(theirs_in[1:]))
    else:
        out, tout = ours(*ours_in), theirs(*theirs_in)
    compare(out, tout, ours_in, theirs_in, ours, theirs, dtype)


def test_cell_loop_equals_layer():
    cell, layer = nn.LSTMCell(4, 5), nn.LSTM(4, 5)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = sj.tensor(rand(6, 3, 4).astype("float32"))
    h = c = sj.zeros(3, 5)
    outs = []
    for t in range(6):
        h, c = cell(x[t], (h, c))
        outs.append(h)
    y, (hn, cn) = layer(x)
    np.testing.assert_allclose(sj.stack(outs).numpy(), y.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(cn.numpy()[0], c.numpy(), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- modules: the rest


@pytest.mark.parametrize("kind", list(LAYERS))
def test_state_dict_keys_and_shapes_as_torch(kind):
    make = lambda m: LAYERS[kind](m, num_layers=2, bidirectional=True)  # noqa: E731
    ours, theirs = make(nn), make(torch.nn)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for k in ours_state:
        assert tuple(ours_state[k].shape) == tuple(theirs_state[k].shape)
    # and back: our weights into torch's layer
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours_state.items()})


def test_default_init_bounds():
    sj.manual_seed(0)
    layer = nn.GRU(3, 16, num_layers=2)
    for name, p in layer.named_parameters():
        values = p.numpy()
        assert np.abs(values).max() <= 0.25 and values.std() > 0.1, name


def test_dropout_between_layers():
    ours, theirs = pair(lambda m: m.LSTM(4, 5, num_layers=3, dropout=0.5), "float64")
    x = rand(6, 3, 4)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(sj.tensor(x))[0].numpy(),
                               theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-9)
    ours.train()
    sj.manual_seed(3)
    a = ours(sj.tensor(x))[0].numpy()
    sj.manual_seed(3)
    b = ours(sj.tensor(x))[0].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, ours.eval()(sj.tensor(x))[0].numpy())


def test_repr_and_torch_names():
    assert repr(nn.LSTM(10, 20, 2, batch_first=True, bidirectional=True)) == \
        repr(torch.nn.LSTM(10, 20, 2, batch_first=True, bidirectional=True))
    assert repr(nn.RNN(3, 4, 2, bias=False, dropout=0.5)) == \
        repr(torch.nn.RNN(3, 4, 2, bias=False, dropout=0.5))
    assert repr(nn.RNNCell(3, 4, False, "relu")) == repr(torch.nn.RNNCell(3, 4, False, "relu"))
    nn.LSTM(3, 4).flatten_parameters()
    assert [len(w) for w in nn.LSTM(3, 4, 2).all_weights] == [4, 4]


# ---------------------------------------------------------------- rnn utilities


def test_pack_pad_roundtrip_matches_torch():
    x = rand(5, 4, 2)
    lengths = [2, 5, 3, 5]
    ours = rnn_utils.pack_padded_sequence(sj.tensor(x), lengths, enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths,
                                                     enforce_sorted=False)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    padded, lens = rnn_utils.pad_packed_sequence(ours, padding_value=-1.0, total_length=6)
    tpadded, tlens = torch.nn.utils.rnn.pad_packed_sequence(theirs, padding_value=-1.0,
                                                            total_length=6)
    np.testing.assert_array_equal(padded.numpy(), tpadded.numpy())
    np.testing.assert_array_equal(lens.numpy(), tlens.numpy())
    sorted_packed = rnn_utils.pack_padded_sequence(sj.tensor(x[:, [1, 3, 2, 0]]), [5, 5, 3, 2])
    assert sorted_packed.sorted_indices is None
    np.testing.assert_array_equal(sorted_packed.data.numpy(), ours.data.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    seqs = [rand(n, 3, seed=n) for n in (2, 4, 1)]
    ours = rnn_utils.pad_sequence([sj.tensor(s) for s in seqs], batch_first, 0.5, side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 0.5,
                                             side)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ids = rnn_utils.pad_sequence([sj.tensor([1, 2, 3]), sj.tensor([4])], batch_first=True)
    assert ids.dtype == np.int64 and ids.tolist() == [[1, 2, 3], [4, 0, 0]]


def test_pack_sequence_and_unpack_with_gradients():
    seqs = [sj.tensor(rand(n, 2, seed=n), requires_grad=True) for n in (3, 1, 2)]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    tpacked = torch.nn.utils.rnn.pack_sequence([torch.tensor(s.numpy()) for s in seqs],
                                               enforce_sorted=False)
    np.testing.assert_array_equal(packed.data.numpy(), tpacked.data.numpy())
    back = rnn_utils.unpack_sequence(packed)
    for a, b in zip(back, seqs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    sum((b * 2).sum() for b in back).backward()
    for s in seqs:
        np.testing.assert_array_equal(s.grad.numpy(), np.full(s.shape, 2.0))


def test_pack_errors():
    x = sj.zeros(4, 2, 3)
    with pytest.raises(ValueError, match="sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(x, [2, 4])
    with pytest.raises(ValueError, match=r"a length \(5\) exceeds the time axis"):
        rnn_utils.pack_padded_sequence(x, [5, 4], enforce_sorted=False)
    with pytest.raises(ValueError, match="greater than 0"):
        rnn_utils.pack_padded_sequence(x, [4, 0])


# ---------------------------------------------------------------- errors


def test_errors_name_the_layer_expected_and_actual():
    lstm = nn.LSTM(4, 5, num_layers=2)
    x = sj.zeros(6, 3, 4)
    with pytest.raises(ValueError, match=r"LSTM: expected input with 4 features in the last dim "
                                         r"\(input_size\), got shape \(6, 3, 7\)"):
        lstm(sj.zeros(6, 3, 7))
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \(2, 3, 5\) .* got "
                                         r"\(1, 3, 5\)"):
        lstm(x, (sj.zeros(1, 3, 5), sj.zeros(2, 3, 5)))
    with pytest.raises(ValueError, match=r"GRU: .*a length \(9\) exceeds the time axis of the "
                                         r"input \(6 steps\)"):
        nn.GRU(4, 5)(x, lengths=[9, 2, 3])
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple"):
        lstm(x, sj.zeros(2, 3, 5))
    with pytest.raises(TypeError, match="dtype"):
        lstm(x.double())
    with pytest.raises(ValueError, match=r"GRUCell: expected input of shape \(batch, 4\)"):
        nn.GRUCell(4, 5)(sj.zeros(3, 2))


def test_error_inside_a_model_names_its_path():
    model = nn.Sequential(nn.Linear(3, 4), nn.LSTM(5, 2))
    with pytest.raises(ValueError, match=r"^1 \(LSTM\): expected input with 5 features in the "
                                         r"last dim \(input_size\), got shape \(2, 3, 4\)$"):
        model(sj.zeros(2, 3, 3))
