"""A persistent Agg figure that redraws only what changed and hands back PNG bytes.

Tick labels and text are most of the cost of a matplotlib redraw
(shared/notes/performance.md), so an explorer's figure is drawn in three layers:

1. the *background*: everything static (frames, titles, axis labels at fixed
   positions, colour bars), drawn once with everything that changes hidden;
2. the *decorations* of each axes whose limits can change: ticks, tick labels,
   grid, plus rarely changing artists such as legends. An axes' decorations are
   redrawn only when its limits or one of those artists changed (a depth change
   moves every x axis; a gain change moves a log axis by a decade at most now and
   then), in a column of the figure that holds no other axes' decorations. They
   are drawn by :class:`FastTicks`, not by matplotlib's ``Axis``: the same
   locator, formatter and styles, but one path for the grid, one for the tick
   marks and tick labels pasted from bitmaps rendered once per distinct label
   (matplotlib lays out and rasterizes every label on every draw, ~3 ms per axis);
3. the changing artists (lines, images, markers, notes), drawn on top at every update.

The PNG is written straight from the Agg buffer (:mod:`._png`). No pyplot: the
figure belongs to no GUI and no global registry.
"""

from __future__ import annotations

import numpy as np

from ..plots._panels import PANELS, panels_json
from ._png import encode_png
from ._ticks import FastTicks, TextSprites

__all__ = ["BlitFigure", "encode_png", "fix_labels", "group_by_axes"]


def fix_labels(ax, *, ylabel_px: float = 52.0, xlabel_px: float = 32.0) -> None:
    """Pin an axes' labels at fixed distances (pixels) from its frame, and drop log minor ticks.

    A blitted axes draws its labels once, in the background, so they must not
    move with the width of the tick labels; ``ylabel_px`` leaves room for tick
    labels like ``10^-30``. Minor ticks of a log axis cost a third of an axis
    redraw and add little at the decades-wide ranges explorers show.
    """
    from matplotlib.ticker import NullLocator

    bbox = ax.get_position()  # figure fraction
    width, height = ax.get_figure().get_size_inches() * ax.get_figure().dpi
    ax.yaxis.set_label_coords(-ylabel_px / (bbox.width * width), 0.5)
    ax.xaxis.set_label_coords(0.5, -xlabel_px / (bbox.height * height))
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_minor_locator(NullLocator())


def group_by_axes(artists) -> dict:
    """``{axes: [artists on it]}`` (for :meth:`BlitFigure.set_dynamic`'s ``decorations``)."""
    groups: dict = {}
    for a in artists:
        groups.setdefault(a.axes, []).append(a)
    return groups


def _signature(artist):
    """What a rarely changing artist looks like, cheaply: redraw its axes' decorations on change."""
    if not artist.get_visible():
        return None
    texts = getattr(artist, "get_texts", None)
    if texts is not None:  # a legend
        return ("legend", getattr(artist, "_loc", None), tuple(t.get_text() for t in texts()))
    get_text = getattr(artist, "get_text", None)
    if get_text is not None:
        return ("text", get_text(), artist.get_position(), artist.get_horizontalalignment())
    return ("artist", id(artist), artist.stale)


