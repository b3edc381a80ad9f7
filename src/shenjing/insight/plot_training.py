"""Plots of a training run: the history of losses and metrics, the LR finder's curve, and the
learning rate any schedule object gives over a number of steps.

    insight.plot_history(model.fit(...), "history.png")
    insight.plot_lr_schedule(optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=1000), 1000)
"""

import copy

import numpy

from .figure import finish, new_figure


def plot_history(history, path=None):
    """Train vs validation curves, one panel per logged quantity (``loss``, each metric),
    from a Keras ``History`` (what ``fit`` returns) or a dict of per-epoch lists.  The
    training line is labelled ``train``, the ``val_`` one ``validation``.  Returns the
    Figure (saved to ``path`` as PNG when given)."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"insight.plot_history: expected a History or a non-empty dict of "
                         f"per-epoch lists, got {type(history).__name__}")
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in names]
    fig, axes = new_figure(1, len(names), size=(4.5 * len(names), 3.6), who="plot_history")
    for ax, name in zip(axes, names):
        for key, label in ((name, "train"), ("val_" + name, "validation")):
            if key in logs:
                values = numpy.asarray(logs[key], dtype=float)
                ax.plot(numpy.arange(1, len(values) + 1), values, marker="o", label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    return finish(fig, path)


def plot_lr_find(result, path=None, ax=None):
    """The LR range test's smoothed loss against the learning rate (log axis), with the
    suggestion and the 1cycle ``max_lr`` marked as vertical lines.  Returns the Figure."""
    if ax is None:
        fig, (ax,) = new_figure(who="plot_lr_find")
    else:
        fig = ax.figure
    ax.plot(result.lrs, result.losses, label="loss (smoothed)")
    ax.axvline(result.suggestion, color="tab:green", linestyle="--",
               label=f"suggestion {result.suggestion:.2g}")
    ax.axvline(result.max_lr, color="tab:red", linestyle=":",
               label=f"1cycle max_lr {result.max_lr:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.legend()
    return finish(fig, path)


def schedule_values(schedule, steps):
    """The learning rate at steps 0 .. ``steps - 1`` of ``schedule``: a Keras
    ``LearningRateSchedule`` or any callable of the step, or a PyTorch-face ``LRScheduler``
    (a copy is stepped, the original and its optimizer are untouched).  A float array."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"insight.schedule_values: steps must be a positive int, got {steps!r}")
    if hasattr(schedule, "get_last_lr") and hasattr(schedule, "optimizer"):
        twin = copy.deepcopy(schedule)   # copies its optimizer too: the real one is untouched
        values = []
        for _ in range(steps):
            values.append(float(twin.get_last_lr()[0]))
            twin.optimizer.step()        # (no gradients: a no-op that keeps torch's order)
            twin.step()
        return numpy.asarray(values)
    if callable(schedule):
        return numpy.asarray([float(schedule(step)) for step in range(steps)])
    raise TypeError(f"insight.schedule_values: expected a schedule (a LearningRateSchedule, a "
                    f"callable of the step or an LRScheduler), got {type(schedule).__name__}")


def plot_lr_schedule(schedule, steps, path=None):
    """Preview ``schedule``'s learning rate over ``steps`` steps (see ``schedule_values``) as a
    line.  Returns the Figure."""
    values = schedule_values(schedule, steps)
    fig, (ax,) = new_figure(size=(6.4, 3.6), who="plot_lr_schedule")
    ax.plot(numpy.arange(steps), values)
    ax.set_title(type(schedule).__name__)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    return finish(fig, path)
