"""The programs of Keras 3's guide "Making new layers and models via subclassing" (and the
``train_step`` pattern of "Customizing what happens in fit"), written as a user writes them
with ``from shenjing import keras``: each program is a function of the ``keras`` module it
runs on, so that the very same code runs on shenjing and on Keras 3 (the oracle, torch
backend) and their numbers are compared with copied weights wherever a value can be."""

import numpy
import pytest

from shenjing import keras
from shenjing.keras import layers, ops
from tests.keras.oracle import keras3, to_numpy


def close(a, b, tol=1e-5):
    numpy.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


# ---------------------------------------------------------------- the guide's layers


def linear_in_init(keras):
    """Weights made by add_weight in __init__ (the input size given)."""
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal",
                                     trainable=True)
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b
    return Linear


def linear_in_build(keras, register=False):
    """Weights made in build, from the first input's shape; get_config for saving."""
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                     trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config
    if register:
        Linear = keras.saving.register_keras_serializable(package="GuideLayers")(Linear)
    return Linear


def compute_sum(keras):
    """A layer whose state is a non-trainable weight: a running total of its inputs."""
    ops = keras.ops

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,),
                                         trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total
    return ComputeSum


def mlp_block(keras):
    """Layers made of layers: their weights are tracked by the outer one."""
    Linear = linear_in_build(keras)

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)
    return MLPBlock


def activity_regularization(keras):
    """add_loss from inside call, in a layer used by another layer."""
    ops = keras.ops

    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(
                32, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)
    return ActivityRegularizationLayer, OuterLayer, OuterLayerWithKernelRegularizer


def custom_dropout(keras):
    """The privileged ``training`` argument."""
    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.seen = []

        def call(self, inputs, training=None):
            self.seen.append(training)
            if training:
                return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
            return inputs
    return CustomDropout


