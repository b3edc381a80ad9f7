"""``plot_trials``: a PNG of each completed trial's objective against its trial index."""

import os

from ..io.atomic import atomic_path


def plot_trials(oracle, path, title=None):
    """Draw the objective of every completed trial of ``oracle`` (a tuner's ``oracle``, or
    the tuner) against its trial number, with the best-so-far line, into the PNG ``path``
    (written atomically).  Returns ``[(trial number, objective)]`` as plotted.  Needs
    matplotlib (the ``plot`` extra)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_trials needs matplotlib: pip install 'shenjing[plot]'") from None
    oracle = getattr(oracle, "oracle", oracle)
    points = sorted((t.number, t.value) for t in oracle.trials()
                    if t.state.name == "COMPLETE" and t.value is not None)
    if not points:
        raise ValueError("plot_trials: the search has no completed trial to plot")
    numbers, values = zip(*points)
    best, running = [], None
    for value in values:
        running = value if running is None or oracle.objective.better(value, running) \
            else running
        best.append(running)
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot(numbers, values, "o", label="trial")
    axes.step(numbers, best, where="post", label="best so far")
    axes.set_xlabel("trial")
    axes.set_ylabel(oracle.objective.name)
    axes.set_title(title or f"{oracle.objective.name} of each trial")
    axes.legend()
    figure.tight_layout()
    with atomic_path(os.fspath(path)) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    return list(points)
