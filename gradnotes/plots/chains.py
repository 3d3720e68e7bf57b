"""Plots for "why depth multiplies": scalar chains and products of random matrices."""

from __future__ import annotations

import math

import numpy as np

from ._style import COLORS, FONT, activation_color, style_axes

__all__ = ["plot_chain_derivatives", "plot_product_norms"]


def plot_chain_derivatives(chains: dict, ax, *, title="The chain rule multiplies one factor per layer"):
    """``|dz_k / dx_0|`` against layer k for several scalar chains, on a log axis.

    Parameters
    ----------
    chains : dict
        Label (an activation name colours the line) -> :class:`~gradnotes.chains.ChainFactors`.
    ax : matplotlib Axes

    Returns
    -------
    list of Line2D
    """
    lines = []
    for label, c in chains.items():
        k = np.arange(1, c.derivative.size + 1)
        y = np.abs(c.derivative)
        name = label.split()[0]
        (line,) = ax.plot(k, np.where(y > 0, y, np.nan), lw=2, color=activation_color(name), label=label)
        lines.append(line)
    ax.set_yscale("log")
    ax.set_xlabel("layer k", fontsize=FONT["label"])
    ax.set_ylabel(r"$|dz_k / dx_0|$ (log scale)", fontsize=FONT["label"])
    ax.set_title(title, fontsize=FONT["title"])
    ax.legend(fontsize=FONT["legend"], frameon=False)
    style_axes(ax)
    return lines


def plot_product_norms(results: dict, ax, *, n: int, lyapunov: dict | None = None,
                       title: str | None = None):
    """``log10 ||G_k ... G_1 x||`` per step: the median and the 10-90% band over trials.

    Parameters
    ----------
    results : dict
        Scale ``s`` (entries ``N(0, s**2/n)``) -> array ``(trials, steps)`` from
        :func:`~gradnotes.chains.product_norms`.
    ax : matplotlib Axes
    n : int
        Matrix size, for the title.
    lyapunov : dict, optional
        Scale -> growth rate per step (natural log), drawn as a dashed line.

    Returns
    -------
    list of Line2D
    """
    palette = ["#0072B2", "#222222", "#D55E00", "#009E73", "#CC79A7"]
    lines = []
    for i, (scale, r) in enumerate(results.items()):
        color = palette[i % len(palette)]
        k = np.arange(1, r.shape[1] + 1)
        lo, med, hi = np.percentile(r, [10, 50, 90], axis=0)
        ax.fill_between(k, lo, hi, color=color, alpha=0.15, lw=0)
        (line,) = ax.plot(k, med, color=color, lw=2, label=f"scale {scale:g}")
        lines.append(line)
        if lyapunov is not None and scale in lyapunov:
            ax.plot(k, k * lyapunov[scale] / math.log(10), color=color, lw=1.2, ls="--")
    if lyapunov is not None:
        ax.plot([], [], color=COLORS["prediction"], ls="--", lw=1.2, label="theory (Lyapunov exponent)")
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_xlabel("number of matrices multiplied", fontsize=FONT["label"])
    ax.set_ylabel(r"$\log_{10}\,\|G_k \cdots G_1 x\|$", fontsize=FONT["label"])
    ax.set_title(title or f"Products of random {n}x{n} matrices (median, 10-90% band)", fontsize=FONT["title"])
    ax.legend(fontsize=FONT["legend"], frameon=False)
    style_axes(ax)
    return lines
