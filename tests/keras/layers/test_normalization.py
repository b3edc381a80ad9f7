"""Keras's normalization layers against PyTorch's: ``BatchNormalization`` in training and
inference (with Keras's momentum and biased moving variance translated), and
``LayerNormalization``; weights, modes, configs, errors."""

import json

import numpy
import pytest

import shenjing
from shenjing.autograd import gradcheck
from shenjing.keras.initializers import Constant
from shenjing.keras.layers import BatchNormalization, LayerNormalization
from shenjing.keras.layers import normalization


def _random(shape, seed, dtype="float64", scale=1.0, shift=0.0):
    return (numpy.random.default_rng(seed).standard_normal(shape) * scale + shift).astype(dtype)


def _compare(ours, theirs, rtol):
    numpy.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)


# ---------------------------------------------------------------- BatchNormalization


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 2e-4)])
@pytest.mark.parametrize("shape", [(16, 5), (4, 3, 3, 5)])
def test_batch_norm_training_matches_torch_and_moves_keras_statistics(dtype, rtol, shape):
    """Three training steps: outputs and gradients as torch's BatchNorm (channels moved
    first for it), Keras momentum k = 1 - torch's; then the moving mean equals torch's
    running mean, and the moving variance follows Keras's rule with the biased batch variance
    (torch's uses the unbiased one: after the steps, ours - k^t = (torch's - k^t) (m - 1) / m
    for batches of m values per channel)."""
    torch = pytest.importorskip("torch")
    k, eps, steps = 0.9, 1e-3, 3
    channels, m = shape[-1], int(numpy.prod(shape[:-1]))
    bn = BatchNormalization(momentum=k, epsilon=eps, dtype=dtype)
    reference = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(
        channels, eps=eps, momentum=1 - k).to(getattr(torch, dtype))
    gamma, beta = _random(channels, 10, dtype, 0.5, 1.0), _random(channels, 11, dtype)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(gamma))
        reference.bias.copy_(torch.tensor(beta))
    expected_mean, expected_var = numpy.zeros(channels), numpy.ones(channels)
    for step in range(steps):
        x = _random(shape, step, dtype, scale=2.0, shift=3.0)
        if step == 0:
            bn(shenjing.tensor(x), training=False)        # build, no update
            bn.set_weights([gamma, beta, numpy.zeros(channels), numpy.ones(channels)])
        ours_x = shenjing.tensor(x, requires_grad=True)
        theirs_x = torch.tensor(numpy.moveaxis(x, -1, 1).copy(), requires_grad=True)
        ours = bn(ours_x, training=True)
        theirs = reference(theirs_x)
        _compare(ours.numpy(), numpy.moveaxis(theirs.detach().numpy(), 1, -1), rtol)
        weights = _random(shape, 100 + step, dtype)
        (ours * shenjing.tensor(weights)).sum().backward()
        (theirs * torch.tensor(numpy.moveaxis(weights, -1, 1).copy())).sum().backward()
        _compare(ours_x.grad.numpy(), numpy.moveaxis(theirs_x.grad.numpy(), 1, -1), rtol)
        _compare(bn.gamma.grad.numpy(), reference.weight.grad.numpy(), rtol)
        _compare(bn.beta.grad.numpy(), reference.bias.grad.numpy(), rtol)
        bn.gamma.grad = bn.beta.grad = None
        reference.weight.grad = reference.bias.grad = None
        # Keras's rule by hand: moving = moving * k + batch * (1 - k), biased variance
        axes = tuple(range(len(shape) - 1))
        expected_mean = expected_mean * k + x.mean(axes) * (1 - k)
        expected_var = expected_var * k + x.var(axes) * (1 - k)
    _compare(bn.moving_mean.numpy(), expected_mean, rtol)
    _compare(bn.moving_variance.numpy(), expected_var, rtol)
    _compare(bn.moving_mean.numpy(), reference.running_mean.numpy(), rtol)
    decayed = k ** steps                          # what is left of the initial variance, 1
    _compare(bn.moving_variance.numpy() - decayed,
             (reference.running_var.numpy() - decayed) * (m - 1) / m, rtol)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-5)])
