"""What the exporter says when it cannot export: the layer and the op, by name."""

import builtins

import numpy as np
import pytest

import shenjing
from shenjing import keras, nn
from shenjing.keras import layers
from shenjing.onnx import Unsupported

pytest.importorskip("onnx")

X = np.ones((2, 4), np.float32)


class Scale(nn.Module):
    """A leaf module of the user's own, with math the exporter cannot know."""

    def __init__(self):
        super().__init__()
        self.factor = nn.Parameter(shenjing.ones(4))

    def forward(self, x):
        return x * self.factor


class ViewInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 6), nn.Linear(6, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).cumsum(1))   # an op between the layers, with no ONNX node


def test_a_layer_without_builder_is_named(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), Scale())
    with pytest.raises(Unsupported, match=r"1 \(Scale\).*layer Scale has no ONNX equivalent"):
        shenjing.onnx.export(model, X, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_an_op_between_layers_is_named_with_the_layer_that_reads_it(tmp_path):
    with pytest.raises(Unsupported, match=r"input of fc2 \(Linear\) was computed by op 'CumSum'"):
        shenjing.onnx.export(ViewInForward(), X, tmp_path / "m.onnx")


def test_an_option_without_onnx_equivalent_names_layer_and_option(tmp_path):
    conv = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"))
    with pytest.raises(Unsupported, match=r"0 \(Conv2d\): padding_mode='reflect'"):
        shenjing.onnx.export(conv, np.ones((1, 1, 5, 5), np.float32), tmp_path / "c.onnx")
    model = keras.Sequential([keras.Input((5,), dtype="int64"),
                              layers.Embedding(10, 3, mask_zero=True), layers.LSTM(2)])
    with pytest.raises(Unsupported, match=r"lstm\w* \(LSTM\): a mask"):
        model.export(str(tmp_path / "k.onnx"))


def test_missing_onnx_names_the_extra(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(ImportError, match=r"shenjing\[onnx\]"):
        shenjing.onnx.export(nn.Linear(4, 2), X, tmp_path / "m.onnx")


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="2 input_names"):
        shenjing.onnx.export(nn.Linear(4, 2), X, tmp_path / "m.onnx", input_names=["a", "b"])
    with pytest.raises(ValueError, match="opset must be >= 17"):
        shenjing.onnx.export(nn.Linear(4, 2), X, tmp_path / "m.onnx", opset=13)


def test_keras_model_without_known_input_shape(tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="no known input shape"):
        model.export(str(tmp_path / "m.onnx"))
    model.export(str(tmp_path / "m.onnx"), input_signature=[np.ones((1, 3), np.float32)])
    assert (tmp_path / "m.onnx").exists()


def test_masks_are_refused_by_every_layer_that_reads_them(tmp_path):
    ids = keras.Input((6,), dtype="int64")
    h = layers.Embedding(10, 4, mask_zero=True)(ids)
    model = keras.Model(ids, layers.GlobalAveragePooling1D()(layers.Dense(3)(h)))
    with pytest.raises(Unsupported, match=r"global_average_pooling1d\w* "
                                          r"\(GlobalAveragePooling1D\): a mask \(mask"):
        model.export(str(tmp_path / "m.onnx"))
