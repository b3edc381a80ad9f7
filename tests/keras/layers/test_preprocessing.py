"""Keras's preprocessing layers on real data: MNIST digits and IMDB reviews (the embedded
samples), against the computations they wrap and Keras's documented examples."""

import numpy
import pytest

import shenjing
from shenjing import image, keras, text
from shenjing.datasets import load_sample
from shenjing.keras import layers


@pytest.fixture(scope="module")
def digits():
    images, _ = load_sample("mnist")
    return images[:32, :, :, None]  # uint8 (32, 28, 28, 1)


@pytest.fixture(scope="module")
def reviews():
    texts, labels = load_sample("imdb")
    return texts[:300]


AUGMENTATIONS = [
    (layers.RandomFlip, image.RandomFlip, ("horizontal",), {}),
    (layers.RandomRotation, image.RandomRotation, (0.1,), {"fill_mode": "nearest"}),
    (layers.RandomTranslation, image.RandomTranslation, (0.1, 0.2), {}),
    (layers.RandomZoom, image.RandomZoom, (-0.2,), {"interpolation": "nearest"}),
]


@pytest.mark.parametrize("layer_class, computation, args, kwargs", AUGMENTATIONS)
def test_augmentation_layers_call_their_computation(digits, layer_class, computation, args,
                                                    kwargs):
    layer = layer_class(*args, seed=5, **kwargs)
    out = layer(digits)
    assert isinstance(out, shenjing.Tensor) and out.dtype == numpy.float32
    assert out.shape == digits.shape
    expected = computation(*args, seed=5, **kwargs)(digits)
    numpy.testing.assert_array_equal(out.numpy(), expected)
    assert not numpy.array_equal(out.numpy(), digits.astype(numpy.float32))
    again = layer_class.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    numpy.testing.assert_array_equal(again(digits).numpy(), expected)


@pytest.mark.parametrize("layer_class, computation, args, kwargs", AUGMENTATIONS)
def test_augmentation_passes_images_through_outside_training(digits, layer_class, computation,
                                                             args, kwargs):
    layer = layer_class(*args, seed=5, **kwargs)
    as_float = digits.astype(numpy.float32)
    numpy.testing.assert_array_equal(layer(digits, training=False).numpy(), as_float)
    x = shenjing.tensor(as_float[:2], requires_grad=True)
    y = layer(x, training=False)       # inference keeps the graph: the same tensor back
    assert y is x
    model = keras.Sequential([layer])  # predict infers: images pass through
    numpy.testing.assert_array_equal(model.predict(digits, verbose=0), as_float)


def test_augmentation_refuses_inputs_that_need_gradients(digits):
    x = shenjing.tensor(digits[:2].astype(numpy.float32), requires_grad=True)
    with pytest.raises(ValueError, match="random_flip.*RandomFlip.*gradients do not flow"):
        layers.RandomFlip(name="random_flip")(x)


def test_augmentation_arguments_are_checked_with_the_layer_named():
    with pytest.raises(ValueError, match="RandomFlip: mode must be one of"):
        layers.RandomFlip("diagonal")
    with pytest.raises(TypeError, match="RandomRotation: missing a required argument: 'factor'"):
        layers.RandomRotation()


def test_rescaling_to_unit_range_and_its_gradient(digits):
    out = layers.Rescaling(1 / 255)(digits)
    assert isinstance(out, shenjing.Tensor) and out.dtype == numpy.float32
    numpy.testing.assert_allclose(out.numpy(), digits / 255, rtol=1e-6)
    assert out.numpy().max() == pytest.approx(1.0)
    x = shenjing.tensor(digits[:4].astype(numpy.float32), requires_grad=True)
    layers.Rescaling(2.0, offset=-1.0)(x).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), numpy.full(x.shape, 2.0, numpy.float32))
    assert layers.Rescaling(0.5, offset=1.0).get_config()["offset"] == 1.0


def test_normalization_keras_documented_example():
    # keras.layers.Normalization's docstring: adapt on [1, 2, 3, 4, 5] (axis=None),
    # then [1, 2, 3] -> [-1.41, -0.71, 0.]
    layer = layers.Normalization(axis=None)
    layer.adapt(numpy.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    numpy.testing.assert_allclose(layer(numpy.array([1.0, 2.0, 3.0])).numpy(),
                                  [-2 / numpy.sqrt(2), -1 / numpy.sqrt(2), 0.0], rtol=1e-6)
    fixed = layers.Normalization(mean=3.0, variance=2.0)
    numpy.testing.assert_allclose(fixed(numpy.array([[1.0], [2.0], [3.0]])).numpy(),
                                  [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)


def test_normalization_adapted_on_digits_and_its_gradient(digits):
    layer = layers.Normalization()
    layer.adapt(digits)
    out = layer(digits).numpy()
    assert abs(out.mean()) < 1e-5 and out.std() == pytest.approx(1.0, rel=1e-4)
    std = numpy.sqrt(float(layer.variance.ravel()[0]))
    x = shenjing.tensor(digits[:2].astype(numpy.float32), requires_grad=True)
    layer(x).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), numpy.full(x.shape, 1 / std), rtol=1e-6)
    back = layers.Normalization(invert=True)
    back.adapt(digits)
    numpy.testing.assert_allclose(back(out).numpy(), digits, atol=1e-3)
    with pytest.raises(ValueError, match="call adapt"):
        layers.Normalization()(digits)


def test_text_vectorization_keras_documented_example():
    # keras.layers.TextVectorization's docstring, with a fixed vocabulary
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int",
                                     output_sequence_length=4,
                                     vocabulary=["earth", "wind", "and", "fire"])
    out = layer(numpy.array([["earth wind and also fire"], ["fire and earth michigan"]]))
    assert isinstance(out, shenjing.Tensor) and out.dtype == numpy.int64
    numpy.testing.assert_array_equal(out.numpy(), [[2, 3, 4, 1], [5, 4, 2, 1]])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert layer.vocabulary_size() == 6


def test_text_vectorization_adapted_on_imdb_reviews(reviews):
    layer = layers.TextVectorization(max_tokens=2000, output_sequence_length=200)
    layer.adapt(reviews)
    ids = layer(reviews[:8])
    assert ids.shape == (8, 200) and ids.dtype == numpy.int64
    assert layer.vocabulary_size() == 2000 and layer.get_vocabulary()[2] == "the"
    reference = text.TextVectorization(max_tokens=2000, output_sequence_length=200)
    reference.adapt(reviews)
    numpy.testing.assert_array_equal(ids.numpy(), reference(reviews[:8]))
    multi_hot = layers.TextVectorization(max_tokens=500, output_mode="multi_hot")
    multi_hot.adapt(reviews)
    vectors = multi_hot(reviews[:3])
    assert vectors.shape == (3, 500) and vectors.dtype == numpy.float32
    assert set(numpy.unique(vectors.numpy())) == {0.0, 1.0}


def test_text_vectorization_config_round_trip():
    layer = layers.TextVectorization(max_tokens=10, ngrams=2, output_mode="count",
                                     vocabulary=["a", "b", "a b"], name="vectorize")
    config = layer.get_config()
    assert config["name"] == "vectorize" and config["ngrams"] == 2
    assert config["vocabulary"] == ["a", "b", "a b"] and "kwargs" not in config
    again = layers.TextVectorization.from_config(config)
    numpy.testing.assert_array_equal(again(["a b b"]).numpy(), layer(["a b b"]).numpy())
