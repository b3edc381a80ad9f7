"""Autoencoders: dense, convolutional, denoising and variational (Keras face).

    python examples/autoencoders.py [--epochs 3 --batch-size 128 --data DIR --out DIR]
    shenjing run autoencoders

An autoencoder is an encoder f and a decoder g trained so that g(f(x)) = x through a
narrow code z = f(x); the code must keep what matters about x.  Pixels are in [0, 1] and
the decoder ends in a sigmoid, so each model minimises the per-pixel binary cross-entropy
-[x log x' + (1 - x) log(1 - x')] between the image x and its reconstruction x'.

- **dense** (Fashion-MNIST): 784-128-32 | 32-128-784, a 32-number code.
- **convolutional** (Fashion-MNIST): two stride-2 Conv2D (28 -> 14 -> 7) and a Dense to
  the same 32-number code; the decoder mirrors it with a Dense and two stride-2
  Conv2DTranspose (7 -> 14 -> 28).
- **denoising** (MNIST): the convolutional autoencoder fed x + N(0, 0.5^2) (clipped to
  [0, 1]) and trained to give back the clean x; it is judged by the MSE of its output
  against the clean test images, beside the MSE of the noisy input itself.
- **variational** (MNIST): the encoder gives a Gaussian q(z|x) = N(mu, diag(exp(logvar)))
  over a 2-D latent; a ``Sampling`` layer draws z = mu + exp(0.5 logvar) * eps with
  eps ~ N(0, I) (the reparameterisation trick: the noise is an input, so gradients flow
  to mu and logvar); the loss is the negative ELBO per image,
      sum over pixels of BCE(x, g(z))  +  KL(q(z|x) || N(0, I)),
      KL = -1/2 sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j)),
  written in a ``train_step`` of its own as Keras 3 users write it (keras.io's VAE).

Outputs: ``reconstructions.png`` (originals above each model's reconstructions; noisy,
denoised and clean digits), ``vae_latent.png`` (the test digits' mu coloured by label),
``vae_samples.png`` (the decoder over a grid of the latent plane), ``history.png``
(training and validation loss of each model), the three plain autoencoders as ``.keras``
files and the VAE's weights.  ``metrics.json`` holds the test-set MSE and BCE of each
autoencoder, the denoiser's MSE beside the noisy input's, the VAE's negative ELBO per
image (nats), and the 5-nearest-neighbour accuracy of the labels from the codes (codes
of the first 10,000 training images against the test images' codes).

Each model trains on the first 20,000 training images of its data set.  At the defaults
(3 epochs, batch 128, about 6.5 CPU-minutes in all) one run measured on the 10,000 test
images: MSE 0.0191 (dense) and 0.0175 (conv) per pixel on Fashion-MNIST, whose mean
training image alone scores 0.087; the denoiser's output 0.0268 against the noisy
input's 0.1155 (4.3x lower); the VAE's negative ELBO 175.5 nats per image (170.6
reconstruction + 4.9 KL); 5-NN accuracy 0.80 from either 32-number code and 0.45 from the
VAE's 2-D latent (chance 0.10; a VAE trained for many more epochs separates the digits
better).
"""

import statistics
import sys

import numpy as np

import shenjing
from shenjing import keras
from shenjing.keras import layers, ops

CODE = 32          # the plain autoencoders' code size
LATENT = 2         # the VAE's latent size (2, so that it can be drawn)
NOISE = 0.5        # standard deviation of the denoiser's Gaussian noise
TRAIN_SIZE = 20000  # training images of each data set (a few CPU-minutes in all)
VALIDATION = 2000  # test images used for the per-epoch validation loss
KNN_TRAIN, K = 10000, 5


# ---------------------------------------------------------------- the models


def dense_autoencoder(code=CODE, name="dense_autoencoder"):
    """(N, 28, 28, 1) -> (N, 28, 28, 1): encoder 784-128-code, decoder code-128-784."""
    encoder = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(code),
    ], name=f"{name}_encoder")
    decoder = keras.Sequential([
        keras.Input(shape=(code,)),
        layers.Dense(128, activation="relu"),
        layers.Dense(28 * 28, activation="sigmoid"),
        layers.Reshape((28, 28, 1)),
    ], name=f"{name}_decoder")
    return _joined(encoder, decoder, name)


