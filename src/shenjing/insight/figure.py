"""Making and saving matplotlib figures for the insight plots (the ``plot`` extra).

Figures are made with ``matplotlib.figure.Figure`` directly, not through pyplot's global
state, so they work in scripts, tests (the Agg canvas) and notebooks (a returned Figure
displays itself) alike, and are saved atomically.
"""

import io
import os

from ..io.atomic import atomic_open

EXTRA = "plot"
_FIGURE = None


def _figure_class(who):
    """matplotlib's Figure with ``_repr_png_``, so that a notebook shows the figure a plot
    function returns even when pyplot's inline backend was never switched on."""
    global _FIGURE
    if _FIGURE is None:
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError(f"{who} needs matplotlib: pip install 'shenjing[{EXTRA}]'") from None

        class InsightFigure(Figure):
            def _repr_png_(self):
                buffer = io.BytesIO()
                self.savefig(buffer, format="png")
                return buffer.getvalue()
        _FIGURE = InsightFigure
    return _FIGURE


def new_figure(rows=1, cols=1, size=(6.4, 4.8), who="insight"):
    """A new Figure of ``size`` inches with a ``rows`` x ``cols`` grid of axes: (fig, axes
    as a flat list)."""
    figure = _figure_class(who)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def finish(fig, path=None):
    """Lay ``fig`` out and, when ``path`` is given, write it there atomically (PNG unless the
    name ends in .svg or .pdf).  Returns the figure."""
    fig.tight_layout()
    if path is not None:
        ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        fmt = ext if ext in ("svg", "pdf", "png") else "png"
        with atomic_open(path, "wb") as f:
            fig.savefig(f, format=fmt)
    return fig
