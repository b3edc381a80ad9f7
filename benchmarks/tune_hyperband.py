"""Hyperband search on real MNIST: shenjing.tune on shenjing's Keras face beside the real
Keras Tuner on Keras 3 (torch backend), in one process; wall time and best val_accuracy.

The workload is the course's Keras Tuner program (the Hyperband tutorial): Flatten ->
Dense(units, relu) -> Dense(10) logits, Adam(learning_rate), sparse cross-entropy from
logits; ``units`` in 32..512 step 32 and ``learning_rate`` in {1e-2, 1e-3, 1e-4};
``Hyperband(objective="val_accuracy", max_epochs=10, factor=3, hyperband_iterations=1)``;
``search(x, y, epochs=50, validation_split=0.2, callbacks=[EarlyStopping(monitor="val_loss",
patience=5)])`` on the first ``--train`` MNIST training digits (pixels / 255).  Both
libraries get the same arrays (read once by ``shenjing.datasets.mnist`` from
``$SHENJING_DATA``, else ../shared/data), the same split (``validation_split`` takes the
last 20 % of the arrays in both, before shuffling), the same budget and the same seed
(``keras.utils.set_random_seed`` and the tuner's ``seed``).  The seeds are each library's
own generators, so the hyperparameter values the two draw differ: the best trial's values
are printed beside its score.  Each search writes to its own temporary directory
(``overwrite=True``), deleted afterwards.  Each search runs once (a whole search is the
unit; there are no repeats to take a median of), shenjing first.

Printed: the CPU model and its vector flags, the versions and thread counts, then per
library the wall time of the search (building the tuner + ``search``), the best
validation accuracy and its hyperparameters, the trials completed and the epochs trained;
then the ratio of wall times shenjing / Keras Tuner (below 1.0: shenjing is faster) and
the difference in best accuracy.

    python -m benchmarks.tune_hyperband                               # the course's settings
    python -m benchmarks.tune_hyperband --train 12000                 # a few minutes on 2 cores
    python -m benchmarks.tune_hyperband --train 600 --max-epochs 3 --no-keras

The default is the course's run (all 60,000 digits, 48,000 of them trained on, batch 32,
30 trials and up to 120 epochs per library with max_epochs=10, factor=3).  It is feasible
but long: on an idle 2-core AMD EPYC, ``--train 12000`` took 32 s (shenjing) + 118 s (Keras
Tuner), so the full set takes about a quarter of an hour, and several times that on a busy
machine; ``--train 6000`` to ``12000`` runs in a few minutes.  Keras Tuner's half is
skipped with a message when ``keras_tuner``, ``keras`` or ``torch`` is missing
(``pip install keras-tuner keras torch``).
"""

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings

import numpy

VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile")


def cpu_description():
    """(the CPU model name, its vector-instruction flags), from /proc/cpuinfo where present."""
    model, flags = platform.processor() or platform.machine(), []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model in ("", platform.machine()):
                    model = value.strip()
                elif key.strip() == "flags" and not flags:
                    present = set(value.split())
                    flags = [flag for flag in VECTOR_FLAGS if flag in present]
    except OSError:
        pass
    return model, flags


def load_mnist(train):
    """The first ``train`` MNIST training digits as float32 (N, 28, 28) in [0, 1] and labels."""
    from shenjing.datasets import mnist
    default = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    if "SHENJING_DATA" not in os.environ and os.path.isdir(default):
        os.environ["SHENJING_DATA"] = os.path.abspath(default)
    (x, y), _ = mnist.load_data()
    if not 10 <= train <= len(x):
        raise ValueError(f"tune_hyperband: --train must be in 10..{len(x)}, got {train}")
    return x[:train].astype(numpy.float32) / 255.0, y[:train].astype(numpy.int64)


def model_builder(keras):
    """The course's ``model_builder(hp)``, written once against the Keras API ``keras``."""

    def build(hp):
        model = keras.Sequential()
        model.add(keras.Input(shape=(28, 28)))
        model.add(keras.layers.Flatten())
        model.add(keras.layers.Dense(units=hp.Int("units", min_value=32, max_value=512,
                                                  step=32), activation="relu"))
        model.add(keras.layers.Dense(10))
        learning_rate = hp.Choice("learning_rate", values=[1e-2, 1e-3, 1e-4])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return model

    return build


