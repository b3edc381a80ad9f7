"""``Model.fit`` / ``evaluate`` / ``predict`` on every input Keras takes (arrays, a
``PyDataset``, a generator, a ``DataLoader``), ``initial_epoch`` / ``validation_freq``,
``class_weight`` and the ``*_on_batch`` methods, against arrays and against Keras 3."""

import math
import warnings

import numpy
import pytest

import shenjing
from shenjing import keras
from shenjing.datasets import load_sample
from shenjing.keras import layers
from shenjing.utils.data import DataLoader, TensorDataset
from tests.keras.oracle import keras3, to_numpy

BATCH = 50


@pytest.fixture(scope="module")
def digits():
    """600 real digits, flattened to 784 values in [0, 1]."""
    images, labels = load_sample("mnist")
    x = images[:600].reshape(600, -1).astype(numpy.float32) / 255
    return x, labels[:600].astype(numpy.int64)


def classifier(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(16, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Batches(keras.utils.PyDataset):
    """The digits in batches of BATCH, in order; counts the epoch hooks and the reads."""

    def __init__(self, x, y, w=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.w = x, y, w
        self.begins = self.ends = 0
        self.read = []

    def __len__(self):
        return math.ceil(len(self.x) / BATCH)

    def __getitem__(self, index):
        self.read.append(index)
        cut = slice(index * BATCH, (index + 1) * BATCH)
        if self.w is None:
            return self.x[cut], self.y[cut]
        return self.x[cut], self.y[cut], self.w[cut]

    def on_epoch_begin(self):
        self.begins += 1

    def on_epoch_end(self):
        self.ends += 1


def stream(x, y, passes):
    """A generator of the digits' batches, in order, ``passes`` times over."""
    for _ in range(passes):
        for start in range(0, len(x), BATCH):
            yield x[start:start + BATCH], y[start:start + BATCH]


def assert_same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        numpy.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


def test_a_pydataset_a_generator_and_a_data_loader_train_as_the_arrays_do(digits):
    x, y = digits
    reference = classifier()
    expected = reference.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    steps = len(x) // BATCH
    dataset = Batches(x, y)
    loader = DataLoader(TensorDataset(shenjing.tensor(x), shenjing.tensor(y)),
                        batch_size=BATCH, shuffle=False)
    for source, kwargs in ((dataset, {"shuffle": False}), (stream(x, y, 2),
                           {"steps_per_epoch": steps}), (loader, {})):
        model = classifier()
        history = model.fit(source, epochs=2, verbose=0, **kwargs)
        assert model.optimizer.iterations == 2 * steps
        assert_same_weights(model, reference)
        numpy.testing.assert_allclose(history.history["loss"], expected.history["loss"],
                                      rtol=1e-5)
    assert dataset.begins == dataset.ends == 2          # once per epoch
    assert dataset.read == list(range(steps)) * 2


def test_sample_weights_from_a_pydataset_as_from_arrays(digits):
    x, y = digits
    w = numpy.linspace(0.2, 2, len(x)).astype(numpy.float32)
    reference = classifier()
    reference.fit(x, y, sample_weight=w, batch_size=BATCH, shuffle=False, verbose=0)
    model = classifier()
    model.fit(Batches(x, y, w), shuffle=False, verbose=0)
    assert_same_weights(model, reference)
    with pytest.raises(ValueError, match="`sample_weight` must not be given when `x` yields"):
        model.fit(Batches(x, y), sample_weight=w, verbose=0)


def test_a_shuffled_pydataset_reads_every_batch_once_per_epoch(digits):
    x, y = digits
    dataset = Batches(x, y)
    keras.utils.set_random_seed(1)
    classifier().fit(dataset, epochs=2, verbose=0)      # shuffle=True: the batches' order
    first, second = dataset.read[:12], dataset.read[12:]
    assert sorted(first) == sorted(second) == list(range(12)) and first != second


def test_steps_per_epoch_goes_on_through_a_generator_and_stops_when_it_runs_out(digits):
    x, y = digits
    taken = []

    def counted():
        for batch in stream(x, y, 1):
            taken.append(1)
            yield batch

    model = classifier()
    history = model.fit(counted(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(taken) == 12 and history.epoch == [0, 1, 2]   # never a batch read ahead
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(stream(x, y, 1), epochs=3, verbose=0)   # no steps: one pass
    assert history.epoch == [0]
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(stream(x[:100], y[:100], 1), steps_per_epoch=3, epochs=2,
                            verbose=0)
    assert history.epoch == [0]


def test_validation_evaluate_and_predict_take_every_input(digits):
    x, y = digits
    model = classifier()
    val = (x[:200], y[:200])
    history = model.fit(x[200:], y[200:], batch_size=BATCH, validation_data=Batches(*val),
                        verbose=0)
    expected = model.evaluate(*val, batch_size=BATCH, verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-5)
    loader = DataLoader(TensorDataset(shenjing.tensor(val[0]), shenjing.tensor(val[1])),
                        batch_size=BATCH)
    for source, steps in ((Batches(*val), None), (loader, None), (stream(*val, 1), 4)):
        got = model.evaluate(source, steps=steps, verbose=0, return_dict=True)
        assert got == pytest.approx(expected, rel=1e-5)
    # validation_steps: the first 2 batches of a validation generator, each time
    history = model.fit(x[200:], y[200:], batch_size=BATCH, epochs=2, verbose=0,
                        validation_data=stream(*val, 2), validation_steps=4)
    assert len(history.history["val_loss"]) == 2
    predicted = model.predict(val[0], verbose=0)
    numpy.testing.assert_allclose(model.predict(Batches(*val), verbose=0), predicted, rtol=1e-6)
    numpy.testing.assert_allclose(model.predict(loader, verbose=0), predicted, rtol=1e-6)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        model.fit(Batches(*val), validation_split=0.2, verbose=0)


def test_an_endless_pydataset_needs_steps(digits):
    x, y = digits

    class Endless(keras.utils.PyDataset):
        def __getitem__(self, index):
            return x[:BATCH], y[:BATCH]

    model = classifier()
    with pytest.raises(ValueError, match="endless PyDataset .* needs steps_per_epoch"):
        model.fit(Endless(), verbose=0)
    history = model.fit(Endless(), steps_per_epoch=3, epochs=2, verbose=0)
    assert model.optimizer.iterations == 6 and history.epoch == [0, 1]


def small_pair(keras_module, units=3):
    model = keras_module.Sequential([keras_module.Input(shape=(4,)),
                                     keras_module.layers.Dense(units, activation="softmax")])
    model.compile(optimizer=keras_module.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_initial_epoch_and_validation_freq_log_the_epochs_keras_logs():
    keras = keras3()
    from shenjing import keras as ours
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(numpy.float32)
    y = rng.integers(0, 3, size=40)
    for kwargs in ({"epochs": 5, "initial_epoch": 2, "validation_freq": 2},
                   {"epochs": 4, "validation_freq": 3}, {"epochs": 4, "validation_freq": [1, 4]},
                   {"epochs": 3, "initial_epoch": 3}):
        runs = []
        for module in (keras, ours):
            history = small_pair(module).fit(x, y, batch_size=16, verbose=0,
                                             validation_data=(x[:8], y[:8]), **kwargs)
            runs.append((list(history.epoch),
                         {key: len(values) for key, values in history.history.items()}))
        assert runs[0] == runs[1], kwargs
    with pytest.raises(ValueError, match="validation_freq must be a positive integer"):
        small_pair(ours).fit(x, y, validation_freq=0, verbose=0)


def copied_pair(keras):
    from shenjing import keras as ours
    theirs, mine = small_pair(keras, units=10), small_pair(ours, units=10)
    theirs.build((None, 4))
    rng = numpy.random.default_rng(3)
    weights = [rng.normal(scale=0.5, size=w.shape).astype(numpy.float32)
               for w in mine.get_weights()]
    theirs.set_weights(weights)
    mine.set_weights(weights)
    return theirs, mine


def test_class_weight_in_train_on_batch_as_keras(digits):
    keras = keras3()
    x, y = digits
    x = x[:64, 300:304] * 3          # four pixels of real digits
    y = y[:64]
    theirs, mine = copied_pair(keras)
    class_weight = {c: 0.25 + 0.2 * c for c in range(10)}
    expected = theirs.train_on_batch(x, y, class_weight=class_weight)
    got = mine.train_on_batch(x, y, class_weight=class_weight)
    assert isinstance(got, list) and len(got) == len(expected) == 2
    numpy.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(mine.get_weights(), theirs.get_weights(), strict=True):
        numpy.testing.assert_allclose(a, to_numpy(b), rtol=1e-5, atol=1e-6)
    # one-hot targets take the class of their largest entry; Keras's weighted mean
    # divides by the number of samples, not by the sum of the weights
    weights = numpy.array([class_weight[c] for c in y], numpy.float32)
    onehot = numpy.eye(10, dtype=numpy.float32)[y]
    mine.compile(optimizer="sgd", loss="categorical_crossentropy")
    probabilities = mine.predict_on_batch(x)
    expected = numpy.mean(weights * -numpy.log(probabilities[numpy.arange(len(y)), y]))
    assert mine.train_on_batch(x, onehot, class_weight=class_weight) == pytest.approx(
        expected, rel=1e-5)


def test_on_batch_return_forms_as_keras(digits):
    keras = keras3()
    x, y = digits
    x, y = x[:32, 400:404] * 3, y[:32]
    theirs, mine = copied_pair(keras)
    expected = theirs.test_on_batch(x, y, return_dict=True)
    got = mine.test_on_batch(x, y, return_dict=True)
    assert set(got) == set(expected) and got == pytest.approx(expected, rel=1e-5)
    numpy.testing.assert_allclose(mine.test_on_batch(x, y), theirs.test_on_batch(x, y),
                                  rtol=1e-5)
    got = mine.train_on_batch(x, y, return_dict=True)
    expected = theirs.train_on_batch(x, y, return_dict=True)
    assert got == pytest.approx(expected, rel=1e-5)
    # the metrics are reset for each call: this batch's values alone
    again = mine.test_on_batch(x, y, return_dict=True)
    assert again == pytest.approx(theirs.test_on_batch(x, y, return_dict=True), rel=1e-5)
    predicted = mine.predict_on_batch(x)
    assert isinstance(predicted, numpy.ndarray) and predicted.shape == (32, 10)
    numpy.testing.assert_allclose(predicted, to_numpy(theirs.predict_on_batch(x)), rtol=1e-5,
                                  atol=1e-6)
    mine.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(mine.train_on_batch(x, y), float)   # the loss alone: a bare float


def test_bad_arguments_name_the_argument(digits):
    x, y = digits
    model = classifier()
    with pytest.raises(ValueError, match="initial_epoch must be a non-negative integer"):
        model.fit(x, y, initial_epoch=-1, verbose=0)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        model.fit(stream(x, y, 1), steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match="a batch must be x, \\(x,\\), \\(x, y\\)"):
        model.fit(iter([(x[:2], y[:2], None, None)]), verbose=0)
    with pytest.raises(TypeError, match="class_weight must be a dict"):
        model.fit(x, y, class_weight=[1.0] * 10, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a used-up generator is a warning, not here
        model.fit(stream(x, y, 1), steps_per_epoch=12, verbose=0)
