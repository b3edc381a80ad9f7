"""``TensorBoard``: the Keras callback that logs a ``fit`` run for ``tensorboard --logdir``.

As Keras's: ``log_dir/train`` and ``log_dir/validation`` hold the ``epoch_loss``,
``epoch_<metric>`` scalars (and ``epoch_learning_rate`` in train) of every epoch; with
``update_freq=N`` also ``batch_<key>`` every N batches; with ``histogram_freq=N`` a histogram
of every weight (``dense/kernel``) every N epochs; ``write_graph`` writes the layers' graph.

    model.fit(x, y, validation_split=0.1,
              callbacks=[insight.TensorBoard("logs/run1", histogram_freq=1)])
"""

import os

from ..keras.callbacks import Callback
from .summary_writer import SummaryWriter


class TensorBoard(Callback):
    """Keras callback writing TensorBoard event files (see the module docstring); Keras's
    ``log_dir``, ``histogram_freq``, ``write_graph`` and ``update_freq`` ("epoch" or a number
    of batches); the other Keras arguments are accepted and ignored."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if not (isinstance(histogram_freq, int) and histogram_freq >= 0):
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0, got "
                             f"{histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq >= 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"int, got {update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph, self.update_freq = (histogram_freq, write_graph,
                                                                   update_freq)
        self._writers = {}
        self._batches = 0

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = SummaryWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        self._batches = 0
        if self.write_graph:
            self._writer("train").add_graph(self.model)

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self.update_freq != "epoch" and self._batches % self.update_freq == 0:
            for key, value in (logs or {}).items():
                self._writer("train").add_scalar(f"batch_{key}", value, self._batches)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            which, key = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(which).add_scalar(f"epoch_{key}", value, epoch)
        lr = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        if lr is not None:
            self._writer("train").add_scalar("epoch_learning_rate", float(lr), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for name, p in self.model.named_parameters():
                self._writer("train").add_histogram(name.replace(".", "/"), p, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
