"""Per-layer curves of a :class:`~gradnotes.TrainingRun` against the step: gradient norms and
update-to-data ratios, one line per weight matrix, first layer light, output layer dark."""

from __future__ import annotations

import math

import numpy as np

from ..training import TrainingRun
from ._layers import layer_ranges
from ._steps import mark_divergence, recorded_steps, step_axis
from ._style import COLORS, FONT, LEGEND, NOTE_BOX, edge_transform, log_limits, place_legend

__all__ = ["plot_layer_gradients", "plot_update_ratios", "RATIO_WINDOW", "HEALTHY_RATIO", "LAYER_CMAP"]

#: Steps in the running median of :func:`plot_update_ratios`.
RATIO_WINDOW = 9
#: Karpathy's rule of thumb (makemore part 3): log10 update/data of about -3 is healthy.
HEALTHY_RATIO = -3.0
#: Sequential map of the layers: light first layer, dark output layer.
LAYER_CMAP = "Blues"


def _layer_colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps[LAYER_CMAP]
    return [cmap(0.3 + 0.7 * i / max(n - 1, 1)) for i in range(n)]


def _layer_legend(ax, lines, x, y, extra=()):
    """Legend naming the first and the output layer (the colours between run from light to dark)."""
    n = len(lines)
    handles = [*extra, lines[0], lines[-1]]
    labels = [*(h.get_label() for h in extra), "layer 1 (input)", f"layer {n} (output)"]
    legend = ax.legend(handles=handles, labels=labels, **LEGEND)
    place_legend(legend, ax, x, y, size=(0.5, 0.075 * len(handles) + 0.04))
    return legend


def plot_layer_gradients(run: TrainingRun, ax) -> list:
    """``||dL/dW_l||`` of every layer against the step, log axis, first layer light, output dark.

    Parameters
    ----------
    run : TrainingRun
    ax : matplotlib Axes

    Returns
    -------
    list of Line2D
        One per weight matrix, layer 1 first; ``get_ydata()`` is that column of
        ``run.grad_norms`` (zeros and non-finite values as NaN gaps, noted).

    Notes
    -----
    Vanishing gradients show as light lines far below the dark ones: the first
    layers get orders of magnitude less gradient than the output layer, all
    through training. Gradients that are exactly zero (dead layers) cannot sit
    on a log axis: grey triangles on the bottom edge mark where they start.
    """
    n = recorded_steps(run)
    g = np.asarray(run.grad_norms[:n], dtype=float)
    step_axis(ax, [run], r"$\|\partial L/\partial W_l\|_F$  (log scale)", "Gradient per layer")
    ax.set_yscale("log")
    steps = np.arange(n)
    shown = np.where(np.isfinite(g) & (g > 0), g, np.nan)
    lines = [ax.plot(steps, shown[:, l], color=c, lw=1.1, zorder=3)[0]
             for l, c in enumerate(_layer_colors(g.shape[1]))]
    zero = g == 0
    layers = np.flatnonzero(zero.any(axis=0))
    if layers.size:
        first = np.array([np.argmax(zero[:, l]) for l in layers])
        ax.plot(first, np.zeros(first.size), ls="none", marker="v", ms=6.5, color=COLORS["zero"],
                transform=edge_transform(ax), clip_on=False, zorder=6)
        ax.text(0.02, 0.04, f"exactly 0 from the ▼: layers {layer_ranges(layers + 1)}",
                transform=ax.transAxes, fontsize=FONT["note"], color=COLORS["zero"], bbox=dict(NOTE_BOX),
                zorder=7)
    ax.set_ylim(log_limits(shown))
    _layer_legend(ax, lines, np.repeat(steps, g.shape[1]), shown.ravel(), extra=mark_divergence(ax, run))
    return lines


def _running_median(r: np.ndarray, window: int) -> np.ndarray:
    """Running median over ``window`` steps along axis 0 (edges padded with the end values)."""
    if r.shape[0] == 0 or window <= 1:
        return r.copy()
    half = window // 2
    padded = np.pad(r, ((half, half), (0, 0)), mode="edge")
    views = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)
    with np.errstate(invalid="ignore"):  # -inf + inf in a window: NaN, drawn as a gap
        return np.median(views, axis=-1)


def plot_update_ratios(run: TrainingRun, ax, *, window: int = RATIO_WINDOW) -> list:
    """``log10(std(Delta W_l) / std(W_l))`` of every layer against the step.

    Each line is a running median over ``window`` steps (9 by default) of
    ``run.update_ratios``, which jump from step to step under Adam and
    minibatches. The band marks Karpathy's rule of thumb, about ``-3``.

    Parameters
    ----------
    run : TrainingRun
    ax : matplotlib Axes
    window : int
        Steps of the running median (1: the raw ratios).

    Returns
    -------
    list of Line2D
        One per weight matrix, layer 1 first (light) to the output (dark).

    Notes
    -----
    An update smaller than half the float32 spacing of every weight of a layer
    is lost and its ratio is ``-inf``: such steps are drawn on the bottom edge,
    labelled ``-inf``, with a note naming the layers.
    """
    n = run.diverged_step if run.diverged else run.config["steps"]  # no update at the divergence step
    raw = np.asarray(run.update_ratios[:n], dtype=float)
    r = _running_median(raw, window)
    step_axis(ax, [run], r"$\log_{10}$ std($\Delta W_l$) / std($W_l$)", "Update / data ratio per layer")
    finite = r[np.isfinite(r)]
    lo = min(math.floor(finite.min()) if finite.size else HEALTHY_RATIO, HEALTHY_RATIO - 1) - 0.5
    hi = max(math.ceil(finite.max()) if finite.size else HEALTHY_RATIO, HEALTHY_RATIO + 1) + 0.5
    bottom = np.isneginf(r)
    shown = np.where(bottom, lo, np.where(np.isposinf(r), hi, r))
    band = ax.axhspan(HEALTHY_RATIO - 0.5, HEALTHY_RATIO + 0.5, color="#009E73", alpha=0.13, lw=0, zorder=1,
                      label="healthy ≈ −3")
    steps = np.arange(n)
    lines = [ax.plot(steps, shown[:, l], color=c, lw=1.1, zorder=3, clip_on=False)[0]
             for l, c in enumerate(_layer_colors(r.shape[1]))]
    ax.set_ylim(lo, hi)
    from matplotlib.ticker import FixedFormatter, FixedLocator

    stride = max(1, math.ceil((hi - lo) / 7))
    ticks = list(range(math.ceil(lo), math.floor(hi) + 1))[::-1][::stride][::-1]
    labels = [f"{t:d}".replace("-", "−") for t in ticks]
    extra = [band]
    if bottom.any() or np.isneginf(raw).any():
        from matplotlib.lines import Line2D

        ticks, labels = [lo, *ticks], ["−inf", *labels]
        layers = np.flatnonzero(np.isneginf(raw).any(axis=0)) + 1
        extra.append(Line2D([], [], color=COLORS["zero"], lw=2.5, solid_capstyle="butt",
                            label=f"−inf (lost in float32): layers {layer_ranges(layers)}"))
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FixedFormatter(labels))
    _layer_legend(ax, lines, np.repeat(steps, r.shape[1]), shown.ravel(), extra=extra + mark_divergence(ax, run))
    return lines