def conv_autoencoder(code=CODE, name="conv_autoencoder"):
    """(N, 28, 28, 1) -> (N, 28, 28, 1): Conv2D(16, s2)-Conv2D(32, s2)-Dense(code), then
    Dense(7*7*32)-Conv2DTranspose(16, s2)-Conv2DTranspose(1, s2, sigmoid)."""
    encoder = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),   # 14x14x16
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),   # 7x7x32
        layers.Flatten(),
        layers.Dense(code),
    ], name=f"{name}_encoder")
    decoder = keras.Sequential([
        keras.Input(shape=(code,)),
        layers.Dense(7 * 7 * 32, activation="relu"),
        layers.Reshape((7, 7, 32)),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ], name=f"{name}_decoder")
    return _joined(encoder, decoder, name)


def _joined(encoder, decoder, name):
    """decoder(encoder(x)) as one functional model, compiled with BCE and Adam; the parts
    stay reachable as ``model.get_layer(name + "_encoder")`` (and ``"_decoder"``)."""
    inputs = keras.Input(shape=(28, 28, 1))
    model = keras.Model(inputs, decoder(encoder(inputs)), name=name)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=["mse"])
    return model


class Sampling(layers.Layer):
    """(z_mean, z_log_var), each (N, latent) -> z = z_mean + exp(0.5 z_log_var) * eps,
    eps ~ N(0, I): a draw from q(z|x) that gradients pass through."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def vae_encoder(latent=LATENT, seed=None):
    """(N, 28, 28, 1) -> [z_mean, z_log_var, z], each (N, latent): 784-256 then two heads."""
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Flatten()(inputs)
    x = layers.Dense(256, activation="relu")(x)
    z_mean = layers.Dense(latent, name="z_mean")(x)
    z_log_var = layers.Dense(latent, name="z_log_var")(x)
    z = Sampling(seed)([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def vae_decoder(latent=LATENT):
    """(N, latent) -> (N, 28, 28, 1) pixel probabilities: latent-256-784."""
    latent_inputs = keras.Input(shape=(latent,))
    x = layers.Dense(256, activation="relu")(latent_inputs)
    x = layers.Dense(28 * 28, activation="sigmoid")(x)
    return keras.Model(latent_inputs, layers.Reshape((28, 28, 1))(x), name="decoder")


class VAE(keras.Model):
    """The variational autoencoder; ``fit(x)`` minimises the negative ELBO per image
    (``loss`` = ``reconstruction_loss`` + ``kl_loss``, all in nats per image)."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                self.kl_loss_tracker]

    def call(self, inputs):
        """(N, 28, 28, 1) -> the reconstruction of a draw z ~ q(z|x)."""
        return self.decoder(self.encoder(inputs)[2])

    def vae_losses(self, data):
        """The batch means of the reconstruction term, the KL term and their sum."""
        z_mean, z_log_var, z = self.encoder(data)
        reconstruction = self.decoder(z)
        reconstruction_loss = ops.mean(ops.sum(
            keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
        return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss

    def _track(self, total_loss, reconstruction_loss, kl_loss):
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        self.zero_grad()
        losses = self.vae_losses(data)
        losses[0].backward()
        gradients = [v.value.grad for v in self.trainable_weights]
        with shenjing.no_grad():
            self.optimizer.apply(gradients, self.trainable_weights)
        return self._track(*losses)

    def test_step(self, data):
        return self._track(*self.vae_losses(data))


# ---------------------------------------------------------------- measures


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k=K):
    """The share of test codes whose k nearest training codes (Euclidean) vote for their
    label: how well a code separates the classes without any training on labels."""
    train_codes = train_codes.reshape(len(train_codes), -1).astype(np.float64)
    test_codes = test_codes.reshape(len(test_codes), -1).astype(np.float64)
    squares = (train_codes ** 2).sum(axis=1)
    correct = 0
    for start in range(0, len(test_codes), 1000):
        block = test_codes[start:start + 1000]
        # |a - b|^2 = |b|^2 - 2 a.b (+ |a|^2, the same for every candidate of a)
        distances = squares[None, :] - 2 * block @ train_codes.T
        nearest = np.argpartition(distances, k, axis=1)[:, :k]
        votes = np.apply_along_axis(np.bincount, 1, train_labels[nearest], minlength=10)
        correct += int((votes.argmax(axis=1) == test_labels[start:start + 1000]).sum())
    return correct / len(test_codes)


def add_noise(x, seed):
    """x + N(0, NOISE^2) clipped to [0, 1], with a generator of its own."""
    rng = np.random.default_rng(seed)
    return np.clip(x + NOISE * rng.standard_normal(x.shape, dtype=np.float32), 0, 1)


def mse(a, b):
    """The mean squared error per pixel."""
    return float(np.mean((a.astype(np.float64) - b) ** 2))


# ---------------------------------------------------------------- the run


def load(name, session):
    """The first ``TRAIN_SIZE`` training images and the test images as (N, 28, 28, 1)
    float32 in [0, 1], and their labels."""
    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data(
        path=session.data)
    x_train, y_train = session.take(x_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE])
    x_test, y_test = session.take(x_test, y_test)
    return ((x_train[..., None].astype(np.float32) / 255, y_train),
            (x_test[..., None].astype(np.float32) / 255, y_test))


