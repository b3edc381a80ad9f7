"""Regularisation against over-fitting: one network, five ways (Keras face).

    python examples/regularization.py [--epochs 30 --batch-size 64 --data DIR --out DIR]
    shenjing run regularization

A 784-512-512-10 ReLU network has 670,000 weights; trained on only 2,000 MNIST digits it
learns them by heart: training loss goes to zero while the validation loss (5,000 other
digits) turns and climbs.  The same network is trained five times:

- none: the baseline that over-fits;
- L2: loss + 1e-3 * sum(w^2) over the kernels (weight decay: large weights cost);
- dropout: each hidden unit zeroed with probability 0.5 at each step (inverted dropout),
  so no unit can rely on another;
- batch norm: BatchNormalization after each hidden layer (its batch noise regularises);
- early stopping: the baseline, stopped when the validation loss has not improved for 5
  epochs, with the best weights restored.

``train_vs_validation.png`` draws each one's training and validation cross-entropy.
"""

import sys

import numpy as np

from shenjing import keras
from shenjing.keras import layers

TRAIN_SIZE, VALIDATION_SIZE = 2000, 5000


def build_model(variant):
    """The 784-512-512-10 network with ``variant``'s regulariser (early stopping: none)."""
    l2 = keras.regularizers.l2(1e-3) if variant == "L2" else None
    stack = [keras.Input(shape=(28, 28)), layers.Flatten()]
    for _ in range(2):
        stack.append(layers.Dense(512, activation="relu", kernel_regularizer=l2))
        if variant == "dropout":
            stack.append(layers.Dropout(0.5))
        if variant == "batch norm":
            stack.append(layers.BatchNormalization())
    stack.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(stack)
    # "cross_entropy": the loss without L2's penalty, so that all five compare alike
    cross_entropy = keras.metrics.MeanMetricWrapper(
        keras.losses.sparse_categorical_crossentropy, name="cross_entropy")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", cross_entropy])
    return model


VARIANTS = ("none", "L2", "dropout", "batch norm", "early stopping")


def train(session):
    """Train the five variants; returns each one's final and best validation cross-entropy,
    validation accuracy, and how many epochs it ran (early stopping: fewer)."""
    (x, y), _ = keras.datasets.mnist.load_data(path=session.data)
    x = x.astype(np.float32) / 255
    n_train = min(TRAIN_SIZE, session.limit or TRAIN_SIZE)
    n_val = min(VALIDATION_SIZE, session.limit or VALIDATION_SIZE)
    x_train, y_train = x[:n_train], y[:n_train]
    x_val, y_val = x[-n_val:], y[-n_val:]

    metrics = {}
    for variant in VARIANTS:
        keras.utils.set_random_seed(session.seed)
        model = build_model(variant)
        callbacks = session.keras_callbacks(None, variant)
        if variant == "early stopping":
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=5, restore_best_weights=True))
        model.fit(x_train, y_train, epochs=session.epochs, batch_size=session.batch_size,
                  validation_data=(x_val, y_val), verbose=0, callbacks=callbacks)
        _, val_accuracy, val_cross_entropy = model.evaluate(x_val, y_val, verbose=0)
        metrics[f"val_cross_entropy {variant}"] = float(val_cross_entropy)
        metrics[f"val_accuracy {variant}"] = float(val_accuracy)
        metrics[f"best val_cross_entropy {variant}"] = min(
            session.series("val_cross_entropy", variant))
        metrics[f"epochs {variant}"] = len(session.series("val_loss", variant))
        model.save(str(session.path(f"model_{variant.replace(' ', '_')}.keras")))

    from shenjing.plots import plot_curves
    plot_curves({variant: {"train": session.series("cross_entropy", variant),
                           "validation": session.series("val_cross_entropy", variant)}
                 for variant in VARIANTS}, session.path("train_vs_validation.png"),
                title=f"{n_train} training digits: train vs validation cross-entropy")
    return metrics


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("regularization", train))