def epoch_counter(keras):
    """A callback class counting the epochs trained in the whole search, in a class
    attribute (both tuners give each trial a deep copy of the callbacks)."""

    class EpochCounter(keras.callbacks.Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            type(self).epochs += 1

    return EpochCounter


def run_search(kt, keras, x, y, args, label):
    """One Hyperband search with tuner module ``kt`` on Keras API ``keras``; its report."""
    directory = tempfile.mkdtemp(prefix=f"tune_hyperband_{label}_")
    try:
        keras.utils.set_random_seed(args.seed)
        start = time.perf_counter()
        tuner = kt.Hyperband(model_builder(keras), objective="val_accuracy",
                             max_epochs=args.max_epochs, factor=args.factor,
                             hyperband_iterations=1, seed=args.seed, directory=directory,
                             project_name="mnist", overwrite=True)
        stop_early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5)
        counter = epoch_counter(keras)
        tuner.search(x, y, epochs=50, validation_split=0.2, batch_size=args.batch_size,
                     callbacks=[stop_early, counter()], verbose=0)
        seconds = time.perf_counter() - start
        trials = tuner.oracle.get_best_trials(num_trials=10 ** 6)   # completed, best first
        if not trials:
            raise RuntimeError(f"tune_hyperband: the {label} search completed no trial")
        best = trials[0]
        return {"seconds": seconds, "score": float(best.score),
                "units": best.hyperparameters.get("units"),
                "learning_rate": best.hyperparameters.get("learning_rate"),
                "trials": len(trials), "epochs": counter.epochs}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def keras_tuner_modules():
    """(keras_tuner, keras) on Keras 3's torch backend, or (None, why) when unavailable."""
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "torch"
    try:
        import keras
        import keras_tuner
    except ImportError as e:
        return None, f"{e} (pip install keras-tuner keras torch)"
    if keras.backend.backend() != "torch":
        return None, f"keras runs on {keras.backend.backend()!r}, not torch"
    return (keras_tuner, keras), None


def format_result(name, r):
    return (f"  {name:12s} {r['seconds']:8.1f} s   best val_accuracy {r['score']:.4f} "
            f"(units={r['units']}, learning_rate={r['learning_rate']:g})   "
            f"{r['trials']} trials, {r['epochs']} epochs")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=60000,
                        help="MNIST training digits used; the last 20%% validate (60000)")
    parser.add_argument("--max-epochs", type=int, default=10, help="Hyperband's max_epochs (10)")
    parser.add_argument("--factor", type=int, default=3, help="Hyperband's factor (3)")
    parser.add_argument("--batch-size", type=int, default=32, help="fit's batch_size (32)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-keras", action="store_true", help="run shenjing alone")
    args = parser.parse_args(argv)

    import shenjing
    import shenjing.tune as sj_kt
    from shenjing import keras as sj_keras

    model, flags = cpu_description()
    print(f"CPU: {model}, {os.cpu_count()} CPUs, flags: {' '.join(flags) or '?'}")
    x, y = load_mnist(args.train)
    print(f"Hyperband on MNIST: {args.train} digits ({args.train - int(args.train * 0.2)} "
          f"train / {int(args.train * 0.2)} validation), max_epochs={args.max_epochs}, "
          f"factor={args.factor}, hyperband_iterations=1, batch {args.batch_size}, "
          f"seed {args.seed}")

    modules, why = (None, "--no-keras") if args.no_keras else keras_tuner_modules()
    import optuna
    versions = f"shenjing {getattr(shenjing, '__version__', '?')} (optuna {optuna.__version__})"
    if modules:
        import torch
        versions += (f", keras_tuner {modules[0].__version__} on keras {modules[1].__version__} "
                     f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")
    print(versions)

    results = {}
    print("searching with shenjing.tune ...", flush=True)
    results["shenjing"] = run_search(sj_kt, sj_keras, x, y, args, "shenjing")
    print(format_result("shenjing", results["shenjing"]), flush=True)
    if modules is None:
        print(f"Keras Tuner skipped: {why}")
        return 0
    time.sleep(0.1)   # let BLAS threads left spinning by one library settle
    # a promoted trial loads its parent's weights into a model whose Adam is not built yet:
    # Keras warns once per trial that the moments are not loaded (shenjing's start afresh too)
    warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
    print("searching with keras_tuner ...", flush=True)
    results["keras_tuner"] = run_search(*modules, x, y, args, "keras_tuner")
    print(format_result("keras_tuner", results["keras_tuner"]))
    ours, theirs = results["shenjing"], results["keras_tuner"]
    print(f"  ratio shenjing / keras_tuner wall time: {ours['seconds'] / theirs['seconds']:.2f}"
          f"   best val_accuracy shenjing - keras_tuner: {ours['score'] - theirs['score']:+.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
