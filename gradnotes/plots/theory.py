"""Mean-field theory against measurement: variance profiles and the order-chaos phase diagram."""

from __future__ import annotations

import numpy as np

from ..activations import Activation, get_activation
from ..theory import phase_grid, predicted_variance
from ..probe import Trace
from ._layers import LayerCurve, forward_overflow as _forward_overflow
from ._style import COLORS, FONT, NOTE_BOX, style_axes, title_text

__all__ = ["plot_variance_profile", "VarianceArtists", "plot_phase_diagram", "PhaseArtists",
           "SIGMA_W_GRID", "SIGMA_B_GRID"]

#: Default grid of :func:`plot_phase_diagram` (60 x 40 points).
SIGMA_W_GRID = np.linspace(0.05, 4.0, 60)
SIGMA_B_GRID = np.linspace(0.0, 2.0, 40)


class VarianceArtists(LayerCurve):
    """Artists of :func:`plot_variance_profile`: ``points``, ``prediction``, ``marks``, ``legend``."""

    def __init__(self, trace: Trace, ax, *, prediction=None):
        (self.points,) = ax.plot([], [], ls="none", marker="o", ms=4, color=COLORS["variance"],
                                 zorder=4, label="measured")
        super().__init__(ax, self.points, ylabel=r"$q^l = \mathrm{mean}(z_l^2)$  (log scale)",
                         title="Pre-activation variance", zero_text="$q = 0$")
        self.update(trace, prediction)

    def update(self, trace: Trace, prediction=None, *, keep_limits: bool = False) -> "VarianceArtists":
        """Show another trace; ``prediction`` as in :func:`plot_variance_profile`."""
        q = np.asarray(trace.preactivation_second_moments, dtype=float)
        bad = _forward_overflow(trace) | ~np.isfinite(q)  # q is a forward quantity
        if prediction is None:
            prediction = predicted_variance(trace)
        return self._show(q, bad, None if prediction is False else prediction, keep_limits=keep_limits)


def plot_variance_profile(trace: Trace, ax, *, prediction=None) -> VarianceArtists:
    """Measured per-layer ``q^l`` (points) with the mean-field prediction (line), log y.

    Parameters
    ----------
    trace : Trace
    ax : matplotlib Axes
    prediction : array_like (depth,), False or None
        The line to overlay. ``None`` (default) computes
        :func:`gradnotes.theory.variance_profile` for the trace's network when
        mean field describes it (no residual connections, no normalization);
        ``False`` draws no line.

    Returns
    -------
    VarianceArtists
    """
    return VarianceArtists(trace, ax, prediction=prediction)


def _clamp(value, lo, hi):
    return min(max(value, lo), hi)


def _arrow(x, y, sw, sb) -> str:
    """The triangle marker pointing from the diagram towards ``(x, y)`` outside it."""
    if x > sw[-1]:
        return ">"
    if x < sw[0]:
        return "<"
    return "^" if y > sb[-1] else "v"


