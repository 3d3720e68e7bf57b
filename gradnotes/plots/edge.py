"""The edge of chaos, drawn: the correlation map, measured correlations, depth scales, trainability, spectra.

The explorer's updatable panels (:func:`plot_layer_band`, :func:`plot_xi_phase`) are written in
:mod:`gradnotes.plots._edge_panels`. Every function takes computed results (from :mod:`gradnotes.theory`,
:func:`gradnotes.measure_correlations`, :func:`gradnotes.training.trainability_grid`,
:func:`gradnotes.jacobian_singular_values`) and an ``ax``, draws, and returns its artists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The explorer's panels (updatable, for a blitted figure) have their own module; their public path is here.
from ._edge_panels import XI_RANGE, LayerBandArtists, XiPhaseArtists, plot_layer_band, plot_xi_phase
from ._style import FONT, style_axes

__all__ = ["plot_c_map", "CMapArtists", "plot_correlation_layers", "plot_depth_scales", "plot_trainability",
           "plot_singular_spectra", "plot_layer_band", "LayerBandArtists", "plot_xi_phase", "XiPhaseArtists",
           "XI_RANGE"]


@dataclass
class CMapArtists:
    """Artists of :func:`plot_c_map`: the map ``line``, the ``diagonal`` and the fixed point ``marker``."""

    line: object
    diagonal: object
    marker: object

    def update(self, c, c_next, c_star=None) -> "CMapArtists":
        """Show another map (same axes limits: ``c`` and ``c'`` live in ``[-1, 1]``)."""
        self.line.set_data(c, c_next)
        self.marker.set_data([] if c_star is None else [c_star], [] if c_star is None else [c_star])
        return self


def plot_c_map(c, c_next, ax, *, c_star=None, label=None, color=None) -> CMapArtists:
    """The c-map ``c -> c'`` (line) against the diagonal, its stable fixed point ``c*`` marked.

    Parameters
    ----------
    c, c_next : array_like (n,)
        Correlations and their images (:func:`gradnotes.theory.correlation_map`).
    ax : matplotlib Axes
    c_star : float, optional
    label, color : str, optional

    Returns
    -------
    CMapArtists

    Examples
    --------
    >>> from gradnotes.plots import subplots
    >>> fig, ax = subplots()
    >>> a = plot_c_map([0, 0.5, 1], [0.2, 0.6, 1], ax, c_star=1.0, label="ordered")
    >>> a.line.get_label(), len(ax.lines)
    ('ordered', 3)
    """
    (diagonal,) = ax.plot([-1, 1], [-1, 1], color="0.6", lw=0.8, ls="--", zorder=1)
    (line,) = ax.plot(c, c_next, lw=2, color=color, label=label, zorder=3)
    (marker,) = ax.plot([], [], ls="none", marker="o", ms=7, color=line.get_color(), mec="k", zorder=4)
    artists = CMapArtists(line, diagonal, marker).update(c, c_next, c_star)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    _label(ax, r"correlation $c^{l}$", r"$c^{l+1}$", "The correlation map")
    return artists


def plot_correlation_layers(measured, predicted, ax, *, color=None, label=None):
    """Measured ``c^l`` per layer (points: seed mean, band: seed range) over the iterated c-map (line).

    ``measured`` is a :class:`gradnotes.probe.Correlations`, ``predicted`` the
    array of :func:`gradnotes.theory.correlation_profile`. Returns ``(points, line, band)``.

    Examples
    --------
    >>> import numpy as np
    >>> from gradnotes.plots import subplots
    >>> from gradnotes import measure_correlations
    >>> fig, ax = subplots()
    >>> m = measure_correlations(4, 16, seeds=(0, 1))
    >>> points, line, band = plot_correlation_layers(m, np.linspace(0.5, 0.8, 4), ax)
    >>> len(points.get_xdata())
    4
    """
    layers = np.arange(1, len(predicted) + 1)
    (line,) = ax.plot(layers, predicted, lw=1.5, color=color, label=label, zorder=2)
    color = line.get_color()
    band = ax.fill_between(layers, measured.values.min(axis=0), measured.values.max(axis=0), color=color,
                           alpha=0.15, lw=0, zorder=1)
    (points,) = ax.plot(layers, measured.mean, ls="none", marker="o", ms=3.5, color=color, zorder=3)
    _label(ax, "layer $l$", "correlation $c^l$", "Measured (dots) vs theory (lines)")
    return points, line, band


def plot_depth_scales(sigma_w2, xi_q, xi_c, ax, *, critical=None):
    """``xi_q`` and ``xi_c`` against ``sigma_w**2`` (log y), the edge of chaos as a vertical line.

    Returns ``(xi_q_line, xi_c_line)``.

    Examples
    --------
    >>> from gradnotes.plots import subplots
    >>> fig, ax = subplots()
    >>> lq, lc = plot_depth_scales([1, 2, 3], [1.5, 1.4, 1.2], [3.6, 25, 9], ax, critical=1.76)
    >>> lc.get_label()
    '$\\\\xi_c$ (correlations)'
    """
    (lq,) = ax.semilogy(sigma_w2, xi_q, lw=2, label=r"$\xi_q$ (lengths)")
    (lc,) = ax.semilogy(sigma_w2, xi_c, lw=2, label=r"$\xi_c$ (correlations)")
    if critical is not None:
        ax.axvline(critical, color="0.4", lw=0.8, ls="--")
        ax.annotate("edge of chaos", (critical, 0.98), xycoords=("data", "axes fraction"), ha="center", va="top",
                    fontsize=8, color="0.3", backgroundcolor="w")
    ax.legend(loc="upper right", frameon=False)
    _label(ax, r"$\sigma_w^2$", "depth scale (layers)", "Depth scales")
    return lq, lc


def plot_trainability(grid, ax, *, boundary=None, colorbar=True):
    """Accuracy after training (seed mean) over ``sigma_w2 x depth``, with a boundary curve on top.

    ``grid`` is a :class:`gradnotes.training.TrainabilityGrid`; ``boundary`` a pair
    ``(sigma_w2, depth)`` of arrays (e.g. ``6 xi_c``). Returns ``(mesh, boundary_line)``.

    Examples
    --------
    >>> import numpy as np
    >>> from gradnotes.plots import subplots
    >>> from gradnotes.training import TrainabilityGrid
    >>> g = TrainabilityGrid(np.array([1.0, 2.0]), np.array([4, 8]), (0,), np.full((2, 2, 1), 0.5),
    ...                      np.full((2, 2, 1), 0.5), 0.1, {})
    >>> fig, ax = subplots()
    >>> mesh, line = plot_trainability(g, ax, boundary=([1.0, 2.0], [6.0, 7.0]))
    >>> mesh.get_array().shape
    (2, 2)
    """
    acc = np.asarray(grid.accuracy).mean(axis=2)
    sw2, depths = np.asarray(grid.sigma_w2, float), np.asarray(grid.depths, float)
    mesh = ax.pcolormesh(_edges(sw2), _edges(depths, log=True), acc.T, cmap="viridis", vmin=grid.chance, vmax=1.0,
                         shading="flat")
    ax.set_yscale("log")
    line = None
    if boundary is not None:
        (line,) = ax.plot(*boundary, color="w", lw=2, ls="--", label=r"$6\,\xi_c$")
        ax.legend(loc="upper right", frameon=True, facecolor="0.2", labelcolor="w")
    ax.set_xlim(_edges(sw2)[[0, -1]])
    ax.set_ylim(_edges(depths, log=True)[[0, -1]])
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="training accuracy")
    _label(ax, r"$\sigma_w^2$", "depth $L$", "Which networks train")
    return mesh, line


