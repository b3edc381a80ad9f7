"""Monitor and MonitorCallback: the recorded numbers are the ones NumPy computes directly."""

import numpy as np
import pytest

import shenjing as torch
from shenjing import insight, keras, nn, optim


def _torch_mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(),
                         nn.Linear(16, 10))


def test_pytorch_face_records_match_numpy(mnist_small):
    x, y = mnist_small
    model = _torch_mlp()
    opt = optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    xb, yb = torch.tensor(x[:64]), torch.tensor(y[:64])
    with insight.Monitor(model, every=2, optimizer=opt) as mon:
        for _ in range(5):
            before = model[0].weight.detach().numpy().copy()
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            mon.step(loss)
    assert mon.layers == ["0", "1", "2", "3", "4"]
    assert mon.kinds == {"0": None, "1": "relu", "2": None, "3": "tanh", "4": None}
    assert [e["step"] for e in mon.activations["1"]] == [0, 2, 4]     # sampled every 2nd step
    assert [s for s, _, _ in mon.losses] == [0, 1, 2, 3, 4]
    assert mon.losses[-1][1] == pytest.approx(loss.item()) and mon.losses[-1][2] == 0.05
    # the last step (4) was sampled: compare with what NumPy says about the same arrays
    g = model[0].weight.grad.numpy()
    w = model[0].weight.detach().numpy()
    last = mon.gradients["0.weight"][-1]
    assert last["grad_norm"] == pytest.approx(np.linalg.norm(g), rel=1e-5)
    assert last["grad_rms"] == pytest.approx(np.sqrt(np.mean(g.astype(np.float64) ** 2)), rel=1e-5)
    assert last["grad_to_weight"] == pytest.approx(np.linalg.norm(g) / np.linalg.norm(w), rel=1e-5)
    # plain SGD: the update is lr * g
    assert last["update_to_weight"] == pytest.approx(
        0.05 * np.linalg.norm(g) / np.linalg.norm(before), rel=1e-3)
    tanh_stats = mon.activations["3"][-1]
    assert 0 <= tanh_stats["saturated"] <= 1 and mon.activations["1"][-1]["saturated"] is None
    assert mon.samples["1"].size > 0 and mon.units_active["1"].shape == (32,)


def test_activation_stats_of_a_keras_layer(mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((784,)),
                              keras.layers.Dense(24, activation="sigmoid", name="hidden"),
                              keras.layers.Dense(10, activation="softmax", name="out")])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    callback = insight.MonitorCallback(every=1)
    model.fit(x[:32], y[:32], batch_size=32, epochs=1, shuffle=False, verbose=0,
              validation_data=(x[32:64], y[32:64]), callbacks=[callback])
    mon = callback.monitor
    # one training step; the validation forward after it (step 1, sampled) is not a step
    assert [e["step"] for e in mon.activations["hidden"]] == [0]
    assert mon.kinds == {"hidden": "sigmoid", "out": "softmax"}
    # the hidden output of that one batch, with the weights from before the update
    kernel = model.get_layer("hidden").kernel.numpy()
    bias = model.get_layer("hidden").bias.numpy()
    update = mon.gradients["hidden.kernel"][0]["update_to_weight"]
    assert update == pytest.approx(0.1 * mon.gradients["hidden.kernel"][0]["grad_norm"]
                                   / np.linalg.norm(kernel + 0.1 * model.get_layer(
                                       "hidden").kernel.grad.numpy()), rel=1e-3)
    before = kernel + 0.1 * model.get_layer("hidden").kernel.grad.numpy()
    bias_before = bias + 0.1 * model.get_layer("hidden").bias.grad.numpy()
    h = 1 / (1 + np.exp(-(x[:32].astype(np.float64) @ before + bias_before)))
    got = mon.activations["hidden"][0]
    assert got["mean"] == pytest.approx(h.mean(), rel=1e-4)
    assert got["std"] == pytest.approx(h.std(), rel=1e-3)
    assert got["saturated"] == pytest.approx(((h < 0.01) | (h > 0.99)).mean(), abs=1 / h.size * 3)
    assert mon.losses[0][2] == pytest.approx(0.1)