def fit(session, model, x, y, validation_data, phase, filename):
    """``model.fit`` with the session's settings and callbacks, tagged ``phase``."""
    keras.utils.set_random_seed(session.seed)
    model.fit(x, y, epochs=session.epochs, batch_size=session.batch_size,
              validation_data=validation_data, verbose=0,
              callbacks=session.keras_callbacks(filename, phase))


def train(session):
    """Train the four models; returns their test-set measures (see the module docstring)."""
    metrics, shown = {}, {}
    (f_train, fy_train), (f_test, fy_test) = load("fashion_mnist", session)
    (m_train, my_train), (m_test, my_test) = load("mnist", session)
    f_val, m_val = f_test[:VALIDATION], m_test[:VALIDATION]

    # the dense and the convolutional autoencoder, on Fashion-MNIST
    for phase, build in (("dense", dense_autoencoder), ("conv", conv_autoencoder)):
        keras.utils.set_random_seed(session.seed)
        model = build()
        fit(session, model, f_train, f_train, (f_val, f_val), phase, f"{model.name}.keras")
        bce, _ = model.evaluate(f_test, f_test, batch_size=500, verbose=0)
        shown[phase] = model.predict(f_test[:10], verbose=0)
        encoder = model.get_layer(f"{model.name}_encoder")
        metrics[f"{phase}_test_bce"] = float(bce)
        metrics[f"{phase}_test_mse"] = mse(model.predict(f_test, batch_size=500, verbose=0),
                                          f_test)
        metrics[f"{phase}_code_knn_accuracy"] = knn_accuracy(
            encoder.predict(f_train[:KNN_TRAIN], batch_size=500, verbose=0),
            fy_train[:KNN_TRAIN], encoder.predict(f_test, batch_size=500, verbose=0), fy_test)

    # the denoiser, on MNIST: noisy in, clean out
    keras.utils.set_random_seed(session.seed)
    denoiser = conv_autoencoder(name="denoiser")
    noisy_train, noisy_test = add_noise(m_train, session.seed), add_noise(m_test, session.seed + 1)
    fit(session, denoiser, noisy_train, m_train, (noisy_test[:VALIDATION], m_val), "denoising",
        "denoiser.keras")
    denoised = denoiser.predict(noisy_test, batch_size=500, verbose=0)
    metrics["denoised_test_mse"] = mse(denoised, m_test)
    metrics["noisy_test_mse"] = mse(noisy_test, m_test)
    metrics["denoising_gain"] = metrics["noisy_test_mse"] / metrics["denoised_test_mse"]

    # the variational autoencoder, on MNIST
    keras.utils.set_random_seed(session.seed)
    vae = VAE(vae_encoder(seed=session.seed), vae_decoder())
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    fit(session, vae, m_train, None, (m_val,), "vae", None)     # fit(x): data is x alone
    vae.save_weights(str(session.path("vae.weights.safetensors")))
    logs = vae.evaluate(m_test, batch_size=500, verbose=0, return_dict=True)
    metrics["vae_test_neg_elbo"] = logs["loss"]
    metrics["vae_test_reconstruction"] = logs["reconstruction_loss"]
    metrics["vae_test_kl"] = logs["kl_loss"]
    z_test = vae.encoder.predict(m_test, batch_size=500, verbose=0)[0]
    metrics["vae_latent_knn_accuracy"] = knn_accuracy(
        vae.encoder.predict(m_train[:KNN_TRAIN], batch_size=500, verbose=0)[0],
        my_train[:KNN_TRAIN], z_test, my_test)

    plot_history(session)
    plot_reconstructions(session, f_test[:10], shown, noisy_test[:10], denoised[:10],
                         m_test[:10], vae.predict(m_test[:10], verbose=0))
    plot_latent(session, z_test, my_test)
    plot_samples(session, vae.decoder)
    return metrics


