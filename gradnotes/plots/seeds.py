"""A per-layer measurement over seeds: the median line and the band where the middle half of the networks lie."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..probe import SeedSpread
from ._style import COLORS, FONT, LEGEND, style_axes

__all__ = ["plot_seed_band", "SeedBandArtists"]


@dataclass(frozen=True)
class SeedBandArtists:
    """What :func:`plot_seed_band` drew: the median line, the quartile band and the min-max band."""

    median: object
    quartiles: object
    extremes: object


def plot_seed_band(spread: SeedSpread, ax, *, label: str | None = None, color: str | None = None,
                   log: bool = True, ylabel: str | None = None) -> SeedBandArtists:
    """Draw the median over seeds of a per-layer profile, its quartile band (darker) and its range (lighter).

    Parameters
    ----------
    spread : SeedSpread
        From :func:`gradnotes.probe.simulate_seeds` with a per-layer ``measure``: ``values`` of shape
        ``(seeds, layers)``; layer ``l`` is drawn at ``x = l`` (1-based).
    ax : matplotlib Axes
    label : str, optional
        Legend label of the median line; the band's label says how many seeds.
    color : str, optional
        Default: the book's gradient colour.
    log : bool
        Log y axis (the default: profiles of norms span orders of magnitude).
    ylabel : str, optional
        Default: the measure's name.

    Returns
    -------
    SeedBandArtists

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from gradnotes.probe import simulate_seeds
    >>> s = simulate_seeds(8, 32, "relu", "he_normal", measure="grad_activation_norms", seeds=4)
    >>> art = plot_seed_band(s, Figure().add_subplot(), label="He")
    >>> len(art.median.get_xdata()), art.median.get_label()
    (8, 'He')
    """
    values = np.asarray(spread.values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"spread.values must be (seeds, layers) to draw a band; got shape {values.shape}")
    color = color or COLORS["gradient"]
    layers = np.arange(1, values.shape[1] + 1)
    q25, q75 = spread.quartiles
    extremes = ax.fill_between(layers, spread.low, spread.high, color=color, alpha=0.12, linewidth=0)
    quartiles = ax.fill_between(layers, q25, q75, color=color, alpha=0.3, linewidth=0,
                                label=f"middle half of {len(spread.seeds)} seeds")
    (median,) = ax.plot(layers, spread.median, color=color, linewidth=1.8, label=label or "median")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer", fontsize=FONT["label"])
    ax.set_ylabel(ylabel or spread.measure, fontsize=FONT["label"])
    style_axes(ax)
    ax.legend(**{**LEGEND, "loc": "best"})
    return SeedBandArtists(median, quartiles, extremes)
