"""``Monitor``: per-layer activation and per-parameter gradient statistics, recorded while a
model trains, in either face.

PyTorch face, in your own loop (``step()`` after ``optimizer.step()``)::

    with insight.Monitor(model, every=10, optimizer=opt) as mon:
        for x, y in loader:
            opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()
            mon.step(loss)
    print(insight.diagnose(mon))

Keras face: ``model.fit(..., callbacks=[insight.MonitorCallback(every=10)])``; the callback's
``monitor`` holds the same records.

On every ``every``-th step it records, per leaf layer, the mean and standard deviation of
its output, the fraction of zeros (ReLU units that are off) and of saturated units
(|tanh| > 0.99, sigmoid < 0.01 or > 0.99), and which units were ever active; per parameter
the gradient's norm and RMS, the gradient-to-weight ratio ||g|| / ||w|| and the
update-to-weight ratio ||w_after - w_before|| / ||w_before|| (about 1e-3 is the healthy
rule of thumb).  Only forwards that record a graph count: evaluation under ``no_grad``
(Keras's validation, ``with torch.no_grad()``) is left out.  Between sampled steps its
hooks return at once, so it can stay on; ``overhead()`` is the measured share of the wall
time spent in it (about 5% sampling every 10 steps on a small MNIST CNN, 1% every 50).
"""

import time

import numpy

from ..autograd import is_grad_enabled
from ..autograd.tensor import Tensor
from . import stats

#: how many output values of each layer the last sampled step keeps for histograms
HISTOGRAM_SAMPLES = 4096