class PhaseArtists:
    """Artists of :func:`plot_phase_diagram`.

    Attributes
    ----------
    image : AxesImage
        ``log10 chi_1`` on the grid.
    contour : ContourSet
        The edge of chaos, ``chi_1 = 1`` (replaced when the activation changes).
    ordered_label, chaotic_label : Text
    marker : Line2D
        The current ``(sigma_w, sigma_b)``: a star; outside the grid an arrow on the border pointing to
        it, labelled with the value that lies off the diagram.
    marker_label : Text
    """

    def __init__(self, activation, ax, *, point=None, sigma_w=SIGMA_W_GRID, sigma_b=SIGMA_B_GRID,
                 colorbar=False):
        from matplotlib.colors import Normalize

        self.ax = ax
        self.sigma_w = np.asarray(sigma_w, dtype=float)
        self.sigma_b = np.asarray(sigma_b, dtype=float)
        style_axes(ax, grid=False)
        ax.set_xlabel(r"weight scale $\sigma_w$", fontsize=FONT["label"])
        ax.set_ylabel(r"bias scale $\sigma_b$", fontsize=FONT["label"])
        self.title = title_text(ax)
        sw, sb = self.sigma_w, self.sigma_b
        self.image = ax.imshow(np.zeros((sb.size, sw.size)), origin="lower", aspect="auto",
                               cmap="RdBu_r", norm=Normalize(-1.0, 1.0), interpolation="bilinear",
                               extent=(sw[0], sw[-1], sb[0], sb[-1]), zorder=0)
        self.contour = None
        self.edge_label = None
        label = dict(ha="center", va="center", fontsize=FONT["label"], zorder=3, bbox=dict(NOTE_BOX))
        self.ordered_label = ax.text(0, 0, "ordered\n$\\chi_1 < 1$", color="#08306B", **label)
        self.chaotic_label = ax.text(0, 0, "chaotic\n$\\chi_1 > 1$", color="#67000D", **label)
        (self.marker,) = ax.plot([], [], ls="none", marker="*", ms=15, mfc="white", mec="black",
                                 mew=1.3, clip_on=False, zorder=6)
        self.marker_label = ax.annotate("", (0, 0), xytext=(0, -13), textcoords="offset points", ha="center",
                                        fontsize=FONT["note"], zorder=6, bbox=dict(NOTE_BOX))
        ax.set_xlim(sw[0], sw[-1])
        ax.set_ylim(sb[0], sb[-1])
        self.colorbar = None
        if colorbar is not False and colorbar is not None:
            kwargs = dict(cax=colorbar) if colorbar is not True else dict(ax=ax, fraction=0.05, pad=0.02)
            self.colorbar = ax.get_figure().colorbar(self.image, ticks=[-1, 0, 1], extend="both", **kwargs)
            self.colorbar.ax.set_yticklabels(["0.1", "1", "10"])
            self.colorbar.set_label(r"$\chi_1$ (log scale)", fontsize=FONT["note"])
            self.colorbar.ax.tick_params(labelsize=FONT["tick"] - 1)
        self.set_activation(activation)
        self.update(point=point)

    @property
    def artists(self) -> list:
        """The artists that change with the point (the rest changes only with the activation)."""
        return [self.marker, self.marker_label]

    @property
    def static_artists(self) -> list:
        """Artists that change only with the activation."""
        out = [self.image, self.ordered_label, self.chaotic_label, self.title]
        if self.contour is not None:
            out.append(self.contour)
        if self.edge_label is not None:
            out.append(self.edge_label)
        return out

    def set_activation(self, activation) -> "PhaseArtists":
        """Recompute the diagram for another activation (slower: a new grid and contour)."""
        act = get_activation(activation)
        self.activation = act
        sw, sb = self.sigma_w, self.sigma_b
        chi = np.asarray(phase_grid(act, sw, sb), dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            logchi = np.log10(np.where(np.isfinite(chi), chi, np.nan))
        self.image.set_data(np.ma.masked_invalid(np.clip(logchi, -1.0, 1.0)))
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        if self.edge_label is not None:
            self.edge_label.remove()
            self.edge_label = None
        finite = np.where(np.isfinite(chi), chi, 1e30)
        self.ordered_label.set_visible(False)
        self.chaotic_label.set_visible(False)
        if finite.min() < 1 < finite.max():
            self.contour = self.ax.contour(sw, sb, finite, levels=[1.0], colors="black",
                                           linewidths=1.6, zorder=2)
            self._place_labels(finite)
        self.title.set_text(f"Order and chaos: {act.display_name}")
        return self

    def _place_labels(self, chi):
        """Region labels in the middle of each phase, and the edge label on the contour."""
        sw, sb = self.sigma_w, self.sigma_b
        row = sb.size // 4
        below = chi[row] < 1
        cross = int(np.argmax(~below)) if below[0] and not below.all() else None
        if cross is None:
            return
        xc = sw[cross]
        self.ordered_label.set_position((0.5 * (sw[0] + xc), sb[row]))
        self.chaotic_label.set_position((0.5 * (xc + sw[-1]), sb[row]))
        self.ordered_label.set_visible(xc - sw[0] > 0.12 * (sw[-1] - sw[0]))
        self.chaotic_label.set_visible(sw[-1] - xc > 0.12 * (sw[-1] - sw[0]))
        # The edge label sits on the contour near the top, written along it.
        top = int(0.8 * (sb.size - 1))
        crossings = np.flatnonzero(chi[top] >= 1)
        if crossings.size:
            x = sw[crossings[0]]
            self.edge_label = self.ax.text(x, sb[top], " edge of chaos ", rotation=90, ha="right",
                                           va="top", fontsize=FONT["note"], zorder=3,
                                           bbox=dict(NOTE_BOX))

    def update(self, point=None, *, label=None) -> "PhaseArtists":
        """Move the reader's marker to ``point = (sigma_w, sigma_b)`` (``None`` hides it)."""
        if point is None:
            self.marker.set_data([], [])
            self.marker_label.set_text("")
            return self
        x, y = float(point[0]), float(point[1])
        sw, sb = self.sigma_w, self.sigma_b
        cx, cy = _clamp(x, sw[0], sw[-1]), _clamp(y, sb[0], sb[-1])
        inside = (cx, cy) == (x, y)
        self.marker.set_data([cx], [cy])
        # Off the diagram (``normal`` init: sigma_w = 16 x gain) a star on the border would claim a place on
        # it; an arrow on the border points the way, and the label says where the point really is.
        self.marker.set_marker("*" if inside else _arrow(x, y, sw, sb))
        self.marker.set_markersize(15 if inside else 11)
        self.marker.set_markerfacecolor("white" if inside else "black")
        if not inside:
            label = ", ".join(f"{name} = {value:.3g}" for name, value, lo, hi in
                              ((r"$\sigma_w$", x, sw[0], sw[-1]), (r"$\sigma_b$", y, sb[0], sb[-1]))
                              if not lo <= value <= hi) + " (off the diagram)"
        self.marker_label.xy = (cx, cy)
        # Below the star, or above it near the bottom edge; kept inside at the sides.
        low = cy < sb[0] + 0.2 * (sb[-1] - sb[0])
        self.marker_label.set_position((0, 11) if low else (0, -11))
        self.marker_label.set_verticalalignment("bottom" if low else "top")
        side = (cx - sw[0]) / (sw[-1] - sw[0])
        self.marker_label.set_horizontalalignment("left" if side < 0.1 else "right" if side > 0.9 else "center")
        self.marker_label.set_text(label or "")
        self.marker_label.set_visible(bool(label))
        return self


def plot_phase_diagram(activation: str | Activation, ax, *, point=None, sigma_w=SIGMA_W_GRID,
                       sigma_b=SIGMA_B_GRID, colorbar=False) -> PhaseArtists:
    """``chi_1`` over a grid of ``(sigma_w, sigma_b)``: where gradients vanish, explode, or survive.

    Colour is ``log10 chi_1`` (blue: ordered, gradients vanish; red: chaotic,
    they explode), clipped to ``[0.1, 10]``; the black contour ``chi_1 = 1`` is
    the edge of chaos. ``point`` marks the reader's setting.

    Parameters
    ----------
    activation : str or Activation
    ax : matplotlib Axes
    point : (float, float), optional
        ``(sigma_w, sigma_b)``; see :meth:`gradnotes.Initializer.sigma_w`.
    sigma_w, sigma_b : 1-D arrays
        The grid (default 60 x 40 over ``[0.05, 4] x [0, 2]``); the result is
        cached per activation and grid (:func:`gradnotes.theory.phase_grid`).
    colorbar : bool or Axes

    Returns
    -------
    PhaseArtists
        ``.update(point=...)`` moves only the marker.
    """
    return PhaseArtists(activation, ax, point=point, sigma_w=sigma_w, sigma_b=sigma_b, colorbar=colorbar)