# ---------------------------------------------------------------- plots


def plot_history(session):
    """``history.png``: each model's training and validation loss per epoch."""
    from shenjing.plots import plot_curves
    titles = {"dense": "dense AE (BCE)", "conv": "conv AE (BCE)",
              "denoising": "denoising AE (BCE)", "vae": "VAE (-ELBO, nats)"}
    plot_curves({title: {"train": session.series("loss", phase),
                         "validation": session.series("val_loss", phase)}
                 for phase, title in titles.items()}, session.path("history.png"),
                title=session.name)


def _image_rows(session, filename, rows, title):
    """One PNG of rows of (n, 28, 28, 1) images, each row with its label on the left."""
    from shenjing.plots import pyplot, save_figure
    plt = pyplot()
    n = max(len(images) for _, images in rows)
    figure, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.0),
                                squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.axis("off")
            if c < len(images):
                ax.imshow(images[c][..., 0], cmap="gray", vmin=0, vmax=1)
        axes[r, 0].text(-4, 14, label, ha="right", va="center", fontsize=8)
    figure.suptitle(title)
    figure.subplots_adjust(left=0.2, wspace=0.05, hspace=0.1)
    save_figure(figure, session.path(filename))
    plt.close(figure)


def plot_reconstructions(session, fashion, shown, noisy, denoised, digits, vae_shown):
    """``reconstructions.png``: originals and each model's reconstructions."""
    _image_rows(session, "reconstructions.png", [
        ("Fashion-MNIST", fashion), ("dense AE", shown["dense"]), ("conv AE", shown["conv"]),
        ("noisy", noisy), ("denoised", denoised), ("clean", digits), ("VAE", vae_shown)],
        "test images and their reconstructions")


def plot_latent(session, z, labels):
    """``vae_latent.png``: each test digit's z_mean, coloured by its label."""
    from shenjing.plots import pyplot, save_figure
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(7, 6))
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=2, alpha=0.7)
    figure.colorbar(points, ax=ax, ticks=range(10), label="digit")
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title("VAE latent means of the MNIST test digits")
    save_figure(figure, session.path("vae_latent.png"))
    plt.close(figure)


def plot_samples(session, decoder, n=15):
    """``vae_samples.png``: the decoder at an n x n grid of the latent plane, spaced at
    equal quantiles of N(0, 1) (the prior), so each cell is equally likely a priori."""
    from shenjing.plots import pyplot, save_figure
    quantiles = [statistics.NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)]
    grid = np.array([[x, y] for y in reversed(quantiles) for x in quantiles], np.float32)
    images = decoder.predict(grid, verbose=0)[..., 0]
    canvas = images.reshape(n, n, 28, 28).transpose(0, 2, 1, 3).reshape(n * 28, n * 28)
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(8, 8))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    ticks = np.arange(n) * 28 + 14
    ax.set_xticks(ticks, [f"{q:.1f}" for q in quantiles], fontsize=7)
    ax.set_yticks(ticks, [f"{q:.1f}" for q in reversed(quantiles)], fontsize=7)
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title("VAE samples over the latent plane")
    save_figure(figure, session.path("vae_samples.png"))
    plt.close(figure)


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("autoencoders", train))
