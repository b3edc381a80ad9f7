"""Plots of what happens inside the layers: gradient flow, activation and weight histograms.

    insight.plot_gradient_flow(monitor, "flow.png")          # a Monitor or MonitorCallback
    insight.plot_activation_histograms(monitor)
    insight.plot_weight_histograms(model)
"""

import math

import numpy

from .figure import finish, new_figure


def _monitor(monitor, who):
    monitor = getattr(monitor, "monitor", monitor)
    if monitor is None or not hasattr(monitor, "layer_gradients"):
        raise TypeError(f"insight.{who}: expected a Monitor or a MonitorCallback that has run, "
                        f"got {type(monitor).__name__}")
    return monitor


def _label(monitor, name):
    """``name (Class)``: a layer's name and its class, e.g. ``0 (Linear)``."""
    return f"{name} ({monitor.classes[name]})" if name in monitor.classes else name


def plot_gradient_flow(monitor, path=None):
    """The gradient RMS of each weight layer (mean over the sampled steps), first layer on the
    left, on a log axis: a line that falls to the left is vanishing gradients.  Returns the
    Figure; its line's data are the layers' values in order."""
    monitor = _monitor(monitor, "plot_gradient_flow")
    flow = monitor.layer_gradients()
    if not flow:
        raise ValueError("insight.plot_gradient_flow: the monitor has no gradient records yet; "
                         "call step() after a backward pass")
    fig, (ax,) = new_figure(size=(max(6.4, 0.45 * len(flow)), 4.2), who="plot_gradient_flow")
    x = numpy.arange(len(flow))
    values = numpy.asarray(list(flow.values()))
    ax.plot(x, values, marker="o")
    if (values > 0).all():
        ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([_label(monitor, name) for name in flow], rotation=60, ha="right",
                       fontsize=8)
    ax.set_ylabel("gradient RMS")
    ax.set_title("gradient flow by layer")
    return finish(fig, path)


def _grid(count):
    cols = min(4, count)
    return math.ceil(count / cols), cols


def _histograms(named_values, title, who, path):
    if not named_values:
        raise ValueError(f"insight.{who}: nothing to plot")
    rows, cols = _grid(len(named_values))
    fig, axes = new_figure(rows, cols, size=(3.2 * cols, 2.6 * rows), who=who)
    for ax, (name, values) in zip(axes, named_values.items()):
        ax.hist(numpy.asarray(values, dtype=float).ravel(), bins=50)
        ax.set_title(name, fontsize=9)
    for ax in axes[len(named_values):]:
        ax.set_visible(False)
    fig.suptitle(title)
    return finish(fig, path)


def plot_activation_histograms(monitor, path=None):
    """One histogram per layer of its outputs at the last sampled step (up to 4096 values per
    layer), in the model's order.  Returns the Figure."""
    monitor = _monitor(monitor, "plot_activation_histograms")
    samples = {_label(monitor, name): monitor.samples[name] for name in monitor.layers
               if name in monitor.samples}
    return _histograms(samples, "activations by layer", "plot_activation_histograms", path)


def plot_weight_histograms(model, path=None):
    """One histogram per weight (every parameter with two or more axes: kernels, not biases)
    of ``model``, a ``nn.Module`` or Keras model.  Returns the Figure."""
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"insight.plot_weight_histograms: expected a model, got "
                        f"{type(model).__name__}")
    weights = {name: p.array for name, p in model.named_parameters() if p.array.ndim >= 2}
    return _histograms(weights, "weights", "plot_weight_histograms", path)