def test_hooks_come_off_and_overhead_is_measured(mnist_small):
    x, y = mnist_small
    model = _torch_mlp()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    mon = insight.Monitor(model, every=20)
    with mon:
        for i in range(0, 2048, 64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.tensor(x[i:i + 64])),
                                               torch.tensor(y[i:i + 64]))
            loss.backward()
            opt.step()
            mon.step(loss)
    share = mon.overhead()
    print(f"monitor overhead, sampling every 20 steps: {share:.1%}")
    assert 0 < share < 0.5
    assert [e["step"] for e in mon.activations["0"]] == [0, 20]
    model(torch.tensor(x[:4]))            # detached: no more records
    assert len(mon.activations["0"]) == 2
    with mon:                             # attached again: the same layers, steps go on
        assert mon.layers == ["0", "1", "2", "3", "4"]
        mon.step()
    assert mon.steps == 33 and mon.overhead() == pytest.approx(share, rel=0.5)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="insight.Monitor: model must be"):
        insight.Monitor(object())
    with pytest.raises(ValueError, match="every must be a positive int, got 0"):
        insight.Monitor(nn.Linear(2, 2), every=0)
    with pytest.raises(ValueError, match="MonitorCallback: every"):
        insight.MonitorCallback(every=-1)


def test_gradient_records_match_pytorch(mnist_small):
    real = pytest.importorskip("torch")
    x, y = mnist_small
    model = _torch_mlp()
    copy = real.nn.Sequential(real.nn.Linear(784, 32), real.nn.ReLU(), real.nn.Linear(32, 16),
                              real.nn.Tanh(), real.nn.Linear(16, 10)).double()
    with real.no_grad():
        for ours, theirs in zip(model.parameters(), copy.parameters()):
            theirs.copy_(real.from_numpy(ours.detach().numpy().astype(np.float64)))
    opt = optim.SGD(model.parameters(), lr=0.05)
    with insight.Monitor(model, every=1) as mon:
        loss = nn.functional.cross_entropy(model(torch.tensor(x[:64])), torch.tensor(y[:64]))
        loss.backward()
        opt.step()
        mon.step(loss)
    real.nn.functional.cross_entropy(copy(real.from_numpy(x[:64].astype(np.float64))),
                                     real.from_numpy(y[:64])).backward()
    for (name, _), theirs in zip(model.named_parameters(), copy.parameters()):
        entry = mon.gradients[name][0]
        g = theirs.grad.numpy()
        assert entry["grad_norm"] == pytest.approx(np.linalg.norm(g), rel=1e-4), name
        assert entry["grad_to_weight"] == pytest.approx(
            np.linalg.norm(g) / np.linalg.norm(theirs.detach().numpy() - 0.05 * g), rel=1e-4)


def test_dead_channels_of_a_keras_conv_are_counted(mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)),
                              keras.layers.Conv2D(8, 3, activation="relu", name="conv1"),
                              keras.layers.Conv2D(8, 3, activation="relu", name="conv2"),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    kernel, bias = model.get_layer("conv2").get_weights()
    bias[:3] = -100.0                      # 3 of 8 channels can never turn on
    model.get_layer("conv2").set_weights([kernel, bias])
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    callback = insight.MonitorCallback(every=1)
    model.fit(x[:128].reshape(-1, 28, 28, 1), y[:128], batch_size=64, epochs=1, verbose=0,
              callbacks=[callback])
    active = callback.monitor.units_active["conv2"]
    assert active.shape == (8,) and not active[:3].any() and active[3:].all()
    report = insight.diagnose(callback)
    assert "38% of units in `conv2` never activate" in str(report)

