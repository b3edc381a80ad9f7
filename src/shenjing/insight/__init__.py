"""``shenjing.insight``: seeing inside training, in one line, in both faces.

- ``Monitor`` (PyTorch face: ``with Monitor(model) as mon: ... mon.step(loss)``) and
  ``MonitorCallback`` (Keras face: ``fit(callbacks=[MonitorCallback()])``): per layer
  activation mean/std, zeros and saturation; per parameter gradient norm, gradient-to-weight
  and update-to-weight ratios; sampled every N steps, overhead measured.
- ``diagnose(monitor)``: vanishing/exploding gradients, dead ReLUs, saturated units,
  divergence and learning-rate trouble, in plain words with the numbers.
- ``lr_find(model, ...)``: the LR range test; a suggested rate and a 1cycle ``max_lr``.
- plots (matplotlib, the ``plot`` extra; each returns a Figure, saved as PNG given a
  path): ``plot_history``, ``plot_gradient_flow``, ``plot_activation_histograms``,
  ``plot_weight_histograms``, ``plot_confusion_matrix``, ``plot_misclassified``,
  ``plot_lr_schedule``, ``plot_lr_find``.
- TensorBoard (the ``tensorboard`` extra): ``TensorBoard`` (Keras callback) and
  ``SummaryWriter`` (scalars, histograms, the graph) write event files for
  ``tensorboard --logdir``.
- ``detect_nan()``: a debug mode that raises at the first NaN/inf an op makes, forward or
  backward, naming the op, the layer path and the line of user code.
"""

from .debug import detect_nan
from .diagnose import Diagnosis, Finding, diagnose
from .lr_find import LRFindResult, lr_find
from .monitor import Monitor
from .plot_classes import confusion_matrix, plot_confusion_matrix, plot_misclassified
from .plot_layers import plot_activation_histograms, plot_gradient_flow, plot_weight_histograms
from .plot_training import plot_history, plot_lr_find, plot_lr_schedule, schedule_values
from .summary_writer import SummaryWriter
from .callback import MonitorCallback
from .tensorboard import TensorBoard

__all__ = ["Monitor", "MonitorCallback", "diagnose", "Diagnosis", "Finding", "lr_find",
           "LRFindResult", "plot_history", "plot_gradient_flow", "plot_activation_histograms",
           "plot_weight_histograms", "plot_confusion_matrix", "plot_misclassified",
           "plot_lr_schedule", "plot_lr_find", "schedule_values", "confusion_matrix",
           "SummaryWriter", "TensorBoard", "detect_nan"]
