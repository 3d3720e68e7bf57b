"""Pieces shared by the panels whose x axis is the layer index 1..depth."""

from __future__ import annotations

import numpy as np

from ._style import COLORS, FONT, LEGEND, NOTE_BOX, edge_transform, log_limits, place_legend, style_axes

__all__ = ["LayerMarks", "LayerCurve", "setup_layer_axis", "set_layer_limits", "layer_ranges", "forward_overflow"]


def setup_layer_axis(ax, *, grid: bool = True) -> None:
    """House style plus integer layer ticks and the x label."""
    from matplotlib.ticker import MaxNLocator

    style_axes(ax, grid=grid)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
    ax.set_xlabel("layer $l$ (input → output)", fontsize=FONT["label"])


def set_layer_limits(ax, depth: int) -> None:
    ax.set_xlim(0.5, depth + 0.5)


def forward_overflow(trace) -> np.ndarray:
    """Layers whose activations are not finite: the panels about the forward pass mark these.

    (``trace.overflowed`` also counts layers whose *gradient* overflowed, which is
    every layer once any activation is infinite.)
    """
    bad = np.zeros(trace.depth, bool)
    if trace.overflow_layer is not None:
        bad[trace.overflow_layer - 1:] = True
    return bad


def layer_ranges(layers) -> str:
    """``[1, 2, 3, 7, 9, 10]`` -> ``"1-3, 7, 9-10"`` (1-based layer numbers)."""
    layers = list(layers)
    parts, start = [], None
    for i, l in enumerate(layers):
        if start is None:
            start = l
        if i + 1 == len(layers) or layers[i + 1] != l + 1:
            parts.append(str(start) if start == l else f"{start}–{l}")
            start = None
    return ", ".join(parts)


def _text_width(text) -> float:
    """Approximate width of a one-line Text in pixels (0.6 em per character), without drawing."""
    dpi = text.get_figure().dpi if text.get_figure() is not None else 100.0
    return 0.6 * text.get_fontsize() * dpi / 72.0 * len(text.get_text())


class LayerMarks:
    """Markers on the top edge for overflowed layers and on the bottom edge for zeros.

    A log axis cannot show inf, NaN or 0; these layers are drawn as triangles
    pinned to the axes' edge with a note, so a picture is never silently blank.
    """

    def __init__(self, ax, *, zero_text: str = "zero"):
        t = edge_transform(ax)
        common = dict(ls="none", ms=6.5, clip_on=False, zorder=6, transform=t)
        (self.overflow,) = ax.plot([], [], marker="^", color=COLORS["overflow"], **common)
        (self.zero,) = ax.plot([], [], marker="v", color=COLORS["zero"], **common)
        note = dict(transform=t, fontsize=FONT["note"], zorder=7, bbox=dict(NOTE_BOX))
        self.overflow_note = ax.text(0, 0.9, "", va="top", color=COLORS["overflow"], **note)
        self.zero_note = ax.text(0, 0.1, "", va="bottom", color=COLORS["zero"], **note)
        self.zero_text = zero_text
        self.ax = ax
        # Unclipped edge markers must not enter the layout: an empty one sits at the figure's
        # origin and would make a constrained layout collapse the axes.
        for artist in self.artists:
            artist.set_in_layout(False)
        self._depth = 1

    @property
    def artists(self) -> list:
        return [self.overflow, self.zero, self.overflow_note, self.zero_note]

    def update(self, overflowed, zero=None) -> None:
        """``overflowed`` and ``zero``: boolean arrays, one entry per layer."""
        overflowed = np.asarray(overflowed, dtype=bool)
        depth = overflowed.size
        layers = np.arange(1, depth + 1)
        zero = np.zeros(depth, bool) if zero is None else np.asarray(zero, dtype=bool) & ~overflowed
        bad, nil = layers[overflowed], layers[zero]
        self.overflow.set_data(bad, np.full(bad.size, 1.0))
        self.zero.set_data(nil, np.full(nil.size, 0.0))
        self._depth = depth
        self._note(self.overflow_note, bad, depth,
                   lambda ls: f"overflow from layer {ls[0]}" if ls[-1] == depth and
                   ls.size == depth - ls[0] + 1 else f"overflow in layers {layer_ranges(ls)}")
        self._note(self.zero_note, nil, depth,
                   lambda ls: f"{self.zero_text} in every layer" if ls.size == depth
                   else f"{self.zero_text} in layers {layer_ranges(ls)}")

    def _note(self, text, layers, depth, phrase) -> None:
        if layers.size == 0:
            text.set_text("")
            return
        text.set_text(phrase(layers))
        # Over the marked layers where they are many; else against the nearer edge.
        first, last = int(layers[0]), int(layers[-1])
        if layers.size >= 0.45 * depth:
            x, ha = 0.5 * (first + last), "center"
            # Keep the text inside the axes (its width estimated from the characters).
            half = 0.5 * _text_width(text) / max(self.ax.bbox.width, 1.0) * depth
            x = min(max(x, 0.5 + half), depth + 0.5 - half) if half < 0.5 * depth else 0.5 * (depth + 1)
        elif last == depth:
            x, ha = depth + 0.5, "right"
        elif first == 1:
            x, ha = 0.5, "left"
        else:
            x, ha = 0.5 * (depth + 1), "center"
        text.set_x(x)
        text.set_horizontalalignment(ha)

    def occupied(self):
        """``(layers, y)`` of the markers, y in axes fraction (1 top, 0 bottom): for legend placement."""
        top, _ = self.overflow.get_data()
        bottom, _ = self.zero.get_data()
        x = np.concatenate((np.asarray(top, float), np.asarray(bottom, float)))
        y = np.concatenate((np.ones(len(top)), np.zeros(len(bottom))))
        return x, y

    def avoid(self, corner: str, size) -> None:
        """Move a note out of the way of a legend in ``corner`` of ``size`` (axes fractions)."""
        w, h = size
        for note, upper, home in ((self.overflow_note, True, 0.9), (self.zero_note, False, 0.1)):
            note.set_y(home)
            if not note.get_text() or ("upper" in corner) != upper:
                continue
            span = _text_width(note) / max(self.ax.bbox.width, 1.0)  # axes fraction
            x = (note.get_position()[0] - 0.5) / self._depth
            x0 = {"left": x, "center": x - span / 2, "right": x - span}[note.get_horizontalalignment()]
            hits = x0 < w if "left" in corner else x0 + span > 1 - w
            if hits:
                note.set_y(1 - h - 0.03 if upper else h + 0.03)


