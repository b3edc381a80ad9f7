"""A real PyTorch state_dict, saved as safetensors, loaded into the equivalent PyTorch-face
model: the same outputs on real MNIST digits; dtypes and wrapper prefixes converted; a file
that does not match lists every difference."""

import numpy as np
import pytest

import shenjing
from shenjing import nn
from shenjing.autograd import no_grad
from shenjing.io import load_torch_weights

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")


def torch_net():
    t = torch.nn
    return t.Sequential(t.Conv2d(1, 4, 3, padding=1), t.BatchNorm2d(4), t.ReLU(), t.MaxPool2d(2),
                        t.Flatten(), t.Linear(4 * 14 * 14, 16), t.ReLU(), t.Linear(16, 10))


def shenjing_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 14 * 14, 16), nn.ReLU(),
                         nn.Linear(16, 10))


def _trained_a_little(model, x):
    """A few SGD steps in PyTorch, so that the running statistics are not the initial ones."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        optimizer.zero_grad()
        model(x).logsumexp(1).mean().backward()
        optimizer.step()
    return model.eval()


def _outputs(model, x):
    model.eval()
    with no_grad():
        return model(shenjing.tensor(x)).numpy()


def test_cnn_state_dict_from_pytorch_gives_the_same_outputs(mnist, tmp_path):
    x = mnist[2][:32, None]
    reference = _trained_a_little(torch_net(), torch.from_numpy(x))
    path = tmp_path / "cnn.safetensors"
    safetensors_torch.save_file(reference.state_dict(), str(path))
    model = shenjing_net()
    missing, unexpected = load_torch_weights(model, path)
    assert missing == [] and unexpected == []
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_outputs(model, x), expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_other_dtypes_and_wrapper_prefixes_are_converted(dtype, tmp_path):
    reference = torch.nn.LSTM(3, 5, num_layers=2, batch_first=True)
    state = {f"module.{k}": v.to(getattr(torch, dtype)).contiguous()
             for k, v in reference.state_dict().items()}
    path = tmp_path / "lstm.safetensors"
    safetensors_torch.save_file(state, str(path))
    model = nn.LSTM(3, 5, num_layers=2, batch_first=True)
    load_torch_weights(model, path)
    for key, value in model.state_dict().items():
        assert value.dtype == np.float32
        expected = state[f"module.{key}"].to(torch.float32).numpy()
        np.testing.assert_array_equal(value.numpy(), expected)
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")
    with torch.no_grad():
        reference.load_state_dict({k[7:]: v.float() for k, v in state.items()})
        expected = reference(torch.from_numpy(x))[0].numpy()
    with no_grad():
        np.testing.assert_allclose(model(shenjing.tensor(x))[0].numpy(), expected, atol=1e-5)


def test_a_file_that_does_not_match_lists_every_difference(tmp_path):
    t = torch.nn
    reference = t.Sequential(t.Linear(4, 8), t.ReLU(), t.Linear(8, 3), t.Linear(3, 2))
    path = tmp_path / "mlp.safetensors"
    safetensors_torch.save_file(reference.state_dict(), str(path))
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 5), nn.ReLU(),
                          nn.BatchNorm1d(5))
    before = [p.numpy().copy() for p in model.parameters()]
    with pytest.raises(RuntimeError) as info:
        load_torch_weights(model, path)
    message = str(info.value)
    assert "mlp.safetensors" in message
    for expected in ("missing keys: 4.weight, 4.bias, 4.running_mean",
                     "unexpected keys: 3.bias, 3.weight",    # in the file's (sorted) order
                     "2.weight: expected shape (5, 8), got (3, 8)"):
        assert expected in message
    for p, b in zip(model.parameters(), before):   # nothing loaded
        np.testing.assert_array_equal(p.numpy(), b)
    missing, unexpected = load_torch_weights(nn.Sequential(nn.Linear(4, 8)), path, strict=False)
    assert missing == [] and sorted(unexpected) == ["2.bias", "2.weight", "3.bias", "3.weight"]


def test_pickles_and_non_safetensors_are_refused(tmp_path):
    pt = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), str(pt))
    with pytest.raises(ValueError, match="never loads"):
        load_torch_weights(nn.Linear(2, 2), pt)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    with pytest.raises(ValueError, match="not a safetensors file"):
        load_torch_weights(nn.Linear(2, 2), junk)


def test_state_dict_into_a_keras_face_model_converts_the_layouts(tmp_path):
    """PyTorch's (out, in) Linear, (F, C, kh, kw) Conv2d, split LSTM biases and r, z, n GRU
    gates, converted into Keras's layouts: the same outputs."""
    from shenjing import keras
    t = torch.nn
    conv_net = t.Sequential(t.Conv2d(2, 4, 3), t.BatchNorm2d(4), t.ReLU(),
                            t.AdaptiveAvgPool2d(1), t.Flatten(), t.Linear(4, 3))
    x = np.random.default_rng(1).standard_normal((5, 2, 7, 7)).astype("float32")
    reference = _trained_a_little(conv_net, torch.from_numpy(x))
    path = tmp_path / "conv.safetensors"
    safetensors_torch.save_file(reference.state_dict(), str(path))
    layers = keras.layers
    model = keras.Sequential([keras.Input((7, 7, 2)), layers.Conv2D(4, 3),
                              layers.BatchNormalization(epsilon=1e-5), layers.ReLU(),
                              layers.GlobalAveragePooling2D(), layers.Dense(3)])
    load_torch_weights(model, path)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    got = model.predict(x.transpose(0, 2, 3, 1), verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)


class _TorchText(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(20, 6)
        self.lstm = torch.nn.LSTM(6, 5, batch_first=True)
        self.gru = torch.nn.GRU(5, 4, batch_first=True)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, ids):
        h, _ = self.lstm(self.emb(ids))
        _, last = self.gru(h)
        return self.fc(last[0])


def test_recurrent_state_dict_into_keras_with_a_layer_map(tmp_path):
    from shenjing import keras
    reference = _TorchText().eval()
    path = tmp_path / "text.safetensors"
    safetensors_torch.save_file(reference.state_dict(), str(path))
    layers = keras.layers
    model = keras.Sequential([keras.Input((8,), dtype="int64"),
                              layers.Embedding(20, 6, name="e"),
                              layers.LSTM(5, return_sequences=True, name="l"),
                              layers.GRU(4, name="g"), layers.Dense(2, name="d")])
    with pytest.raises(ValueError) as info:     # by default the prefixes' order: emb, fc, ...
        load_torch_weights(model, path)
    assert "l (LSTM) <- 'fc': expected PyTorch parameter 'weight_ih_l0'" in str(info.value)
    assert "d (Dense) <- 'lstm': expected PyTorch parameter 'weight'" in str(info.value)
    load_torch_weights(model, path, layers={"e": "emb", "l": "lstm", "g": "gru", "d": "fc"})
    ids = np.random.default_rng(2).integers(0, 20, size=(3, 8))
    with torch.no_grad():
        expected = reference(torch.from_numpy(ids)).numpy()
    np.testing.assert_allclose(model.predict(ids, verbose=0), expected, atol=1e-5)
