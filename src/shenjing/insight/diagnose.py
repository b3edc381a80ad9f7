"""``diagnose(monitor)``: what a ``Monitor`` saw, named in plain words with the numbers behind it.

The course's failure modes, each one rule:

- vanishing / exploding gradients: the gradient RMS of the first weight layer over that of
  the last (gradients flow backwards, so a ratio far below 1 means they shrink on the way);
  below 1e-3 is vanishing, above 1e3 exploding; also exploding where a layer's gradient
  is over 10x its weights (||g|| / ||w||, ~1e-2 when healthy), which a too large init
  scale causes in every layer at once;
- dead ReLUs: units (features or channels) of a ReLU layer that were zero for every input
  the monitor saw; reported when at least 25% of a layer's units are dead;
- saturated sigmoid/tanh: at least half of a layer's outputs where the slope is ~0;
- divergence: the loss turns NaN/inf, or rises above 4x its lowest value so far;
- learning rate: the update-to-weight ratio, ~1e-3 when healthy, far below 1e-5 (too
  small) or above 1e-1 (too large).
- over-fitting: the validation loss ends over 10% above its best epoch's while the
  training loss kept falling (from the epochs' logs: a ``History`` or the callback's).

    report = insight.diagnose(monitor)
    print(report)            # one line per finding, or "no problems found"
    report.kinds             # {"vanishing", "dead_relu", ...}
"""

import math

import numpy

VANISHING, EXPLODING = 1e-3, 1e3
EXPLODING_GRAD_TO_WEIGHT = 10.0
DEAD_FRACTION = 0.25
SATURATED_FRACTION = 0.5
DIVERGED_FACTOR = 4.0
UPDATE_LOW, UPDATE_HIGH = 1e-5, 1e-1
OVERFIT_RISE = 1.10


class Finding:
    """One problem seen: ``kind`` (e.g. ``"vanishing"``), the ``message`` in plain words and
    the ``numbers`` behind it (a dict)."""

    def __init__(self, kind, message, **numbers):
        self.kind, self.message, self.numbers = kind, message, numbers

    def __repr__(self):
        return f"Finding({self.kind!r}, {self.message!r})"

    def __str__(self):
        return self.message


class Diagnosis:
    """The findings of ``diagnose``: iterable, ``kinds`` (a set), ``str()`` one line each."""

    def __init__(self, findings):
        self.findings = list(findings)

    @property
    def kinds(self):
        """The set of the findings' kinds, e.g. ``{"vanishing", "lr_too_low"}``."""
        return {f.kind for f in self.findings}

    def __iter__(self):
        return iter(self.findings)

    def __len__(self):
        return len(self.findings)

    def __str__(self):
        if not self.findings:
            return "no problems found"
        return "\n".join(f"- {f.message}" for f in self.findings)

    __repr__ = __str__


def diagnose(monitor, history=None):
    """The ``Diagnosis`` of a ``Monitor`` (or a ``MonitorCallback``) after training.
    ``history`` (a Keras ``History`` or a dict of per-epoch lists) adds the over-fitting
    check; a ``MonitorCallback`` has recorded the epochs' logs itself."""
    monitor = getattr(monitor, "monitor", monitor)
    if monitor is None or not hasattr(monitor, "layer_gradients"):
        raise TypeError("insight.diagnose: expected a Monitor or a MonitorCallback that has run, "
                        f"got {type(monitor).__name__}")
    findings = []
    for check in (_gradient_flow, _dead_units, _saturation, _divergence, _update_size):
        findings.extend(check(monitor))
    findings.extend(_overfitting(_epoch_logs(monitor, history)))
    return Diagnosis(findings)


def _epoch_logs(monitor, history):
    if history is not None:
        logs = getattr(history, "history", history)
        if not isinstance(logs, dict):
            raise TypeError(f"insight.diagnose: history must be a History or a dict of per-epoch "
                            f"lists, got {type(history).__name__}")
        return logs
    logs = {}
    for epoch in getattr(monitor, "epochs", []):
        for key, value in epoch.items():
            logs.setdefault(key, []).append(value)
    return logs


