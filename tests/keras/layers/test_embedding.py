"""Keras's Embedding layer (keras/layers/embedding.py): parity with PyTorch, gradcheck,
ids given as floats, out-of-range errors, Keras's defaults and config."""

import numpy
import pytest

import shenjing
from shenjing.autograd.gradcheck import gradcheck
from shenjing.keras.layers.embedding import Embedding


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(0)
    table = rng.standard_normal((12, 5)).astype(dtype)
    ids = numpy.array([[1, 3, 3, 0], [11, 3, 7, 1]])            # repeats add up in backward
    layer = Embedding(12, 5, dtype=dtype)
    layer(ids)
    layer.set_weights([table])
    y = layer(ids)
    upstream = rng.standard_normal((2, 4, 5)).astype(dtype)
    (y * shenjing.tensor(upstream)).sum().backward()
    weight = torch.tensor(table, requires_grad=True)
    y_ref = torch.nn.functional.embedding(torch.tensor(ids), weight)
    (y_ref * torch.tensor(upstream)).sum().backward()
    assert y.shape == (2, 4, 5) and y.dtype == numpy.dtype(dtype)
    numpy.testing.assert_array_equal(y.numpy(), y_ref.detach().numpy())
    numpy.testing.assert_allclose(layer.embeddings.grad.numpy(), weight.grad.numpy(),
                                  rtol=1e-6, atol=1e-6)


def test_float_ids_are_cast_and_any_shape_works():
    layer = Embedding(6, 3)
    ints = numpy.array([[0, 5], [2, 2]])
    numpy.testing.assert_array_equal(layer(ints.astype(numpy.float32)).numpy(),
                                     layer(ints).numpy())
    assert layer(shenjing.tensor([4])).shape == (1, 3)
    assert layer(numpy.zeros((2, 3, 4), numpy.int32)).shape == (2, 3, 4, 3)


def test_out_of_range_ids_name_the_layer_the_id_and_input_dim():
    layer = Embedding(10, 4, name="words")
    with pytest.raises(IndexError, match=r"words \(Embedding\): token id 10 .*input_dim=10"):
        layer(numpy.array([[1, 10, 2]]))
    with pytest.raises(IndexError, match=r"words.*token id -1 .*input_dim=10"):
        layer(numpy.array([[-1, 3]]))
    with pytest.raises(TypeError, match=r"words.*integer token ids"):
        layer(numpy.array([["a"]]))


def test_keras_defaults_weight_name_and_initializer():
    shenjing.manual_seed(0)
    layer = Embedding(1000, 8)
    layer(numpy.array([[0]]))
    assert [(name, tuple(p.shape)) for name, p in layer.named_parameters()] == \
        [("embeddings", (1000, 8))]
    values = layer.embeddings.numpy()
    assert values.min() >= -0.05 and values.max() <= 0.05 and values.std() > 0.02  # U(-.05, .05)
    with_weights = Embedding(3, 2, weights=[numpy.arange(6.0).reshape(3, 2)])
    numpy.testing.assert_array_equal(with_weights(numpy.array([2])).numpy(), [[4.0, 5.0]])


def test_mask_zero_is_computed_on_request_only():
    layer = Embedding(5, 2, mask_zero=True)
    ids = numpy.array([[0, 3, 0]])
    assert layer.compute_mask(ids).numpy().tolist() == [[False, True, False]]
    assert Embedding(5, 2).compute_mask(ids) is None
    assert layer(ids).shape == (1, 3, 2)


def test_regularizer_penalty_is_listed():
    layer = Embedding(4, 2, embeddings_regularizer="l2")
    layer(numpy.array([0]))
    assert len(layer.losses) == 1 and float(layer.losses[0].numpy()) > 0


def test_gradcheck():
    layer = Embedding(7, 3, dtype="float64")
    ids = numpy.array([[1, 6, 1], [0, 2, 6]])
    layer(ids)
    gradcheck(lambda w: layer(ids) * layer(ids), (layer.embeddings,))


def test_config_round_trip():
    layer = Embedding(50, 6, mask_zero=True, input_length=20, embeddings_regularizer="l1",
                      name="emb")
    config = layer.get_config()
    assert config["input_dim"] == 50 and config["output_dim"] == 6
    assert config["mask_zero"] is True and config["input_length"] == 20
    assert config["embeddings_initializer"] == {"class_name": "RandomUniform", "config": {
        "minval": -0.05, "maxval": 0.05, "seed": None}}
    assert config["embeddings_regularizer"]["class_name"] == "L1"
    assert Embedding.from_config(config).get_config() == config
    assert "input_length" not in Embedding(3, 2).get_config()
    with pytest.raises(ValueError, match="input_dim must be a positive int"):
        Embedding(0, 3)
