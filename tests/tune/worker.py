"""One worker of a search, for the resume and many-workers tests (run as a subprocess):

    python -m tests.tune.worker DIRECTORY PROJECT --tuner random --max-trials 4 \
        --epochs 3 [--storage URL] [--sleep 0.2] [--go FILE]

Prints ``RAN <trial number> FROM <first epoch>`` for each trial it trains, then ``DONE``.
"""

import argparse
import os
import sys
import time

import shenjing.tune as kt
from shenjing import keras

from .models import build_model, small_mnist


class Slow(keras.callbacks.Callback):
    """Sleeps after each epoch: time for the test to kill the worker mid-trial."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(self.seconds)


class Reporting(kt.HyperModel):
    """``build_model``, announcing each trial trained and its first epoch."""

    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, *args, **kwargs):
        trial = kwargs["callbacks"][-1].trial
        print(f"RAN {trial.number} FROM {kwargs['initial_epoch']}", flush=True)
        return model.fit(*args, **kwargs)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("project")
    parser.add_argument("--tuner", default="random", choices=["random", "hyperband"])
    parser.add_argument("--max-trials", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--storage", default=None)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--go", default=None, help="print READY, then wait for this file")
    args = parser.parse_args(argv)
    x, y, xv, yv = small_mnist(300, 150)
    common = dict(objective="val_accuracy", directory=args.directory, seed=7,
                  project_name=args.project, storage=args.storage, verbose=0)
    if args.tuner == "random":
        tuner = kt.RandomSearch(Reporting(), max_trials=args.max_trials, **common)
    else:
        tuner = kt.Hyperband(Reporting(), max_epochs=args.epochs, factor=2, **common)
    if args.go:      # start searching together with the other workers
        print("READY", flush=True)
        while not os.path.exists(args.go):
            time.sleep(0.05)
    tuner.search(x, y, epochs=args.epochs, validation_data=(xv, yv),
                 callbacks=[Slow(args.sleep)])
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