class LayerCurve:
    """A measured per-layer quantity on a log axis with an optional prediction line, marks and legend.

    The shared machinery of :class:`~gradnotes.plots.GradNormArtists` and
    :class:`~gradnotes.plots.VarianceArtists`: a subclass draws its ``measured``
    line and calls :meth:`_show` from its ``update``.

    Attributes
    ----------
    measured, prediction : Line2D
    marks : LayerMarks
        Bad layers on the top edge, exact zeros on the bottom edge.
    legend : Legend
        Shown only while a prediction is drawn.
    """

    def __init__(self, ax, measured, *, ylabel: str, title: str, zero_text: str):
        self.ax = ax
        setup_layer_axis(ax)
        ax.set_yscale("log")
        ax.set_ylabel(ylabel, fontsize=FONT["label"])
        self.title = ax.set_title(title, loc="left", fontsize=FONT["title"], fontweight="bold")
        self.measured = measured
        (self.prediction,) = ax.plot([], [], color=COLORS["prediction"], lw=1.3, ls="--",
                                     zorder=3, label="mean-field prediction")
        self.marks = LayerMarks(ax, zero_text=zero_text)
        self.legend = ax.legend(handles=[self.measured, self.prediction], **LEGEND)

    @property
    def artists(self) -> list:
        """Artists that change with every trace, in drawing order."""
        return [self.prediction, self.measured, *self.marks.artists]

    @property
    def decorations(self) -> list:
        """Artists that change now and then (the legend)."""
        return [self.legend]

    def _show(self, values, bad, prediction, *, keep_limits: bool):
        """Draw ``values`` (NaN where ``bad`` or not positive) and ``prediction`` (or None); fit the axes."""
        values = np.asarray(values, dtype=float)
        depth = values.size
        layers = np.arange(1, depth + 1)
        shown = np.where(bad | ~np.isfinite(values) | (values <= 0), np.nan, values)
        self.measured.set_data(layers, shown)
        if prediction is None:
            p = np.array([])
            self.prediction.set_data([], [])
        else:
            p = np.asarray(prediction, dtype=float)
            if p.shape != values.shape:
                raise ValueError(f"prediction has shape {p.shape}; expected {values.shape}, one value per layer")
            p = np.where(np.isfinite(p) & (p > 0), p, np.nan)
            self.prediction.set_data(layers, p)
        self.legend.set_visible(bool(np.any(np.isfinite(p))))
        self.marks.update(bad, values == 0)
        set_layer_limits(self.ax, depth)
        current = self.ax.get_ylim() if keep_limits else None
        self.ax.set_ylim(log_limits(np.concatenate((shown, p)), current))
        corner = place_legend(self.legend, self.ax, np.concatenate((layers, layers[:p.size])),
                              np.concatenate((shown, p)), edge=self.marks.occupied())
        self.marks.avoid(corner if self.legend.get_visible() else "none", (0.5, 0.25))
        return self
