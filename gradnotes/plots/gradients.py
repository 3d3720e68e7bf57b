"""Per-layer pictures of a :class:`~gradnotes.Trace`: gradient norms, activations, saturation.

Each function takes a Trace and an ``ax``, draws, and returns a small artists
object whose ``update(trace)`` changes the data of the same artists (the
explorers redraw only those). Nothing here runs a network.
"""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..probe import Trace
from ._layers import LayerCurve, LayerMarks, forward_overflow as _forward_overflow, set_layer_limits, setup_layer_axis
from ._style import COLORS, FONT, LEGEND, NOTE_BOX, place_legend

__all__ = [
    "plot_grad_norms", "GradNormArtists",
    "plot_activation_heatmap", "HeatmapArtists",
    "plot_saturation", "SaturationArtists",
]


def _title(ax, text):
    return ax.set_title(text, loc="left", fontsize=FONT["title"], fontweight="bold")


class GradNormArtists(LayerCurve):
    """Artists of :func:`plot_grad_norms`.

    Attributes
    ----------
    line : Line2D
        Measured ``||dL/dW_l||`` at layers 1..depth (NaN where it cannot be shown).
    prediction : Line2D
        The prediction (empty when none is given).
    marks : LayerMarks
        Overflowed layers (top edge) and zero gradients (bottom edge), with notes.
    legend : Legend
        Shown only with a prediction.
    """

    def __init__(self, trace: Trace, ax, *, prediction=None, label=None):
        (self.line,) = ax.plot([], [], color=COLORS["gradient"], lw=1.6, marker="o", ms=3.2,
                               zorder=4, label=label or "measured")
        super().__init__(ax, self.line, ylabel=r"$\|\partial L/\partial W_l\|_F$  (log scale)",
                         title="Gradient per layer", zero_text="zero gradient")
        self.update(trace, prediction)

    def update(self, trace: Trace, prediction=None, *, keep_limits: bool = False) -> "GradNormArtists":
        """Show another trace (and prediction, or none).

        ``keep_limits=True`` keeps the y-limits while they still fit the data
        (decade hysteresis, for explorers); otherwise they are the tightest decades.
        """
        g = np.asarray(trace.grad_weight_norms, dtype=float)
        overflowed = np.asarray(trace.overflowed, bool) | ~np.isfinite(g)
        return self._show(g, overflowed, prediction, keep_limits=keep_limits)


def plot_grad_norms(trace: Trace, ax, *, prediction=None, label=None) -> GradNormArtists:
    """Per-layer gradient norm ``||dL/dW_l||_F`` against the layer, on a log axis.

    Parameters
    ----------
    trace : Trace
    ax : matplotlib Axes
    prediction : array_like (depth,), optional
        A theory line to overlay, e.g. :func:`gradnotes.theory.predicted_grad_norms`.
    label : str, optional
        Legend label of the measured line (default "measured"; the legend shows with a prediction).

    Returns
    -------
    GradNormArtists

    Notes
    -----
    Layers whose forward or backward pass overflowed (``trace.overflowed``) are
    red triangles on the top edge with "overflow from layer k"; layers with an
    exactly zero gradient are grey triangles on the bottom edge.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import gradnotes
    >>> t = gradnotes.simulate(depth=40, width=64, activation="linear", gain=2.0, init="normal", batch=8)
    >>> t.overflow_layer   # N(0, 4) weights: the activations grow 16x per layer
    32
    >>> art = plot_grad_norms(t, Figure().add_subplot())
    >>> art.marks.overflow_note.get_text()
    'overflow from layer 1'
    """
    return GradNormArtists(trace, ax, prediction=prediction, label=label)


class HeatmapArtists:
    """Artists of :func:`plot_activation_heatmap`: ``image`` (an AxesImage) and ``marks``."""

    def __init__(self, trace: Trace, ax, *, colorbar=False):
        from matplotlib.colors import LogNorm
        from matplotlib import colormaps

        from matplotlib.ticker import FuncFormatter

        self.ax = ax
        setup_layer_axis(ax, grid=False)
        ax.set_ylabel("activation value $h$", fontsize=FONT["label"])
        ax.yaxis.set_major_formatter(FuncFormatter(_value_tick))  # the range follows the data: 1e30 too
        self.title = _title(ax, "Activations per layer")
        cmap = colormaps["viridis"].with_extremes(bad="white", under="white")
        self.image = ax.imshow(np.zeros((1, 1)), origin="lower", aspect="auto", cmap=cmap,
                               norm=LogNorm(vmin=1e-4, vmax=1.0), interpolation="nearest", zorder=1)
        self.marks = LayerMarks(ax)
        # top left: a stream that grows beyond the activation's range climbs to the right
        self.note = ax.text(0.03, 0.97, "", transform=ax.transAxes, ha="left", va="top",
                            fontsize=FONT["note"], color=COLORS["text"], bbox=dict(NOTE_BOX), zorder=7)
        self.colorbar = None
        if colorbar is not False and colorbar is not None:
            fig = ax.get_figure()
            kwargs = dict(cax=colorbar) if colorbar is not True else dict(ax=ax, fraction=0.05, pad=0.02)
            self.colorbar = fig.colorbar(self.image, **kwargs)
            self.colorbar.set_label("fraction of sampled units per bin (log)", fontsize=FONT["note"])
            self.colorbar.ax.tick_params(labelsize=FONT["tick"] - 1)
        self.update(trace)

    @property
    def artists(self) -> list:
        """Artists that change with every trace, in drawing order."""
        return [self.image, self.note, *self.marks.artists]

    @property
    def decorations(self) -> list:
        return []

    def update(self, trace: Trace) -> "HeatmapArtists":
        hist = np.asarray(trace.activation_histograms, dtype=float)
        edges = np.asarray(trace.histogram_edges, dtype=float)
        depth = hist.shape[0]
        self.image.set_data(np.ma.masked_equal(hist.T, 0.0))
        self.image.set_extent((0.5, depth + 0.5, edges[0], edges[-1]))
        self.marks.update(_forward_overflow(trace))
        # The bins follow the data where it leaves the activation's range (a residual stream grows beyond it).
        act = ACTIVATIONS.get(trace.config.get("activation"))
        low, high = act.output_range if act is not None else (-np.inf, np.inf)
        beyond = (np.isfinite(low) and edges[0] < low) or (np.isfinite(high) and edges[-1] > high)
        self.note.set_text(f"values beyond {act.label}'s range [{low:g}, {high:g}]:\nthe axis follows the data"
                           if beyond else "")
        set_layer_limits(self.ax, depth)
        # The note sits in an empty band above the map (inside it, it hid the top bins: the tails it is about).
        headroom = NOTE_HEADROOM * (edges[-1] - edges[0]) if beyond else 0.0
        self.ax.set_ylim(edges[0], edges[-1] + headroom)
        return self