class BlitFigure:
    """A Figure of a fixed pixel size, redrawn by blitting.

    Parameters
    ----------
    width, height : int
        Size in pixels.
    dpi : float

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    canvas : FigureCanvasAgg
    full_draws, decoration_draws : int
        Counters (tests and benchmarks read them).

    Usage: add axes and artists to ``figure``, then :meth:`set_dynamic`; after
    changing artists or limits, :meth:`png` returns the new picture.
    :meth:`invalidate` forces a full redraw at the next :meth:`draw`.
    """

    def __init__(self, width: int, height: int, dpi: float = 100.0):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self._artists: list = []
        self._axes: list = []
        self._decorations: dict = {}
        self._background = None
        self._decorated = None
        self._keys: dict = {}
        self._columns: dict = {}
        self._ticks: dict = {}
        self._legends: dict = {}
        self._extents: dict = {}  # (legend content, corner, axes bounds) -> its window extent
        self.sprites = TextSprites(dpi)
        self.full_draws = 0
        self.decoration_draws = 0

    def set_dynamic(self, artists, axes, decorations=None) -> None:
        """Declare what changes.

        Parameters
        ----------
        artists : list
            Drawn at every update, in this order, on top of everything.
        axes : list of Axes
            Axes whose limits may change. Their axis labels are drawn once, with
            the background, where the first full draw put them (pin them with
            :func:`fix_labels` so wider tick labels later cannot reach them);
            ticks, tick labels and grid are redrawn when limits change.
        decorations : dict, optional
            Axes -> artists that change rarely (legends): redrawn with that
            axes' ticks when they change.
        """
        self._artists = list(artists)
        self._axes = list(axes)
        self._decorations = {ax: list(decorations.get(ax, ())) for ax in self._axes} if decorations else \
            {ax: [] for ax in self._axes}
        self.invalidate()

    def replace_artists(self, artists) -> None:
        """A new list of changing artists (e.g. a contour set was rebuilt); the background stays."""
        self._artists = list(artists)

    def invalidate(self) -> None:
        """Redraw everything at the next :meth:`draw`."""
        self._background = None

    # -- drawing --------------------------------------------------------------
    def _key(self, ax):
        return (ax.get_xlim(), ax.get_ylim(), tuple(_signature(a) for a in self._decorations[ax]))

    def _draw_background(self) -> None:
        # One complete draw first: it places axis labels that matplotlib positions
        # from the tick labels (unless pinned with fix_labels) and sets up the ticks.
        self.canvas.draw()
        hidden = [a for a in self._artists if a.get_visible()]
        for ax in self._axes:
            hidden += [a for a in (ax.xaxis, ax.yaxis, *self._decorations[ax]) if a.get_visible()]
        for a in hidden:
            a.set_visible(False)
        try:
            self.canvas.draw()
        finally:
            for a in hidden:
                a.set_visible(True)
        for ax in self._axes:  # the labels are static: into the background
            for axis in (ax.xaxis, ax.yaxis):
                if axis.get_visible() and axis.label.get_visible():
                    ax.draw_artist(axis.label)
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._columns = self._split_columns()
        self._ticks = {ax: FastTicks(ax, self.sprites) for ax in self._axes}
        self._keys = {}
        self._decorated = None
        self.full_draws += 1

    def _split_columns(self) -> dict:
        """One vertical strip of the figure per dynamic axes, side by side.

        An axes' ticks, tick labels and grid stay inside its strip (the strips
        split each gap between neighbours 20 px right of the left one, where only
        the right neighbour's y tick labels begin), so one axes' decorations can be
        erased and redrawn without touching another's.
        """
        from matplotlib.transforms import Bbox

        width, height = self.canvas.get_width_height()
        order = sorted(self._axes, key=lambda ax: ax.bbox.x0)
        columns, left = {}, 0.0
        for i, ax in enumerate(order):
            if i + 1 < len(order):
                gap = order[i + 1].bbox.x0 - ax.bbox.x1
                right = ax.bbox.x1 + min(20.0, 0.3 * max(gap, 0.0))
            else:
                right = float(width)
            columns[ax] = Bbox([[left, 0.0], [right, float(height)]])
            left = right
        return columns

    def _draw_decorations(self, ax) -> None:
        # Agg's restore_region shifts the copied rectangle by ``xy`` (default: the
        # rectangle's own corner, which would move it); (0, 0) puts it back in place.
        self.canvas.restore_region(self._background, bbox=self._columns[ax], xy=(0, 0))
        renderer, buffer = self.canvas.get_renderer(), self.rgba()
        self._ticks[ax].draw(renderer, buffer)
        for a in self._decorations[ax]:
            if not a.get_visible():
                continue
            if hasattr(a, "get_texts") and hasattr(a, "get_frame"):
                self._draw_legend(a, renderer, buffer)
            else:
                ax.draw_artist(a)

    def _draw_legend(self, legend, renderer, buffer) -> None:
        """A legend's pixels are cached per content and pasted at its current corner.

        Drawing a legend costs several ms (offset boxes, text); its content changes
        rarely, only the corner it sits in. Needs an opaque, square frame.
        """
        height, width = buffer.shape[:2]
        key = (id(legend), tuple(t.get_text() for t in legend.get_texts()))
        # Its extent costs a layout of the legend's boxes (~4 ms); a fixed corner of a fixed axes keeps it.
        # "best" (code 0) depends on the data: measured every time.
        corner = getattr(legend, "_loc", 0)
        where = (key, corner, tuple(legend.axes.bbox.bounds)) if corner else None
        box = self._extents.get(where) if where is not None else None
        if box is None:
            box = legend.get_window_extent(renderer)
            if where is not None:
                self._extents[where] = box
        left, top = max(int(np.floor(box.x0)), 0), max(int(np.floor(height - box.y1)), 0)
        block = self._legends.get(key)
        if block is None:
            legend.axes.draw_artist(legend)
            right, bottom = int(np.ceil(box.x1)), int(np.ceil(height - box.y0))
            self._legends[key] = buffer[top:bottom, left:right].copy()
        else:
            h, w = min(block.shape[0], height - top), min(block.shape[1], width - left)
            buffer[top:top + h, left:left + w] = block[:h, :w]

    def draw(self) -> None:
        """Bring the canvas up to date with the artists."""
        canvas = self.canvas
        if self._background is None:
            self._draw_background()
        changed = [ax for ax in self._axes if self._keys.get(ax) != self._key(ax)]
        if changed or self._decorated is None:
            canvas.restore_region(self._decorated if self._decorated is not None else self._background)
            for ax in (changed if self._decorated is not None else self._axes):
                self._draw_decorations(ax)
                self._keys[ax] = self._key(ax)
            self._decorated = canvas.copy_from_bbox(self.figure.bbox)
            self.decoration_draws += 1
        else:
            canvas.restore_region(self._decorated)
        for a in self._artists:
            if a.get_visible():
                (a.axes or self.figure).draw_artist(a)

    def rgba(self) -> np.ndarray:
        """The current pixels, ``(height, width, 4)`` uint8 (a view of the canvas buffer)."""
        return np.asarray(self.canvas.buffer_rgba())

    def png(self) -> bytes:
        """Draw (blitting) and encode."""
        self.draw()
        return encode_png(self.rgba())

    def png_full(self) -> bytes:
        """A plain full redraw of everything, no blitting: what a static export uses.

        The PNG carries the panels' boxes (:func:`~gradnotes.plots.figure.panels_json`), so that
        the book can stack the panels on a phone as it does for chapter figures.
        """
        self.canvas.draw()
        self.invalidate()
        boxes = panels_json(self.figure)
        return encode_png(self.rgba(), texts=None if boxes is None else {PANELS: boxes})
