"""What the panels with the training step on x share: limits, the divergence mark, the title."""

from __future__ import annotations

import math

from ..training import TrainingRun
from ._style import COLORS, FONT, style_axes

__all__ = ["recorded_steps", "step_axis", "mark_divergence", "horizon"]


def recorded_steps(run: TrainingRun) -> int:
    """Steps with a recorded loss and gradient (the divergence step included)."""
    return run.diverged_step + 1 if run.diverged else run.config["steps"]


def horizon(run: TrainingRun) -> float:
    """Right x limit: every step, or a zoom on the few steps before a divergence."""
    return run.config["steps"] if not run.diverged else max(10.0, math.ceil(1.25 * (run.diverged_step + 1)))


def step_axis(ax, runs, ylabel: str, title: str) -> None:
    """House style, labels, a bold title on the left and x limits that fit every run."""
    style_axes(ax)
    ax.set_xlabel("step", fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.set_xlim(0, max(horizon(r) for r in runs))
    ax.set_title(title, loc="left", fontsize=FONT["title"], fontweight="bold")


def mark_divergence(ax, run: TrainingRun) -> list:
    """A red dotted line at the divergence step (nothing to its right was computed), for the legend."""
    if not run.diverged:
        return []
    return [ax.axvline(run.diverged_step, color=COLORS["overflow"], ls=":", lw=1.4, zorder=5,
                       label=f"diverged at step {run.diverged_step}")]
