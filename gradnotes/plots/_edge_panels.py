"""The edge-of-chaos explorer's panels: per-layer bands over seeds, and the phase diagram coloured by ``xi_c``.

Both are updatable (``update(...)``, ``artists``, ``decorations`` / ``static_artists``) for the explorer's
blitted figure (:mod:`gradnotes.widgets.edge`); re-exported by :mod:`gradnotes.plots.edge`, their public path.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import get_activation
from ._style import COLORS, FONT, LEGEND, NOTE_BOX, log_limits, style_axes, title_text

__all__ = ["plot_layer_band", "LayerBandArtists", "plot_xi_phase", "XiPhaseArtists", "XI_RANGE"]


def _label(ax, xlabel, ylabel, title):
    style_axes(ax)
    ax.set_xlabel(xlabel, fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.set_title(title, fontsize=FONT["title"], loc="left")


class LayerBandArtists:
    """Artists of :func:`plot_layer_band`: the seed range (``band``), the seed mean (``points``), theory (``line``).

    ``update(values, predicted, keep_limits=...)`` shows other numbers; ``artists``
    change at every update, ``decorations`` (the legend) rarely.
    """

    def __init__(self, ax, *, log: bool, color, ylabel: str, title: str, theory_label: str):
        self.ax, self.log = ax, log
        self.band = ax.fill_between([1, 2], [0, 0], [1, 1], color=color, alpha=0.2, lw=0, zorder=1,
                                    label="measured: range of the seeds")
        (self.points,) = ax.plot([], [], ls="none", marker="o", ms=4, color=color, zorder=3,
                                 label="measured: mean")
        (self.line,) = ax.plot([], [], lw=1.6, color=COLORS["prediction"], ls="--", zorder=2, label=theory_label)
        if log:
            ax.set_yscale("log")
        _label(ax, "layer $l$", ylabel, title)
        self.legend = ax.legend(**{**LEGEND, "fontsize": FONT["note"], "loc": "lower left" if log else "lower right"})

    @property
    def artists(self) -> list:
        return [self.band, self.points, self.line]

    @property
    def decorations(self) -> list:
        return [self.legend]

    def update(self, values, predicted=None, *, keep_limits: bool = False) -> "LayerBandArtists":
        """Show ``values`` (seeds, depth) and ``predicted`` (depth,) or ``None`` (no theory line)."""
        values = np.asarray(values, dtype=float)
        depth = values.shape[1]
        layers = np.arange(1, depth + 1)
        shown = np.where(np.isfinite(values) & ((values > 0) | (not self.log)), values, np.nan)
        with np.errstate(all="ignore"):
            low, high = np.nanmin(shown, axis=0), np.nanmax(shown, axis=0)
            mean = np.exp(np.nanmean(np.log(shown), axis=0)) if self.log else np.nanmean(shown, axis=0)
        self.band.set_data(layers, low, high)
        self.points.set_data(layers, mean)
        self.line.set_data(layers, [] if predicted is None else predicted)
        if predicted is None:
            self.line.set_data([], [])
        self.ax.set_xlim(0.5, depth + 0.5)
        everything = np.concatenate([shown.ravel(), np.asarray([] if predicted is None else predicted, float)])
        if self.log:
            self.ax.set_ylim(log_limits(everything, self.ax.get_ylim() if keep_limits else None))
        else:
            finite = everything[np.isfinite(everything)]
            bottom = math.floor(10 * min(finite.min(), 0.0) + 1e-9) / 10 if finite.size else 0.0
            self.ax.set_ylim(max(bottom, -1.0) - 0.02, 1.02)
        return self


def plot_layer_band(values, predicted, ax, *, log: bool = False, color=None, ylabel: str = "correlation $c^l$",
                    title: str = "Two inputs' correlation", theory_label: str = "theory") -> LayerBandArtists:
    """A per-layer measurement over seeds (band: range, dots: mean) against its theory (dashed line).

    Parameters
    ----------
    values : array_like (seeds, depth)
        One row per seed (e.g. :attr:`gradnotes.probe.Correlations.values`).
    predicted : array_like (depth,) or None
    ax : matplotlib Axes
    log : bool
        Log y (dots: the geometric mean); else y runs up to 1 (correlations).
    color, ylabel, title, theory_label : optional

    Returns
    -------
    LayerBandArtists

    Examples
    --------
    >>> from gradnotes.plots import subplots
    >>> fig, ax = subplots()
    >>> a = plot_layer_band([[0.5, 0.7, 0.8], [0.5, 0.6, 0.9]], [0.5, 0.66, 0.84], ax)
    >>> a.points.get_ydata().round(2).tolist(), tuple(map(float, ax.get_xlim()))
    ([0.5, 0.65, 0.85], (0.5, 3.5))
    """
    artists = LayerBandArtists(ax, log=log, color=color or COLORS["gradient"], ylabel=ylabel, title=title,
                               theory_label=theory_label)
    return artists.update(values, predicted)


#: ``xi_c`` shown on the phase diagram: 0.3 to 1000 layers, log colour (beyond: the end colours).
XI_RANGE = (0.3, 1000.0)


class XiPhaseArtists:
    """Artists of :func:`plot_xi_phase`: the ``log10 xi_c`` ``image``, the edge of chaos ``contour``, the marker.

    :meth:`set_grid` shows another :class:`~gradnotes.theory.CorrelationGrid` (the
    activation changed: a new contour); :meth:`update` moves only the marker.
    ``artists`` change with the point, ``static_artists`` with the grid.
    """

    def __init__(self, grid, ax, *, colorbar=None):
        from matplotlib.colors import Normalize

        self.ax = ax
        sw2, sb2 = np.asarray(grid.sigma_w, float) ** 2, np.asarray(grid.sigma_b, float) ** 2
        self.extent = (sw2[0], sw2[-1], sb2[0], sb2[-1])
        style_axes(ax, grid=False)
        ax.set_xlabel(r"weight variance $\sigma_w^2$", fontsize=FONT["label"])
        ax.set_ylabel(r"bias variance $\sigma_b^2$", fontsize=FONT["label"])
        cmap = _viridis().with_extremes(bad="#D0D0D0")
        self.image = ax.imshow(np.zeros((sb2.size, sw2.size)), origin="lower", aspect="auto", cmap=cmap,
                               norm=Normalize(*np.log10(XI_RANGE)), interpolation="bilinear", extent=self.extent,
                               zorder=0)
        self.title = title_text(ax)
        self.contour = None
        box = dict(ha="center", va="center", fontsize=FONT["note"], zorder=3, bbox=dict(NOTE_BOX))
        self.edge_label = ax.text(0, 0, "edge of chaos", rotation=90, **box)
        self.diverged_label = ax.text(0, 0, "$q^*=\\infty$:\nthe signal\ndiverges", **box)
        (self.marker,) = ax.plot([], [], ls="none", marker="*", ms=15, mfc="white", mec="black", mew=1.3,
                                 clip_on=False, zorder=6)
        self.marker_label = ax.annotate("", (0, 0), xytext=(0, -12), textcoords="offset points", ha="center",
                                        va="top", fontsize=FONT["note"], zorder=6, bbox=dict(NOTE_BOX))
        ax.set_xlim(*self.extent[:2])
        ax.set_ylim(*self.extent[2:])
        self.colorbar = None
        if colorbar is not None:
            decades = np.arange(math.ceil(math.log10(XI_RANGE[0])), math.floor(math.log10(XI_RANGE[1])) + 1)
            self.colorbar = ax.get_figure().colorbar(self.image, cax=colorbar, ticks=decades, extend="both")
            self.colorbar.ax.set_yticklabels([f"{10.0 ** d:g}" for d in decades])
            self.colorbar.set_label(r"$\xi_c$ (layers, log)", fontsize=FONT["note"])
            self.colorbar.ax.tick_params(labelsize=FONT["tick"])
        self.set_grid(grid)

    @property
    def artists(self) -> list:
        return [self.marker, self.marker_label]

    @property
    def static_artists(self) -> list:
        out = [self.image, self.title, self.edge_label, self.diverged_label]
        return out + ([self.contour] if self.contour is not None else [])

    def set_grid(self, grid) -> "XiPhaseArtists":
        """Show ``grid`` (same axes as the first): colours, the contour ``chi_1 = 1`` and the labels."""
        sw2, sb2 = np.asarray(grid.sigma_w, float) ** 2, np.asarray(grid.sigma_b, float) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            log_xi = np.log10(np.asarray(grid.xi_c, float))
        self.image.set_data(np.ma.masked_invalid(np.clip(log_xi, -10, 10)))
        if self.contour is not None:
            self.contour.remove()
            self.contour = None
        chi = np.where(np.isfinite(grid.chi1), grid.chi1, 1e30)
        self.edge_label.set_visible(False)
        if chi.min() < 1 < chi.max():
            self.contour = self.ax.contour(sw2, sb2, chi, levels=[1.0], colors="black", linewidths=1.6, zorder=2)
            row = int(0.75 * (sb2.size - 1))
            above = np.flatnonzero(chi[row] >= 1)
            if above.size and above[0] > 0:
                self.edge_label.set_position((sw2[above[0]], sb2[row]))
                self.edge_label.set_visible(True)
        nan = np.isnan(np.asarray(grid.xi_c, float))
        self.diverged_label.set_visible(bool(nan.mean() > 0.15))
        if nan.any():
            rows, cols = np.nonzero(nan)
            self.diverged_label.set_position((np.median(sw2[cols]), np.median(sb2[rows])))
        self.title.set_text(f"Depth scale $\\xi_c$: {get_activation(grid.activation).display_name}")
        return self

    def update(self, point=None, *, label: str = "") -> "XiPhaseArtists":
        """Move the marker to ``point = (sigma_w**2, sigma_b**2)`` (``None`` hides it), labelled ``label``."""
        if point is None:
            self.marker.set_data([], [])
            self.marker_label.set_visible(False)
            return self
        x0, x1, y0, y1 = self.extent
        x, y = min(max(float(point[0]), x0), x1), min(max(float(point[1]), y0), y1)
        self.marker.set_data([x], [y])
        self.marker_label.xy = (x, y)
        low = y < y0 + 0.25 * (y1 - y0)
        self.marker_label.set_position((0, 12) if low else (0, -12))
        self.marker_label.set_verticalalignment("bottom" if low else "top")
        side = (x - x0) / (x1 - x0)
        self.marker_label.set_horizontalalignment("left" if side < 0.15 else "right" if side > 0.85 else "center")
        self.marker_label.set_text(label)
        self.marker_label.set_visible(bool(label))
        return self


def plot_xi_phase(grid, ax, *, point=None, label: str = "", colorbar=None) -> XiPhaseArtists:
    """The phase diagram coloured by the correlation depth scale ``xi_c``, the edge of chaos drawn on it.

    Parameters
    ----------
    grid : CorrelationGrid
        From :func:`gradnotes.theory.correlation_grid`, on axes evenly spaced in
        ``sigma_w**2`` and ``sigma_b**2`` (the picture's axes).
    ax : matplotlib Axes
    point : (float, float), optional
        The reader's ``(sigma_w**2, sigma_b**2)``, a star.
    label : str
        Under the star.
    colorbar : Axes, optional
        Where to draw the colour bar.

    Returns
    -------
    XiPhaseArtists

    Examples
    --------
    >>> import numpy as np
    >>> from gradnotes.plots import subplots
    >>> from gradnotes.theory import correlation_grid
    >>> g = correlation_grid("tanh", np.sqrt(np.linspace(1, 4, 7)), np.sqrt(np.linspace(0, 0.5, 4)))
    >>> fig, ax = subplots()
    >>> a = plot_xi_phase(g, ax, point=(2.0, 0.05), label="here")
    >>> a.image.get_array().shape, a.contour is not None, a.title.get_text()
    ((4, 7), True, 'Depth scale $\\\\xi_c$: Tanh')
    """
    return XiPhaseArtists(grid, ax, colorbar=colorbar).update(point, label=label)


def _viridis():
    from matplotlib import colormaps

    return colormaps["viridis"]
