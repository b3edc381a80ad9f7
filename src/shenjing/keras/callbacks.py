"""``keras.callbacks``: code that ``fit`` runs at the start and end of training, epochs and
batches.

- ``Callback``: the base class; override any ``on_*`` method.  ``self.model`` is the model
  being trained, ``self.params`` holds ``epochs``, ``steps`` and ``verbose``.
- ``History``: records the logs of every epoch (``fit`` returns it; ``history.history``).
- ``EarlyStopping``: stops when a monitored value stops improving (the course's early
  stopping), optionally restoring the best weights.
- ``ModelCheckpoint``: saves the model (or the weights) every epoch or at each new best.
- ``BackupAndRestore``: backs up the training state every epoch; an interrupted ``fit``
  run again picks up at the next epoch, as if never interrupted.
- ``LearningRateScheduler``: sets the learning rate at each epoch from ``schedule(epoch,
  lr)``.
- ``ReduceLROnPlateau``: divides the learning rate when a value stops improving.
- ``TerminateOnNaN``: stops at the first batch whose loss is NaN or infinite.
- ``ProgbarLogger``: Keras's progress bar with ETA (``verbose=1``), or one line per epoch
  (``verbose=2``).
- ``CSVLogger``: writes each epoch's logs as a row of a CSV file.
- ``LambdaCallback``: a callback from plain functions (``on_epoch_end=lambda e, logs: ...``).
- ``TensorBoard``: event files for ``tensorboard --logdir`` (``shenjing.insight.TensorBoard``,
  needs the ``tensorboard`` extra).

Logs are dicts of Python floats: ``loss``, the metrics by name, and ``val_``-prefixed ones.
"""

import contextlib
import csv
import io
import math
import os
import warnings

import numpy

from .. import backend
from ..io import atomic_open, load as load_file, save as save_file
from . import saving
from .utils import Progbar


