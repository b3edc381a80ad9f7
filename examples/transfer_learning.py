"""Transfer learning: reuse a trained network's layers for a new task (Keras face).

    python examples/transfer_learning.py [--epochs 5 --batch-size 32 --data DIR --out DIR]
    shenjing run transfer_learning

Task A: Fashion-MNIST without sandals and shirts (8 classes, 48,000 images).  Task B:
sandal or shirt, with only 50 training images.  Model B on A reuses A's hidden layers:
first frozen (``trainable = False``: only the new output layer learns, so that its random
start does not wreck the reused features), then unfrozen and fine-tuned with a small
learning rate.  The same architecture trained from scratch on the 50 images is the
baseline; the run prints both accuracies on the 2,000 test sandals and shirts.
"""

import sys

import numpy as np

from shenjing import keras
from shenjing.keras import layers

SANDAL, SHIRT = 5, 6
B_TRAIN_SIZE = 50


def split_tasks(x, y):
    """(x_A, y_A in 0..7), (x_B, y_B = 1.0 for a shirt, 0.0 for a sandal)."""
    in_b = (y == SANDAL) | (y == SHIRT)
    y_a = y[~in_b]
    y_a = np.where(y_a > SHIRT, y_a - 2, y_a)           # 7, 8, 9 -> 5, 6, 7
    return (x[~in_b], y_a), (x[in_b], (y[in_b] == SHIRT).astype(np.float32))


def hidden_layers():
    """Flatten -> Dense(100) x 3, ReLU, He initialisation: the part B reuses."""
    return [keras.Input(shape=(28, 28)), layers.Flatten()] + [
        layers.Dense(100, activation="relu", kernel_initializer="he_normal") for _ in range(3)]


def fit_b(model, x, y, validation, session, phase, epochs, learning_rate):
    model.compile(loss="binary_crossentropy",
                  optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=session.batch_size, validation_data=validation,
              verbose=0, callbacks=session.keras_callbacks(None, phase))
    return float(model.evaluate(*validation, verbose=0)[1])


def train(session):
    """Train A, then B from scratch and B on A; returns both B accuracies and the gain."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(
        path=session.data)
    x_train, x_test = x_train.astype(np.float32) / 255, x_test.astype(np.float32) / 255
    (x_train_a, y_train_a), (x_train_b, y_train_b) = split_tasks(x_train, y_train)
    (x_test_a, y_test_a), test_b = split_tasks(x_test, y_test)
    x_train_a, y_train_a = session.take(x_train_a, y_train_a)
    x_train_b, y_train_b = x_train_b[:B_TRAIN_SIZE], y_train_b[:B_TRAIN_SIZE]

    keras.utils.set_random_seed(session.seed)
    model_a = keras.Sequential(hidden_layers() + [layers.Dense(8, activation="softmax")])
    model_a.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                    optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))
    model_a.fit(x_train_a, y_train_a, epochs=session.epochs, batch_size=session.batch_size,
                validation_data=(x_test_a, y_test_a), verbose=0,
                callbacks=session.keras_callbacks("model_A.keras", "A"))
    accuracy_a = float(model_a.evaluate(x_test_a, y_test_a, verbose=0)[1])

    b_epochs = 20
    keras.utils.set_random_seed(session.seed)
    scratch = keras.Sequential(hidden_layers() + [layers.Dense(1, activation="sigmoid")])
    accuracy_scratch = fit_b(scratch, x_train_b, y_train_b, test_b, session, "B scratch",
                             b_epochs, 0.01)

    # reuse A's layers (loaded from its file, so that model A itself stays as trained)
    reused = keras.models.load_model(str(session.path("model_A.keras")))
    model_b_on_a = keras.Sequential(reused.layers[:-1])
    model_b_on_a.add(layers.Dense(1, activation="sigmoid"))
    for layer in model_b_on_a.layers[:-1]:
        layer.trainable = False
    accuracy_frozen = fit_b(model_b_on_a, x_train_b, y_train_b, test_b, session,
                            "B on A frozen", 4, 0.01)
    for layer in model_b_on_a.layers[:-1]:
        layer.trainable = True
    accuracy_transfer = fit_b(model_b_on_a, x_train_b, y_train_b, test_b, session,
                              "B on A fine-tuned", b_epochs - 4, 0.001)
    model_b_on_a.save(str(session.path("model_B_on_A.keras")))

    session.log(f"task B (sandal or shirt, {len(x_train_b)} training images): test accuracy "
                f"{accuracy_scratch:.4f} from scratch, {accuracy_transfer:.4f} with transfer "
                f"({accuracy_frozen:.4f} with A's layers frozen)")
    from shenjing.plots import plot_curves
    plot_curves({"task B validation accuracy": {
                    "from scratch": session.series("val_accuracy", "B scratch"),
                    "on A (frozen, then fine-tuned)":
                        session.series("val_accuracy", "B on A frozen")
                        + session.series("val_accuracy", "B on A fine-tuned")},
                 "task A": {"train loss": session.series("loss", "A"),
                            "test accuracy": session.series("val_accuracy", "A")}},
                session.path("history.png"), title="transfer_learning")
    return {"accuracy_A": accuracy_a, "accuracy_B_scratch": accuracy_scratch,
            "accuracy_B_frozen": accuracy_frozen, "accuracy_B_transfer": accuracy_transfer,
            "transfer_gain": accuracy_transfer - accuracy_scratch}


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("transfer_learning", train))
