"""Plots of a classifier's mistakes: the confusion matrix and a grid of misclassified images.

    insight.plot_confusion_matrix(y_test, model.predict(x_test), "confusion.png")
    insight.plot_misclassified(x_test, y_test, model.predict(x_test))
"""

import numpy

from .figure import finish, new_figure


def _labels(y, who, name):
    y = numpy.asarray(getattr(y, "numpy", lambda: y)())
    if y.ndim == 2:          # probabilities or logits (N, classes), or one-hot labels
        y = y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"insight.{who}: {name} must be class ids (N,) or scores (N, classes), "
                         f"got shape {y.shape}")
    return y.astype(numpy.int64)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """``counts[i, j]``: how many samples of class i were predicted as class j; (C, C) ints.
    ``y_pred`` may be class ids (N,) or scores (N, C) (their argmax is taken)."""
    t = _labels(y_true, "confusion_matrix", "y_true")
    p = _labels(y_pred, "confusion_matrix", "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"insight.confusion_matrix: y_true has {t.shape[0]} samples, y_pred "
                         f"{p.shape[0]}")
    n = num_classes or int(max(t.max(initial=0), p.max(initial=0))) + 1
    counts = numpy.zeros((n, n), dtype=numpy.int64)
    numpy.add.at(counts, (t, p), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, path=None, class_names=None, normalize=False):
    """The confusion matrix as an image with the count (or, with ``normalize``, the share of
    the true class) in each cell: rows are the true class, columns the predicted one.
    Returns the Figure; its image's data is the matrix plotted."""
    counts = confusion_matrix(y_true, y_pred, len(class_names) if class_names else None)
    shown = counts / numpy.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    n = counts.shape[0]
    fig, (ax,) = new_figure(size=(1.2 + 0.6 * n, 1.0 + 0.6 * n), who="plot_confusion_matrix")
    ax.imshow(shown, cmap="Blues")
    names = class_names or [str(i) for i in range(n)]
    ax.set_xticks(range(n))
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yticks(range(n))
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = shown.max() if shown.size else 0
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else str(shown[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] > top / 2 else "black")
    return finish(fig, path)


def _as_images(x, who):
    x = numpy.asarray(getattr(x, "numpy", lambda: x)(), dtype=float)
    if x.ndim == 2:                   # flattened square images
        side = int(round(x.shape[1] ** 0.5))
        if side * side != x.shape[1]:
            raise ValueError(f"insight.{who}: flattened images must be square, got "
                             f"{x.shape[1]} values per image")
        return x.reshape(-1, side, side)
    if x.ndim == 4:
        if x.shape[1] in (1, 3) and x.shape[-1] not in (1, 3):
            x = x.transpose(0, 2, 3, 1)          # (N, C, H, W) -> channels last
        return x[..., 0] if x.shape[-1] == 1 else x
    if x.ndim == 3:
        return x
    raise ValueError(f"insight.{who}: expected images (N, H, W), (N, H, W, C), (N, C, H, W) or "
                     f"(N, H*W), got shape {x.shape}")


def plot_misclassified(images, y_true, y_pred, path=None, max_images=25, class_names=None):
    """A grid of the first ``max_images`` misclassified images, each titled ``true -> predicted``.
    Returns the Figure (one visible axes per image shown)."""
    images = _as_images(images, "plot_misclassified")
    t = _labels(y_true, "plot_misclassified", "y_true")
    p = _labels(y_pred, "plot_misclassified", "y_pred")
    if not len(images) == len(t) == len(p):
        raise ValueError(f"insight.plot_misclassified: {len(images)} images, {len(t)} labels and "
                         f"{len(p)} predictions; they must match")
    wrong = numpy.flatnonzero(t != p)[:max_images]
    cols = max(1, min(5, len(wrong)))
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = new_figure(rows, cols, size=(1.8 * cols, 2.0 * rows), who="plot_misclassified")
    name = (lambda c: class_names[c]) if class_names else str
    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, wrong):
        ax.imshow(images[i], cmap="gray" if images[i].ndim == 2 else None)
        ax.set_title(f"{name(t[i])} -> {name(p[i])}", fontsize=9)
    if not len(wrong):
        axes[0].set_title("no misclassified images")
    return finish(fig, path)
