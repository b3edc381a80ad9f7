"""``keras.utils``: ``pad_sequences``, ``to_categorical``, ``normalize``, ``set_random_seed``,
``PyDataset`` (alias ``Sequence``): batches made by Python code, for ``fit``, and
``Progbar``: Keras's progress bar."""

import math
import random
import sys
import time

import numpy

from .. import backend
from ..image import normalize, to_categorical
from ..text import pad_sequences
from .plot import model_to_dot, plot_model

__all__ = ["pad_sequences", "to_categorical", "normalize", "set_random_seed", "PyDataset",
           "Sequence", "Progbar"]
__all__ += ["plot_model", "model_to_dot"]


def set_random_seed(seed):
    """Seed everything random that a Keras program uses: shenjing's generator (weights,
    dropout, augmentation, shuffling), Python's ``random`` and NumPy's global generator."""
    seed = int(seed)
    backend.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed)


class PyDataset:
    """Batches made by Python code: subclass it with ``__len__`` (the number of batches)
    and ``__getitem__(index)`` returning batch ``index`` as ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)`` (arrays whose first axis is the batch).  ``fit`` reads
    batches ``0 .. len - 1`` each epoch (in a shuffled order when ``shuffle=True``) and
    calls ``on_epoch_begin()`` / ``on_epoch_end()`` around each epoch.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are kept for Keras code
    and ignored: shenjing reads the batches in the training thread, one at a time.

        class Digits(keras.utils.PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size
            def __len__(self):
                return math.ceil(len(self.x) / self.batch_size)
            def __getitem__(self, i):
                cut = slice(i * self.batch_size, (i + 1) * self.batch_size)
                return self.x[cut], self.y[cut]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: a PyDataset must define "
                                  f"__getitem__(index) returning batch `index`")

    @property
    def num_batches(self):
        """The number of batches per epoch (``len(self)``), or None for an endless one."""
        if hasattr(type(self), "__len__"):
            return len(self)
        return None

    def __iter__(self):
        count = self.num_batches
        index = 0
        while count is None or index < count:
            yield self[index]
            index += 1

    def on_epoch_begin(self):
        """Called by ``fit`` before each epoch; override to change the data between epochs."""

    def on_epoch_end(self):
        """Called by ``fit`` after each epoch (reshuffle the samples here, for example)."""


Sequence = PyDataset   # Keras 2's name


class Progbar:
    """Keras's progress bar, one line rewritten in place (``verbose=1``)::

        12/47 ━━━━━─────────────── 1s 21ms/step - accuracy: 0.8100 - loss: 0.5200

    (done steps green on a terminal, as Keras draws them), with the ETA while running and
    the time taken once ``current`` reaches ``target``; ``verbose=2`` writes only that
    last line, ``47/47 - 1s - 21ms/step - ...``.  ``target=None``: unknown length
    (``12/Unknown``).  Values are shown as given (fit's running means), 4 decimals.
    The time per step leaves out the first step (compilation, caches) once there are more.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, unit_name="step",
                 stream=None):
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar: verbose must be 0, 1 or 2, got {verbose!r}")
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stream = stream
        self.start = _now()
        self.after_first = None          # when the first step ended
        self.last_update, self.previous_width = -math.inf, 0

    def update(self, current, values=None, finalize=None):
        """Show step ``current`` (counted from 1) with ``values``: (name, value) pairs."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = _now()
        per_step = self._per_step(current, now)
        stream = self.stream or sys.stdout
        if self.verbose == 1 and (finalize or now - self.last_update >= self.interval):
            if self.target:
                digits = len(str(self.target))
                done = int(self.width * min(current / self.target, 1.0))
                bar = f"{current:>{digits}}/{self.target} {self._bar(done, stream)}"
            else:
                bar = f"{current:7d}/Unknown"
            if self.target and not finalize:
                clock = _clock(per_step * (self.target - current))   # the ETA
            else:
                clock = f"{now - self.start:.0f}s"
            line = f"{bar} {clock} {_per_unit(per_step, self.unit_name)}{_values(values)}"
            width = len(line)
            line += " " * max(self.previous_width - width, 0)   # wipe a longer last line
            stream.write("\r" + line + ("\n" if finalize else ""))
            stream.flush()
            self.previous_width = width
            self.last_update = now
        elif self.verbose == 2 and finalize and self.target:
            digits = len(str(self.target))
            stream.write(f"{current:>{digits}}/{self.target} - {now - self.start:.0f}s - "
                         f"{_per_unit(per_step, self.unit_name)}{_values(values)}\n")
            stream.flush()

    def _per_step(self, current, now):
        if not current:
            return 0.0
        if current == 1:
            self.after_first = now
        elif self.after_first is not None:
            return (now - self.after_first) / (current - 1)
        return (now - self.start) / current

    def _bar(self, done, stream):
        if getattr(stream, "isatty", lambda: False)():   # Keras's colours on a terminal
            return f"\x1b[32m{'━' * done}\x1b[0m\x1b[37m{'━' * (self.width - done)}\x1b[0m"
        return "━" * done + "─" * (self.width - done)


def _now():
    """Seconds on a monotonic clock (one place, so that a test can stop time)."""
    return time.perf_counter()


def _clock(seconds):
    """An ETA as Keras writes it: 5s, 2:05, 1:02:05."""
    if seconds > 3600:
        return f"{seconds // 3600:.0f}:{seconds % 3600 // 60:02.0f}:{seconds % 60:02.0f}"
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def _per_unit(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _values(values):
    """`` - name: value`` for each pair: 4 decimals, or 4 significant digits when tiny."""
    text = ""
    for name, value in values or []:
        value = float(value)
        text += f" - {name}: {value:.4f}" if abs(value) > 1e-3 else f" - {name}: {value:.4e}"
    return text