def _label(ax, xlabel, ylabel, title):
    style_axes(ax)
    ax.set_xlabel(xlabel, fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.set_title(title, fontsize=FONT["title"], loc="left")


def _edges(centres, log=False):
    x = np.log(centres) if log else np.asarray(centres, float)
    mid = (x[1:] + x[:-1]) / 2 if len(x) > 1 else np.array([])
    first = x[0] - (mid[0] - x[0] if len(mid) else 0.5)
    last = x[-1] + (x[-1] - mid[-1] if len(mid) else 0.5)
    e = np.concatenate(([first], mid, [last]))
    return np.exp(e) if log else e


def plot_singular_spectra(spectra, ax, *, floor=1e-40):
    """Histograms of ``log10`` squared singular values, one per labelled spectrum.

    ``spectra`` maps a label to squared singular values (pooled over seeds);
    values below ``floor`` are drawn at it. Returns the list of histogram patches.

    Examples
    --------
    >>> from gradnotes.plots import subplots
    >>> fig, ax = subplots()
    >>> len(plot_singular_spectra({"a": [0.5, 1, 2], "b": [1e-30, 1, 40]}, ax))
    2
    """
    values = {k: np.log10(np.maximum(np.asarray(v, float), floor)) for k, v in spectra.items()}
    lo, hi = min(v.min() for v in values.values()), max(v.max() for v in values.values())
    bins = np.linspace(np.floor(lo), np.ceil(hi) + 0.01, 60)
    patches = [ax.hist(v, bins=bins, histtype="stepfilled", alpha=0.45, label=k, density=True)[2]
               for k, v in values.items()]
    ax.axvline(0.0, color="0.4", lw=0.8, ls="--")
    ax.legend(loc="upper center", frameon=False, fontsize=FONT["legend"])
    _label(ax, r"$\log_{10} s^2$ (squared singular value of $J$)", "density", "Input-output Jacobian spectrum")
    return patches
