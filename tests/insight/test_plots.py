"""Plots: each writes a real PNG of the figure's size, and the plotted data are the numbers."""

import struct

import numpy as np
import pytest

import shenjing as torch
from shenjing import insight, keras, nn, optim

pytest.importorskip("matplotlib")


def _png_size(path):
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert data.endswith(b"IEND\xaeB`\x82")        # complete: ends with the IEND chunk
    return struct.unpack(">II", data[16:24])


def _check_png(fig, path):
    width, height = fig.get_size_inches() * fig.dpi
    assert _png_size(path) == (round(width), round(height))


@pytest.fixture(scope="module")
def monitored(mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.Sigmoid(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 10))
    opt = optim.SGD(model.parameters(), lr=0.1)
    with insight.Monitor(model, every=2) as mon:
        for i in range(0, 512, 64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.tensor(x[i:i + 64])),
                                               torch.tensor(y[i:i + 64]))
            loss.backward()
            opt.step()
            mon.step(loss)
    return model, mon


def test_history(tmp_path, mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=128, validation_split=0.25, verbose=0)
    fig = insight.plot_history(history, tmp_path / "history.png")
    _check_png(fig, tmp_path / "history.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax, name in zip(fig.axes, ["loss", "accuracy"]):
        train, val = ax.lines
        assert (train.get_label(), val.get_label()) == ("train", "validation")
        np.testing.assert_allclose(train.get_ydata(), history.history[name])
        np.testing.assert_allclose(val.get_ydata(), history.history["val_" + name])
        np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="plot_history: expected a History"):
        insight.plot_history({})


def test_gradient_flow(tmp_path, monitored):
    _, mon = monitored
    fig = insight.plot_gradient_flow(mon, tmp_path / "flow.png")
    _check_png(fig, tmp_path / "flow.png")
    (line,) = fig.axes[0].lines
    flow = mon.layer_gradients()
    assert list(flow) == ["0", "2", "4"]
    np.testing.assert_allclose(line.get_ydata(), list(flow.values()))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "0 (Linear)", "2 (Linear)", "4 (Linear)"]


def test_activation_and_weight_histograms(tmp_path, monitored):
    model, mon = monitored
    fig = insight.plot_activation_histograms(mon, tmp_path / "act.png")
    _check_png(fig, tmp_path / "act.png")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == [
        "0 (Linear)", "1 (Sigmoid)", "2 (Linear)", "3 (ReLU)", "4 (Linear)"]
    counts = sum(p.get_height() for p in shown[1].patches)
    assert counts == mon.samples["1"].size
    fig = insight.plot_weight_histograms(model, tmp_path / "w.png")
    _check_png(fig, tmp_path / "w.png")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["0.weight", "2.weight", "4.weight"]
    assert sum(p.get_height() for p in shown[0].patches) == 32 * 784


def test_confusion_matrix_and_misclassified(tmp_path, mnist_small):
    x, y = mnist_small
    rng = np.random.default_rng(0)
    predicted = np.where(rng.random(len(y)) < 0.1, (y + 1) % 10, y)   # 10% wrong by one
    counts = insight.confusion_matrix(y, predicted)
    expected = np.zeros((10, 10), int)
    for t, p in zip(y, predicted):
        expected[t, p] += 1
    np.testing.assert_array_equal(counts, expected)
    scores = np.eye(10)[predicted]                     # (N, classes) scores work too
    fig = insight.plot_confusion_matrix(y, scores, tmp_path / "cm.png")
    _check_png(fig, tmp_path / "cm.png")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), expected)
    fig = insight.plot_misclassified(x, y, predicted, tmp_path / "wrong.png", max_images=10)
    _check_png(fig, tmp_path / "wrong.png")
    wrong = np.flatnonzero(y != predicted)[:10]
    titled = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in titled] == [f"{y[i]} -> {predicted[i]}" for i in wrong]
    np.testing.assert_array_equal(titled[0].images[0].get_array(), x[wrong[0]].reshape(28, 28))
    with pytest.raises(ValueError, match="plot_misclassified: 2048 images, 3 labels"):
        insight.plot_misclassified(x, y[:3], predicted[:3])


def test_lr_schedule_preview(tmp_path):
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=100)
    fig = insight.plot_lr_schedule(schedule, 100, tmp_path / "onecycle.png")
    _check_png(fig, tmp_path / "onecycle.png")
    values = fig.axes[0].lines[0].get_ydata()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 / 25)    # the real one is untouched
    stepped = []
    for _ in range(100):                                            # the real schedule, stepped
        stepped.append(schedule.get_last_lr()[0])
        opt.step()
        schedule.step()
    np.testing.assert_allclose(values, stepped)
    assert values.max() == pytest.approx(0.5, rel=1e-3)
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    np.testing.assert_allclose(insight.schedule_values(decay, 30),
                               [0.1 * 0.5 ** (s / 10) for s in range(30)], rtol=1e-6)
    with pytest.raises(TypeError, match="schedule_values: expected a schedule"):
        insight.schedule_values(0.1, 10)


def test_lr_find_plot(tmp_path, mnist_small):
    x, y = mnist_small
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    result = insight.lr_find(model, x, y, optimizer=opt, loss_fn=nn.CrossEntropyLoss(), steps=30,
                             start_lr=1e-4, end_lr=10.0)
    fig = result.plot(tmp_path / "lr.png")
    _check_png(fig, tmp_path / "lr.png")
    curve, suggestion, max_lr = fig.axes[0].lines
    np.testing.assert_allclose(curve.get_xdata(), result.lrs)
    np.testing.assert_allclose(curve.get_ydata(), result.losses)
    assert suggestion.get_xdata()[0] == result.suggestion and max_lr.get_xdata()[0] == result.max_lr
    assert fig.axes[0].get_xscale() == "log"


def test_figures_show_themselves_in_notebooks():
    fig = insight.plot_lr_schedule(lambda step: 0.1 * 0.9 ** step, 20)
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (640, 360)
