"""Curves of a :class:`~gradnotes.TrainingRun` against the training step.

Loss, per-layer gradient norms and update-to-data ratios (:mod:`.layer_curves`), the share
of saturated and dead units; :func:`plot_training` puts them on one figure with
the decision regions (:mod:`.regions`). Nothing here trains a network: every
function reads a finished run.

A diverged run is drawn up to the step where it diverged, and the step is
marked in red; values a log axis cannot show (zero, ``-inf``) are pinned to an
edge with a note, never dropped silently.
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import ACTIVATIONS
from ..training import TrainingRun
from ._steps import mark_divergence, recorded_steps, step_axis
from ._style import COLORS, FONT, LEGEND, NOTE_BOX, edge_transform, log_limits, place_legend
from .layer_curves import HEALTHY_RATIO, RATIO_WINDOW, plot_layer_gradients, plot_update_ratios
from .regions import CLASS_COLORS, DecisionRegions, plot_decision_regions

__all__ = [
    "plot_loss_curves", "plot_layer_gradients", "plot_update_ratios", "plot_unit_health",
    "plot_decision_regions", "DecisionRegions", "plot_training", "config_line", "PANELS",
    "RATIO_WINDOW", "HEALTHY_RATIO", "CLASS_COLORS",
]

#: Colours of several runs in one loss panel (Okabe-Ito, without the red of divergence).
RUN_COLORS = ("#222222", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _default_labels(runs) -> list[str]:
    keys = ("activation", "init", "gain", "optimizer", "lr", "weight_decay", "clip", "depth", "width",
            "norm", "residual", "dropout", "batch_size", "seed")
    differ = [k for k in keys if len({repr(r.config[k]) for r in runs}) > 1]
    if len(runs) == 1:
        return ["training loss"]
    if not differ:
        return [f"run {i + 1}" for i in range(len(runs))]
    return [", ".join(f"{k} {r.config[k]:g}" if isinstance(r.config[k], float) else f"{k} {r.config[k]}"
                      for k in differ) for r in runs]


def plot_loss_curves(runs, ax, *, labels=None, title=None) -> list:
    """Training loss against the step for one run or several, on a log axis.

    Parameters
    ----------
    runs : TrainingRun or sequence of TrainingRun
    ax : matplotlib Axes
    labels : sequence of str, optional
        Legend labels; by default the settings in which the runs differ.
    title : str, optional

    Returns
    -------
    list of Line2D
        One per run, in order; ``line.get_ydata()`` is ``run.losses`` up to the
        divergence (non-finite values as NaN gaps).

    Notes
    -----
    ``losses[t]`` is the loss on step ``t``'s batch before its update. A
    diverged run ends with a red × at its divergence step and "diverged at step
    N" (at the top edge when that loss is not finite). The dashed line is
    ``ln C`` (C classes): the loss of a network that predicts every class with
    probability ``1/C``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from gradnotes import spirals, train
    >>> X, y = spirals(30, seed=0)
    >>> run = train(X, y, depth=3, width=16, steps=20, lr=1e-2)
    >>> (line,) = plot_loss_curves(run, Figure().add_subplot())
    >>> bool(np.array_equal(line.get_ydata(), run.losses))
    True
    """
    runs = [runs] if isinstance(runs, TrainingRun) else list(runs)
    if not runs:
        raise ValueError("plot_loss_curves needs at least one run")
    labels = _default_labels(runs) if labels is None else list(labels)
    if len(labels) != len(runs):
        raise ValueError(f"{len(labels)} labels for {len(runs)} runs")
    step_axis(ax, runs, "loss (log scale)", title or "Training loss")
    ax.set_yscale("log")
    lines, shown_all, xs_all, edge_x = [], [], [], []
    for i, (run, label) in enumerate(zip(runs, labels)):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        loss = np.asarray(run.losses[:recorded_steps(run)], dtype=float)
        shown = np.where(np.isfinite(loss) & (loss > 0), loss, np.nan)
        steps = np.arange(loss.size)
        (line,) = ax.plot(steps, shown, color=color, lw=1.6, label=label, zorder=3)
        lines.append(line)
        shown_all.append(shown)
        xs_all.append(steps)
        if run.diverged:
            d = run.diverged_step
            at_top = not np.isfinite(shown[d])
            y, transform = (1.0, edge_transform(ax)) if at_top else (shown[d], ax.transData)
            ax.plot([d], [y], ls="none", marker="x", ms=9, mew=2.2, color=COLORS["overflow"], clip_on=False,
                    transform=transform, zorder=6, label=f"diverged at step {d}"
                    + (" (loss not finite)" if at_top else ""))
            if at_top:
                edge_x.append(d)
    chance = sorted({math.log(r.config["n_classes"]) for r in runs})
    for c in chance:
        ax.axhline(c, color=COLORS["zero"], ls="--", lw=1.1, zorder=4,  # visible on a loss stuck at ln C
                   label=f"chance: ln C = {c:.2f}" if len(chance) == 1 else None)
    values = np.concatenate([*shown_all, chance])
    ax.set_ylim(log_limits(values))
    legend = ax.legend(**LEGEND)
    place_legend(legend, ax, np.concatenate([*xs_all, np.zeros(len(chance))]), values,
                 size=(0.6, 0.075 * len(legend.get_texts()) + 0.04), edge=(edge_x, np.ones(len(edge_x))))
    return lines


_HEALTH_LABELS = {"gradient": "saturated", "dead": "inactive (φ' = 0)", "never": "saturated"}


def plot_unit_health(run: TrainingRun, ax) -> list:
    """Percent of saturated and of dead units against the checkpoint step, 0 to 100 %.

    Thick lines: the *maximum* over the hidden layers (the worst layer) of
    ``run.saturation`` (orange) and ``run.dead_units`` (purple, dashed); thin
    orange lines: the saturation of each hidden layer.

    Parameters
    ----------
    run : TrainingRun
    ax : matplotlib Axes

    Returns
    -------
    list of Line2D
        ``[saturated (worst layer), dead (worst layer)]``.
    """
    x = np.asarray(run.checkpoint_steps, dtype=float)
    sat = 100 * np.asarray(run.saturation, dtype=float)
    dead = 100 * np.asarray(run.dead_units, dtype=float)
    step_axis(ax, [run], "% of units", "Saturated and dead units")
    common = dict(clip_on=False, zorder=4)
    for l in range(sat.shape[1]):
        ax.plot(x, sat[:, l], color=COLORS["saturation"], lw=0.7, alpha=0.35, zorder=3)
    kind = ACTIVATIONS[run.config["activation"]].saturates
    (worst_sat,) = ax.plot(x, sat.max(axis=1), color=COLORS["saturation"], lw=2.0, marker="o", ms=3.2,
                           label=f"{_HEALTH_LABELS[kind]}, worst layer", **common)
    (worst_dead,) = ax.plot(x, dead.max(axis=1), color=COLORS["dead"], lw=2.0, ls="--", marker="s", ms=3.2,
                            label="dead, worst layer", **common)
    for line in (worst_sat, worst_dead):
        line.set_in_layout(False)  # unclipped lines stay out of a constrained layout
    ax.set_ylim(0, 100)
    if kind == "never":
        ax.text(0.5, 0.5, f"{ACTIVATIONS[run.config['activation']].label} never saturates:\n"
                "its derivative is never small", transform=ax.transAxes, ha="center", va="center",
                fontsize=FONT["note"], color="#555555", bbox=dict(NOTE_BOX), zorder=7)
    legend = ax.legend(handles=[worst_sat, worst_dead, *mark_divergence(ax, run)], **LEGEND)
    place_legend(legend, ax, np.concatenate((x, x)), np.concatenate((sat.max(axis=1), dead.max(axis=1))),
                 size=(0.6, 0.075 * len(legend.get_texts()) + 0.04))
    return [worst_sat, worst_dead]


def config_line(run: TrainingRun) -> str:
    """One line naming the run's settings, for a figure title."""
    c = run.config
    clip = "none" if c["clip"] in (None, "none") else f"{c['clip']} at {c['clip_threshold']:g}"
    return (f"{ACTIVATIONS[c['activation']].label}, init {c['init']} × {c['gain']:g}, "
            f"{c['optimizer']} lr {c['lr']:g}, weight decay {c['weight_decay']:g}, clip {clip}  ·  "
            f"depth {c['depth']} × width {c['width']}, {c['steps']} steps, seed {c['seed']}")


