"""MultiheadAttention, TransformerEncoderLayer and TransformerEncoder against PyTorch with
copied weights (by name): outputs, attention weights, input and parameter gradients, in
float64 and float32; then defaults, state dict names, and errors for bad input."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn

from .parity import copy_weights

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-4, atol=2e-5)}


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _flat(result):
    if isinstance(result, (tuple, list)):
        return [r for r in result]
    return [result]


def check_parity(make, inputs, dtype="float64", train=False, masks=None, kwargs=None,
                 repeat=None):
    """Build the module with ``make(nn)`` and ``make(torch.nn)``, copy torch's weights, run
    both on ``inputs`` (arrays; ``repeat={position: source}`` passes input ``source`` again at
    ``position``, so that the self-attention path ``m(x, x, x)`` is taken), and compare
    outputs and gradients."""
    kwargs = dict(kwargs or {})
    masks = dict(masks or {})
    ours, theirs = make(nn), make(torch.nn)
    theirs.to(getattr(torch, dtype))
    ours.to(getattr(sj, dtype))
    copy_weights(theirs, ours)
    ours.train(train)
    theirs.train(train)
    a = [sj.tensor(x.astype(dtype), requires_grad=True) for x in inputs]
    b = [torch.tensor(x.astype(dtype), requires_grad=True) for x in inputs]
    for i, source in sorted((repeat or {}).items()):
        a.insert(i, a[source])
        b.insert(i, b[source])

    def convert(lib, value):
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "f":
                value = value.astype(dtype)
            return sj.tensor(value) if lib is sj else torch.tensor(value)
        return value

    ours_out = _flat(ours(*a, **{k: convert(sj, v) for k, v in {**masks, **kwargs}.items()}))
    theirs_out = _flat(theirs(*b, **{k: convert(torch, v) for k, v in {**masks, **kwargs}.items()}))
    assert len(ours_out) == len(theirs_out)
    rng = np.random.default_rng(1)
    loss_a, loss_b = 0, 0
    for o, t in zip(ours_out, theirs_out):
        if t is None:
            assert o is None
            continue
        assert tuple(o.shape) == tuple(t.shape)
        assert o.dtype == t.detach().numpy().dtype
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **TOL[dtype])
        w = rng.standard_normal(o.shape).astype(dtype)
        loss_a = loss_a + (o * sj.tensor(w)).sum()
        loss_b = loss_b + (t * torch.tensor(w)).sum()
    loss_a.backward()
    loss_b.backward()
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), **TOL[dtype])
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert set(ours_params) == set(theirs_params)
    for name, p in ours_params.items():
        tp = theirs_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
            continue
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **TOL[dtype],
                                   err_msg=f"gradient of {name}")
    return ours, theirs


def kpm(n, s, seed=0):
    m = np.random.default_rng(seed).random((n, s)) < 0.3
    m[:, 0] = False  # every query keeps one key: torch's need_weights path gives NaN otherwise
    return m


def causal(L, S=None):
    return np.triu(np.ones((L, S or L), bool), 1)


DTYPES = ["float64", "float32"]
E, H = 8, 2


# ------------------------------------------------------------------ MultiheadAttention


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(dtype, batch_first, need_weights, average):
    shape = (3, 5, E) if batch_first else (5, 3, E)
    check_parity(lambda m: m.MultiheadAttention(E, H, batch_first=batch_first),
                 [rand(*shape)], dtype, repeat={1: 0, 2: 0},
                 kwargs=dict(need_weights=need_weights, average_attn_weights=average))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", [
    dict(key_padding_mask=kpm(3, 6)),
    dict(key_padding_mask=np.where(kpm(3, 6), -np.inf, 0.0)),
    dict(attn_mask=causal(4, 6)),
    dict(attn_mask=rand(4, 6, seed=5)),
    dict(attn_mask=rand(3 * H, 4, 6, seed=6)),
    dict(attn_mask=causal(4, 6), key_padding_mask=kpm(3, 6)),
    dict(attn_mask=rand(4, 6, seed=7), key_padding_mask=kpm(3, 6)),
])
def test_mha_cross_attention_with_masks(dtype, batch_first, masks):
    q, kv = ((3, 4, E), (3, 6, E)) if batch_first else ((4, 3, E), (6, 3, E))
    for need_weights in (True, False):
        check_parity(lambda m: m.MultiheadAttention(E, H, batch_first=batch_first),
                     [rand(*q), rand(*kv, seed=1), rand(*kv, seed=2)], dtype, masks=masks,
                     kwargs=dict(need_weights=need_weights))


@pytest.mark.parametrize("dtype", DTYPES)
def test_mha_key_is_value_and_kdim_vdim(dtype):
    check_parity(lambda m: m.MultiheadAttention(E, H, batch_first=True),
                 [rand(2, 4, E), rand(2, 6, E, seed=1)], dtype, repeat={2: 1})
    ours, _ = check_parity(lambda m: m.MultiheadAttention(E, H, kdim=5, vdim=3, batch_first=True),
                           [rand(2, 4, E), rand(2, 6, 5, seed=1), rand(2, 6, 3, seed=2)], dtype,
                           masks=dict(key_padding_mask=kpm(2, 6)))
    assert ours.in_proj_weight is None and tuple(ours.k_proj_weight.shape) == (E, 5)


@pytest.mark.parametrize("options", [
    dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
    dict(add_bias_kv=True, add_zero_attn=True, kdim=5, vdim=5),
])
def test_mha_options(options):
    k = options.get("kdim", E)
    check_parity(lambda m: m.MultiheadAttention(E, H, batch_first=True, **options),
                 [rand(2, 4, E), rand(2, 6, k, seed=1), rand(2, 6, k, seed=2)], "float64",
                 masks=dict(attn_mask=causal(4, 6), key_padding_mask=kpm(2, 6)))


def test_mha_unbatched_and_train_mode_without_dropout():
    check_parity(lambda m: m.MultiheadAttention(E, H), [rand(4, E), rand(6, E, seed=1),
                                                        rand(6, E, seed=2)], "float64",
                 masks=dict(key_padding_mask=kpm(1, 6)[0], attn_mask=rand(H, 4, 6, seed=3)),
                 kwargs=dict(average_attn_weights=False))
    check_parity(lambda m: m.MultiheadAttention(E, 4, dropout=0.0), [rand(5, 2, E)], "float32",
                 train=True, repeat={1: 0, 2: 0})


def test_mha_is_causal_hint_needs_a_mask_as_torch():
    m = nn.MultiheadAttention(E, H)
    x = sj.randn(5, 2, E)
    with pytest.raises(RuntimeError, match="attn_mask"):
        m(x, x, x, is_causal=True)
    out, w = m(x, x, x, attn_mask=sj.tensor(causal(5)), is_causal=True)
    ref, _ = m(x, x, x, attn_mask=sj.tensor(causal(5)))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_mha_dropout_in_training_only():
    m = nn.MultiheadAttention(E, H, dropout=0.5, batch_first=True)
    x = sj.randn(2, 6, E)
    sj.manual_seed(0)
    _, w = m(x, x, x, average_attn_weights=False)
    assert (w.numpy() == 0).any()
    m.eval()
    out1, w1 = m(x, x, x)
    out2, _ = m(x, x, x)
    np.testing.assert_array_equal(out1.numpy(), out2.numpy())
    np.testing.assert_allclose(w1.numpy().sum(-1), 1, rtol=1e-6)


def test_mha_fully_padded_sequence_gives_zero_weights():
    m = nn.MultiheadAttention(E, H, batch_first=True)
    x = sj.tensor(rand(2, 3, E).astype("float32"), requires_grad=True)
    mask = sj.tensor(np.array([[False] * 3, [True] * 3]))
    out, w = m(x, x, x, key_padding_mask=mask)
    assert np.all(w.numpy()[1] == 0) and np.isfinite(out.numpy()).all()
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_mha_defaults_and_state_dict_names():
    ours, theirs = nn.MultiheadAttention(16, 4), torch.nn.MultiheadAttention(16, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    bound = np.sqrt(6 / (16 + 48))
    w = ours.in_proj_weight.numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not ours.in_proj_bias.numpy().any() and not ours.out_proj.bias.numpy().any()
    assert ours.head_dim == 4 and ours._qkv_same_embed_dim
    ours, theirs = (m.MultiheadAttention(16, 4, kdim=6, vdim=7, add_bias_kv=True)
                    for m in (nn, torch.nn))
    assert list(ours.state_dict()) == list(theirs.state_dict())


# ------------------------------------------------------------------ MultiheadAttention errors


def _error(fn):
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    return str(info.value)


def test_mha_construction_errors():
    message = _error(lambda: nn.MultiheadAttention(10, 3))
    assert "MultiheadAttention" in message and "10" in message and "3" in message


@pytest.mark.parametrize("call,words", [
    (lambda m, x: m(sj.randn(5, 2, 6), sj.randn(5, 2, 6), sj.randn(5, 2, 6)),
     ["embed_dim 8", "(5, 2, 6)"]),
    (lambda m, x: m(x, sj.randn(6, 2, 5), sj.randn(6, 2, 5)), ["key has 5 features", "kdim"]),
    (lambda m, x: m(x, sj.randn(6, 3, E), sj.randn(6, 3, E)), ["batch size", "(6, 3, 8)"]),
    (lambda m, x: m(x, x, x, attn_mask=sj.ones(4, 4, dtype=sj.bool)),
     ["attn_mask", "(5, 5)", "(4, 4)"]),
    (lambda m, x: m(x, x, x, attn_mask=sj.zeros(3, 5, 5)),
     ["attn_mask", "(N*num_heads, L, S)", "(4, 5, 5)", "(3, 5, 5)"]),
    (lambda m, x: m(x, x, x, key_padding_mask=sj.zeros(5, 2, dtype=sj.bool)),
     ["key_padding_mask", "(2, 5)", "(5, 2)"]),
    (lambda m, x: m(x, x, x, key_padding_mask=sj.zeros(2, 5, dtype=sj.int64)),
     ["key_padding_mask", "int64"]),
    (lambda m, x: m(x.double(), x.double(), x.double()), ["dtype", "float64"]),
    (lambda m, x: m(sj.randn(2, 5, 2, E), x, x), ["query", "(2, 5, 2, 8)"]),
])
def test_mha_forward_errors_name_module_expected_and_actual(call, words):
    m = nn.MultiheadAttention(E, H)
    message = _error(lambda: call(m, sj.randn(5, 2, E)))
    assert message.startswith("MultiheadAttention:"), message
    for w in words:
        assert w in message, message


def test_error_names_the_path_inside_a_model():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, 16), 2)
    message = _error(lambda: enc(sj.randn(5, 2, E), mask=sj.zeros(4, 4)))
    # the path stops at the ModuleList the encoder loops over (Module names direct children)
    assert "self_attn (MultiheadAttention):" in message, message
    assert "(5, 5)" in message and "(4, 4)" in message


# ------------------------------------------------------------------ Transformer encoder


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [
    dict(), dict(norm_first=True), dict(activation="gelu", batch_first=True),
    dict(bias=False, layer_norm_eps=1e-6),
])
@pytest.mark.parametrize("train", [False, True])
def test_encoder_layer(dtype, options, train):
    dropout = 0.0 if train else 0.1  # eval ignores dropout; training compares without it
    shape = (2, 5, E) if options.get("batch_first") else (5, 2, E)
    check_parity(lambda m: m.TransformerEncoderLayer(E, H, 16, dropout=dropout, **options),
                 [rand(*shape)], dtype, train=train,
                 masks=dict(src_mask=causal(5), src_key_padding_mask=kpm(2, 5)))


def test_encoder_layer_callable_activation_and_unbatched():
    check_parity(lambda m: m.TransformerEncoderLayer(E, H, 16, activation=m.functional.silu
                                                     if m is torch.nn else sj.nn.functional.silu),
                 [rand(5, E)], "float64", masks=dict(src_mask=rand(5, 5, seed=3)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm", [False, True])
def test_encoder_stack(dtype, norm):
    def make(m):
        layer = m.TransformerEncoderLayer(E, H, 16, dropout=0.1, batch_first=True)
        kwargs = {} if m is nn else dict(enable_nested_tensor=False)
        return m.TransformerEncoder(layer, 2, norm=m.LayerNorm(E) if norm else None, **kwargs)
    ours, _ = check_parity(make, [rand(2, 5, E)], dtype,
                           masks=dict(mask=causal(5), src_key_padding_mask=kpm(2, 5)))
    assert list(ours.state_dict())[:2] == ["layers.0.self_attn.in_proj_weight",
                                           "layers.0.self_attn.in_proj_bias"]


def test_encoder_layers_are_equal_independent_copies():
    layer = nn.TransformerEncoderLayer(E, H, 16)
    enc = nn.TransformerEncoder(layer, 3)
    a, b = enc.layers[0], enc.layers[1]
    np.testing.assert_array_equal(a.linear1.weight.numpy(), layer.linear1.weight.numpy())
    np.testing.assert_array_equal(a.self_attn.in_proj_weight.numpy(),
                                  b.self_attn.in_proj_weight.numpy())
    assert a.linear1.weight is not b.linear1.weight
    assert a.linear1.weight.array is not layer.linear1.weight.array
    with sj.no_grad():
        a.linear1.weight.mul_(0)
    assert b.linear1.weight.numpy().any() and layer.linear1.weight.numpy().any()
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))
    x = sj.randn(4, 2, E)
    enc(x).sum().backward()
    assert all(p.grad is not None for p in enc.parameters())


def test_encoder_layer_state_dict_names_match_torch():
    ours = nn.TransformerEncoderLayer(E, H, 16)
    theirs = torch.nn.TransformerEncoderLayer(E, H, 16)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_encoder_layer_rejects_unknown_activation():
    with pytest.raises(ValueError, match="TransformerEncoderLayer: activation"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")


def test_functional_names():
    F = nn.functional
    assert F.scaled_dot_product_attention is sj.ops.attention.scaled_dot_product_attention
    assert callable(F.multi_head_attention_forward)
    assert "MultiheadAttention" in nn.__all__ and "TransformerEncoder" in nn.__all__


def test_functional_multi_head_attention_forward_matches_torch():
    theirs = torch.nn.MultiheadAttention(E, H).double()
    w = {k: v.detach() for k, v in theirs.state_dict().items()}
    ours_w = {k: sj.tensor(v.numpy()) for k, v in w.items()}
    q, kv = rand(4, 3, E), rand(6, 3, E, seed=1)
    mask = kpm(3, 6)

    def args(p):
        return (p["in_proj_weight"], p["in_proj_bias"], None, None, False, 0.0,
                p["out_proj.weight"], p["out_proj.bias"])
    out, weights = nn.functional.multi_head_attention_forward(
        sj.tensor(q), sj.tensor(kv), sj.tensor(kv), E, H, *args(ours_w),
        key_padding_mask=sj.tensor(mask))
    ref, ref_w = torch.nn.functional.multi_head_attention_forward(
        torch.tensor(q), torch.tensor(kv), torch.tensor(kv), E, H, *args(w),
        key_padding_mask=torch.tensor(mask))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), ref_w.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"^multi_head_attention_forward: key_padding_mask"):
        nn.functional.multi_head_attention_forward(
            sj.tensor(q), sj.tensor(kv), sj.tensor(kv), E, H, *args(ours_w),
            key_padding_mask=sj.tensor(mask.T))
