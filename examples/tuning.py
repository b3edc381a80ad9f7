"""Hyperparameter search on real MNIST with Hyperband (shenjing.tune, Keras Tuner's API).

    python examples/tuning.py [--max-epochs 10] [--factor 3] [--train 60000]
                              [--directory tuning_runs] [--plot trials.png]

Searches the width of the hidden layer (32..512, step 32) and Adam's learning rate (1e-2,
1e-3, 1e-4) of a 784-units-10 MLP with Hyperband, validating on the last 10,000 training
digits; prints the best hyperparameters and the test accuracy of the best model, and draws
each trial's validation accuracy against its index.  Run it again and it resumes the search
where it stopped (``--overwrite`` to start afresh); start it in several terminals and they
share the search.
"""

import argparse
import sys

import numpy as np

import shenjing.tune as kt
from shenjing import keras


def build_model(hp):
    """Flatten -> Dense(units, relu) -> Dense(10, softmax), Adam(learning_rate)."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(hp.Int("units", min_value=32, max_value=512, step=32),
                           activation="relu"),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(
                      learning_rate=hp.Choice("learning_rate", values=[1e-2, 1e-3, 1e-4])),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--factor", type=int, default=3)
    parser.add_argument("--train", type=int, default=60000,
                        help="training digits used (the last sixth validates)")
    parser.add_argument("--directory", default="tuning_runs")
    parser.add_argument("--plot", default="tuning_trials.png")
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train[:args.train].astype(np.float32) / 255
    y_train = y_train[:args.train]
    x_test = x_test.astype(np.float32) / 255
    split = len(x_train) * 5 // 6
    x_val, y_val = x_train[split:], y_train[split:]
    x_train, y_train = x_train[:split], y_train[:split]

    tuner = kt.Hyperband(build_model, objective="val_accuracy", max_epochs=args.max_epochs,
                         factor=args.factor, directory=args.directory, project_name="mnist",
                         overwrite=args.overwrite, seed=args.seed)
    tuner.search_space_summary()
    tuner.search(x_train, y_train, epochs=args.max_epochs, batch_size=128,
                 validation_data=(x_val, y_val),
                 callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)])

    best_hps = tuner.get_best_hyperparameters(num_trials=1)[0]
    best_model = tuner.get_best_models(num_models=1)[0]
    _, test_accuracy = best_model.evaluate(x_test, y_test, verbose=0)
    print(f"best hyperparameters: units={best_hps.get('units')}, "
          f"learning_rate={best_hps.get('learning_rate')}")
    print(f"best model: validation accuracy {tuner.oracle.get_best_trials(1)[0].score:.4f}, "
          f"test accuracy {test_accuracy:.4f}")
    kt.plot_trials(tuner, args.plot)
    print(f"trial objectives drawn in {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
