"""Export of multi-head attention (Keras's MultiHeadAttention, PyTorch's MultiheadAttention),
checked by ONNX Runtime, self- and cross-attention, causal masks and attention weights."""

import numpy as np
import pytest

from shenjing import keras, nn
from shenjing.keras import layers

from .harness import check_export

pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(3)


def batch(*shape):
    return RNG.standard_normal(shape).astype("float32")


def test_keras_cross_attention_with_scores(tmp_path):
    q, v = keras.Input((5, 8)), keras.Input((7, 6))
    out, scores = layers.MultiHeadAttention(2, 3, value_dim=4, output_shape=5)(
        q, v, return_attention_scores=True)
    model = keras.Model([q, v], [out, scores])
    got = check_export(model, (batch(2, 5, 8), batch(2, 7, 6)), (batch(3, 5, 8), batch(3, 7, 6)),
                       tmp_path)
    assert got[1].shape == (3, 2, 5, 7)


def test_keras_causal_self_attention_block(tmp_path):
    x = keras.Input((6, 8))
    attended = layers.MultiHeadAttention(4, 2, use_bias=False)(x, x, use_causal_mask=True)
    h = layers.LayerNormalization()(layers.Add()([x, attended]))
    model = keras.Model(x, layers.Dense(3)(h))
    check_export(model, batch(2, 6, 8), batch(4, 6, 8), tmp_path)


class SelfAttention(nn.Module):
    """What a PyTorch user writes around nn.MultiheadAttention: the output, and the weights."""

    def __init__(self, batch_first, **kwargs):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=batch_first, **kwargs)

    def forward(self, x, memory):
        return self.attn(x, memory, memory)


@pytest.mark.parametrize("batch_first", [False, True])
def test_torch_multihead_attention(batch_first, tmp_path):
    model = SelfAttention(batch_first)
    for p in model.parameters():          # non-zero biases, so that they are checked
        p.array[...] = RNG.normal(scale=0.3, size=p.shape)
    shape = (lambda n, t: (n, t, 8)) if batch_first else (lambda n, t: (t, n, 8))
    axis = 0 if batch_first else 1
    check_export(model, (batch(*shape(2, 4)), batch(*shape(2, 6))),
                 (batch(*shape(3, 4)), batch(*shape(3, 6))), tmp_path,
                 dynamic_axes={"input_0": {axis: "batch"}, "input_1": {axis: "batch"}})


def test_torch_multihead_attention_kdim_vdim(tmp_path):
    model = nn.MultiheadAttention(8, 4, kdim=5, vdim=3, batch_first=True)

    class Cross(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = model

        def forward(self, q, k, v):
            return self.attn(q, k, v, average_attn_weights=False)

    got = check_export(Cross(), (batch(2, 4, 8), batch(2, 6, 5), batch(2, 6, 3)),
                       (batch(3, 4, 8), batch(3, 6, 5), batch(3, 6, 3)), tmp_path)
    assert got[1].shape == (3, 4, 4, 6)


def test_keras_dot_attention(tmp_path):
    q, v = keras.Input((5, 4)), keras.Input((7, 4))
    plain = layers.Attention()([q, v])
    scaled, scores = layers.Attention(use_scale=True)([q, v, v], return_attention_scores=True,
                                                      use_causal_mask=True)
    model = keras.Model([q, v], [plain, scaled, scores])
    model.layers[-1].scale.array[...] = 0.7       # a trained scale, not the initial 1
    check_export(model, (batch(2, 5, 4), batch(2, 7, 4)), (batch(3, 5, 4), batch(3, 7, 4)),
                 tmp_path)
