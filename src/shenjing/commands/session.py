"""One run of an example: its settings, progress bars, history, checkpoints and outputs.

An example's ``train(session)`` reads its settings (``session.epochs``,
``session.batch_size``, ``session.data``, ``session.limit``), wraps its batches in
``session.progress`` (PyTorch face) or passes ``session.keras_callbacks()`` to ``fit``
(Keras face), calls ``session.end_epoch`` after each epoch with that epoch's numbers and
a function that saves the model, and returns its final metrics.  The session writes, in
``session.out``:

    metrics.json     settings, final metrics and per-epoch history (written atomically)
    *.png            the plots the example draws (``session.path("history.png")``)
    model.*          the model, saved after every good epoch (atomically: a crash or a
                     diverged batch leaves the last good one in place)

A NaN or infinite loss raises ``Diverged`` naming the epoch and batch; nothing is saved
after it, so the checkpoint of the last good epoch is kept.
"""

import json
import math
import time
from pathlib import Path

from ..io.atomic import atomic_open


class Diverged(RuntimeError):
    """Training produced a NaN/infinite loss; the message names the epoch and the batch."""

    def __init__(self, loss, epoch, batch, checkpoint):
        self.loss, self.epoch, self.batch, self.checkpoint = loss, epoch, batch, checkpoint
        kept = (f"the last good checkpoint is kept: {checkpoint}" if checkpoint
                else "no epoch had finished, so there is no checkpoint")
        super().__init__(f"training diverged: loss {loss} at epoch {epoch}, batch {batch}; "
                         f"{kept}")


