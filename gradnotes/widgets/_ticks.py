"""Axis ticks drawn fast: the axis' own locator, formatter and styles, labels pasted as bitmaps.

matplotlib lays out and rasterizes every tick label of an Axis on every draw
(~3 ms per axis, ~10 under load). An explorer redraws an axis whenever its
limits move (every depth step moves three x axes), so :class:`FastTicks` does the
same job with one path for the grid, one for the tick marks, and labels pasted
from bitmaps that :class:`TextSprites` renders once per distinct string.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TextSprites", "FastTicks"]


class TextSprites:
    """Bitmaps of rendered strings, cached by text and style.

    ``get(...)`` returns ``(rgba, dx, dy)``: the ink of the string drawn with its
    anchor at an integer pixel, cropped, and the offset of the crop's top-left
    corner from the anchor (x right, y down). Pasting it at ``anchor + (dx, dy)``
    reproduces what drawing the Text there would give.
    """

    def __init__(self, dpi: float):
        self.dpi = dpi
        self._cache: dict = {}

    def get(self, text: str, fontproperties, color, ha: str, va: str):
        from matplotlib.colors import to_rgba

        key = (text, fontproperties, to_rgba(color), ha, va)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._render(text, fontproperties, color, ha, va)
        return hit

    def _render(self, text, fontproperties, color, ha, va):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        width, height = 400, 120
        fig = Figure(figsize=(width / self.dpi, height / self.dpi), dpi=self.dpi, facecolor=(1, 1, 1, 0))
        canvas = FigureCanvasAgg(fig)
        fig.text(0.5, 0.5, text, ha=ha, va=va, fontproperties=fontproperties, color=color)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        ys, xs = np.nonzero(rgba[..., 3])
        if ys.size == 0:
            return np.zeros((0, 0, 4), np.uint8), 0, 0
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        return rgba[y0:y1, x0:x1].copy(), int(x0 - width // 2), int(y0 - height // 2)


def _paste(buffer: np.ndarray, sprite: np.ndarray, left: int, top: int) -> None:
    """Alpha-composite ``sprite`` (straight RGBA) onto ``buffer`` with its top-left at (left, top)."""
    h, w = sprite.shape[:2]
    H, W = buffer.shape[:2]
    x0, y0, x1, y1 = max(left, 0), max(top, 0), min(left + w, W), min(top + h, H)
    if x0 >= x1 or y0 >= y1:
        return
    src = sprite[y0 - top:y1 - top, x0 - left:x1 - left]
    dst = buffer[y0:y1, x0:x1]
    a = src[..., 3:4].astype(np.float32) * (1 / 255)
    dst[..., :3] = (dst[..., :3] * (1 - a) + src[..., :3] * a + 0.5).astype(np.uint8)


class FastTicks:
    """Draws an axes' grid, major tick marks and tick labels quickly, as its Axis would.

    Reads the axis' own locator, formatter and tick styles (from a template tick);
    the grid and tick marks are two Line2D-like artists, the labels bitmaps from
    :class:`TextSprites`. Only major ticks (explorers turn log minor ticks off).
    """

    def __init__(self, ax, sprites: TextSprites):
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        self.ax = ax
        self.sprites = sprites
        self.parts = []
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            tick = axis.get_major_ticks(1)[0]
            grid = LineCollection([], colors=[tick.gridline.get_color()],
                                  linewidths=tick.gridline.get_linewidth(),
                                  linestyles=tick.gridline.get_linestyle(),
                                  transform=ax.get_xaxis_transform() if name == "x" else ax.get_yaxis_transform())
            grid.set_figure(ax.get_figure())
            grid.set_clip_box(ax.bbox)
            mark = tick.tick1line
            marks = Line2D([], [], ls="none", marker=mark.get_marker(), markersize=mark.get_markersize(),
                           markeredgewidth=mark.get_markeredgewidth(), color=mark.get_color(),
                           transform=ax.get_xaxis_transform() if name == "x" else ax.get_yaxis_transform())
            marks.set_figure(ax.get_figure())
            label = tick.label1
            pad = (tick.get_pad() + tick.get_tick_padding()) * ax.get_figure().dpi / 72
            self.parts.append(dict(
                name=name, axis=axis, grid=grid, marks=marks, pad=pad,
                grid_on=tick.gridline.get_visible(), marks_on=mark.get_visible(),
                labels_on=label.get_visible(), font=label.get_fontproperties(), color=label.get_color(),
                ha=label.get_horizontalalignment(), va=label.get_verticalalignment(),
            ))

    def draw(self, renderer, buffer: np.ndarray) -> None:
        ax = self.ax
        height = buffer.shape[0]
        box = ax.bbox
        for p in self.parts:
            axis = p["axis"]
            lo, hi = sorted(axis.get_view_interval())
            locs = np.asarray(axis.major.locator(), dtype=float)
            scale = axis.get_transform()
            tlo, thi = scale.transform([lo, hi])
            tl = scale.transform(locs)
            tol = 1e-9 * max(abs(thi - tlo), 1e-300)
            locs = locs[(tl >= tlo - tol) & (tl <= thi + tol)]
            if p["name"] == "x":
                segments = [((x, 0.0), (x, 1.0)) for x in locs]
                points = (locs, np.zeros(locs.size))
            else:
                segments = [((0.0, y), (1.0, y)) for y in locs]
                points = (np.zeros(locs.size), locs)
            if p["grid_on"]:
                p["grid"].set_segments(segments)
                p["grid"].draw(renderer)
            if p["marks_on"]:
                p["marks"].set_data(*points)
                p["marks"].draw(renderer)
            if not p["labels_on"] or locs.size == 0:
                continue
            labels = axis.major.formatter.format_ticks(locs)
            if p["name"] == "x":
                px = ax.get_xaxis_transform().transform(np.column_stack((locs, np.zeros(locs.size))))[:, 0]
                anchors = [(round(x), round(height - (box.y0 - p["pad"]))) for x in px]
            else:
                py = ax.get_yaxis_transform().transform(np.column_stack((np.zeros(locs.size), locs)))[:, 1]
                anchors = [(round(box.x0 - p["pad"]), round(height - y)) for y in py]
            for text, (x, y) in zip(labels, anchors):
                if not text:
                    continue
                sprite, dx, dy = self.sprites.get(text, p["font"], p["color"], p["ha"], p["va"])
                _paste(buffer, sprite, x + dx, y + dy)
