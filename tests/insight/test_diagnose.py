"""diagnose(): the course's failure modes are named on real MNIST, and healthy runs are not."""

import math

import numpy as np
import pytest

import shenjing as torch
from shenjing import insight, keras, nn, optim


def _deep_mlp(activation, initializer):
    """20 Dense layers (19 hidden of 64 units) named dense_1 .. dense_20."""
    keras.utils.set_random_seed(0)
    layers = [keras.Input((784,))]
    layers += [keras.layers.Dense(64, activation=activation, kernel_initializer=initializer,
                                  name=f"dense_{i + 1}") for i in range(19)]
    layers += [keras.layers.Dense(10, activation="softmax", name="dense_20")]
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy")
    return model


def _fit(model, x, y, every=4):
    callback = insight.MonitorCallback(every=every)
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, callbacks=[callback])
    return insight.diagnose(callback), callback.monitor


def test_deep_sigmoid_mlp_with_tiny_init_is_vanishing(mnist_small):
    x, y = mnist_small
    report, mon = _fit(_deep_mlp("sigmoid", keras.initializers.RandomNormal(stddev=0.01)), x, y)
    assert "vanishing" in report.kinds
    finding = next(f for f in report if f.kind == "vanishing")
    flow = mon.layer_gradients()
    assert finding.numbers["first"] == "dense_1" and finding.numbers["last"] == "dense_20"
    assert finding.numbers["ratio"] == pytest.approx(flow["dense_1"] / flow["dense_20"])
    assert finding.numbers["ratio"] < 1e-6
    assert "from `dense_20` to `dense_1`: vanishing (sigmoid" in str(report)


def test_same_mlp_with_relu_and_he_is_not_vanishing(mnist_small):
    x, y = mnist_small
    report, mon = _fit(_deep_mlp("relu", "he_normal"), x, y)
    assert not report.kinds & {"vanishing", "exploding"}, str(report)
    flow = mon.layer_gradients()
    assert 1e-2 < flow["dense_1"] / flow["dense_20"] < 1e2


def test_dead_relu_bias_is_diagnosed(mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    with torch.no_grad():
        model[0].bias[:20] = -100.0      # 20 of 50 units can never turn on: 40% dead
    opt = optim.SGD(model.parameters(), lr=0.1)
    with insight.Monitor(model, every=2, optimizer=opt) as mon:
        for i in range(0, 640, 64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.tensor(x[i:i + 64])),
                                               torch.tensor(y[i:i + 64]))
            loss.backward()
            opt.step()
            mon.step(loss)
    report = insight.diagnose(mon)
    dead = [f for f in report if f.kind == "dead_relu"]
    assert [f.numbers["layer"] for f in dead] == ["1"]
    assert dead[0].numbers["fraction"] == pytest.approx(0.4)
    assert "40% of units in `1` never activate" in str(report)
    assert "diverged" not in report.kinds


def test_divergence_names_the_step_and_learning_rate(mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    with insight.Monitor(model, every=5, optimizer=opt) as mon:
        for step in range(30):
            opt.param_groups[0]["lr"] = 0.01 * 1.5 ** step     # an LR that keeps rising
            i = (step * 64) % 2048
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.tensor(x[i:i + 64])),
                                               torch.tensor(y[i:i + 64]))
            loss.backward()
            opt.step()
            mon.step(loss)
    report = insight.diagnose(mon)
    finding = next(f for f in report if f.kind == "diverged")
    step, lr = finding.numbers["step"], finding.numbers["lr"]
    losses = [loss for _, loss, _ in mon.losses]
    best = min(losses[:step])
    assert not math.isfinite(losses[step]) or losses[step] > 4 * best
    assert all(math.isfinite(v) and v <= 4 * min(losses[:k + 1])
               for k, v in enumerate(losses[:step]))
    assert lr == pytest.approx(0.01 * 1.5 ** step)
    assert f"loss diverged at step {step} after LR reached {lr:.3g}" in str(report)


