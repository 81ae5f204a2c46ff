"""The figure every plot returns: matplotlib, no pyplot, shown once per cell.

Figures are made without ``pyplot``: nothing global, no GUI backend, so they
work headless (papermill, CI) and from any thread.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from k8slab._views.show_once import ShowOnce


class LabFigure(ShowOnce, Figure):
    """A matplotlib Figure that shows itself once per notebook cell."""

    def _bundle(self) -> dict:
        from IPython.core.pylabtools import print_figure

        return {"image/png": print_figure(self, fmt="png", bbox_inches="tight", base64=True),
                "text/plain": repr(self)}


def figure(width: float, height: float) -> LabFigure:
    return LabFigure(figsize=(width, height), layout="constrained")


def done(fig: LabFigure) -> LabFigure:
    fig._publish(echo=False)
    return fig
