"""What ``compile`` makes of ``loss``, ``loss_weights`` and ``metrics``: for each output of
the model its loss, its weight in the total and its metrics, and the running means that
``fit`` and ``evaluate`` log.

One output: ``loss`` and ``metrics`` apply to it; the logs are ``loss`` and the metrics by
name.  Several outputs (a list of predictions), named after the layers that make them
(``policy``, ``value``) or ``output_1``, ``output_2``:

    loss           one loss for every output, a list in output order, or a dict by name
    loss_weights   a list or a dict; 1 for each output by default
    metrics        a list for every output, a list of lists, or a dict by name
    y              a list of targets in output order, or a dict by name

    total loss = sum_k loss_weights[k] * loss_k(y_k, y_pred_k) + regularization

and the logs add ``<name>_loss`` for each output and ``<name>_<metric>`` for its metrics,
as Keras names them.
"""

import copy

import numpy

from ...autograd.tensor import Tensor
from .. import losses as losses_module, metrics as metrics_module
from ..layers.layer import get_keras_mask, set_keras_mask


class _Output:
    """One output's loss, weight, metrics and loss tracker."""

    def __init__(self, name, loss, weight, metrics, prefix):
        self.name, self.loss, self.weight, self.metrics = name, loss, weight, metrics
        self.prefix = prefix   # "" for a single output, "<name>_" for one of several
        self.tracker = metrics_module.Mean(name=f"{prefix}loss")


def _per_output(value, names, what, who, default):
    """``value`` (one for all, a list in output order, or a dict by name) for each output."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{who}: {what} names outputs {unknown}; the model's outputs are "
                             f"{names}")
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(f"{who}: {what} has {len(value)} entries for {len(names)} outputs "
                             f"{names}")
        return list(value)
    return [value] * len(names)


class CompiledLoss:
    """The loss and metrics of ``compile``, resolved per output on the first batch."""

    def __init__(self, loss, loss_weights, metrics, who):
        self.spec, self.weights_spec, self.metrics_spec, self.who = (loss, loss_weights,
                                                                     metrics, who)
        self.outputs = None
        self.tracker = metrics_module.Mean(name="loss")
        if loss is not None and not isinstance(loss, (list, tuple, dict)):   # check it now
            losses_module.get(loss)

    def resolve(self, names):
        """Make each output's loss, weight and metrics for outputs called ``names``."""
        if self.outputs is not None and [o.name for o in self.outputs] == names:
            return
        several = len(names) > 1
        if not several and isinstance(self.spec, (list, tuple, dict)):
            raise ValueError(f"{self.who}: loss {self.spec!r} is for several outputs; the model "
                             f"has one")
        losses = _per_output(self.spec, names, "loss", self.who, None)
        weights = _per_output(self.weights_spec, names, "loss_weights", self.who, 1.0)
        metrics = self.metrics_spec or []
        if several and isinstance(metrics, (list, tuple)) and metrics and all(
                isinstance(m, (list, tuple)) for m in metrics):
            per_metrics = _per_output(list(metrics), names, "metrics", self.who, [])
        elif isinstance(metrics, dict):
            per_metrics = _per_output(metrics, names, "metrics", self.who, [])
            per_metrics = [m if isinstance(m, (list, tuple)) else [m] for m in per_metrics]
        else:
            per_metrics = [metrics] * len(names)
        self.outputs = []
        for name, loss, weight, chosen in zip(names, losses, weights, per_metrics):
            if loss is None and self.spec is not None:
                raise ValueError(f"{self.who}: no loss for output {name!r}")
            prefix = f"{name}_" if several else ""
            # a metric object given for every output is copied: each output counts its own
            made = [metrics_module.get(copy.deepcopy(m) if several and isinstance(
                m, metrics_module.Metric) else m, loss=loss) for m in chosen]
            for metric in made:
                metric.name = prefix + metric.name
            self.outputs.append(_Output(name, None if loss is None else losses_module.get(loss),
                                        float(1.0 if weight is None else weight), made, prefix))

    def targets(self, y):
        """``y`` as one target per output (a list in output order, or a dict by name)."""
        if len(self.outputs) == 1:
            return [y]
        names = [o.name for o in self.outputs]
        if isinstance(y, dict):
            missing = [n for n in names if n not in y]
            if missing:
                raise ValueError(f"{self.who}: y has no targets for outputs {missing} (keys "
                                 f"{sorted(y)})")
            return [y[n] for n in names]
        if not isinstance(y, (list, tuple)) or len(y) != len(names):
            raise ValueError(f"{self.who}: the model has {len(names)} outputs {names}; give y as "
                             f"a list of {len(names)} targets or a dict by name")
        return list(y)

    def __call__(self, y, y_pred, sample_weight):
        """The weighted sum of the outputs' losses (a scalar tensor; None when compile gave
        no loss); each output's loss value is kept for ``update``."""
        total = None
        self.values = []
        self.masks = [get_keras_mask(p) for p in y_pred]     # for the metrics, in update
        for output, target, prediction in zip(self.outputs, self.targets(y), y_pred):
            if output.loss is None:          # compile(loss=None): add_loss's terms alone
                self.values.append(None)
                continue
            loss = output.loss(target, prediction, sample_weight)
            self.values.append(float(loss.item()))
            term = loss if output.weight == 1.0 else loss * output.weight
            total = term if total is None else total + term
        return total

    def reset(self):
        self.tracker.reset_state()
        for output in self.outputs or []:
            output.tracker.reset_state()
            for metric in output.metrics:
                metric.reset_state()

    def update(self, loss, y, y_pred, n):
        """Running means of the total loss and each output's (weighted by batch size), and
        the metrics (not sample-weighted, as Keras's ``metrics``)."""
        self.tracker.update_state(loss, sample_weight=n)
        several = len(self.outputs) > 1
        masks = getattr(self, "masks", None) or [None] * len(self.outputs)
        for output, value, target, prediction, mask in zip(self.outputs, self.values,
                                                           self.targets(y), y_pred, masks):
            if several and value is not None:
                output.tracker.update_state(value, sample_weight=n)
            if mask is not None:     # a masked output: its metrics count the valid steps only
                prediction = Tensor(numpy.asarray(prediction))
                set_keras_mask(prediction, mask)
            for metric in output.metrics:
                metric.update_state(numpy.asarray(target), prediction)

    def logs(self, prefix=""):
        logs = {prefix + "loss": self.tracker.result()}
        several = len(self.outputs) > 1
        for output in self.outputs:
            if several and output.loss is not None:
                logs[prefix + output.prefix + "loss"] = output.tracker.result()
        for output in self.outputs:
            for metric in output.metrics:
                logs[prefix + metric.name] = metric.result()
        return logs