class Session:
    """The settings and outputs of one example run (see the module docstring).

    ``epochs``/``batch_size``: the training settings; ``data``: the folder of the data sets
    (``path=`` of the loaders; None: ``$SHENJING_DATA``, the cache, then the download);
    ``out``: the output folder (created); ``limit``: use only the first ``limit`` training
    and test samples (quick runs); ``progress``: draw tqdm bars; ``log``: where lines go.
    """

    def __init__(self, name, epochs, batch_size, data=None, out=".", limit=None, seed=0,
                 progress=True, log=print):
        self.name, self.epochs, self.batch_size = name, epochs, batch_size
        self.data = None if data is None else str(data)
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.limit, self.seed, self.show_progress, self.log = limit, seed, progress, log
        self.history = []
        self.checkpoint = None
        self.files = []
        self._start = time.perf_counter()

    def path(self, filename):
        """``out/filename``, remembered as one of the run's outputs."""
        path = self.out / filename
        if str(path) not in self.files:
            self.files.append(str(path))
        return path

    def take(self, *arrays):
        """The first ``limit`` items of each array (all of them when there is no limit)."""
        if self.limit is None:
            return arrays if len(arrays) > 1 else arrays[0]
        cut = tuple(a[:self.limit] for a in arrays)
        return cut if len(cut) > 1 else cut[0]

    # ------------------------------------------------------------ progress and divergence

    def progress(self, iterable, epoch, total=None):
        """``iterable`` with a tqdm bar "name epoch e/E" (plain iteration without tqdm)."""
        if not self.show_progress:
            return iterable
        tqdm = _tqdm()
        if tqdm is None:
            return iterable
        return tqdm(iterable, total=total, desc=f"{self.name} epoch {epoch}/{self.epochs}",
                    leave=False, dynamic_ncols=True)

    def check_loss(self, loss, epoch, batch):
        """Raise ``Diverged`` when ``loss`` (a float) is NaN or infinite; epoch from 1,
        batch from 0 as the loop counts them."""
        if not math.isfinite(loss):
            raise Diverged(loss, epoch, batch, self.checkpoint)

    def keras_callbacks(self, filename="model.keras", phase=None):
        """The Keras-face callbacks of this run: a tqdm bar per epoch, the NaN check, and
        at each epoch's end ``end_epoch`` with fit's logs (tagged with ``phase`` when a run
        trains several models), saving ``model.save`` to ``out/filename`` (None: none)."""
        return [_KerasProgress(self, filename, phase)]

    # ------------------------------------------------------------ epochs and outputs

    def end_epoch(self, epoch, logs, save=None, filename=None, phase=None):
        """Record epoch ``epoch``'s ``logs`` ({name: float}), log them in one line, and, if
        ``save`` is given, checkpoint the model with ``save(path)`` to ``out/filename``.
        ``phase`` names the model or stage when a run trains several (``series(key, phase)``)."""
        numbers = {k: float(v) for k, v in logs.items()}
        entry = {"epoch": epoch, **({"phase": phase} if phase else {}), **numbers}
        self.history.append(entry)
        where = f"{phase} epoch {epoch}" if phase else f"epoch {epoch}/{self.epochs}"
        self.log(f"{self.name} {where}  " + "  ".join(f"{k} {v:.4f}" for k, v in numbers.items()))
        if save is not None:
            path = self.path(filename)
            save(str(path))
            self.checkpoint = str(path)

    def series(self, key, phase=None):
        """``[history[e][key] for each epoch]`` (NaN where an epoch lacks it), of ``phase``
        only when given."""
        return [e.get(key, math.nan) for e in self.history
                if phase is None or e.get("phase") == phase]

    def plot_keras_history(self):
        """``out/history.png``: loss and accuracy per epoch, train against test, from the
        history a Keras ``fit`` with ``keras_callbacks()`` recorded."""
        from ..plots import plot_curves
        plot_curves({"loss": {"train": self.series("loss"), "test": self.series("val_loss")},
                     "accuracy": {"train": self.series("accuracy"),
                                  "test": self.series("val_accuracy")}},
                    self.path("history.png"), title=self.name)

    def write_metrics(self, metrics):
        """Write ``out/metrics.json``: the settings, ``metrics`` and the history."""
        path = self.path("metrics.json")
        document = {"example": self.name, "epochs": self.epochs, "batch_size": self.batch_size,
                    "limit": self.limit, "seed": self.seed,
                    "seconds": round(time.perf_counter() - self._start, 3),
                    "metrics": _plain(metrics), "history": _plain(self.history),
                    "model": self.checkpoint, "files": list(self.files)}
        with atomic_open(path, "w") as f:
            json.dump(document, f, indent=1, allow_nan=True)
        return document


def _plain(obj):
    """JSON-ready copy: NumPy scalars and arrays become Python numbers and lists."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class _KerasProgress:
    """A Keras callback (duck-typed, so this module needs no Keras import): tqdm bar per
    epoch with the running loss, and ``Diverged`` at the first NaN/inf batch loss."""

    def __init__(self, session, filename, phase):
        self.session, self.model, self.params, self.bar = session, None, {}, None
        self.filename, self.phase, self.epoch = filename, phase, 0

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        tqdm = _tqdm() if self.session.show_progress else None
        if tqdm is not None:
            phase = f" {self.phase}" if self.phase else ""
            self.bar = tqdm(total=self.params.get("steps"), leave=False, dynamic_ncols=True,
                            desc=f"{self.session.name}{phase} epoch {self.epoch}/"
                                 f"{self.params.get('epochs', self.session.epochs)}")

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None:
            self.session.check_loss(float(loss), self.epoch, batch)
        if self.bar is not None:
            self.bar.update(1)
            if loss is not None:
                self.bar.set_postfix(loss=f"{float(loss):.4f}", refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        self._close()
        save = self.model.save if self.filename else None
        self.session.end_epoch(epoch + 1, logs or {}, save=save, filename=self.filename,
                               phase=self.phase)

    def on_train_end(self, logs=None):
        self._close()

    def _close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __getattr__(self, hook):
        if hook.startswith("on_"):
            return lambda *args, **kwargs: None
        raise AttributeError(hook)

