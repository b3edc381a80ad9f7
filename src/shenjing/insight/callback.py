"""``MonitorCallback``: the Keras face of ``Monitor``: ``model.fit(...,
callbacks=[insight.MonitorCallback(every=10)])``, then ``insight.diagnose(callback.monitor)``.
"""

from ..keras.callbacks import Callback
from .monitor import Monitor


class MonitorCallback(Callback):
    """Keras callback that runs a ``Monitor`` on the model during ``fit``: activation and
    gradient statistics every ``every``-th batch, the loss and learning rate of every batch.
    ``monitor`` (made at ``on_train_begin``) keeps the records after training."""

    def __init__(self, every=10):
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"insight.MonitorCallback: every must be a positive int, "
                             f"got {every!r}")
        self.every = every
        self.monitor = None
        self._lr = None

    def on_train_begin(self, logs=None):
        if self.monitor is None or self.monitor.model is not self.model:
            self.monitor = Monitor(self.model, every=self.every)
        self.monitor.attach()

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        lr = getattr(optimizer, "learning_rate", None)
        self._lr = float(lr) if lr is not None else None   # the rate this batch's update uses

    def on_train_batch_end(self, batch, logs=None):
        self.monitor.step((logs or {}).get("loss"), lr=self._lr)

    def on_epoch_end(self, epoch, logs=None):
        self.monitor.epochs.append(dict(logs or {}))

    def on_train_end(self, logs=None):
        self.monitor.detach()