def test_batch_norm_inference_matches_torch_eval_with_the_same_statistics(dtype, rtol):
    torch = pytest.importorskip("torch")
    shape, channels = (3, 4, 4, 6), 6
    bn = BatchNormalization(epsilon=1e-3, dtype=dtype)
    reference = torch.nn.BatchNorm2d(channels, eps=1e-3).to(getattr(torch, dtype)).eval()
    stats = [_random(channels, 1, dtype, 0.5, 1.0), _random(channels, 2, dtype),
             _random(channels, 3, dtype), numpy.abs(_random(channels, 4, dtype)) + 0.5]
    with torch.no_grad():
        for tensor, value in zip((reference.weight, reference.bias, reference.running_mean,
                                  reference.running_var), stats):
            tensor.copy_(torch.tensor(value))
    x = _random(shape, 5, dtype, 2.0, 1.0)
    bn(shenjing.tensor(x), training=False)
    bn.set_weights(stats)
    ours_x = shenjing.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(numpy.moveaxis(x, -1, 1).copy(), requires_grad=True)
    ours, theirs = bn(ours_x, training=False), reference(theirs_x)
    _compare(ours.numpy(), numpy.moveaxis(theirs.detach().numpy(), 1, -1), rtol)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    _compare(ours_x.grad.numpy(), numpy.moveaxis(theirs_x.grad.numpy(), 1, -1), rtol)
    _compare(bn.gamma.grad.numpy(), reference.weight.grad.numpy(), rtol)
    for moving, value in zip(bn.non_trainable_weights, stats[2:]):   # inference moves nothing
        numpy.testing.assert_array_equal(moving.numpy(), value)


def test_batch_norm_channels_first_axis_matches_torch():
    torch = pytest.importorskip("torch")
    x = _random((4, 3, 5, 5), 0)
    bn = BatchNormalization(axis=1, dtype="float64")
    reference = torch.nn.BatchNorm2d(3, eps=1e-3, momentum=0.01).double()
    _compare(bn(shenjing.tensor(x), training=True).numpy(),
             reference(torch.tensor(x)).detach().numpy(), 1e-10)
    _compare(bn.moving_mean.numpy(), reference.running_mean.numpy(), 1e-12)


def test_batch_norm_weights_modes_and_switches():
    bn = BatchNormalization()
    x = shenjing.tensor(_random((8, 3), 0, "float32", 2.0, 5.0))
    assert bn(x, training=False).shape == (8, 3)
    assert [name for name, _ in bn.named_parameters()] == ["gamma", "beta", "moving_mean",
                                                           "moving_variance"]
    assert bn.trainable_weights == [bn.gamma, bn.beta]
    assert bn.non_trainable_weights == [bn.moving_mean, bn.moving_variance]
    numpy.testing.assert_array_equal(bn.moving_mean.numpy(), numpy.zeros(3))
    bn(x)                                       # a new layer infers: nothing moves
    numpy.testing.assert_array_equal(bn.moving_mean.numpy(), numpy.zeros(3))
    bn.train()                                  # training mode: the statistics move
    bn(x)
    assert (bn.moving_mean.numpy() != 0).all()
    bn.eval()
    before = bn.moving_mean.numpy().copy()
    bn(x)
    numpy.testing.assert_array_equal(bn.moving_mean.numpy(), before)
    frozen = BatchNormalization(trainable=False)   # Keras: a frozen layer runs in inference
    numpy.testing.assert_allclose(frozen(x, training=True).numpy(),
                                  x.numpy() / numpy.sqrt(1 + 1e-3), rtol=1e-6)
    numpy.testing.assert_array_equal(frozen.moving_mean.numpy(), numpy.zeros(3))


def test_batch_norm_without_scale_or_center():
    x = shenjing.tensor(_random((10, 4), 0, "float64"))
    x_hat = (x.numpy() - x.numpy().mean(0)) / numpy.sqrt(x.numpy().var(0) + 1e-3)
    shift_only = BatchNormalization(scale=False, beta_initializer="ones", dtype="float64")
    numpy.testing.assert_allclose(shift_only(x, training=True).numpy(), x_hat + 1, rtol=1e-12)
    assert [w.shape for w in shift_only.trainable_weights] == [(4,)]
    bare = BatchNormalization(scale=False, center=False, dtype="float64")
    numpy.testing.assert_allclose(bare(x, training=True).numpy(), x_hat, rtol=1e-12)
    assert bare.trainable_weights == [] and len(bare.weights) == 2


def test_batch_norm_gradcheck_channels_last():
    x = shenjing.tensor(_random((3, 2, 4), 0), requires_grad=True)
    bn = BatchNormalization(dtype="float64", gamma_initializer=Constant(1.5))
    assert gradcheck(lambda v: bn(v, training=True), (x,))


def test_batch_norm_uses_the_fused_op_once_per_call(monkeypatch):
    calls = []
    fused = normalization.batch_norm

    def spy(*args, **kwargs):
        calls.append(kwargs["training"])
        return fused(*args, **kwargs)
    monkeypatch.setattr(normalization, "batch_norm", spy)
    bn = BatchNormalization()
    bn(shenjing.randn(4, 3), training=True)
    bn(shenjing.randn(4, 3), training=False)
    assert calls == [True, False]


