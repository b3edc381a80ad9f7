"""The few plots the ``shenjing`` command and the examples draw (matplotlib, the ``plot``
extra): curves against epochs or steps, side by side in panels, saved as one PNG.

``shenjing.insight`` has the full set of training diagnostics plots; these are the small
ones the course projects need, kept here so that the command depends on nothing else.
Every PNG is written atomically (``shenjing.io.atomic``).

>>> plot_curves({"loss": {"train": [1.0, 0.5], "validation": [1.1, 0.7]}}, "curves.png")
"""

import math

from .io.atomic import atomic_path

EXTRA_HINT = "pip install 'shenjing[plot]'"


class MissingExtraError(ImportError):
    """An optional library is not installed; the message is the one line saying what to do."""


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend; a one-line error names the extra."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError(f"plots need matplotlib: {EXTRA_HINT}") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def plot_curves(panels, path, xlabel="epoch", title=None, logy=()):
    """Draw ``panels`` ({panel title: {curve label: [y, ...]}}) side by side, save a PNG.

    Each curve is drawn against 1, 2, ... (its epochs or steps); panels whose title is in
    ``logy`` use a log y axis (gradient scales, losses that span decades).  Non-finite
    values (a diverged run) are left as gaps.  Returns ``path``.
    """
    if not panels:
        raise ValueError("plot_curves: expected at least one panel, got none")
    plt = pyplot()
    columns = min(len(panels), 3)
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.6 * rows),
                                squeeze=False)
    for ax, (name, curves) in zip(axes.flat, panels.items()):
        for label, values in curves.items():
            values = [float(v) if v is not None and math.isfinite(v) else math.nan
                      for v in values]
            ax.plot(range(1, len(values) + 1), values, label=str(label),
                    marker="o" if len(values) < 30 else None, markersize=3)
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        if name in logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)
    return path


def plot_layer_scales(scales, path, title=None):
    """Per-layer scales, one panel per quantity: ``{panel: {curve: [value per layer]}}``.

    The course's picture of vanishing and exploding gradients: the standard deviation of
    each layer's activations and of its weight gradients, layer 1 to L, on a log axis.
    """
    return plot_curves(scales, path, xlabel="layer", title=title, logy=tuple(scales))


def save_figure(figure, path):
    """``figure.savefig(path)`` as a PNG, atomically."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=90)
    return path
