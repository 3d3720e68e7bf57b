"""Where a trained classifier puts each class: predicted regions with the training points on top."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._style import COLORS, FONT, NOTE_BOX, style_axes

__all__ = ["plot_decision_regions", "DecisionRegions", "CLASS_COLORS"]

#: One colour per class (Okabe-Ito); regions use the same hues, lightened.
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#222222")


class DecisionRegions(NamedTuple):
    """Artists of :func:`plot_decision_regions`.

    Attributes
    ----------
    image : AxesImage
        RGBA per grid cell: the class colours mixed by the predicted probabilities
        (transparent where the prediction is not finite).
    points : list of PathCollection
        The training points, one collection per class.
    note : Text
        The accuracy in the corner (or why there is no prediction).
    grid_x, grid_y : ndarray
        Centres of the grid cells along x and y.
    classes : ndarray of int (len(grid_y), len(grid_x))
        ``argmax`` of ``run.predict_proba`` at each cell centre; -1 where not finite.
    """

    image: object
    points: list
    note: object
    grid_x: np.ndarray
    grid_y: np.ndarray
    classes: np.ndarray


def _lighten(hex_colour: str, amount: float = 0.72):
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(rgb + (1 - rgb) * amount)


def plot_decision_regions(run, X, y, ax, *, resolution: int = 80) -> DecisionRegions:
    """The class the network predicts on a grid over the data, and the data points on top.

    A grid cell is coloured by the class colours mixed in proportion to the
    predicted probabilities: a pure (light) class colour where the network is
    sure, a blend where it hesitates; the picture is interpolated between cells.

    Parameters
    ----------
    run : TrainingRun
        Anything with ``predict_proba(points) -> (n, C)`` and ``final_accuracy``.
    X : ndarray (n, 2)
    y : ndarray of int (n,)
    ax : matplotlib Axes
    resolution : int
        Grid cells along each axis.

    Returns
    -------
    DecisionRegions

    Notes
    -----
    The corner shows the final training accuracy (``run.final_accuracy``). A run
    whose weights are not finite (it diverged) predicts nothing: the regions are
    left blank and the note says so.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from gradnotes import spirals, train
    >>> X, y = spirals(30, seed=0)
    >>> regions = plot_decision_regions(train(X, y, depth=3, width=16, steps=20), X, y, Figure().add_subplot())
    >>> regions.classes.shape, regions.note.get_text()
    ((80, 80), 'train accuracy 41.1%')
    """
    from matplotlib.ticker import MaxNLocator

    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (n, 2) and y shape (n,); got {X.shape} and {y.shape}")
    n_classes = int(max(y.max() + 1, getattr(run, "config", {}).get("n_classes", 0)))
    (x0, y0), (x1, y1) = X.min(axis=0), X.max(axis=0)
    pad = 0.08 * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    # cell centres, so that the image's pixels sit exactly on the points that were predicted
    dx, dy = (x1 - x0) / resolution, (y1 - y0) / resolution
    gx = x0 + dx * (np.arange(resolution) + 0.5)
    gy = y0 + dy * (np.arange(resolution) + 0.5)
    xx, yy = np.meshgrid(gx, gy)
    proba = np.asarray(run.predict_proba(np.column_stack((xx.ravel(), yy.ravel()))), dtype=float)
    ok = np.isfinite(proba).all(axis=1)
    classes = np.where(ok, np.argmax(np.where(ok[:, None], proba, 0.0), axis=1), -1).reshape(xx.shape)

    style_axes(ax, grid=False)
    ax.set_facecolor("#F2F2F2")  # shows where there is no prediction
    # Each cell's colour is the probability-weighted mix of the (lightened) class colours:
    # flat where the network is sure, blended along the boundaries, smoothly interpolated.
    light = np.array([_lighten(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(n_classes)])
    rgba = np.zeros((proba.shape[0], 4))
    rgba[ok, :3] = np.clip(proba[ok, :n_classes] @ light, 0.0, 1.0)
    rgba[ok, 3] = 1.0
    image = ax.imshow(rgba.reshape(*xx.shape, 4), origin="lower", extent=(x0, x1, y0, y1),
                      interpolation="bilinear", aspect="auto", zorder=1)
    points = [ax.scatter(X[y == k, 0], X[y == k, 1], s=11, color=CLASS_COLORS[k % len(CLASS_COLORS)],
                         edgecolors="white", linewidths=0.4, zorder=3) for k in range(n_classes)]
    acc = getattr(run, "final_accuracy", np.nan)
    diverged = getattr(run, "diverged_step", None)
    if not ok.any():
        text = "no prediction: the weights are not finite"
    elif np.isfinite(acc):
        text = f"train accuracy {acc:.1%}"
    elif diverged is not None:
        text = f"diverged at step {diverged}:\nthe weights of that step"
    else:
        text = "train accuracy: n/a"
    note = ax.text(0.02, 0.98, text, transform=ax.transAxes, ha="left", va="top", fontsize=FONT["note"],
                   color=COLORS["text"], bbox=dict(NOTE_BOX), zorder=7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.set_xlabel("$x_1$", fontsize=FONT["label"])
    ax.set_ylabel("$x_2$", fontsize=FONT["label"])
    ax.set_title("Decision regions", loc="left", fontsize=FONT["title"], fontweight="bold")
    return DecisionRegions(image, points, note, gx, gy, classes)
