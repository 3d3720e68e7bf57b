"""Figures that show themselves in a notebook without pyplot.

``gradnotes.plots`` never touches pyplot's global state. A notebook still wants
``fig`` at the end of a cell to display a picture, so :func:`subplots` returns
a :class:`BookFigure`, an ordinary matplotlib Figure whose ``_repr_png_`` makes
Jupyter (and the book build) show it as a PNG: a palette PNG (:func:`shrink_png`),
about a third of the bytes of matplotlib's, because a published page carries every figure.
The PNG carries a text description of what the figure shows (:func:`describe`,
written as the PNG's standard ``Description`` text chunk); the book uses it as the
picture's alt text (``book/_ext/gradnotes_pages.py``). A figure of several panels
also carries each panel's pixel box (:func:`panel_boxes`, text chunk :data:`PANELS`),
so that the book can stack its panels on a phone.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._describe import describe, plain, smallest_text_px
from ._panels import PANELS, panel_boxes, panels_json, phone_width

__all__ = ["BookFigure", "subplots", "shrink_png", "describe", "png_description", "smallest_text_px", "plain",
           "fit_titles", "panel_boxes", "PANELS"]

#: The PNG text chunk (a standard keyword) that carries the alt text.
DESCRIPTION = "Description"
#: The width (CSS px) of the book's text column at 1280 px, and the smallest text a figure shows there.
COLUMN_PX, MIN_TEXT_PX = 688, 11.0
#: The width (CSS px) of the column on a 390 px phone, and the smallest text a panel shows there (the book
#: shows a figure's panels one below the other on a phone, each at most as wide as the column).
PHONE_COLUMN_PX, PHONE_MIN_TEXT_PX = 358, 9.0
#: The most a figure's text is enlarged (a figure so wide that it needs more wants fewer panels per row).
MAX_SCALE = 2.5
#: The PNG text chunk with the figure's smallest text size in pixels of the PNG (the book's tests
#: turn it into CSS pixels at the width the figure is shown).
TEXT_PX = "gradnotes text px"


def shrink_png(png: bytes, colors: int = 256, description: str | None = None) -> bytes:
    """The same picture as a palette PNG of ``colors`` colours, without dithering, optimized.

    The text chunks of ``png`` are kept (``Description`` replaced by ``description`` if given).

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
    >>> png_description(shrink_png(png, description="a grey ramp"))
    'a grey ramp'
    """
    from PIL import Image, PngImagePlugin

    source = Image.open(io.BytesIO(png))
    texts = dict(getattr(source, "text", {}))
    if description is not None:
        texts[DESCRIPTION] = description
    palette = source.convert("RGB").quantize(colors=colors, method=Image.Quantize.MAXCOVERAGE,
                                             dither=Image.Dither.NONE)
    info = None
    if texts:
        info = PngImagePlugin.PngInfo()
        for key, value in texts.items():
            info.add_itxt(key, value)  # iTXt: UTF-8 (a sigma or a minus sign survives)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()


def png_description(png: bytes) -> str | None:
    """The ``Description`` text of a PNG, or None.

    Examples
    --------
    >>> fig, ax = subplots(figsize=(3, 2))
    >>> _ = ax.plot([0, 1, 2], [1.0, 0.1, 0.01], label="gradient norm"); ax.set_yscale("log")
    >>> png_description(fig._repr_png_())
    'Plot: gradient norm falls from 1 at 0 to 0.01 at 2 (log y).'
    """
    from PIL import Image

    return getattr(Image.open(io.BytesIO(png)), "text", {}).get(DESCRIPTION)


def fit_titles(fig, min_px: float) -> bool:
    """Shrink (not below ``min_px`` pixels) or wrap each title wider than its panel (the suptitle: the figure).

    Enlarged text keeps a figure legible in the book's column, but a panel's title
    is as wide as its words: drawn larger it would run into the next panel or
    off the figure. Returns whether anything changed (draw again then).

    Examples
    --------
    >>> fig, (a, b) = subplots(1, 2, figsize=(4, 2))
    >>> _ = a.set_title("a title far too long for a panel two inches wide", fontsize=14)
    >>> fig.draw_without_rendering(); fit_titles(fig, 11.0)
    True
    >>> "\\n" in a.title.get_text() or a.title.get_fontsize() < 14
    True
    """
    renderer = fig.canvas.get_renderer()
    changed = False
    titles = [(t, ax.get_window_extent(renderer).width) for ax in fig.axes
              for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        titles.append((fig._suptitle, fig.bbox.width))
    for text, room in titles:
        width = text.get_window_extent(renderer).width
        if width <= room * 1.02:
            continue
        size = text.get_fontsize()
        smallest = min_px * 72 / fig.dpi
        new = max(size * room / width, min(size, smallest))
        text.set_fontsize(new)
        if width * new / size > room * 1.02 and "\n" not in text.get_text():  # still too wide: two lines
            words = text.get_text().split(" ")
            middle = len(text.get_text()) / 2
            cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - middle), default=None)
            if cut is not None:
                text.set_text(" ".join(words[:cut]) + "\n" + " ".join(words[cut:]))
        changed = True
    return changed


def _enlarge(fig, scale: float, smallest: float) -> None:
    """Draw every text of ``fig`` ``scale`` times larger (tick labels through their axes), then fit the titles."""
    from matplotlib.text import Text

    if scale <= 1.0:
        return
    ticks = {id(t) for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if axis.get_major_ticks():
                size = axis.get_major_ticks()[0].label1.get_fontsize()
                ax.tick_params(axis=name, which="both", labelsize=size * scale)
    for text in fig.findobj(Text):
        if id(text) not in ticks:
            text.set_fontsize(text.get_fontsize() * scale)
    fig.draw_without_rendering()
    if fit_titles(fig, smallest * scale):
        fig.draw_without_rendering()


class BookFigure(Figure):
    """A Figure with an Agg canvas that displays itself as PNG in Jupyter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        """The figure as a palette PNG whose text stays legible in the book's column.

        It is drawn from a copy, so this figure is never changed (and the PNG is the
        same however often it is shown; a figure that cannot be pickled is drawn itself). A figure wider than :data:`COLUMN_PX` is
        shown shrunk to that column; its text is drawn larger by the same factor
        (at most :data:`MAX_SCALE`), so that it is at least :data:`MIN_TEXT_PX` CSS pixels there,
        and so that each panel, shown at most :data:`PHONE_COLUMN_PX` wide on a phone, keeps
        :data:`PHONE_MIN_TEXT_PX`. A figure of several panels records where each one is
        (:func:`panel_boxes`), for the book to stack them on a phone.
        """
        import pickle

        try:
            shown = pickle.loads(pickle.dumps(self))
            FigureCanvasAgg(shown)
        except (pickle.PicklingError, TypeError, AttributeError):  # an artist that cannot be copied
            shown = self
        shown.draw_without_rendering()  # makes the ticks, whose labels are text too
        smallest = smallest_text_px(shown)
        width = shown.get_size_inches()[0] * shown.dpi
        scale = min(MAX_SCALE, max(1.0, MIN_TEXT_PX * width / (COLUMN_PX * smallest))) if smallest else 1.0
        _enlarge(shown, scale, smallest)
        # on a phone each panel (or the figure, when not stacked) is shown at most PHONE_COLUMN_PX wide
        widest = phone_width(shown)
        if smallest and widest > PHONE_COLUMN_PX:
            phone = PHONE_MIN_TEXT_PX * widest / (PHONE_COLUMN_PX * smallest * scale)
            more = min(MAX_SCALE / scale, max(1.0, phone))
            _enlarge(shown, more, smallest * scale)
            scale *= more
        buf = io.BytesIO()
        metadata = {"Software": None, TEXT_PX: f"{smallest * scale:.1f}"}
        panels = panels_json(shown)  # the layout just drawn is the one saved (same size, dpi and texts)
        if panels:
            metadata[PANELS] = panels
        shown.savefig(buf, format="png", facecolor="white", metadata=metadata)
        return shrink_png(buf.getvalue(), description=describe(self))

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