#: Panels of :func:`plot_training`, in reading order.
PANELS = ("loss", "gradients", "ratios", "health", "regions")


def plot_training(run: TrainingRun, X, y, *, figsize=None, axes: dict | None = None):
    """Five panels of one run: loss, gradient per layer, update ratios, unit health, decision regions.

    Parameters
    ----------
    run : TrainingRun
    X, y : ndarray
        The training data the run saw (for the decision regions).
    figsize : (float, float), optional
        Inches at 100 dpi; default ``(8, 10)``, i.e. 800 x 1000 px: two panels a row and the
        regions below, so that in the book's 688 px column the text is shown at its drawn size.
    axes : dict, optional
        Panel name (``PANELS``) -> Axes to draw into, e.g. at fixed positions;
        default: a new :class:`~gradnotes.plots.BookFigure` with a constrained layout.

    Returns
    -------
    Figure
        With the settings of the run as its title.

    Examples
    --------
    >>> from gradnotes import spirals, train
    >>> X, y = spirals(30, seed=0)
    >>> fig = plot_training(train(X, y, depth=3, width=16, steps=20), X, y)
    >>> fig
    <Figure 800x1000 px, 5 panels>
    """
    title = config_line(run)
    if axes is None:
        from .figure import subplots

        fig, grid = subplots(3, 2, figsize=figsize or (8.0, 10.0), height_ratios=(1, 1, 1.25))
        for ax in grid[2, :]:
            ax.remove()
        axes = dict(loss=grid[0, 0], gradients=grid[0, 1], ratios=grid[1, 0], health=grid[1, 1],
                    regions=fig.add_subplot(grid[0, 0].get_gridspec()[2, :]))
        fig.get_layout_engine().set(w_pad=0.08, h_pad=0.08)
        title = title.replace("  ·  ", "\n")  # the settings, then the sizes: two lines fit the narrower figure
    missing = [p for p in PANELS if p not in axes]
    if missing:
        raise ValueError(f"axes lacks the panels {missing}; expected {list(PANELS)}")
    fig = axes["loss"].get_figure()
    plot_loss_curves(run, axes["loss"])
    plot_layer_gradients(run, axes["gradients"])
    plot_update_ratios(run, axes["ratios"])
    plot_unit_health(run, axes["health"])
    plot_decision_regions(run, X, y, axes["regions"])
    fig.suptitle(title, fontsize=FONT["title"], color=COLORS["text"])
    return fig
