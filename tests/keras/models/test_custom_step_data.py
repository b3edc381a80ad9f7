"""What a ``train_step(data)`` / ``test_step(data)`` of one's own receives, as Keras 3 hands
it over: ``fit(x)`` with no targets gives ``data = x`` itself (an autoencoder's, a VAE's),
``fit([x1, x2])`` a one-tuple holding the list, ``fit(x, y)`` the pair; and the VAE of
keras.io, written as a Keras 3 (torch backend) user writes it (a ``Sampling`` layer, KL
written out, ``zero_grad`` / ``backward`` / ``optimizer.apply``), trains as on Keras 3.
Each program is a function of the ``keras`` (and ``torch``) module it runs on, so that the
same code runs on shenjing and on Keras 3 (the oracle) with copied weights."""

import numpy
import pytest

from shenjing import keras
from tests.keras.oracle import keras3, to_numpy


def close(a, b, tol=1e-4):
    numpy.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


def recording_model(keras):
    """A model whose steps record the structure of ``data`` and return a constant."""
    class Recorder(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.seen = []

        def call(self, inputs):
            return self.dense(inputs)

        def _record(self, data, kind):
            self.seen.append((kind, _structure(data)))
            return {"loss": 0.0}

        def train_step(self, data):
            return self._record(data, "train")

        def test_step(self, data):
            return self._record(data, "test")
    return Recorder


def _structure(data):
    """tuple/list nesting with every array-like leaf as "array" (None as None)."""
    if isinstance(data, (tuple, list)):
        return (type(data).__name__, [_structure(d) for d in data])
    return None if data is None else "array"


def test_step_data_has_the_structure_keras_gives():
    k = keras3()
    x = numpy.ones((8, 3), numpy.float32)
    y = numpy.ones((8, 1), numpy.float32)
    records = []
    for K in (keras, k):
        model = recording_model(K)()
        model.compile(optimizer="adam")
        model.fit(x, epochs=1, batch_size=8, verbose=0)                         # x alone
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)                      # (x, y)
        model.fit([x, x], epochs=1, batch_size=8, verbose=0)                    # ([x1, x2],)
        model.fit(x, epochs=1, batch_size=8, verbose=0, validation_data=(x,))   # val (x,)
        model.evaluate(x, batch_size=8, verbose=0)
        records.append(model.seen)
    assert records[0] == records[1]
    assert records[0][0] == ("train", "array")      # the images themselves, no (x, None)


def test_step_data_rejects_a_long_validation_tuple():
    model = recording_model(keras)()
    model.compile(optimizer="adam")
    x = numpy.ones((4, 3), numpy.float32)
    with pytest.raises(ValueError, match=r"validation_data must be \(x,\), \(x, y\) or .*got 4"):
        model.fit(x, epochs=1, verbose=0, validation_data=(x, x, x, x))


def keras_io_vae(keras, torch, latent_dim=2):
    """keras.io's "Variational AutoEncoder" as a Keras 3 torch-backend user writes it (the
    tape replaced by zero_grad / backward / optimizer.apply), with a dense encoder and
    decoder so that it runs in a moment."""
    ops, layers = keras.ops, keras.layers

    class Sampling(layers.Layer):
        """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Flatten()(encoder_inputs)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(16, activation="relu")(latent_inputs)
    x = layers.Dense(28 * 28, activation="sigmoid")(x)
    decoder_outputs = layers.Reshape((28, 28, 1))(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                    self.kl_loss_tracker]

        def call(self, inputs):      # (Keras 3 on torch builds the model through it)
            return self.decoder(self.encoder(inputs)[2])

        def train_step(self, data):
            self.zero_grad()
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(ops.sum(
                keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
            total_loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {
                "loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result(),
            }
    return VAE(encoder, decoder)


def test_keras_io_vae_trains_as_on_keras(digits):
    import shenjing
    torch = pytest.importorskip("torch")
    k = keras3()
    (x, _), _ = digits
    x = x[:256, :, :, None]
    model, oracle = keras_io_vae(keras, shenjing), keras_io_vae(k, torch)
    model.encoder(x[:1]), oracle.encoder(x[:1])
    weights = model.get_weights()
    # a variance of e^-30 makes z = z_mean up to 3e-7: the two generators' different noise
    # cannot part the runs, and everything else (reconstruction, KL, Adam) is compared
    names = [w.path if hasattr(w, "path") else "" for w in oracle.weights]
    log_var_bias = [i for i, n in enumerate(names) if "z_log_var" in n and "bias" in n]
    assert len(log_var_bias) == 1, names
    weights[log_var_bias[0]] = numpy.full(2, -30.0, numpy.float32)
    model.set_weights(weights)
    oracle.set_weights(weights)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    oracle.compile(optimizer=k.optimizers.Adam(1e-3))
    history = model.fit(x, epochs=3, batch_size=64, shuffle=False, verbose=0).history
    expected = oracle.fit(x, epochs=3, batch_size=64, shuffle=False, verbose=0).history
    assert set(history) == set(expected) == {"loss", "reconstruction_loss", "kl_loss"}
    for key in expected:
        close(history[key], expected[key], 1e-3)
    assert history["loss"][-1] < history["loss"][0]
    for w, w_oracle in zip(model.get_weights(), oracle.get_weights()):
        close(w, w_oracle, 1e-3)
