"""An activation function and its derivative, with the regions where it saturates."""

from __future__ import annotations

import numpy as np

from .._checks import check_float
from ..activations import Activation, get_activation
from ._style import COLORS, FONT, NOTE_BOX, activation_color, style_axes, title_text

__all__ = ["plot_activation", "ActivationArtists", "mathtext"]

_POINTS = 801


def mathtext(formula: str) -> str:
    """A registry LaTeX formula made renderable by matplotlib's mathtext (``$...$``).

    mathtext has no ``\\tfrac``; ``\\frac`` looks the same at plot sizes.
    """
    return "$" + formula.replace(r"\tfrac", r"\frac") + "$"


def _spans(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """The x-intervals where ``mask`` holds, each widened to the midpoints of the grid."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    starts, stops = edges[::2], edges[1::2] - 1
    half = 0.5 * (x[1] - x[0])
    return [(max(x[0], x[a] - half), min(x[-1], x[b] + half)) for a, b in zip(starts, stops)]


def _rects(spans):
    return [np.array([(a, 0.0), (b, 0.0), (b, 1.0), (a, 1.0)]) for a, b in spans]


def _fmt(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


class ActivationArtists:
    """The artists of :func:`plot_activation`; :meth:`update` redraws another activation.

    Attributes
    ----------
    curve, derivative : Line2D
        ``phi(x)`` and ``phi'(x)``.
    shades : list of PolyCollection
        Saturated (or dead) regions, one collection per axes.
    shade_label : Text
        "saturated" or "dead" written over the widest region.
    max_marker : Line2D
        The derivative's maximum.
    max_label : Text
    title, formula, derivative_title, derivative_formula : Text
    """

    def __init__(self, activation, ax, *, x_range=(-5.0, 5.0), derivative_ax=None):
        from matplotlib.collections import PolyCollection

        self.ax = ax
        self.derivative_ax = derivative_ax if derivative_ax is not None else ax
        separate = derivative_ax is not None and derivative_ax is not ax
        axes = [ax, derivative_ax] if separate else [ax]
        self.zero_lines = []  # in data coordinates: they move with the limits
        for a in axes:
            style_axes(a)
            self.zero_lines += [a.axhline(0, color="#999999", lw=0.8, zorder=1),
                                a.axvline(0, color="#999999", lw=0.8, zorder=1)]
            a.set_xlabel("x (pre-activation)", fontsize=FONT["label"])
        self.shades = []
        for a in axes:
            shade = PolyCollection([], facecolors=COLORS["shade"], edgecolors="none", alpha=0.6,
                                   transform=a.get_xaxis_transform(), zorder=0)
            a.add_collection(shade, autolim=False)
            self.shades.append(shade)
        (self.curve,) = ax.plot([], [], lw=2.2, zorder=3, label=r"$\varphi(x)$")
        (self.derivative,) = self.derivative_ax.plot([], [], lw=2.0, ls="--", zorder=3,
                                                     label=r"$\varphi'(x)$")
        (self.max_marker,) = self.derivative_ax.plot([], [], ls="none", marker="o", ms=7,
                                                     mfc="white", mew=1.8, zorder=4)
        self.max_label = self.derivative_ax.annotate(
            "", (0, 0), xytext=(8, 8), textcoords="offset points", fontsize=FONT["note"],
            color=COLORS["text"], bbox=dict(NOTE_BOX), zorder=5)
        # Written on the derivative's axes, where a saturated region is near zero and its middle is free.
        d_ax = self.derivative_ax
        self.shade_label = d_ax.text(0, 0.5, "", transform=d_ax.get_xaxis_transform(), ha="center",
                                     va="center", fontsize=FONT["note"], color="#555555", zorder=2)
        self.title = title_text(ax)
        formula = dict(transform=ax.transAxes, ha="left", va="top", fontsize=FONT["label"],
                       color=COLORS["text"], bbox=dict(NOTE_BOX), zorder=6)
        self.formula = ax.text(0.025, 0.97, "", **formula)
        if separate:
            ax.set_ylabel(r"$\varphi(x)$", fontsize=FONT["label"])
            derivative_ax.set_ylabel(r"$\varphi'(x)$", fontsize=FONT["label"])
            self.derivative_title = derivative_ax.set_title("derivative", loc="left",
                                                            fontsize=FONT["title"], fontweight="bold")
            self.derivative_formula = derivative_ax.text(0.025, 0.97, "", **{**formula,
                                                         "transform": derivative_ax.transAxes})
            self.legend = None
        else:
            ax.set_ylabel("value", fontsize=FONT["label"])
            self.derivative_title = self.derivative_formula = None
            self.legend = ax.legend(handles=[self.curve, self.derivative], loc="lower right",
                                    fontsize=FONT["legend"], frameon=False)
        self._axes = axes
        self.update(activation, x_range)

    @property
    def artists(self) -> list:
        """Artists that change with the activation or range, in drawing order (for blitting)."""
        out = [*self.shades, *self.zero_lines, self.shade_label, self.curve, self.derivative,
               self.max_marker, self.max_label, self.formula]
        if self.derivative_formula is not None:
            out.append(self.derivative_formula)
        return out

    @property
    def decorations(self) -> list:
        """The title: it changes only with the activation."""
        return [self.title]

    def update(self, activation, x_range=None) -> "ActivationArtists":
        """Show ``activation`` (a name or Activation) over ``x_range`` (default: unchanged)."""
        act = get_activation(activation)
        if x_range is not None:
            lo = check_float("x_range[0]", x_range[0])
            hi = check_float("x_range[1]", x_range[1])
            if not lo < hi:
                raise ValueError(f"x_range={tuple(x_range)} must be increasing; allowed: (low, high) with low < high")
            self.x_range = (lo, hi)
        self.activation = act
        x = np.linspace(*self.x_range, _POINTS)
        y, dy = act(x), act.derivative(x)
        color = activation_color(act.name)
        self.curve.set_data(x, y)
        self.curve.set_color(color)
        self.derivative.set_data(x, dy)
        self.derivative.set_color(color)

        level = act.saturation_level
        spans = _spans(x, np.abs(dy) <= level) if level is not None else []
        for shade in self.shades:
            shade.set_verts(_rects(spans))
        wide = [s for s in spans if s[1] - s[0] > 0.15 * (x[-1] - x[0])]  # room for the word
        if wide:
            a, b = max(wide, key=lambda s: (round(s[1] - s[0], 6), -s[0]))  # widest, leftmost
            self.shade_label.set_x(0.5 * (a + b))
            self.shade_label.set_text("dead: $\\varphi' = 0$" if level == 0 else "saturated")
        else:
            self.shade_label.set_text("")

        i = int(np.argmax(dy))
        peak = dy[i]
        flat = np.count_nonzero(np.abs(dy - peak) <= 1e-12 * max(1.0, abs(peak))) > 2
        if not flat:
            where = f"at x = {_fmt(x[i])}"
        else:
            where = "for all x" if i == 0 else f"for x > {_fmt(x[i - 1])}"
        self.max_marker.set_data([x[i]], [peak])
        self.max_marker.set_mec(color)
        self.max_label.xy = (x[i], peak)
        self.max_label.set_text(f"max $\\varphi'$ = {peak:.3g} {where}")
        # Right of the point unless the label (0.6 em per character) would leave the axes.
        d_ax = self.derivative_ax
        px_per_x = d_ax.bbox.width / (self.x_range[1] - self.x_range[0])
        need = 0.6 * FONT["note"] * d_ax.get_figure().dpi / 72 * (len(self.max_label.get_text()) - 6) + 12
        right = (self.x_range[1] - x[i]) * px_per_x < need
        self.max_label.set_position((-8, 8) if right else (8, 8))
        self.max_label.set_horizontalalignment("right" if right else "left")

        self.title.set_text(act.display_name)
        if self.derivative_formula is not None:
            self.formula.set_text(mathtext(act.formula))
            self.derivative_formula.set_text(mathtext(act.derivative_formula))
        else:
            self.formula.set_text(mathtext(act.formula))
        for a in self._axes:
            a.set_xlim(self.x_range)
        self._set_ylim(self.ax, y if self.derivative_ax is not self.ax else np.concatenate((y, dy)))
        if self.derivative_ax is not self.ax:
            self._set_ylim(self.derivative_ax, dy)
        return self

    @staticmethod
    def _set_ylim(ax, values):
        lo, hi = float(np.min(values)), float(np.max(values))
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        pad = 0.12 * (hi - lo) if hi > lo else 0.5
        ax.set_ylim(lo - pad, hi + 2.6 * pad)  # room above for the formula and the labels


def plot_activation(activation: str | Activation, ax, *, x_range=(-5, 5), derivative_ax=None) -> ActivationArtists:
    """Draw ``phi`` and ``phi'`` with the saturated regions shaded.

    Parameters
    ----------
    activation : str or Activation
        A name in ``ACTIVATIONS`` or an Activation (e.g. with parameters).
    ax : matplotlib Axes
        Where ``phi`` is drawn.
    x_range : (float, float)
    derivative_ax : Axes, optional
        Draw ``phi'`` here instead of on ``ax``.

    Returns
    -------
    ActivationArtists
        Call ``.update(other_activation)`` to change the picture in place.

    Notes
    -----
    Shaded: inputs where ``|phi'(x)| <= activation.saturation_level``, i.e. a
    unit there passes at most ~6% of the activation's best derivative (ReLU:
    exactly none, "dead"). Activations that never saturate have no shading.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> art = plot_activation("tanh", fig.add_subplot())
    >>> art.max_label.get_text()
    "max $\\\\varphi'$ = 1 at x = 0"
    """
    return ActivationArtists(activation, ax, x_range=x_range, derivative_ax=derivative_ax)
