"""TensorBoard: the event files are read back by tensorboard's own reader with the values logged."""

import numpy as np
import pytest

import shenjing as torch
from shenjing import insight, keras, nn

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def _read(folder):
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


def test_keras_callback_logs_epochs_histograms_and_graph(tmp_path, mnist_small):
    x, y = mnist_small
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="relu",
                                                                      name="hidden"),
                              keras.layers.Dense(10, activation="softmax", name="out")],
                             name="mlp")
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callback = insight.TensorBoard(tmp_path / "logs", histogram_freq=1, update_freq=4)
    history = model.fit(x[:1024], y[:1024], epochs=2, batch_size=128, validation_split=0.25,
                        verbose=0, callbacks=[callback])
    train, val = _read(tmp_path / "logs" / "train"), _read(tmp_path / "logs" / "validation")
    for name in ("loss", "accuracy"):
        events = train.Scalars(f"epoch_{name}")
        assert [e.step for e in events] == [0, 1]
        np.testing.assert_allclose([e.value for e in events], history.history[name], rtol=1e-6)
        np.testing.assert_allclose([e.value for e in val.Scalars(f"epoch_{name}")],
                                   history.history["val_" + name], rtol=1e-6)
    assert [e.value for e in train.Scalars("epoch_learning_rate")] == pytest.approx([0.05] * 2)
    batch_steps = [e.step for e in train.Scalars("batch_loss")]
    assert batch_steps == [4, 8, 12]                 # 6 batches per epoch, every 4th batch
    histogram = train.Histograms("hidden/kernel")[-1].histogram_value
    kernel = model.get_layer("hidden").kernel.numpy().astype(np.float64)
    assert histogram.num == kernel.size and sum(histogram.bucket) == kernel.size
    assert histogram.min == pytest.approx(kernel.min()) and histogram.max == pytest.approx(
        kernel.max())
    assert histogram.sum == pytest.approx(kernel.sum(), rel=1e-6)
    graph = train.Graph()
    assert [(n.name, n.op, list(n.input)) for n in graph.node] == [
        ("mlp/hidden", "Dense", []), ("mlp/out", "Dense", ["mlp/hidden"])]


def test_summary_writer_for_the_pytorch_face(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with insight.SummaryWriter(tmp_path / "run") as writer:
        for step in range(5):
            writer.add_scalar("loss", torch.tensor(1.0 / (step + 1)), step)
        writer.add_histogram("0.weight", model[0].weight, 3, bins=5)
        writer.add_graph(model)
    acc = _read(tmp_path / "run")
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [
        (s, pytest.approx(1.0 / (s + 1))) for s in range(5)]
    w = model[0].weight.numpy().astype(np.float64)
    counts, edges = np.histogram(w, bins=5)
    h = acc.Histograms("0.weight")[0]
    assert h.step == 3
    np.testing.assert_allclose(h.histogram_value.bucket, counts)
    np.testing.assert_allclose(h.histogram_value.bucket_limit, edges[1:])
    assert [n.name for n in acc.Graph().node] == ["Sequential/0", "Sequential/1", "Sequential/2"]
    with pytest.raises(ValueError, match="add_histogram: 'bad' needs finite values"):
        with insight.SummaryWriter(tmp_path / "bad") as writer:
            writer.add_histogram("bad", np.array([1.0, np.nan]))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="TensorBoard: update_freq must be"):
        insight.TensorBoard(update_freq=0)
    with pytest.raises(ValueError, match="TensorBoard: histogram_freq must be"):
        insight.TensorBoard(histogram_freq=-1)


def test_keras_callbacks_reexport():
    assert keras.callbacks.TensorBoard is insight.TensorBoard
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchCallback'"):
        keras.callbacks.NoSuchCallback
