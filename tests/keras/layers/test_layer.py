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
    assert layer.is_training(None) is False          # a Keras layer called directly infers
    layer.train()
    assert layer.is_training(None) is True and layer.is_training(False) is False
    layer.eval()
    assert layer.is_training(None) is False and layer.is_training(True) is True


class Probe(Layer):
    """Records the ``training`` its call receives; calls an inner layer without passing it."""

    def __init__(self, inner=None, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.seen = inner, []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs if self.inner is None else self.inner(inputs)


class NoTraining(Layer):
    def call(self, inputs):
        return inputs


def test_training_is_inherited_by_inner_calls_as_in_keras():
    inner = Probe()
    outer = Probe(inner)
    x = shenjing.ones(2)
    outer(x, training=True)
    outer(x, training=False)
    outer(x)
    assert outer.seen == [True, False, None] and inner.seen == [True, False, None]
    assert NoTraining()(x, training=True) is x       # a call without the argument: not given
    inner_only = Probe()
    Probe(NoTraining())(x, training=True)            # the context passes through layers
    wrapped = Probe(Probe(inner_only))
    wrapped(x, training=True)
    assert inner_only.seen == [True]


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


class Affine(Layer):
    """Keras's custom-layer tutorial form: weights made by add_weight in build."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True, name="w",
                                 regularizer=keras_regularizers().L2(0.5))
        self.b = self.add_weight("b", (self.units,), initializer="zeros")
        self.steps = self.add_weight(shape=(), initializer=lambda shape, dtype:
                                     numpy.full(shape, 7, dtype), trainable=False,
                                     name="steps")

    def call(self, inputs):
        return inputs @ self.w + self.b


def keras_regularizers():
    from shenjing.keras import regularizers
    return regularizers


def test_add_weight_in_build_both_keras_forms():
    shenjing.manual_seed(0)
    layer = Affine(4)
    y = layer(shenjing.ones(2, 3))
    assert y.shape == (2, 4)
    assert [name for name, _ in layer.named_parameters()] == ["w", "b", "steps"]
    assert layer.w.shape == (3, 4) and 0 < float(layer.w.numpy().std()) < 0.2
    numpy.testing.assert_array_equal(layer.b.numpy(), numpy.zeros(4, numpy.float32))
    assert float(layer.steps.numpy()) == 7.0
    assert [p is q for p, q in zip(layer.trainable_weights, [layer.w, layer.b])] == [True, True]
    assert len(layer.non_trainable_weights) == 1 and layer.non_trainable_weights[0] is layer.steps
    (penalty,) = layer.losses
    assert float(penalty.item()) == pytest.approx(0.5 * float((layer.w.numpy() ** 2).sum()),
                                                  rel=1e-5)
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    layer.trainable = True   # the moving statistic stays untrained
    assert len(layer.trainable_weights) == 2 and layer.steps.requires_grad is False


def test_add_weight_names_and_errors():
    layer = Layer()
    first = layer.add_weight(shape=(2,), initializer="ones")
    second = layer.add_weight(shape=(2,), initializer="ones")
    assert [name for name, _ in layer.named_parameters()] == ["variable", "variable_1"]
    assert first is not second
    with pytest.raises(ValueError, match="gave shape \\(3,\\), expected \\(2,\\)"):
        layer.add_weight(shape=(2,), initializer=lambda shape, dtype: numpy.zeros(3), name="z")
    with pytest.raises(TypeError, match="unexpected arguments \\['colour'\\]"):
        layer.add_weight(shape=(2,), colour="red")
