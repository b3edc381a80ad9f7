"""Keras's merge layers (keras/layers/merging.py): values against NumPy, float64 gradcheck,
the function forms, symbolic shapes, configs and shape errors."""

import numpy
import pytest

import shenjing
from shenjing import keras
from shenjing.autograd import gradcheck
from shenjing.keras import layers

RNG = numpy.random.default_rng(0)
A, B, C = (RNG.standard_normal((4, 3)) for _ in range(3))

ELEMENTWISE = [
    (layers.Add, layers.add, lambda *xs: sum(xs), 3),
    (layers.Subtract, layers.subtract, lambda a, b: a - b, 2),
    (layers.Multiply, layers.multiply, lambda *xs: numpy.prod(xs, axis=0), 3),
    (layers.Average, layers.average, lambda *xs: numpy.mean(xs, axis=0), 3),
    (layers.Maximum, layers.maximum, lambda *xs: numpy.max(xs, axis=0), 3),
    (layers.Minimum, layers.minimum, lambda *xs: numpy.min(xs, axis=0), 3),
]


@pytest.mark.parametrize("cls, function, reference, n", ELEMENTWISE)
def test_elementwise_values_and_function_forms(cls, function, reference, n):
    inputs = [A, B, C][:n]
    expected = reference(*inputs)
    numpy.testing.assert_allclose(cls()([shenjing.tensor(x) for x in inputs]).numpy(),
                                  expected, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(function([shenjing.tensor(x) for x in inputs]).numpy(),
                                  expected, rtol=1e-5, atol=1e-6)
    assert cls()(inputs).dtype == shenjing.float32      # arrays cast to the layer's dtype


@pytest.mark.parametrize("cls, function, reference, n", ELEMENTWISE)
def test_elementwise_gradcheck_float64(cls, function, reference, n):
    layer = cls(dtype="float64")
    tensors = tuple(shenjing.tensor(x, requires_grad=True) for x in [A, B, C][:n])
    assert gradcheck(lambda *xs: layer(list(xs)), tensors)


def test_add_broadcasts_and_average_takes_a_gradient_of_one_over_n():
    column = RNG.standard_normal((4, 1))
    numpy.testing.assert_allclose(layers.Add()([shenjing.tensor(A), shenjing.tensor(column)])
                                  .numpy(), A + column, rtol=1e-5, atol=1e-6)
    tensors = [shenjing.tensor(x, requires_grad=True) for x in (A, B, C)]
    layers.Average(dtype="float64")(tensors).sum().backward()
    for t in tensors:
        numpy.testing.assert_allclose(t.grad.numpy(), numpy.full((4, 3), 1 / 3))


def test_concatenate_values_gradients_and_axis():
    wide = RNG.standard_normal((4, 5))
    joined = layers.Concatenate()([shenjing.tensor(A), shenjing.tensor(wide)])
    numpy.testing.assert_allclose(joined.numpy(), numpy.concatenate([A, wide], -1), rtol=1e-6)
    x = RNG.standard_normal((2, 2, 5))
    y = RNG.standard_normal((2, 1, 5))
    numpy.testing.assert_allclose(layers.concatenate([x, y], axis=1).numpy(),
                                  numpy.concatenate([x, y], 1), rtol=1e-6)
    layer = layers.Concatenate(axis=1, dtype="float64")
    tensors = (shenjing.tensor(x, requires_grad=True), shenjing.tensor(y, requires_grad=True))
    assert gradcheck(lambda a, b: layer([a, b]), tensors)


def test_dot_matches_keras_examples_and_gradcheck():
    x = numpy.arange(10).reshape(1, 5, 2).astype(numpy.float64)
    y = numpy.arange(10, 20).reshape(1, 2, 5).astype(numpy.float64)
    numpy.testing.assert_array_equal(layers.Dot(axes=(1, 2))([x, y]).numpy(),
                                     [[[260, 360], [320, 445]]])   # Keras's documented example
    pairs = layers.dot([shenjing.tensor(A), shenjing.tensor(B)], axes=1)
    numpy.testing.assert_allclose(pairs.numpy(), (A * B).sum(1, keepdims=True), rtol=1e-6)
    cosine = layers.Dot(axes=1, normalize=True)([A, B]).numpy()
    expected = (A * B).sum(1) / numpy.linalg.norm(A, axis=1) / numpy.linalg.norm(B, axis=1)
    numpy.testing.assert_allclose(cosine[:, 0], expected, rtol=1e-5)
    left, right = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 5, 4))
    numpy.testing.assert_allclose(layers.Dot(axes=2)([left, right]).numpy(),
                                  numpy.einsum("nad,nbd->nab", left, right), rtol=1e-5)
    for axes, normalize, shapes in ((2, False, ((2, 3, 4), (2, 5, 4))),
                                    ((1, 2), True, ((2, 4, 3), (2, 5, 4))),
                                    (-1, True, ((3, 4), (3, 4)))):
        layer = layers.Dot(axes=axes, normalize=normalize, dtype="float64")
        tensors = tuple(shenjing.tensor(RNG.standard_normal(s), requires_grad=True)
                        for s in shapes)
        assert gradcheck(lambda a, b: layer([a, b]), tensors)


def test_symbolic_shapes():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(4,))
    assert layers.concatenate([a, b]).shape == (None, 7)
    assert layers.add([a, keras.Input(shape=(1,))]).shape == (None, 3)
    sequences = keras.Input(shape=(6, 4)), keras.Input(shape=(5, 4))
    assert layers.Dot(axes=2)(list(sequences)).shape == (None, 6, 5)
    assert layers.Concatenate(axis=1)(list(sequences)).shape == (None, 11, 4)


def test_configs_round_trip():
    for layer in (layers.Concatenate(axis=1, name="join"), layers.Dot(axes=(1, 2), normalize=True),
                  layers.Add(name="plus")):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
    assert layers.Dot(axes=(1, 2)).get_config()["axes"] == [1, 2]


def test_shape_errors_name_the_layer_and_the_shapes():
    wide = numpy.ones((4, 5))
    with pytest.raises(ValueError, match="plus \\(Add\\).*shapes \\[\\(4, 3\\), \\(4, 5\\)\\]"):
        layers.Add(name="plus")([A, wide])
    with pytest.raises(ValueError, match="join \\(Concatenate\\): inputs must have the same "
                                         "shape except on axis 1; got shapes \\[\\(2, 3, 4\\), "
                                         "\\(2, 3, 5\\)\\]"):
        layers.Concatenate(axis=1, name="join")([numpy.ones((2, 3, 4)), numpy.ones((2, 3, 5))])
    with pytest.raises(ValueError, match="Subtract\\): expected exactly 2 inputs, got 3"):
        layers.Subtract()([A, B, C])
    with pytest.raises(ValueError, match="at least 2 inputs, got 1"):
        layers.Multiply()([A])
    with pytest.raises(ValueError, match="expected a list of input tensors"):
        layers.Maximum()(shenjing.tensor(A))
    with pytest.raises(ValueError, match="axis 1 of the first input and axis 1 of the second"):
        layers.Dot(axes=1)([A, wide])
    with pytest.raises(ValueError, match="axis 0, the batch"):
        layers.Concatenate(axis=0)([A, B])
    with pytest.raises(ValueError, match="inputs of shapes \\[\\(None, 3\\), \\(None, 4\\)\\]"):
        layers.add([keras.Input(shape=(3,)), keras.Input(shape=(4,))])    # while building
