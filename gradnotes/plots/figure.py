"""Figures that show themselves in a notebook without pyplot.

``gradnotes.plots`` never touches pyplot's global state. A notebook still wants
``fig`` at the end of a cell to display a picture, so :func:`subplots` returns
a :class:`BookFigure`, an ordinary matplotlib Figure whose ``_repr_png_`` makes
Jupyter (and the book build) show it as a PNG: a palette PNG (:func:`shrink_png`),
about a third of the bytes of matplotlib's, because a published page carries every figure.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["BookFigure", "subplots", "shrink_png"]


def shrink_png(png: bytes, colors: int = 256, description: str | None = None) -> bytes:
    """The same picture as a palette PNG of ``colors`` colours, without dithering, optimized.

    Plots are mostly flat colour plus the anti-aliasing of lines and text, so a
    palette keeps them crisp at about a third of the bytes. The palette covers
    the colours in use ("max coverage"): median cut, Pillow's default, merges
    the few pixels of a colour-bar end into greys.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> out = io.BytesIO(); Image.linear_gradient("L").convert("RGB").save(out, "PNG")
    >>> png = out.getvalue()
    >>> small = shrink_png(png)
    >>> small[:8] == png[:8], Image.open(io.BytesIO(small)).mode
    (True, 'P')
    """
    from PIL import Image, PngImagePlugin

    image = Image.open(io.BytesIO(png)).convert("RGB")
    palette = image.quantize(colors=colors, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    info = None
    if description is not None:  # what the picture shows, as the PNG's standard Description text
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Description", description)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()


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
        return shrink_png(buf.getvalue())

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