def _gradient_flow(monitor):
    flow = {k: v for k, v in monitor.layer_gradients().items() if v > 0}
    if len(flow) < 2:
        return []
    names = list(flow)
    first, last = names[0], names[-1]
    ratio = flow[first] / flow[last]
    kinds = {monitor.kinds.get(n) for n in names[:-1]} - {None}
    if ratio < VANISHING:
        hint = ("sigmoid/tanh activations; try ReLU + He init or batch norm"
                if kinds & {"sigmoid", "tanh"} else "try He/Xavier init, batch norm or "
                "residual connections")
        return [Finding("vanishing", f"gradients shrink {ratio:.0e}x from `{last}` to `{first}`: "
                        f"vanishing ({hint})", ratio=ratio, first=first, last=last,
                        first_rms=flow[first], last_rms=flow[last])]
    if ratio > EXPLODING:
        return [Finding("exploding", f"gradients grow {ratio:.0e}x from `{last}` to `{first}`: "
                        f"exploding (try a smaller init scale, gradient clipping or batch norm)",
                        ratio=ratio, first=first, last=last)]
    big = {k: v for k, v in monitor.layer_gradients("grad_to_weight").items()
           if v > EXPLODING_GRAD_TO_WEIGHT}
    if big:
        layer = max(big, key=big.get)
        return [Finding("exploding", f"gradients are {big[layer]:.0e}x the weights in `{layer}` "
                        f"(||g|| / ||w||; {len(big)} of {len(flow)} layers over "
                        f"{EXPLODING_GRAD_TO_WEIGHT:g}x): exploding (try a smaller init scale, "
                        f"gradient clipping or batch norm)", ratio=big[layer], layer=layer,
                        layers=sorted(big))]
    return []


def _dead_units(monitor):
    found = []
    for name in monitor.layers:
        active = monitor.units_active.get(name)
        if monitor.kinds.get(name) != "relu" or active is None or active.size == 0:
            continue
        dead = 1.0 - float(numpy.mean(active))
        if dead >= DEAD_FRACTION:
            found.append(Finding(
                "dead_relu", f"{dead:.0%} of units in `{name}` never activate (dead ReLU; try a "
                f"smaller learning rate, a non-negative bias init or LeakyReLU)",
                layer=name, fraction=dead, units=int(active.size)))
    return found


def _saturation(monitor):
    found = []
    for name in monitor.layers:
        kind = monitor.kinds.get(name)
        values = [e["saturated"] for e in monitor.activations.get(name, [])
                  if e["saturated"] is not None]
        if kind not in ("sigmoid", "tanh") or not values:
            continue
        share = float(numpy.mean(values))
        if share >= SATURATED_FRACTION:
            rule = "|tanh| > 0.99" if kind == "tanh" else "sigmoid < 0.01 or > 0.99"
            found.append(Finding(
                "saturated", f"{share:.0%} of `{name}`'s {kind} outputs are saturated ({rule}): "
                f"their gradient is ~0 (try smaller initial weights, batch norm or ReLU)",
                layer=name, fraction=share))
    return found


def _divergence(monitor):
    best = math.inf
    for step, loss, lr in monitor.losses:
        if loss is None:
            continue
        if not math.isfinite(loss) or loss > DIVERGED_FACTOR * best > 0:
            after = f" after LR reached {lr:.3g}" if lr is not None else ""
            what = "became NaN/inf" if not math.isfinite(loss) else \
                f"rose to {loss:.4g} from a best of {best:.4g}"
            return [Finding("diverged", f"loss diverged at step {step}{after} ({what}; try a "
                            f"smaller learning rate or gradient clipping)",
                            step=step, loss=loss, lr=lr, best=best)]
        best = min(best, loss)
    return []


def _update_size(monitor):
    ratios = [e["update_to_weight"] for entries in monitor.gradients.values() for e in entries
              if e["update_to_weight"] is not None and e["update_to_weight"] > 0]
    if not ratios:
        return []
    median = float(numpy.median(ratios))
    if median < UPDATE_LOW:
        return [Finding("lr_too_low", f"updates are {median:.1e} of the weights (median; ~1e-3 "
                        f"is healthy): the learning rate looks too small", median=median)]
    if median > UPDATE_HIGH:
        return [Finding("lr_too_high", f"updates are {median:.1e} of the weights (median; ~1e-3 "
                        f"is healthy): the learning rate looks too large", median=median)]
    return []


def _overfitting(logs):
    train, val = logs.get("loss"), logs.get("val_loss")
    if not train or not val or len(val) < 3 or len(train) != len(val):
        return []
    best = int(numpy.argmin(val))
    if best == len(val) - 1 or val[-1] <= OVERFIT_RISE * val[best] or train[-1] >= train[best]:
        return []
    rise = val[-1] / val[best] - 1
    return [Finding("overfitting", f"over-fitting: val_loss rose {rise:.0%} from its best ("
                    f"{val[best]:.4g} at epoch {best + 1}) to {val[-1]:.4g} at epoch {len(val)} "
                    f"while loss fell to {train[-1]:.4g} (try early stopping, dropout, weight "
                    f"decay or more data)", best_epoch=best + 1, rise=rise)]
