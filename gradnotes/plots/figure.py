"""Figures that show themselves in a notebook without pyplot.

``gradnotes.plots`` never touches pyplot's global state. A notebook still wants
``fig`` at the end of a cell to display a picture, so :func:`subplots` returns
a :class:`BookFigure`, an ordinary matplotlib Figure whose ``_repr_png_`` makes
Jupyter (and the book build) show it as a PNG.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["BookFigure", "subplots"]


class BookFigure(Figure):
    """A Figure with an Agg canvas that displays itself as PNG in Jupyter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        # The constrained layout settles over two passes; lay out once first so the
        # PNG is the same however often the figure is shown.
        self.draw_without_rendering()
        buf = io.BytesIO()
        self.savefig(buf, format="png", facecolor="white")
        return buf.getvalue()

    def __repr__(self) -> str:
        w, h = (self.get_size_inches() * self.dpi).round().astype(int)
        return f"<Figure {w}x{h} px, {len(self.axes)} panels>"


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=(7.0, 4.0), dpi: int = 100, **kwargs):
    """``(figure, axes)`` like ``pyplot.subplots``, with a constrained layout and no pyplot.

    Examples
    --------
    >>> fig, ax = subplots(figsize=(4, 3))
    >>> fig
    <Figure 400x300 px, 1 panels>
    >>> fig._repr_png_()[:4] == b"\\x89PNG"
    True
    """
    fig = BookFigure(figsize=figsize, dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    return fig, axes
