"""Colours, font sizes and small axis helpers shared by the plot modules.

Nothing here touches matplotlib's global state: every style choice is passed
explicitly to the artist it concerns, so importing :mod:`gradnotes.plots`
changes no ``rcParams`` and a reader's own figures look as they always did.

Colours come from colour-blind-safe palettes: one colour per *quantity* in the
explorers (Okabe & Ito 2008), one colour per *activation* wherever
activations are compared (Paul Tol's "muted" scheme, plus black for linear).
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

__all__ = [
    "COLORS", "ACTIVATION_COLORS", "activation_color", "FONT", "style_axes", "title_text",
    "log_limits", "edge_transform", "NOTE_BOX", "LEGEND", "place_legend",
]

#: One colour per quantity, the same in every panel of the book (Okabe-Ito).
COLORS = MappingProxyType({
    "gradient": "#0072B2",     # blue: ||dL/dW_l||, ||dL/dh_l||
    "variance": "#009E73",     # bluish green: q^l, activation statistics
    "prediction": "#222222",   # near black, dashed: mean-field theory
    "saturation": "#E69F00",   # orange: saturated units
    "dead": "#CC79A7",         # reddish purple: dead units
    "overflow": "#D55E00",     # vermillion: inf / NaN
    "zero": "#6E6E6E",         # grey: exactly zero, cannot sit on a log axis
    "derivative": "#E69F00",   # orange, dashed: phi'
    "grid": "#E6E6E6",
    "text": "#222222",
    "shade": "#D9D9D9",        # saturated region of an activation
})

#: One colour per activation, fixed across the book (Tol "muted" + black).
ACTIVATION_COLORS = MappingProxyType({
    "linear": "#222222",
    "sigmoid": "#CC6677",
    "tanh": "#332288",
    "relu": "#117733",
    "leaky_relu": "#44AA99",
    "elu": "#882255",
    "selu": "#AA4499",
    "gelu": "#999933",
    "silu": "#88CCEE",
    "softplus": "#DDCC77",
})

#: Font sizes in points; at 100 dpi a 1200x380 px figure reads well with these.
FONT = MappingProxyType({"title": 11, "label": 10, "tick": 9, "note": 9, "legend": 8.5})

#: Legends inside the axes on an opaque white box (explorers cache its pixels);
#: :func:`place_legend` picks the corner.
LEGEND = MappingProxyType({"loc": "upper right", "fontsize": 8.5, "framealpha": 1.0, "edgecolor": "none",
                           "fancybox": False, "handlelength": 1.8, "borderaxespad": 0.3})

#: Box behind notes written over data ("overflow from layer 12").
NOTE_BOX = MappingProxyType({"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85})


def activation_color(name: str) -> str:
    """The book's colour for an activation (by registry name); grey for unknown names."""
    return ACTIVATION_COLORS.get(name, "#555555")


def style_axes(ax, *, grid: bool = True) -> None:
    """The house look: light grid behind the data, no top/right spines, readable ticks."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(labelsize=FONT["tick"], length=3, color="#555555")
    ax.set_axisbelow(True)
    if grid:
        ax.grid(True, color=COLORS["grid"], linewidth=0.7)
        ax.grid(False, which="minor")


def title_text(ax, text: str = "", *, loc: str = "left", bold: bool = True):
    """A title-like Text that can change without a full redraw (``ax.set_title`` cannot).

    Placed 6 points above the top-left (or top-right) corner of the axes.
    """
    x = {"left": 0.0, "right": 1.0, "center": 0.5}[loc]
    return ax.annotate(text, (x, 1.0), xycoords="axes fraction", xytext=(0, 6), textcoords="offset points",
                       ha=loc, va="baseline", fontsize=FONT["title"] if bold else FONT["label"],
                       fontweight="bold" if bold else "normal", color=COLORS["text"], annotation_clip=False)


_CORNERS = ("upper right", "upper left", "lower right", "lower left")


def place_legend(legend, ax, x, y, *, size=(0.5, 0.25), edge=None) -> str:
    """Move ``legend`` to the corner of ``ax`` that covers the fewest of the points ``(x, y)``.

    A cheap, deterministic stand-in for ``loc="best"``: the legend is taken to
    fill ``size`` (fractions of the axes) in its corner. ``edge = (x, y_fraction)``
    adds points given in data x and axes-fraction y (markers pinned to an edge).
    Call after the limits are set.
    """
    pts = np.column_stack((np.asarray(x, float).ravel(), np.asarray(y, float).ravel()))
    pts = pts[np.isfinite(pts).all(axis=1)]
    if ax.get_yscale() == "log":
        pts = pts[pts[:, 1] > 0]
    frac = (ax.transScale + ax.transLimits).transform(pts) if pts.size else np.zeros((0, 2))
    if edge is not None and len(edge[0]):
        ex = np.asarray(edge[0], float)
        fx = (ax.transScale + ax.transLimits).transform(np.column_stack((ex, np.ones_like(ex))))[:, 0]
        frac = np.concatenate((frac, np.column_stack((fx, np.asarray(edge[1], float)))))
    w, h = size
    best, fewest = _CORNERS[0], None
    for corner in _CORNERS:
        fx = frac[:, 0] >= 1 - w if "right" in corner else frac[:, 0] <= w
        fy = frac[:, 1] >= 1 - h if "upper" in corner else frac[:, 1] <= h
        n = int(np.count_nonzero(fx & fy))
        if fewest is None or n < fewest:
            best, fewest = corner, n
    legend.set_loc(best)
    return best


#: The legend area :func:`place_legend` assumes by default (axes fractions).
LEGEND_SIZE = (0.5, 0.25)


def edge_transform(ax):
    """x in data coordinates, y in axes coordinates: for markers pinned to the top/bottom edge."""
    return ax.get_xaxis_transform()


def log_limits(values, current=None, *, slack: int = 2, default=(1e-3, 1e1)):
    """y-limits for a log axis snapped to whole decades, with hysteresis.

    Parameters
    ----------
    values : array_like
        The finite, positive values to show (others are ignored).
    current : (float, float), optional
        The limits in use. They are kept while every value fits inside them and
        neither end is more than ``slack`` decades beyond what the values need,
        so an axis does not jitter while a slider moves.
    slack : int
    default : (float, float)
        Limits when no value is finite and positive.

    Returns
    -------
    (float, float)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return default
    lo = math.floor(math.log10(v.min()) + 1e-9)
    hi = math.ceil(math.log10(v.max()) - 1e-9)
    if hi - lo < 2:  # at least two decades, so a log axis always has labelled ticks
        missing = 2 - (hi - lo)
        lo, hi = lo - (missing + 1) // 2, hi + missing // 2
    if current is not None:
        clo, chi = (round(math.log10(c)) for c in current)
        if clo <= lo and chi >= hi and lo - clo <= slack and chi - hi <= slack:
            return current
        # The values escaped: leave a decade of room on that side, the slider is probably still moving.
        lo, hi = lo - (lo < clo), hi + (hi > chi)
    return 10.0**lo, 10.0**hi