def masking_layers(keras):
    """The privileged ``mask`` argument: a layer that makes a mask (compute_mask) and one that
    uses it (a softmax over the unmasked time steps)."""
    ops = keras.ops

    class CustomEmbedding(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                              initializer="random_normal")

        def call(self, inputs):
            return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    class TemporalSoftmax(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
            exps = ops.exp(inputs) * weights
            return exps / ops.sum(exps, axis=1, keepdims=True)
    return CustomEmbedding, TemporalSoftmax


def vae(keras):
    """The guide's end-to-end example: a variational autoencoder."""
    ops, layers = keras.ops, keras.layers

    class Sampling(layers.Layer):
        """z = z_mean + exp(z_log_var / 2) * epsilon, epsilon ~ N(0, 1)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class Encoder(layers.Layer):
        def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_mean = layers.Dense(latent_dim)
            self.dense_log_var = layers.Dense(latent_dim)
            self.sampling = Sampling()

        def call(self, inputs):
            x = self.dense_proj(inputs)
            z_mean = self.dense_mean(x)
            z_log_var = self.dense_log_var(x)
            return z_mean, z_log_var, self.sampling((z_mean, z_log_var))

    class Decoder(layers.Layer):
        def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_output = layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            return self.dense_output(self.dense_proj(inputs))

    class VariationalAutoEncoder(keras.Model):
        def __init__(self, original_dim, intermediate_dim=64, latent_dim=32,
                     name="autoencoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.original_dim = original_dim
            self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
            self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            reconstructed = self.decoder(z)
            kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
            self.add_loss(kl_loss)
            return reconstructed
    return VariationalAutoEncoder


def digits_flat(n):
    """``n`` embedded MNIST digits as (n, 784) float32 in [0, 1], and their labels."""
    from shenjing.datasets import load_sample
    images, labels = load_sample("mnist")
    return (images[:n].reshape(n, -1).astype("float32") / 255,
            labels[:n].astype("int64"))


# ---------------------------------------------------------------- weights of a layer


def test_linear_with_weights_made_in_init_matches_keras():
    layer = linear_in_init(keras)(units=4, input_dim=3)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (4,)]
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == []
    k = keras3()
    oracle = linear_in_init(k)(units=4, input_dim=3)
    layer.set_weights([w + 0.5 for w in map(to_numpy, oracle.get_weights())])
    oracle.set_weights(layer.get_weights())
    x = numpy.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    close(layer(x), oracle(x))
    close(layer(ops.ones((2, 3))), oracle(k.ops.ones((2, 3))))


def test_linear_builds_lazily_from_the_first_input():
    layer = linear_in_build(keras)(units=6)
    assert not layer.built and layer.weights == []
    x = numpy.random.default_rng(1).standard_normal((4, 5)).astype("float32")
    y = layer(x)
    assert layer.built and tuple(y.shape) == (4, 6)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 6), (6,)]
    oracle = linear_in_build(keras3())(units=6)
    oracle(x)
    oracle.set_weights(layer.get_weights())
    close(layer(x), oracle(x))


def test_running_total_is_a_non_trainable_weight_like_keras():
    k = keras3()
    layer, oracle = compute_sum(keras)(2), compute_sum(k)(2)
    x = numpy.arange(4, dtype="float32").reshape(2, 2)
    for _ in range(3):
        y, y_oracle = layer(x), oracle(x)
    close(y, y_oracle)
    close(y, 3 * x.sum(axis=0))
    assert len(layer.weights) == 1
    assert len(layer.non_trainable_weights) == 1 and layer.trainable_weights == []
    assert layer.non_trainable_weights[0] is layer.total


def test_assign_rejects_a_value_of_another_shape():
    layer = compute_sum(keras)(3)
    with pytest.raises(ValueError, match=r"assign_add.*\(2,\).*\(3,\)"):
        layer.total.assign_add(numpy.ones(2))


def test_variable_assign_forms_and_their_in_place_check():
    total = compute_sum(keras)(3).total
    total.assign([1.0, 2.0, 3.0])
    total.assign_sub(numpy.ones(3))
    close(total, [0.0, 1.0, 2.0])
    w = linear_in_init(keras)(units=2, input_dim=3).w
    y = ops.sum(w * w)
    w.assign(numpy.zeros((3, 2)))            # changes a value the backward of y needs
    with pytest.raises(RuntimeError, match="in place"):
        y.backward()


def test_nested_layers_are_tracked_and_compute_like_keras():
    mlp = mlp_block(keras)()
    y = mlp(ops.ones(shape=(3, 64)))
    assert tuple(y.shape) == (3, 1)
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6
    k = keras3()
    oracle = mlp_block(k)()
    oracle(k.ops.ones((3, 64)))
    oracle.set_weights(mlp.get_weights())
    x = numpy.random.default_rng(2).standard_normal((7, 64)).astype("float32")
    close(mlp(x), oracle(x), 1e-4)
    mlp.trainable = False
    assert mlp.trainable_weights == [] and len(mlp.non_trainable_weights) == 6


# ---------------------------------------------------------------- add_loss


def test_add_loss_is_collected_and_reset_at_each_call_like_keras():
    k = keras3()
    _, outer_cls, _ = activity_regularization(keras)
    _, outer_oracle_cls, _ = activity_regularization(k)
    layer, oracle = outer_cls(), outer_oracle_cls()
    assert len(layer.losses) == 0          # never called: no losses yet
    x = numpy.random.default_rng(3).random((4, 3)).astype("float32")
    layer(x), oracle(x)
    assert len(layer.losses) == 1
    close(layer.losses[0], oracle.losses[0])
    layer(2 * x), oracle(2 * x)            # a new call replaces the loss, it does not add one
    assert len(layer.losses) == 1
    close(layer.losses[0], oracle.losses[0])
    close(layer.losses[0], 1e-2 * (2 * x).mean())


def test_weight_regularization_is_in_losses_like_keras():
    k = keras3()
    layer = activity_regularization(keras)[2]()
    oracle = activity_regularization(k)[2]()
    x = numpy.random.default_rng(4).random((2, 5)).astype("float32")
    layer(x), oracle(x)
    oracle.set_weights(layer.get_weights())
    layer(x), oracle(x)
    assert len(layer.losses) == len(oracle.losses) == 1
    close(layer.losses[0], oracle.losses[0])


def test_add_loss_needs_a_tensor():
    class Bad(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss("a loss")
            return inputs
    with pytest.raises(TypeError, match=r"bad.*add_loss.*tensor.*str"):
        Bad(name="bad")(numpy.ones((1, 2), "float32"))


def activity_model(keras):
    """A functional model ending in the activity-regularization layer (the guide's fit)."""
    regularizer = activity_regularization(keras)[0]
    inputs = keras.Input(shape=(3,))
    outputs = regularizer()(keras.layers.Dense(2)(inputs))
    return keras.Model(inputs, outputs)


def test_fit_adds_the_add_loss_term_like_keras():
    k = keras3()
    rng = numpy.random.default_rng(5)
    x = rng.random((16, 3)).astype("float32")
    y = rng.random((16, 2)).astype("float32")
    model, oracle = activity_model(keras), activity_model(k)
    oracle.set_weights(model.get_weights())
    pred = model.predict(x, verbose=0)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    oracle.compile(optimizer=k.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    expected = oracle.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    first = ((pred - y) ** 2).mean() + 1e-2 * pred.mean()
    close(history.history["loss"][0], first)
    close(history.history["loss"], expected.history["loss"])
    for w, w_oracle in zip(model.get_weights(), oracle.get_weights()):
        close(w, w_oracle)


def test_fit_without_a_compiled_loss_minimizes_add_loss():
    x = numpy.random.default_rng(6).random((32, 3)).astype("float32")
    model = activity_model(keras)
    pred = model.predict(x, verbose=0)
    model.compile(optimizer=keras.optimizers.SGD(1.0))
    history = model.fit(x, epochs=3, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[2] < losses[0]                  # the mean output is pushed down
    close(losses[0], 1e-2 * pred.mean())          # the loss is the add_loss term alone
    with pytest.raises(ValueError, match="no loss to compute"):
        plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        plain.compile(optimizer="sgd")
        plain.fit(x, numpy.zeros((32, 1), "float32"), verbose=0)


# ---------------------------------------------------------------- config and saving


def test_get_config_round_trip_of_a_custom_layer():
    Linear = linear_in_build(keras)
    layer = Linear(64, name="projection")
    config = layer.get_config()
    assert config["units"] == 64 and config["name"] == "projection"
    again = Linear.from_config(config)
    assert again.units == 64 and again.name == "projection"
    oracle_config = linear_in_build(keras3())(64, name="projection").get_config()
    assert {k: oracle_config[k] for k in ("units", "name", "trainable")} == \
        {k: config[k] for k in ("units", "name", "trainable")}


def test_model_of_custom_layers_saves_and_loads(tmp_path):
    Linear = linear_in_build(keras)
    model = keras.Sequential([keras.Input((5,)), Linear(8), keras.layers.ReLU(), Linear(2)])
    model.compile(optimizer="adam", loss="mse")
    x = numpy.random.default_rng(7).random((10, 5)).astype("float32")
    model.fit(x, numpy.ones((10, 2), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match=r"'Linear'.*custom_objects.*register_keras_serializable"):
        keras.models.load_model(tmp_path / "custom.keras")
    loaded = keras.models.load_model(tmp_path / "custom.keras", custom_objects={"Linear": Linear})
    close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [layer.units for layer in loaded.layers if isinstance(layer, Linear)] == [8, 2]


def test_registered_layer_loads_without_custom_objects(tmp_path):
    Linear = linear_in_build(keras, register=True)
    assert keras.saving.get_registered_name(Linear) == "GuideLayers>Linear"
    assert keras.saving.get_registered_object("GuideLayers>Linear") is Linear
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Linear(3)(inputs))
    model.save(tmp_path / "registered.keras")
    loaded = keras.saving.load_model(tmp_path / "registered.keras")
    x = numpy.random.default_rng(8).random((6, 4)).astype("float32")
    close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.layers[-1]) is Linear


# ---------------------------------------------------------------- training and mask


def test_training_argument_reaches_a_custom_dropout():
    CustomDropout = custom_dropout(keras)
    layer = CustomDropout(0.5)
    x = numpy.ones((200, 50), "float32")
    assert numpy.array_equal(numpy.asarray(layer(x)), x)            # inference by default
    y = numpy.asarray(layer(x, training=True))
    assert set(numpy.unique(y)) <= {0.0, 2.0}                       # kept values scaled
    assert 0.45 < (y == 0).mean() < 0.55
    model = keras.Sequential([keras.Input((50,)), layers.Dense(4), CustomDropout(0.5)])
    model.compile(optimizer="sgd", loss="mse")
    dropout = model.layers[-1]
    dropout.seen.clear()
    model.fit(x[:64], numpy.zeros((64, 4), "float32"), batch_size=64, verbose=0)
    assert dropout.seen == [True]
    model.predict(x[:8], verbose=0)
    assert dropout.seen[-1] is False


def test_mask_flows_from_compute_mask_to_a_layer_that_takes_it_like_keras():
    k = keras3()
    rng = numpy.random.default_rng(9)
    tokens = rng.integers(1, 10, (4, 7))
    tokens[0, 5:] = 0
    tokens[2, 2:] = 0

    def build(keras):
        embedding, softmax = masking_layers(keras)
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = embedding(10, 6, mask_zero=True)(inputs)
        x = keras.layers.Dense(1)(x)
        return keras.Model(inputs, softmax()(x))
    model, oracle = build(keras), build(k)
    oracle.set_weights(model.get_weights())
    y = numpy.asarray(model(tokens))
    close(y, oracle(tokens))
    assert numpy.all(y[tokens == 0] == 0)                        # masked steps get nothing
    close(y.sum(axis=1), numpy.ones((4, 1)))                     # the rest sum to one


# ---------------------------------------------------------------- subclassed models


class DigitClassifier(keras.Model):
    """A subclassed model: layers in __init__, the computation in call."""

    def __init__(self, hidden=32, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.dense_1 = layers.Dense(hidden, activation="relu")
        self.dropout = layers.Dropout(0.1)
        self.dense_2 = layers.Dense(10)

    def call(self, inputs, training=None):
        return self.dense_2(self.dropout(self.dense_1(inputs), training=training))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def test_subclassed_model_fits_evaluates_and_saves_weights(tmp_path):
    x, y = digits_flat(1200)
    keras.utils.set_random_seed(0)
    model = DigitClassifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    assert not model.built and model.weights == []                  # built by fit
    history = model.fit(x[:1000], y[:1000], batch_size=50, epochs=3, verbose=0)
    assert len(model.weights) == 4 and model.count_params() == 784 * 32 + 32 + 32 * 10 + 10
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 25,450 (99.41 KB)" in lines
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x[1000:], y[1000:], verbose=0)
    assert accuracy > 0.75
    model.save_weights(tmp_path / "digits.weights.h5")
    again = DigitClassifier()
    again(x[:1])                                                   # build, then load
    again.load_weights(tmp_path / "digits.weights.h5")
    close(again.predict(x[1000:], verbose=0), model.predict(x[1000:], verbose=0))


def test_subclassed_model_saves_and_loads_whole(tmp_path):
    x, _ = digits_flat(20)
    model = DigitClassifier(hidden=16)
    model(x[:2])
    model.save(tmp_path / "digits.keras")
    loaded = keras.models.load_model(tmp_path / "digits.keras",
                                     custom_objects={"DigitClassifier": DigitClassifier})
    assert isinstance(loaded, DigitClassifier) and loaded.hidden == 16
    close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# ---------------------------------------------------------------- the VAE


def test_vae_kl_term_matches_keras_and_training_lowers_the_loss():
    x, _ = digits_flat(2000)
    k = keras3()
    keras.utils.set_random_seed(1)
    model = vae(keras)(784, 64, 32)
    reconstructed = model(x[:8])
    assert tuple(reconstructed.shape) == (8, 784) and len(model.losses) == 1
    oracle = vae(k)(784, 64, 32)
    oracle(x[:8])
    oracle.set_weights(model.get_weights())
    oracle(x[:8])
    close(model.losses[0], oracle.losses[0], 1e-4)                # KL(q(z|x) || N(0, I))
    model.compile(keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.MeanSquaredError())
    history = model.fit(x, x, epochs=3, batch_size=64, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert len(model.losses) == 1                                  # one KL term per call


# ---------------------------------------------------------------- a train_step of one's own


def custom_step_model(keras, torch):
    """The guide's torch-backend train_step (compute_loss, backward, optimizer.apply, the
    metrics of compile, a dict of results) and test_step."""
    class CustomModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}
    return CustomModel


def test_custom_train_step_matches_keras():
    import shenjing
    torch = pytest.importorskip("torch")
    k = keras3()
    rng = numpy.random.default_rng(10)
    x = rng.random((64, 4)).astype("float32")
    y = (x @ numpy.array([[1.0], [-2.0], [0.5], [3.0]]) + 0.25).astype("float32")
    model, oracle = custom_step_model(keras, shenjing)(), custom_step_model(k, torch)()
    model(x[:1]), oracle(x[:1])
    oracle.set_weights(model.get_weights())
    for m, opt in ((model, keras.optimizers.SGD(0.1)), (oracle, k.optimizers.SGD(0.1))):
        m.compile(optimizer=opt, loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    expected = oracle.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert set(history.history) == {"loss", "mae"}
    close(history.history["loss"], expected.history["loss"], 1e-4)
    close(history.history["mae"], expected.history["mae"], 1e-4)
    for w, w_oracle in zip(model.get_weights(), oracle.get_weights()):
        close(w, w_oracle, 1e-4)
    logs = model.evaluate(x[:40], y[:40], batch_size=16, verbose=0, return_dict=True)
    expected_logs = oracle.evaluate(x[:40], y[:40], batch_size=16, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    close([logs["loss"], logs["mae"]], [expected_logs["loss"], expected_logs["mae"]], 1e-4)
    # one more step by hand: its logs are this batch's alone, measured before the update
    pred = model.predict(x, verbose=0)
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    close([logs["loss"], logs["mae"]], [((pred - y) ** 2).mean(), numpy.abs(pred - y).mean()])


def test_a_train_step_must_return_a_dict():
    class Silent(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            return None
    model = Silent(name="silent")
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError,
                       match=r"silent\.fit: train_step\(data\).* must return a dict.*NoneType"):
        model.fit(numpy.ones((4, 2), "float32"), numpy.ones((4, 1), "float32"), verbose=0)


def test_custom_train_step_with_its_own_metrics_and_no_compiled_loss():
    import shenjing

    class CustomModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
            self.batch_losses.append(float(loss.item()))       # (the test's record)
            loss.backward()
            with shenjing.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights],
                                     self.trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    rng = numpy.random.default_rng(11)
    x = rng.random((128, 3)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) - 1).astype("float32")
    model = CustomModel()
    model.batch_losses = []
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    history = model.fit(x, y, batch_size=32, epochs=4, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert set(history.history) == {"loss", "mae"} and losses[-1] < losses[0]
    # the trackers were reset at each epoch: an epoch's loss is the mean of its 4 batches'
    close(losses, numpy.mean(numpy.reshape(model.batch_losses, (4, 4)), axis=1))
    pred = model.predict(x, verbose=0)
    assert numpy.abs(pred - y).mean() < history.history["mae"][0]
