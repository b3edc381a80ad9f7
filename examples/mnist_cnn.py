"""MNIST with a small convolutional network, written with the Keras face.

    python examples/mnist_cnn.py [--epochs 6 --batch-size 64 --data DIR --out DIR]
    shenjing run mnist_cnn

The classic course CNN: three 3x3 convolutions (32, 64, 64 filters, ReLU) with 2x2 max
pooling after the first two, then Flatten-Dense(64)-Dense(10, softmax).  Convolutions share
their weights across the image (a 3x3x1x32 kernel has 288 weights, a dense layer on the
same pixels would need 784x32x26x26); pooling halves the resolution and keeps the
strongest response.  Adam with its learning rate decayed by 0.7 per epoch, sparse
categorical cross-entropy.  Reaches about 99% test accuracy in 6 epochs.
"""

import sys

import numpy as np

from shenjing import keras
from shenjing.keras import layers


def build_model():
    """(N, 28, 28, 1) images -> (N, 10) class probabilities."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def train(session):
    """Train the CNN; returns the test accuracy and loss."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(path=session.data)
    x_train, y_train = session.take(x_train, y_train)
    x_test, y_test = session.take(x_test, y_test)
    x_train = x_train[..., None].astype(np.float32) / 255  # channels last: (N, 28, 28, 1)
    x_test = x_test[..., None].astype(np.float32) / 255

    keras.utils.set_random_seed(session.seed)
    model = build_model()
    # exponential decay, lr = 1e-3 * 0.7^epoch: big steps first, then settle in the minimum
    decay = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 1e-3 * 0.7 ** epoch)
    model.fit(x_train, y_train, epochs=session.epochs, batch_size=session.batch_size,
              validation_data=(x_test, y_test), verbose=0,
              callbacks=[decay] + session.keras_callbacks("model.keras"))
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

    session.plot_keras_history()
    return {"test_accuracy": float(test_accuracy), "test_loss": float(test_loss)}


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("mnist_cnn", train))