#: The band above a heat map that holds its note, as a fraction of the data's range (two lines of note text).
NOTE_HEADROOM = 0.25


def _value_tick(value: float, _pos=None) -> str:
    """``4e30``, not ``4`` under an offset text ``1e30`` (explorers blit tick labels and draw no offset text).

    >>> _value_tick(4e30), _value_tick(-0.0), _value_tick(0.25), _value_tick(2.5e-05)
    ('4e30', '0', '0.25', '2.5e-05')
    """
    return f"{value + 0.0:g}".replace("e+", "e")


def plot_activation_heatmap(trace: Trace, ax, *, colorbar=False) -> HeatmapArtists:
    """Per-layer histograms of the activations ``h_l`` as an image.

    Layer on x, activation value on y over ``trace.histogram_edges`` (the
    activation's output range, or the data's where the values go beyond it or
    the range is unbounded: the y axis states it, and a note says when the data
    left the activation's range), colour the fraction of a fixed sample of units
    in each bin on a log scale from 1e-4 (below one unit in the sample) to 1, so
    thin tails show; empty bins are white.

    Parameters
    ----------
    trace : Trace
    ax : matplotlib Axes
    colorbar : bool or Axes
        ``True`` steals room from ``ax`` for a colour bar; an Axes draws it there.

    Returns
    -------
    HeatmapArtists
    """
    return HeatmapArtists(trace, ax, colorbar=colorbar)


_SATURATION_LABELS = {
    "gradient": ("saturated", "saturated for every input"),
    "dead": ("inactive ($\\varphi'=0$)", "dead units"),
    "never": ("saturated", "saturated for every input"),
}


class SaturationArtists:
    """Artists of :func:`plot_saturation`: ``saturation`` and ``dead`` lines, ``note``, ``marks``."""

    def __init__(self, trace: Trace, ax):
        self.ax = ax
        setup_layer_axis(ax)
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of units", fontsize=FONT["label"])
        self.title = _title(ax, "Saturation")
        common = dict(lw=1.6, ms=3.2, clip_on=False)
        (self.saturation,) = ax.plot([], [], color=COLORS["saturation"], marker="o", zorder=4.1, **common)
        (self.dead,) = ax.plot([], [], color=COLORS["dead"], marker="s", ls="--", zorder=4, **common)
        self.note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                            fontsize=FONT["note"], color="#555555", bbox=dict(NOTE_BOX), zorder=7)
        self.marks = LayerMarks(ax)
        for line in (self.saturation, self.dead):
            line.set_in_layout(False)  # unclipped: kept out of the layout, like the edge marks
        self.legend = ax.legend(handles=[self.saturation, self.dead], **LEGEND)
        self.update(trace)

    @property
    def artists(self) -> list:
        """Artists that change with every trace, in drawing order."""
        return [self.dead, self.saturation, *self.marks.artists]

    @property
    def decorations(self) -> list:
        """Artists that change now and then (legend, note)."""
        return [self.legend, self.note]

    def update(self, trace: Trace) -> "SaturationArtists":
        depth = trace.depth
        layers = np.arange(1, depth + 1)
        bad = _forward_overflow(trace)
        sat = np.where(bad, np.nan, 100 * np.asarray(trace.saturation, dtype=float))
        dead = np.where(bad, np.nan, 100 * np.asarray(trace.dead_units, dtype=float))
        self.saturation.set_data(layers, sat)
        self.dead.set_data(layers, dead)
        act = ACTIVATIONS.get(trace.config.get("activation"))
        kind = act.saturates if act is not None else "gradient"
        for text, label in zip(self.legend.get_texts(), _SATURATION_LABELS[kind]):
            text.set_text(label)
        self.note.set_text(f"{act.label} never saturates:\nits derivative is never small"
                           if kind == "never" else "")
        self.marks.update(bad)
        set_layer_limits(self.ax, depth)
        corner = place_legend(self.legend, self.ax, np.concatenate((layers, layers)),
                              np.concatenate((sat, dead)), size=(0.55, 0.22), edge=self.marks.occupied())
        self.marks.avoid(corner, (0.55, 0.22))
        return self


def plot_saturation(trace: Trace, ax) -> SaturationArtists:
    """Per-layer percentage of saturated units and of dead units, y in [0, 100].

    ``trace.saturation``: entries whose local derivative is at most the
    activation's saturation level (ReLU: exactly zero). ``trace.dead_units``: units
    saturated for every example of the batch. Overflowed layers are marked.

    Returns
    -------
    SaturationArtists
    """
    return SaturationArtists(trace, ax)