class Callback:
    """Base class: ``fit``/``evaluate``/``predict`` call these hooks; all do nothing here."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Several callbacks called as one, in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call


class History(Callback):
    """``history[key]``: one value per epoch for every logged key; ``epoch``: the epochs."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class _Monitor(Callback):
    """What EarlyStopping and ReduceLROnPlateau share: a monitored log value, whether lower
    or higher is better, and what counts as an improvement (by more than ``min_delta``)."""

    def __init__(self, monitor, mode, min_delta):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got "
                             f"{mode!r}")
        if mode == "auto":   # Keras: accuracy-like values are maximised, the rest minimised
            mode = "max" if "acc" in monitor or monitor.endswith("auc") else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)

    def improved(self, value, best):
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta

    def worst(self):
        return math.inf if self.mode == "min" else -math.inf

    def value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(f"{type(self).__name__}: monitor {self.monitor!r} is not in the "
                             f"logs; available: {sorted(logs or {})} (val_ keys need "
                             f"validation data)")
        return value


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    ``restore_best_weights``: at the end, load the weights of the best epoch (also when
    training ran to the last epoch without stopping, as Keras 3 does).  ``baseline``: a
    value the monitor must beat; ``start_from_epoch``: epochs to wait before watching.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = self.worst(), None

    def on_epoch_end(self, epoch, logs=None):
        value = self.value(logs)
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()   # something to restore, at worst
        self.wait += 1
        if self.improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.improved(value, self.baseline):
                self.wait = 0   # patience restarts only once the baseline is beaten too
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model (a ``.keras`` zip: architecture, weights, compile arguments and the
    optimizer's state, ``saving.py``) or its weights alone (``save_weights_only``: a
    safetensors file) at the end of each epoch (``save_freq="epoch"``) or every
    ``save_freq`` batches, or only when ``monitor`` improves (``save_best_only``).

    ``filepath`` may hold ``{epoch}`` (counted from 1), ``{batch}`` (with an integer
    ``save_freq``) and log keys: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``; missing folders
    are made.  Any name works (the content is the same whatever it is called), but a
    weights name (``.weights.safetensors``, Keras's ``.weights.h5``) with a whole model or
    ``.keras`` with weights alone is refused, as Keras refuses them, so that a file is what
    its name says.  Read back with ``keras.models.load_model`` or ``model.load_weights``.
    """

    _WEIGHT_SUFFIXES = (".weights.safetensors", ".weights.h5")

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, 0)
        filepath = os.fspath(filepath)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive "
                             f"number of batches, got save_freq={save_freq!r}")
        if save_weights_only and filepath.endswith(".keras"):
            raise ValueError(f"ModelCheckpoint: save_weights_only=True writes a weights file, "
                             f"but filepath={filepath!r} ends in .keras (a whole model); name "
                             f"it e.g. 'best.weights.safetensors'")
        if not save_weights_only and filepath.endswith(self._WEIGHT_SUFFIXES):
            raise ValueError(f"ModelCheckpoint: save_weights_only=False writes a whole model, "
                             f"but filepath={filepath!r} names a weights file; name it "
                             f"e.g. 'best.keras', or pass save_weights_only=True")
        self.filepath, self.verbose, self.save_freq = filepath, verbose, save_freq
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.best = self.worst() if initial_value_threshold is None else initial_value_threshold
        self._epoch, self._batches = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches >= self.save_freq:
            self._batches = 0
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def file_path(self, epoch, batch, logs):
        """``filepath`` with ``{epoch}`` (from 1), ``{batch}`` (from 1) and the log values."""
        fields = {"epoch": epoch + 1, **({} if batch is None else {"batch": batch + 1}), **logs}
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} names {e}, which is "
                             f"not among epoch, batch and the logs {sorted(logs)}") from None

    def _save(self, epoch, batch, logs):
        path = self.file_path(epoch, batch, logs)
        value = logs.get(self.monitor)
        if self.save_best_only and value is None:   # Keras 3: warn, then save anyway
            warnings.warn(f"ModelCheckpoint: can save the best model only with "
                          f"{self.monitor!r} in the logs (they hold {sorted(logs)}); saving "
                          f"{path} regardless", stacklevel=2)
        elif self.save_best_only:
            if not self.improved(value, self.best):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{value:.5f}, saving model to {path}")
            self.best = value
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class BackupAndRestore(Callback):
    """Survive an interrupted ``fit``: at the end of every epoch, save the model's weights,
    the optimizer's state, the epoch and the random generator's state to one file in
    ``backup_dir`` (written atomically: a crash leaves the previous backup whole); when
    ``fit`` starts and a backup is there, load it and continue at the next epoch, with the
    same weights, optimizer state and random draws (shuffling, dropout) as a run that was
    never interrupted.  After a ``fit`` that ends (all epochs, or stopped by a callback)
    the backup is deleted (``delete_checkpoint``); a crash keeps it.

    ``save_freq``: ``"epoch"``, or a number of batches: as in Keras, a backup is then also
    made every ``save_freq`` batches and a resumed ``fit`` starts the interrupted epoch
    again from its beginning, with the weights of its last backup (not bit-equal to an
    uninterrupted run, unlike ``"epoch"``).  ``double_checkpoint`` (Keras's second copy,
    against a backup corrupted while written) is accepted; atomic writes already keep one
    whole backup.  The model must be built before ``fit``.

    >>> model.fit(x, y, epochs=10, callbacks=[keras.callbacks.BackupAndRestore("/tmp/bk")])
    """

    FILENAME = "backup.safetensors"

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"BackupAndRestore: backup_dir must be a folder path, got "
                             f"backup_dir={backup_dir!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive "
                             f"number of batches, got save_freq={save_freq!r}")
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self._epochs_done, self._batches = 0, 0
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self.path = os.path.join(self.backup_dir, self.FILENAME)

    def on_train_begin(self, logs=None):
        if not os.path.exists(self.path):
            return
        who = f"BackupAndRestore({self.backup_dir!r})"
        if not self.model.built:
            raise ValueError(f"{who}: the model must be built before fit() to restore its "
                             f"backup; give it an Input (or input_shape) or call it on a batch")
        state = load_file(self.path)
        if not isinstance(state, dict) or not {"epoch", "model", "optimizer", "rng"} <= set(
                state):
            raise ValueError(f"{who}: {self.path} is not a backup of this callback (expected "
                             f"the keys epoch, model, optimizer, rng)")
        saving.assign_by_position(self.model, state["model"], who)
        if state["optimizer"] is not None:
            saving.restore_optimizer_state(self.model, state["optimizer"], who)
        backend.set_rng_state(state["rng"])
        self.model._initial_epoch = int(state["epoch"])

    def on_epoch_begin(self, epoch, logs=None):
        self._epochs_done = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches >= self.save_freq:
            self._batches = 0
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        self._epochs_done = epoch + 1
        if self.save_freq == "epoch":
            self._save()

    def _save(self):
        """One atomic file: weights, optimizer state, epochs done, the generator's state."""
        os.makedirs(self.backup_dir, exist_ok=True)
        save_file({"epoch": self._epochs_done, "model": self.model.state_dict(),
                   "optimizer": saving.optimizer_state(self.model),
                   "rng": backend.get_rng_state()}, self.path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)
            with contextlib.suppress(OSError):   # the folder goes too when nothing else is in it
                os.rmdir(self.backup_dir)


class LearningRateScheduler(Callback):
    """At the start of each epoch: ``optimizer.learning_rate = schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(self.schedule(epoch, float(optimizer.learning_rate)))
        optimizer.learning_rate = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs; then wait ``cooldown`` epochs; never below ``min_lr``."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be below 1, got {factor}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best = 0, 0, self.worst()

    def on_epoch_end(self, epoch, logs=None):
        value = self.value(logs)
        optimizer = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = float(optimizer.learning_rate)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(value, self.best):
            self.best, self.wait = value, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(optimizer.learning_rate)
                if old > self.min_lr:
                    optimizer.learning_rate = max(old * self.factor, self.min_lr)
                    if self.verbose:
                        print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {float(optimizer.learning_rate)}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not numpy.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Keras's progress output (``keras.utils.Progbar``): ``Epoch k/n`` (when n > 1), then
    with ``verbose=1`` one line per epoch rewritten in place after every batch, with the
    ETA and the running loss and metrics, ending with the epoch's time and logs
    (``val_`` keys included); ``verbose=2``: that last line alone.  ``evaluate`` and
    ``predict`` get one such bar; the validation inside ``fit`` prints nothing."""

    def __init__(self):
        super().__init__()
        self.progbar, self.in_fit, self.seen = None, False, 0

    def _verbose(self):
        verbose = self.params.get("verbose", 1)
        return 1 if verbose == "auto" else verbose

    def _start(self):
        self.seen = 0
        self.progbar = Progbar(self.params.get("steps"), verbose=self._verbose())

    def _update(self, batch, logs):
        self.seen = batch + 1
        if self.progbar is not None and self._verbose() == 1:
            self.progbar.update(self.seen, sorted((logs or {}).items()), finalize=False)

    def _finish(self, logs):
        if self.progbar is None:
            return
        if self.progbar.target is None:       # an unknown length is known at the end
            self.progbar.target = self.seen
        self.progbar.update(self.progbar.target, sorted((logs or {}).items()), finalize=True)
        self.progbar = None

    def on_train_begin(self, logs=None):
        self.in_fit = True

    def on_train_end(self, logs=None):
        self.in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self._verbose() and self.params.get("epochs", 1) > 1:
            print(f"Epoch {epoch + 1}/{self.params.get('epochs')}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self.in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self.in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self.in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)


class CSVLogger(Callback):
    """Write each epoch's logs to the CSV file ``filename``: a header ``epoch`` + the log
    keys in sorted order (with ``val_`` columns even before validation has run, ``NA``
    where a value is missing), then one row per epoch (counted from 0), as Keras writes it.

    ``append=True`` adds rows to an existing file (no second header), to go on with an
    interrupted run.  The file is rewritten whole and atomically after every epoch, so a
    crash leaves the rows of the epochs that finished, never half a row.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, got "
                             f"separator={separator!r}")
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self.text = None, ""

    def on_train_begin(self, logs=None):
        self.keys, self.text = None, ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self.text = f.read()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.sep, lineterminator="\r\n")
        if not self.text:
            writer.writerow(["epoch"] + self.keys)
        writer.writerow([epoch] + [_csv_value(logs.get(key, "NA")) for key in self.keys])
        self.text += out.getvalue()
        with atomic_open(self.filename, "w") as f:
            f.write(self.text)


def _csv_value(value):
    """A log value for a CSV cell: text as is, a sequence as ``[a, b]``, a number as is."""
    if isinstance(value, str) or numpy.ndim(value) == 0:
        return value
    return f"[{', '.join(map(str, numpy.ravel(value)))}]"


class LambdaCallback(Callback):
    """A callback made of plain functions, given by hook name::

        LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))

    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_batch_begin(batch, logs)`` /
    ``on_batch_end(batch, logs)`` (Keras 2's names for the training batches: the same as
    ``on_train_batch_begin`` / ``on_train_batch_end``), and any other ``on_*`` hook.
    """

    _ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, function in given.items():
            if function is None:
                continue
            hook = self._ALIASES.get(name, name)
            if not hook.startswith("on_") or not hasattr(Callback, hook):
                raise TypeError(f"LambdaCallback: {name!r} is not a callback hook; the hooks "
                                f"are {sorted(h for h in dir(Callback) if h.startswith('on_'))}"
                                f" and on_batch_begin / on_batch_end")
            if not callable(function):
                raise TypeError(f"LambdaCallback: {name} must be a function, got a "
                                f"{type(function).__name__}")
            if hook in given and given[hook] is not None and hook != name:
                raise ValueError(f"LambdaCallback: give {name} or {hook}, not both")
            setattr(self, hook, _hook(function, takes_index="epoch" in hook or "batch" in hook))


def _hook(function, takes_index):
    """``function`` called as Keras calls a hook, with ``logs`` (None when the caller has
    none): ``(epoch or batch, logs)``, or ``(logs)`` for the train/test/predict begin/end."""
    if takes_index:
        def hook(index, logs=None):
            return function(index, logs)
    else:
        def hook(logs=None):
            return function(logs)
    return hook


def __getattr__(name):
    # keras.callbacks.TensorBoard lives in shenjing.insight, an app above this face: it is
    # looked up on first use, so that loading this module never imports upwards
    if name == "TensorBoard":
        from ..insight.tensorboard import TensorBoard
        return TensorBoard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
