"""``keras.activations``: each function against PyTorch's (forward and backward), relu's
Keras options, lookup by name, configs."""

import numpy
import pytest

import shenjing
from shenjing.autograd import gradcheck
from shenjing.keras import activations


def _inputs(shape=(4, 6), seed=0):
    """Values in (-6, 6) kept away from the kinks at 0 and +-3 (where gradients jump)."""
    x = numpy.random.default_rng(seed).uniform(-6, 6, shape)
    for kink in (-3.0, 0.0, 3.0):
        near = numpy.abs(x - kink) < 0.05
        x[near] += 0.1
    return x


def _torch_table():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    return {"relu": F.relu, "relu6": F.relu6, "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
            "elu": F.elu, "selu": F.selu, "gelu": F.gelu, "sigmoid": torch.sigmoid,
            "tanh": torch.tanh, "softmax": lambda x: F.softmax(x, -1),
            "log_softmax": lambda x: F.log_softmax(x, -1), "softplus": F.softplus,
            "softsign": F.softsign, "silu": F.silu, "swish": F.silu, "mish": F.mish,
            "exponential": torch.exp, "hard_sigmoid": F.hardsigmoid,
            "hard_silu": F.hardswish, "hard_swish": F.hardswish, "linear": lambda x: x}


NAMES = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "softmax",
         "log_softmax", "softplus", "softsign", "silu", "swish", "mish", "exponential",
         "hard_sigmoid", "hard_silu", "hard_swish", "linear"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 2e-5)])
def test_activation_matches_torch_forward_and_backward(name, dtype, rtol):
    torch = pytest.importorskip("torch")
    reference = _torch_table()[name]
    if name.startswith("hard_") and dtype == "float64":
        rtol = 1e-7   # torch's hardsigmoid backward multiplies by 1/6 rounded to float32
    x = _inputs().astype(dtype)
    ours_x = shenjing.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours = activations.get(name)(ours_x)
    theirs = reference(theirs_x)
    assert ours.dtype == numpy.dtype(dtype)
    numpy.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol)
    weights = numpy.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    (ours * shenjing.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    numpy.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=rtol,
                                  atol=rtol)


def test_functions_are_exposed_by_name_and_take_keras_arguments():
    torch = pytest.importorskip("torch")
    x = _inputs()
    t = torch.tensor(x)
    checks = [(activations.relu(shenjing.tensor(x)), torch.relu(t)),
              (activations.leaky_relu(shenjing.tensor(x), negative_slope=0.05),
               torch.nn.functional.leaky_relu(t, 0.05)),
              (activations.elu(shenjing.tensor(x), alpha=0.5), torch.nn.functional.elu(t, 0.5)),
              (activations.gelu(shenjing.tensor(x), approximate=True),
               torch.nn.functional.gelu(t, approximate="tanh")),
              (activations.softmax(shenjing.tensor(x), axis=0), torch.softmax(t, 0)),
              (activations.log_softmax(shenjing.tensor(x), axis=0), torch.log_softmax(t, 0))]
    for ours, theirs in checks:
        numpy.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_softmax_is_over_the_last_axis():
    y = activations.get("softmax")(shenjing.tensor(_inputs((2, 3, 5))))
    numpy.testing.assert_allclose(y.numpy().sum(-1), numpy.ones((2, 3)), rtol=1e-12)


def test_relu_options_follow_keras_definition():
    x = shenjing.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    numpy.testing.assert_array_equal(activations.relu(x).numpy(), [0, 0, 0, 5, 10])
    numpy.testing.assert_array_equal(activations.relu(x, negative_slope=0.5).numpy(),
                                     [-5, -2.5, 0, 5, 10])
    numpy.testing.assert_array_equal(activations.relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    numpy.testing.assert_array_equal(activations.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    # all three: slope * (x - threshold) below the threshold, x cut at max_value above it
    v = _inputs((50,))
    expected = numpy.where(v > 1.0, numpy.minimum(v, 4.0), 0.1 * (v - 1.0))
    got = activations.relu(shenjing.tensor(v), negative_slope=0.1, max_value=4.0, threshold=1.0)
    numpy.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_composed_activations_have_correct_gradients():
    x = shenjing.tensor(_inputs((3, 5)), requires_grad=True)
    for function in (activations.hard_sigmoid, activations.hard_silu,
                     lambda v: activations.relu(v, negative_slope=0.1, max_value=4.0,
                                                threshold=1.0)):
        assert gradcheck(function, (x,))


def test_hard_sigmoid_is_keras_3_definition():
    x = shenjing.tensor([-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0])
    numpy.testing.assert_allclose(activations.hard_sigmoid(x).numpy(),
                                  [0, 0, 0.25, 0.5, 0.75, 1, 1])


def test_get_none_linear_callables_and_dicts():
    x = shenjing.tensor([1.0, -2.0])
    assert activations.get(None)(x) is x and activations.get("linear")(x) is x

    def double(v):
        return v * 2
    assert activations.get(double) is double
    assert activations.get({"class_name": "function", "config": "tanh"}) is activations.tanh
    assert activations.get({"class_name": "sigmoid"}) is activations.sigmoid
    assert activations.get("swish") is activations.silu


def test_unknown_names_raise_with_the_known_names():
    with pytest.raises(ValueError, match=r"'rleu'.*relu.*sigmoid"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="could not interpret"):
        activations.get(3)


@pytest.mark.parametrize("name", NAMES)
def test_serialize_round_trips_every_name(name):
    function = activations.get(name)
    assert activations.get(activations.serialize(function)) is function
    assert activations.serialize(None) == "linear"


def test_arrays_are_accepted():
    numpy.testing.assert_allclose(activations.sigmoid(numpy.zeros(3)).numpy(), [0.5] * 3)