def test_healthy_run_reports_nothing(mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    report, _ = _fit(model, x, y)
    assert len(report) == 0 and str(report) == "no problems found"


def test_diagnose_wants_a_monitor():
    with pytest.raises(TypeError, match="insight.diagnose: expected a Monitor"):
        insight.diagnose(np.zeros(3))


def test_overfitting_on_a_tiny_training_set(mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    callback = insight.MonitorCallback(every=10)
    history = model.fit(x[:200], y[:200], validation_data=(x[1024:2048], y[1024:2048]),
                        epochs=25, batch_size=50, verbose=0, callbacks=[callback])
    report = insight.diagnose(callback)
    val, train = history.history["val_loss"], history.history["loss"]
    best = int(np.argmin(val))
    finding = next(f for f in report if f.kind == "overfitting")
    assert finding.numbers["best_epoch"] == best + 1
    assert finding.numbers["rise"] == pytest.approx(val[-1] / val[best] - 1)
    assert train[-1] < train[best]
    # the same logs given as a History say the same; a run without validation says nothing
    assert "overfitting" in insight.diagnose(callback.monitor, history=history).kinds
    assert "overfitting" not in insight.diagnose(callback.monitor, history={"loss": train}).kinds


def test_summary_table_lists_every_layer(mnist_small):
    x, y = mnist_small
    report, mon = _fit(_deep_mlp("relu", "he_normal"), x[:512], y[:512])
    table = mon.summary().splitlines()
    assert len(table) == 1 + 20 + 1
    assert table[1].startswith("dense_1") and "relu" in table[1]
    rms = mon.layer_gradients()["dense_1"]
    assert f"{rms:.2e}" in table[1]
    assert table[-1].startswith("sampled every 4 steps over 8 steps; monitor overhead")


def test_saturated_sigmoids_are_named(mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(64, activation="sigmoid", name="wide",
                           kernel_initializer=keras.initializers.RandomNormal(stddev=1.0)),
        keras.layers.Dense(10, activation="softmax", name="out")])
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    report, mon = _fit(model, x[:512], y[:512])
    finding = next(f for f in report if f.kind == "saturated")
    shares = [e["saturated"] for e in mon.activations["wide"]]
    assert finding.numbers["layer"] == "wide"
    assert finding.numbers["fraction"] == pytest.approx(np.mean(shares)) and min(shares) > 0.5
    assert f"{np.mean(shares):.0%} of `wide`'s sigmoid outputs are saturated" in str(report)


def test_exploding_gradients(mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    layers = []
    for i in range(12):
        linear = nn.Linear(784 if i == 0 else 64, 64)
        nn.init.normal_(linear.weight, std=3 * (2 / linear.in_features) ** 0.5)   # 3x He
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(64, 10))
    with insight.Monitor(model, every=1) as mon:
        model.zero_grad()
        nn.functional.cross_entropy(model(torch.tensor(x[:64])), torch.tensor(y[:64])).backward()
        mon.step()
    report = insight.diagnose(mon)
    finding = next(f for f in report if f.kind == "exploding")
    ratios = mon.layer_gradients("grad_to_weight")
    layer = finding.numbers["layer"]
    assert finding.numbers["ratio"] == max(ratios.values()) == ratios[layer] > 10
    w, g = model.get_parameter(f"{layer}.weight"), model.get_parameter(f"{layer}.weight").grad
    assert ratios[layer] == pytest.approx(np.linalg.norm(g.numpy()) / np.linalg.norm(w.numpy()),
                                          rel=1e-5)
    assert "vanishing" not in report.kinds


def test_too_small_learning_rate(mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = optim.SGD(model.parameters(), lr=1e-7)
    with insight.Monitor(model, every=1) as mon:
        for i in range(0, 256, 64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.tensor(x[i:i + 64])),
                                               torch.tensor(y[i:i + 64]))
            loss.backward()
            opt.step()
            mon.step(loss)
    report = insight.diagnose(mon)
    finding = next(f for f in report if f.kind == "lr_too_low")
    ratios = [e["update_to_weight"] for v in mon.gradients.values() for e in v]
    assert finding.numbers["median"] == pytest.approx(np.median(ratios))
    assert finding.numbers["median"] < 1e-5
