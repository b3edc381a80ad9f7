"""Export of PyTorch-style ``forward`` code: the ops applied between layers (view, F.relu,
residual adds, cat, mean, indexing, softmax) and a TransformerEncoderLayer, whose forward is
such code around MultiheadAttention, checked by ONNX Runtime."""

import numpy as np
import pytest

import shenjing
from shenjing import nn
from shenjing.nn import functional as F

from .harness import check_export

pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(4)


def batch(*shape):
    return RNG.standard_normal(shape).astype("float32")


class Net(nn.Module):
    """The MNIST net of PyTorch's examples, with the functional calls it makes."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 4, 3), nn.Conv2d(4, 8, 3)
        self.fc1, self.fc2 = nn.Linear(8 * 4 * 4, 16), nn.Linear(16, 10)
        self.scale = nn.Parameter(shenjing.ones(10) * 0.5)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = x[:, :, 1:-1:2, 1:-1:2]                 # (N, 8, 10, 10) -> (N, 8, 4, 4)
        x = x.view(x.size(0), -1)
        h = F.gelu(self.fc1(x))
        y = self.fc2(h + h.sigmoid() * 2.0 - 1.0) * self.scale
        return F.log_softmax(y, dim=1)


def test_functional_calls_between_layers(tmp_path):
    check_export(Net(), batch(2, 1, 14, 14), batch(5, 1, 14, 14), tmp_path)


class Pooling(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 4, batch_first=True)
        self.head = nn.Linear(12, 2)

    def forward(self, x):
        out, h = self.rnn(x)
        last = out[:, -1]
        features = shenjing.cat([last, out.mean(1), h[0]], dim=1)
        return self.head(features).softmax(-1), shenjing.stack([last, h[0]], 1).sum(-1)


def test_recurrent_pooling_code(tmp_path):
    check_export(Pooling(), batch(2, 6, 3), batch(4, 6, 3), tmp_path)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer(norm_first, tmp_path):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, batch_first=True,
                                       norm_first=norm_first, activation="gelu")
    check_export(layer, batch(2, 5, 8), batch(3, 5, 8), tmp_path, atol=1e-4)


def test_transformer_encoder_stack_and_decoder_layer(tmp_path):
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                                    norm=nn.LayerNorm(8))
    check_export(encoder, batch(2, 5, 8), batch(3, 5, 8), tmp_path, atol=1e-4)
    decoder = nn.TransformerDecoderLayer(8, 2, 16)          # (T, N, E): batch on axis 1
    check_export(decoder, (batch(4, 2, 8), batch(6, 2, 8)), (batch(4, 3, 8), batch(6, 3, 8)),
                 tmp_path, atol=1e-4,
                 dynamic_axes={"input_0": {1: "batch"}, "input_1": {1: "batch"}})
