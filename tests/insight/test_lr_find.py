"""lr_find: its max_lr trains a small MNIST CNN well in one 1cycle run, and it leaves the model
and optimizer as they were."""

import numpy as np
import pytest

import shenjing as torch
from shenjing import insight, keras, nn, optim


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 10))


def _one_cycle_accuracy(mnist, samples, batch_size=64):
    """lr_find on 12800 training images, then one 1cycle pass over ``samples`` images with its
    max_lr from a fresh model; the accuracy on the 10000 test images."""
    x_train, y_train, x_test, y_test = mnist
    x_train, x_test = x_train[:, None], x_test[:, None]
    model = _cnn()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    result = insight.lr_find(model, x_train[:12800], y_train[:12800], optimizer=opt,
                             loss_fn=nn.CrossEntropyLoss(), steps=100, batch_size=batch_size)
    assert 1e-3 < result.suggestion < 3 and 1e-3 < result.max_lr < 3
    model = _cnn()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    steps = samples // batch_size
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=result.max_lr, total_steps=steps)
    order = np.random.default_rng(0).permutation(len(x_train))
    for i in range(steps):
        idx = order[i * batch_size:(i + 1) * batch_size]
        opt.zero_grad()
        nn.functional.cross_entropy(model(torch.tensor(x_train[idx])),
                                    torch.tensor(y_train[idx])).backward()
        opt.step()
        schedule.step()
    with torch.no_grad():
        predicted = model(torch.tensor(x_test)).numpy().argmax(axis=1)
    return float((predicted == y_test).mean())


def test_max_lr_trains_a_fifth_of_an_epoch_to_95_percent(mnist):
    assert _one_cycle_accuracy(mnist, samples=12800) >= 0.95


@pytest.mark.slow
def test_max_lr_trains_one_epoch_to_97_percent(mnist):
    assert _one_cycle_accuracy(mnist, samples=60000) >= 0.97


def test_range_test_record_and_suggestions(mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    weights = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    result = insight.lr_find(model, x, y, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                             start_lr=1e-5, end_lr=100.0, steps=60)
    n = len(result.lrs)
    # an exponential ramp from start_lr, stopped early once the loss blew up
    assert n < 60
    expected = 1e-5 * (100.0 / 1e-5) ** (np.arange(n) / 59)
    np.testing.assert_allclose(result.lrs, expected, rtol=1e-12)
    # the bias-corrected moving average of the raw losses
    average = 0.0
    for i, raw in enumerate(result.raw_losses[:n - 1]):
        average = 0.98 * average + 0.02 * raw
        assert result.losses[i] == pytest.approx(average / (1 - 0.98 ** (i + 1)))
    lowest = int(np.nanargmin(result.losses))
    assert result.max_lr == pytest.approx(result.lrs[lowest] / 10)
    assert result.suggestion <= result.lrs[lowest]
    # the model and the optimizer are as before
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), weights[k])
    assert opt.param_groups[0]["lr"] == 0.01 and not opt.state


def test_keras_model_is_restored(mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    result = insight.lr_find(model, x, y, steps=40, start_lr=1e-6, end_lr=1.0)
    assert len(result.lrs) >= 10 and np.isfinite(result.losses[:-1]).all()
    assert 1e-6 <= result.suggestion <= 1.0
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.learning_rate == pytest.approx(1e-3)
    assert model.optimizer.iterations == 0


def test_bad_arguments_are_named(mnist_small):
    x, y = mnist_small
    model = nn.Linear(784, 10)
    with pytest.raises(TypeError, match="lr_find: a PyTorch-face model needs optimizer="):
        insight.lr_find(model, x, y)
    with pytest.raises(ValueError, match="lr_find: steps must be an int >= 5, got 2"):
        insight.lr_find(model, x, y, steps=2)
    with pytest.raises(ValueError, match="start_lr=1.0, end_lr=0.1"):
        insight.lr_find(model, x, y, start_lr=1.0, end_lr=0.1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(RuntimeError, match="lr_find: the loss diverged after 2 step"):
        insight.lr_find(model, x, y, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                        start_lr=1e6, end_lr=1e9, steps=10)
    keras_model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    keras_model.compile(keras.optimizers.SGD(decay), "mse")
    with pytest.raises(TypeError, match="optimizer has a learning-rate schedule"):
        insight.lr_find(keras_model, x, np.zeros((len(x), 10), "float32"))


def test_lr_find_takes_a_data_loader(mnist_small):
    from shenjing.utils.data import DataLoader, TensorDataset
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(torch.tensor(x[:256]), torch.tensor(y[:256])),
                        batch_size=64, shuffle=True)
    result = insight.lr_find(model, loader, optimizer=opt, loss_fn=nn.CrossEntropyLoss(),
                             steps=20, start_lr=1e-5, end_lr=1e-1)
    assert len(result.lrs) == 20 == len(result.raw_losses)     # 4 batches, cycled 5 times
    assert np.isfinite(result.raw_losses).all() and not opt.state