class Monitor:
    """Records activation statistics of every leaf layer of ``model`` (a ``nn.Module`` or a Keras
    model) and gradient statistics of every parameter, every ``every``-th call of ``step``.

    Records: ``activations[layer]`` and ``gradients[parameter]`` are lists of dicts, one per
    sampled step (``step`` is in each); ``losses`` is a list of ``(step, loss, lr)`` for every
    step; ``units_active[layer]`` marks the units (features, or channels) that were non-zero
    at least once; ``samples[layer]`` holds up to 4096 output values of the last sampled step.
    """

    def __init__(self, model, every=10, optimizer=None):
        if not hasattr(model, "named_modules") or not hasattr(model, "named_parameters"):
            raise TypeError(f"insight.Monitor: model must be a shenjing nn.Module or Keras model, "
                            f"got {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"insight.Monitor: every must be a positive int, got {every!r}")
        self.model, self.every, self.optimizer = model, every, optimizer
        self.steps = 0
        self.activations, self.gradients, self.units_active, self.samples = {}, {}, {}, {}
        self.losses = []
        self.epochs = []          # per-epoch logs, when a caller (MonitorCallback) gives them
        self.layers = []          # the hooked layers' names, in the model's order
        self.kinds = {}           # layer name -> "relu" / "sigmoid" / "tanh" / "softmax" / None
        self.classes = {}         # layer name -> class name
        self.parameter_layer = {}  # parameter name -> the name of the layer that owns it
        self._handles = []
        self._before = None
        self._spent = 0.0         # seconds inside the monitor
        self._wall = 0.0          # seconds attached, over earlier attach/detach spells
        self._started = None

    # ------------------------------------------------------------ attaching

    def attach(self):
        """Put the hooks on every leaf layer and remember the weights; ``with`` does this."""
        if self._handles:
            return self
        keras_layer = _keras_layer_class()
        self.layers, self.kinds, self.classes, self.parameter_layer = [], {}, {}, {}
        for path, module in self.model.named_modules():
            if not path or any(True for _ in module.children()):
                continue
            name = _layer_name(module, path)
            axis = -1 if keras_layer is not None and isinstance(module, keras_layer) else 1
            self.layers.append(name)
            self.kinds[name] = stats.activation_kind(module)
            self.classes[name] = type(module).__name__
            self._handles.append(module.register_forward_hook(self._hook(name, axis)))
            for pname, _ in module.named_parameters(recurse=False):
                self.parameter_layer[f"{path}.{pname}"] = name
        self._before = self._weights() if self._sampling else None
        self._started = time.perf_counter()
        return self

    def detach(self):
        """Take the hooks off again (the records stay)."""
        for handle in self._handles:
            handle.remove()
        if self._handles:
            self._wall += time.perf_counter() - self._started
        self._handles = []

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.detach()
        return False

    @property
    def _sampling(self):
        return self.steps % self.every == 0

    def _weights(self):
        return {name: p.array.copy() for name, p in self.model.named_parameters()}

    def _hook(self, name, axis):
        def record(module, args, output):
            if not self._sampling or not is_grad_enabled():
                return None     # evaluation forwards (under no_grad) are not training steps
            start = time.perf_counter()
            out = _first_tensor(output)
            if out is not None and out.array.dtype.kind == "f":
                a = out.array
                self.activations.setdefault(name, []).append(
                    {"step": self.steps, **stats.activation_stats(a, self.kinds[name])})
                if a.ndim >= 2:
                    active = stats.active_units(a, axis if a.ndim > 2 else -1)
                    seen = self.units_active.get(name)
                    self.units_active[name] = active if seen is None or seen.shape != active.shape \
                        else seen | active
                flat = a.reshape(-1)
                stride = max(1, flat.size // HISTOGRAM_SAMPLES)
                self.samples[name] = numpy.asarray(flat[::stride][:HISTOGRAM_SAMPLES], "float64")
            self._spent += time.perf_counter() - start
            return None
        return record

    # ------------------------------------------------------------ stepping

    def step(self, loss=None, lr=None):
        """Call once per training step, after the optimizer's update: records the loss (a float
        or a one-element tensor) and learning rate (given, or read from ``optimizer``) every
        step, and on sampled steps the gradients and the update each parameter just got.
        Attaches the monitor first if it is not attached."""
        start = time.perf_counter()
        if not self._handles:
            self.attach()
        if isinstance(loss, Tensor):
            loss = loss.item()
        if lr is None and self.optimizer is not None:
            lr = _learning_rate(self.optimizer)
        self.losses.append((self.steps, None if loss is None else float(loss),
                            None if lr is None else float(lr)))
        if self._sampling:
            self._record_parameters()
        self.steps += 1
        self._before = self._weights() if self._sampling else None
        self._spent += time.perf_counter() - start

    def _record_parameters(self):
        before = self._before or {}
        for name, p in self.model.named_parameters():
            w = p.array
            w_norm = stats.norm(w)
            entry = {"step": self.steps, "weight_norm": w_norm, "grad_norm": None,
                     "grad_rms": None, "grad_to_weight": None, "update_to_weight": None}
            if p.grad is not None:
                g = p.grad.array
                entry["grad_norm"] = stats.norm(g)
                entry["grad_rms"] = stats.rms(g)
                entry["grad_to_weight"] = entry["grad_norm"] / w_norm if w_norm else None
            old = before.get(name)
            if old is not None and old.shape == w.shape:
                old_norm = stats.norm(old)
                entry["update_to_weight"] = stats.norm(w - old) / old_norm if old_norm else None
            self.gradients.setdefault(name, []).append(entry)

    def overhead(self):
        """The measured fraction of the wall time while attached spent inside the monitor."""
        total = self._wall + (time.perf_counter() - self._started if self._handles else 0.0)
        return self._spent / total if total > 0 else 0.0

    # ------------------------------------------------------------ summaries

    def layer_gradients(self, key="grad_rms"):
        """Per layer with a weight matrix/kernel (in the model's order): the mean over sampled
        steps of ``key`` (``"grad_rms"``, ``"grad_norm"``, ``"grad_to_weight"``,
        ``"update_to_weight"``) of its first weight with two or more axes: ``{layer: value}``."""
        out = {}
        for pname, entries in self.gradients.items():
            layer = self.parameter_layer.get(pname, pname.rsplit(".", 1)[0])
            values = [e[key] for e in entries if e[key] is not None]
            if layer in out or not values or len(self._shape(pname)) < 2:
                continue
            out[layer] = float(numpy.mean(values))
        order = {name: i for i, name in enumerate(self.layers)}
        return dict(sorted(out.items(), key=lambda item: order.get(item[0], len(order))))

    def summary(self):
        """A text table, one row per layer: activation mean/std, % zeros and % saturated (last
        sampled step), gradient RMS, gradient-to-weight and update-to-weight ratios (means over
        the sampled steps, of the layer's first weight), then the measured overhead."""
        rows = [f"{'layer':<18}{'kind':<9}{'mean':>9}{'std':>9}{'zeros':>7}{'satur.':>7}"
                f"{'grad rms':>10}{'g/w':>10}{'upd/w':>10}"]
        flow = self.layer_gradients()
        ratios = {key: self.layer_gradients(key) for key in ("grad_to_weight", "update_to_weight")}
        for name in self.layers:
            act = (self.activations.get(name) or [None])[-1]
            cells = [f"{name:<18.18}", f"{self.kinds.get(name) or '-':<9}"]
            if act is None:
                cells.append(f"{'':>32}")
            else:
                sat = act["saturated"]
                cells += [f"{act['mean']:>9.3g}", f"{act['std']:>9.3g}", f"{act['zeros']:>7.0%}",
                          f"{sat:>7.0%}" if sat is not None else f"{'-':>7}"]
            for values in (flow, *ratios.values()):
                cells.append(f"{values[name]:>10.2e}" if name in values else f"{'-':>10}")
            rows.append("".join(cells))
        rows.append(f"sampled every {self.every} steps over {self.steps} steps; "
                    f"monitor overhead {self.overhead():.1%} of the wall time")
        return "\n".join(rows)

    def _shape(self, pname):
        for name, p in self.model.named_parameters():
            if name == pname:
                return tuple(p.shape)
        return ()


def _keras_layer_class():
    try:
        from ..keras.layers import Layer
    except ImportError:   # pragma: no cover - the Keras face ships with shenjing
        return None
    return Layer


def _layer_name(module, path):
    own = getattr(module, "__dict__", {}).get("name")
    return own if isinstance(own, str) else path


def _first_tensor(output):
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _learning_rate(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    if groups:
        return groups[0]["lr"]
    lr = getattr(optimizer, "learning_rate", None)
    return float(lr) if lr is not None else None
