"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch with copied
weights (torch's state dict loaded by name): outputs, input and parameter gradients, with
masks, in eval mode; then gradcheck, the causal mask helper, state dict keys and errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck

from .test_attention_modules import check_parity, kpm, rand

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor")]

E, H, FF = 8, 2, 16
T, S, N = 4, 5, 3


def causal_float(n):
    return np.where(np.triu(np.ones((n, n), bool), 1), -np.inf, 0.0)


def shapes(batch_first):
    return ((N, T, E), (N, S, E)) if batch_first else ((T, N, E), (S, N, E))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", [
    dict(), dict(batch_first=True), dict(norm_first=True), dict(activation="gelu"),
    dict(bias=False, batch_first=True), dict(layer_norm_eps=1e-3, norm_first=True),
])
def test_decoder_layer_with_masks(dtype, options):
    tgt, mem = shapes(options.get("batch_first", False))
    masks = dict(tgt_mask=causal_float(T), memory_mask=rand(T, S, seed=4),
                 tgt_key_padding_mask=kpm(N, T, seed=2),
                 memory_key_padding_mask=kpm(N, S, seed=3))
    check_parity(lambda m: m.TransformerDecoderLayer(E, H, FF, dropout=0.1, **options),
                 [rand(*tgt), rand(*mem, seed=1)], dtype, masks=masks)


def test_decoder_layer_unbatched_bool_masks_and_causal_hint():
    masks = dict(tgt_mask=np.triu(np.ones((T, T), bool), 1),
                 memory_key_padding_mask=np.array([False, True, False, False, True]))
    check_parity(lambda m: m.TransformerDecoderLayer(E, H, FF, dropout=0.0),
                 [rand(T, E), rand(S, E, seed=1)], masks=masks,
                 kwargs=dict(tgt_is_causal=True))


@pytest.mark.parametrize("norm", [False, True])
def test_decoder_stack(norm):
    def make(m):
        layer = m.TransformerDecoderLayer(E, H, FF, dropout=0.1, batch_first=True)
        return m.TransformerDecoder(layer, 2, norm=m.LayerNorm(E) if norm else None)
    check_parity(make, [rand(N, T, E), rand(N, S, E, seed=1)],
                 masks=dict(tgt_mask=causal_float(T), memory_key_padding_mask=kpm(N, S)))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("options", [dict(), dict(batch_first=True, norm_first=True),
                                     dict(activation="gelu", bias=False)])
def test_transformer(dtype, options):
    def make(m):
        return m.Transformer(E, H, num_encoder_layers=2, num_decoder_layers=2,
                             dim_feedforward=FF, dropout=0.1, **options)
    tgt, src = shapes(options.get("batch_first", False))
    masks = dict(src_mask=rand(S, S, seed=7), tgt_mask=causal_float(T),
                 memory_mask=np.zeros((T, S)), src_key_padding_mask=kpm(N, S, seed=5),
                 tgt_key_padding_mask=kpm(N, T, seed=6), memory_key_padding_mask=kpm(N, S, 5))
    ours, theirs = check_parity(make, [rand(*src), rand(*tgt, seed=1)], dtype, masks=masks)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_transformer_with_generated_mask_and_causal_hint():
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64).numpy()
    check_parity(lambda m: m.Transformer(E, H, 1, 1, FF, dropout=0.0),
                 [rand(S, E), rand(T, E, seed=1)], masks=dict(tgt_mask=mask),
                 kwargs=dict(tgt_is_causal=True))


def test_generate_square_subsequent_mask_matches_torch():
    for sz in (1, 4, 7):
        ours = nn.Transformer.generate_square_subsequent_mask(sz)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(sz)
        assert ours.dtype == sj.float32
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=sj.float64).dtype == sj.float64


def test_transformer_gradcheck():
    sj.manual_seed(0)
    model = nn.Transformer(4, 2, 1, 1, 8, dropout=0.0, batch_first=True).to(sj.float64)
    model.eval()
    src = sj.tensor(rand(2, 3, 4), requires_grad=True)
    tgt = sj.tensor(rand(2, 2, 4, seed=1), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(2, dtype=sj.float64)
    gradcheck(lambda s, t: model(s, t, tgt_mask=mask), [src, tgt], eps=1e-6, tol=1e-5)
    params = [p for p in model.decoder.layers[0].multihead_attn.parameters()]
    gradcheck(lambda *ps: model(src, tgt, tgt_mask=mask), params, eps=1e-6, tol=1e-5)


def test_transformer_loads_torch_state_dict_and_starts_xavier():
    theirs = torch.nn.Transformer(E, H, 2, 3, FF)
    ours = nn.Transformer(E, H, 2, 3, FF)
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    for k, v in ours.state_dict().items():
        assert tuple(v.shape) == tuple(state[k].shape), k
    ours.load_state_dict({k: sj.tensor(v.numpy()) for k, v in state.items()})
    np.testing.assert_array_equal(
        ours.decoder.layers[2].linear1.weight.numpy(), state["decoder.layers.2.linear1.weight"])
    fresh = nn.Transformer(E, H, 1, 1, FF)
    w = fresh.encoder.layers[0].linear1.weight.numpy()
    bound = np.sqrt(6.0 / (E + FF))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    layers = fresh.decoder.layers
    assert isinstance(fresh.decoder.norm, nn.LayerNorm) and len(layers) == 1


def test_decoder_layers_are_independent_copies():
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF), 2)
    a, b = dec.layers[0].linear1.weight, dec.layers[1].linear1.weight
    assert a is not b
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_transformer_errors():
    model = nn.Transformer(E, H, 1, 1, FF)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(sj.tensor(rand(S, 2, E).astype("float32")),
              sj.tensor(rand(T, 3, E).astype("float32")))
    with pytest.raises(RuntimeError, match="d_model=8"):
        model(sj.tensor(rand(S, 2, 6).astype("float32")),
              sj.tensor(rand(T, 2, 6).astype("float32")))
    with pytest.raises(TypeError, match="Transformer: tgt should be a tensor"):
        model(sj.tensor(rand(S, 2, E).astype("float32")), rand(T, 2, E))
    with pytest.raises(ValueError, match="TransformerDecoderLayer: activation"):
        nn.TransformerDecoderLayer(E, H, activation="tanh")
    with pytest.raises(TypeError, match="TransformerDecoder: decoder_layer must be a Module"):
        nn.TransformerDecoder("layer", 2)
    with pytest.raises(ValueError, match="sz should be a non-negative integer"):
        nn.Transformer.generate_square_subsequent_mask(2.5)


def test_exported():
    for name in ("Transformer", "TransformerDecoder", "TransformerDecoderLayer"):
        assert name in nn.__all__ and hasattr(sj.nn, name)
