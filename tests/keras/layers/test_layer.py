"""The Keras face's base ``Layer``: lazy build, names, trainable, training mode, config."""

import numpy
import pytest

import shenjing
from shenjing import nn
from shenjing.keras.layers import Layer
from shenjing.keras.layers.layer import snake_case


class Scale(Layer):
    """y = x * w with one weight per feature, made by build from the input's last axis."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.builds = []

    def build(self, input_shape):
        self.builds.append(input_shape)
        self.w = nn.Parameter(shenjing.full((input_shape[-1],), 2.0))

    def call(self, inputs):
        return inputs * self.w


def test_build_runs_once_with_the_first_inputs_shape():
    layer = Scale()
    assert not layer.built and list(layer.parameters()) == []
    x = shenjing.ones(4, 3, requires_grad=True)
    y = layer(x)
    assert layer.built and layer.builds == [(4, 3)]
    numpy.testing.assert_array_equal(y.numpy(), numpy.full((4, 3), 2.0, numpy.float32))
    layer(shenjing.ones(7, 3))
    assert layer.builds == [(4, 3)]
    assert [name for name, _ in layer.named_parameters()] == ["w"]
    y.sum().backward()   # gradients reach both the input and the weight made by build
    numpy.testing.assert_array_equal(x.grad.numpy(), numpy.full((4, 3), 2.0, numpy.float32))
    numpy.testing.assert_array_equal(layer.w.grad.numpy(), numpy.full(3, 4.0, numpy.float32))


def test_a_layer_is_a_module_of_the_pytorch_face():
    model = nn.Sequential(nn.Linear(5, 3), Scale())
    model(shenjing.ones(2, 5))
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.w"]
    assert set(model.state_dict()) == {"0.weight", "0.bias", "1.w"}


def test_trainable_false_freezes_weights_made_before_and_after_build():
    frozen = Scale(trainable=False)
    frozen(shenjing.ones(2, 3))
    assert frozen.w.requires_grad is False
    layer = Scale()
    layer(shenjing.ones(2, 3))
    layer.trainable = False
    assert layer.trainable is False and layer.w.requires_grad is False
    layer.trainable = True
    assert layer.w.requires_grad is True


@pytest.mark.parametrize("name, snake", [
    ("TextVectorization", "text_vectorization"), ("LSTM", "lstm"), ("Conv2D", "conv2d"),
    ("GRUCell", "gru_cell"), ("BatchNormalization", "batch_normalization"),
    ("RandomFlip", "random_flip"), ("Dense", "dense")])
def test_snake_case_names_as_keras(name, snake):
    assert snake_case(name) == snake


def test_default_names_are_unique_and_given_names_kept():
    class Pointless(Layer):
        def call(self, inputs):
            return inputs
    names = [Pointless().name for _ in range(3)]
    assert names == ["pointless", "pointless_1", "pointless_2"]
    assert Pointless(name="mine").name == "mine"


def test_training_mode_follows_train_and_eval_unless_given():
    layer = Scale()
    assert layer.is_training(None) is True
    layer.eval()
    assert layer.is_training(None) is False and layer.is_training(True) is True
    layer.train()
    assert layer.is_training(None) is True and layer.is_training(False) is False


def test_input_shape_hints_and_unknown_arguments():
    assert Scale(input_shape=(28, 28)).input_shape_hint == (None, 28, 28)
    assert Scale(input_dim=784).input_shape_hint == (None, 784)
    assert Scale(batch_input_shape=(32, 10)).input_shape_hint == (32, 10)
    assert Scale().input_shape_hint is None
    with pytest.raises(TypeError, match=r"Scale: unexpected keyword arguments \['units'\]"):
        Scale(units=3)


def test_config_round_trip():
    layer = Scale(name="scale_a", trainable=False, dtype="float64")
    config = layer.get_config()
    assert config == {"name": "scale_a", "trainable": False, "dtype": "float64"}
    again = Scale.from_config(config)
    assert (again.name, again.trainable, again.dtype) == ("scale_a", False, "float64")


def test_a_layer_without_call_says_so():
    with pytest.raises(NotImplementedError, match="Layer has no call"):
        Layer()(shenjing.ones(1))