def test_batch_norm_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"bn \(BatchNormalization\): expected inputs of at least"
                                         r" 2 dims.*got shape \(5,\)"):
        BatchNormalization(name="bn")(shenjing.ones(5))
    bn = BatchNormalization(name="bn2")
    bn(shenjing.randn(4, 3))
    with pytest.raises(ValueError, match=r"bn2 \(BatchNormalization\): expected 3 channels on "
                                         r"axis -1, got inputs of shape \(4, 5\)"):
        bn(shenjing.randn(4, 5))
    with pytest.raises(ValueError, match=r"bn2 .*more than one value per channel"):
        bn(shenjing.randn(1, 3), training=True)
    assert bn(shenjing.randn(1, 3), training=False).shape == (1, 3)


def test_batch_norm_config_round_trip():
    bn = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                            gamma_initializer="he_normal", gamma_regularizer="l2", name="bn")
    config = bn.get_config()
    assert BatchNormalization.from_config(config).get_config() == config
    json.dumps(config)
    assert config["axis"] == 1 and config["momentum"] == 0.9 and config["epsilon"] == 1e-5
    assert config["gamma_initializer"] == {"class_name": "HeNormal", "config": {"seed": None}}
    assert config["moving_variance_initializer"] == {"class_name": "Ones", "config": {}}
    assert config["gamma_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}


# ---------------------------------------------------------------- LayerNormalization


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("shape, axis", [((4, 10), -1), ((2, 5, 6), -1), ((2, 3, 4), [1, 2]),
                                         ((2, 3, 4), [-2, -1])])
def test_layer_norm_matches_torch(dtype, rtol, shape, axis):
    torch = pytest.importorskip("torch")
    normalized = shape[-1:] if axis == -1 else shape[1:]
    ln = LayerNormalization(axis=axis, dtype=dtype)
    reference = torch.nn.LayerNorm(normalized, eps=1e-3).to(getattr(torch, dtype))
    gamma, beta = _random(normalized, 1, dtype, 0.5, 1.0), _random(normalized, 2, dtype)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(gamma))
        reference.bias.copy_(torch.tensor(beta))
    x = _random(shape, 3, dtype, 2.0, 1.0)
    ln(shenjing.tensor(x))
    ln.set_weights([gamma, beta])
    ours_x, theirs_x = shenjing.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = ln(ours_x), reference(theirs_x)
    _compare(ours.numpy(), theirs.detach().numpy(), rtol)
    weights = _random(shape, 4, dtype)
    (ours * shenjing.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    _compare(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol)
    _compare(ln.gamma.grad.numpy(), reference.weight.grad.numpy(), rtol)
    _compare(ln.beta.grad.numpy(), reference.bias.grad.numpy(), rtol)


def test_layer_norm_over_a_middle_axis():
    x = _random((2, 3, 4), 0)
    ln = LayerNormalization(axis=1, dtype="float64", gamma_initializer=Constant(2.0))
    y = ln(shenjing.tensor(x))
    assert ln.gamma.shape == (3,)
    expected = 2 * (x - x.mean(1, keepdims=True)) / numpy.sqrt(x.var(1, keepdims=True) + 1e-3)
    numpy.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    assert gradcheck(ln, (shenjing.tensor(x, requires_grad=True),))


def test_layer_norm_switches_config_and_errors():
    x = shenjing.tensor(_random((3, 4), 0))
    shift_only = LayerNormalization(scale=False, beta_initializer="ones", dtype="float64")
    x_hat = (x.numpy() - x.numpy().mean(1, keepdims=True)) / numpy.sqrt(
        x.numpy().var(1, keepdims=True) + 1e-3)
    numpy.testing.assert_allclose(shift_only(x).numpy(), x_hat + 1, rtol=1e-12)
    assert [name for name, _ in shift_only.named_parameters()] == ["beta"]
    ln = LayerNormalization(axis=[1], epsilon=1e-5, name="ln")
    config = ln.get_config()
    assert LayerNormalization.from_config(config).get_config() == config
    assert config["axis"] == [1] and config["epsilon"] == 1e-5
    with pytest.raises(ValueError, match=r"ln \(LayerNormalization\): axis \[1\] does not fit "
                                         r"inputs of shape \(3,\)"):
        ln(shenjing.ones(3))
    ln(shenjing.ones(2, 4))
    with pytest.raises(ValueError, match=r"ln \(LayerNormalization\): expected \(4,\) .*"
                                         r"got inputs of shape \(2, 5\)"):
        ln(shenjing.ones(2, 5))
