"""The training explorer: train a deep MLP on the spirals and watch every layer learn, or not."""

from __future__ import annotations

import html
import math
from collections import OrderedDict

import numpy as np

from .._params import NONE
from ..clipping import CLIPPERS
from ..initializers import INITIALIZERS
from ..plots.training import PANELS, plot_training
from ..training import OPTIMIZERS, spirals, train
from ._base import Explorer
from ._controls import (SLIDER, activation_dropdown, decimal_steps, depth_slider, dropdown, exact_slider,
                        init_dropdown, nice_log_values, selection_slider)
from ._grids import Grid
from ._png import encode_png
from .static import book_explorer

__all__ = ["TrainingExplorer", "training_explorer", "training_numbers", "ACTIVATION_CHOICES", "INIT_CHOICES",
           "WEIGHT_DECAYS", "MAX_DEPTH", "CACHE_SIZE"]

SIZE = (1100, 600)  # pixels
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")
INIT_CHOICES = tuple(n for n in ("xavier_normal", "he_normal", "orthogonal", "lecun_normal", "normal")
                     if n in INITIALIZERS)
CLIP_OPTIONS = [("none", NONE)] + [(f"by {name}", name) for name in CLIPPERS if name != NONE]
#: Learning rates offered (1, 2, 3, 5 per decade; exact, so a chapter's 3e-3 stays 3e-3).
LEARNING_RATES = nice_log_values(1e-4, 1.0, mantissas=(1, 2, 3, 5))
WEIGHT_DECAYS = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
MAX_DEPTH = 30
#: Trained runs (and their pictures) kept, most recent first: going back is instant.
CACHE_SIZE = 16
# Panel positions in figure fractions: [left, bottom, width, height]; the regions are square.
_RECTS = {
    "loss": [0.068, 0.54, 0.225, 0.33], "gradients": [0.372, 0.54, 0.225, 0.33],
    "ratios": [0.068, 0.08, 0.225, 0.33], "health": [0.372, 0.08, 0.225, 0.33],
    "regions": [0.655, 0.08, 0.335, 0.79],
}


def training_numbers(run) -> dict:
    """The numbers behind a training picture, read off a :class:`~gradnotes.TrainingRun`.

    ``grad_*`` are ``||dL/dW||`` of layer 1 and of the output layer at step 0 and
    at the last step before any divergence; ``ratio_*_median`` the median
    ``log10`` update/data ratio over every update made; ``saturated`` and
    ``dead`` the largest fraction over the hidden layers at the last checkpoint.
    """
    updates = run.diverged_step if run.diverged else run.config["steps"]
    end = max(updates - 1, 0)
    ratios = np.asarray(run.update_ratios[:updates], dtype=float)
    with np.errstate(invalid="ignore"):  # -inf and +inf in one column: NaN
        medians = np.median(ratios, axis=0) if updates else np.full(ratios.shape[1], np.nan)
    return dict(
        final_loss=run.final_loss, final_accuracy=run.final_accuracy, diverged_step=run.diverged_step,
        grad_first_start=float(run.grad_norms[0, 0]), grad_first_end=float(run.grad_norms[end, 0]),
        grad_output_end=float(run.grad_norms[end, -1]),
        ratio_first_median=float(medians[0]), ratio_output_median=float(medians[-1]),
        saturated=float(np.max(run.saturation[-1])), dead=float(np.max(run.dead_units[-1])),
    )


def _draw_png(run, X, y) -> bytes:
    """The five panels of :func:`~gradnotes.plots.plot_training` at fixed positions, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    plot_training(run, X, y, axes={name: fig.add_axes(_RECTS[name]) for name in PANELS})
    canvas.draw()
    return encode_png(np.asarray(canvas.buffer_rgba()))


class TrainingExplorer(Explorer):
    """Train an MLP on the spirals with the controls' settings; loss, gradients, updates, units, regions.

    Build it with :func:`training_explorer`. Controls: ``activation``, ``init``,
    ``gain``, ``optimizer``, ``lr``, ``clip``, ``weight_decay``, ``depth``;
    settings without a widget: ``width``, ``steps``, ``seed`` (weights, batches
    and the data set), ``n_per_class`` (spiral points per class), ``clip_threshold``.

    Every change trains a new network (a second or so); the last ``CACHE_SIZE``
    runs and their pictures are kept, so returning to a setting is instant.

    Attributes
    ----------
    run : TrainingRun
        What the picture shows.
    cache_hit : bool
        Whether the last picture came from the cache.
    """

    def __init__(self, activation="tanh", init="xavier_normal", gain=1.0, optimizer="adam", lr=3e-3,
                 clip=None, weight_decay=0.0, depth=6, width=64, steps=300, seed=0, n_per_class=100,
                 clip_threshold=1.0):
        controls = {  # the dropdowns as wide as every explorer's (WIDE), so four share a row at 1280 px
            "activation": activation_dropdown(ACTIVATION_CHOICES),
            "init": init_dropdown(INIT_CHOICES),
            "optimizer": dropdown("optimizer", OPTIMIZERS),
            "clip": dropdown("clip", CLIP_OPTIONS),
            "depth": depth_slider(MAX_DEPTH, low=2, value=6, width=SLIDER),
            "gain": exact_slider("gain", decimal_steps(0.25, 2.0, 0.05), value=1.0),
            "lr": exact_slider("lr", LEARNING_RATES, value=3e-3),
            "weight_decay": selection_slider("w. decay", [(f"{v:g}", v) for v in WEIGHT_DECAYS], value=0.0),
        }
        rows = [["activation", "init", "optimizer", "clip"], ["depth", "gain", "lr", "weight_decay"]]
        self._cache: OrderedDict = OrderedDict()
        self.run = None
        self.cache_hit = False
        settings = dict(width=width, steps=steps, seed=seed, n_per_class=n_per_class, clip_threshold=clip_threshold)
        super().__init__(controls, settings, rows)
        self._start(dict(activation=activation, init=init, gain=gain, optimizer=optimizer, lr=lr, clip=clip,
                         weight_decay=weight_decay, depth=depth))

    # -- compute (gradnotes.train) then draw (gradnotes.plots) ------------------
    def _picture(self, values: dict):
        """``(run, png, from_cache)`` for ``values``, trained and drawn at most once per setting."""
        key = tuple(sorted(values.items()))
        if key in self._cache:
            self._cache.move_to_end(key)
            return (*self._cache[key], True)
        X, y = spirals(values["n_per_class"], seed=values["seed"])
        run = train(X, y, depth=values["depth"], width=values["width"], activation=values["activation"],
                    init=values["init"], gain=values["gain"], optimizer=values["optimizer"], lr=values["lr"],
                    weight_decay=values["weight_decay"], clip=values["clip"],
                    clip_threshold=values["clip_threshold"], steps=values["steps"], seed=values["seed"],
                    progress=False)  # the explorer's picture is its progress; no bar inside the widget
        png = _draw_png(run, X, y)
        if run.interrupted:  # a half-finished run is shown once, never kept as that setting's picture
            return run, png, False
        self._cache[key] = (run, png)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return run, png, False

    # Each picture costs a training run, so finished PNGs are cached (not a live figure):
    # the base's figure plumbing is replaced here.
    def _draw(self, values) -> bytes:
        self.run, png, self.cache_hit = self._picture(values)
        return png

    def _render(self, values) -> bytes:
        return self._picture(values)[1]

    def _numbers(self) -> dict:
        return training_numbers(self.run)

    def _caption(self) -> str:
        n, run = training_numbers(self.run), self.run
        parts = [f"final loss {_num(n['final_loss'])}, accuracy {_num(100 * n['final_accuracy'], '.1f')} %"
                 if not run.diverged else
                 f"<b style='color:#D55E00'>diverged at step {run.diverged_step}</b>"]
        parts.append(f"‖∂L/∂W<sub>1</sub>‖ {_num(n['grad_first_start'])} → {_num(n['grad_first_end'])}")
        parts.append(f"median log<sub>10</sub> update/data: layer 1 {_num(n['ratio_first_median'], '.2f')}, "
                     f"output {_num(n['ratio_output_median'], '.2f')}")
        parts.append(f"saturated {100 * n['saturated']:.0f} %, dead {100 * n['dead']:.0f} %")
        parts.append("from the cache" if self.cache_hit else f"trained in {run.seconds:.1f} s")
        # each part stays on one line: a narrow notebook wraps between parts, never inside one
        return ("<span style='font-size:90%'>"
                + " · ".join(f"<span style='white-space:nowrap'>{p}</span>" for p in parts) + "</span>")


def _num(x: float, fmt: str = ".3g") -> str:
    if not math.isfinite(x):
        return {-math.inf: "−inf", math.inf: "inf"}.get(x, "n/a")
    return html.escape(format(x, fmt)).replace("-", "−")


# every point trains a network (about a second each): 3 x 3 keeps the book build short
@book_explorer(Grid({"activation": ("sigmoid", "tanh", "relu"), "optimizer": ("sgd", "momentum", "adam")}))
def training_explorer(activation: str = "tanh", init: str = "xavier_normal", gain: float = 1.0,
                      optimizer: str = "adam", lr: float = 3e-3, clip: str | None = None,
                      weight_decay: float = 0.0, depth: int = 6, width: int = 64, steps: int = 300,
                      seed: int = 0, n_per_class: int = 100, clip_threshold: float = 1.0) -> TrainingExplorer:
    """An explorer that trains a deep MLP on the spirals with the settings of its controls.

    Five panels: training loss (with ``ln C``, chance), ``||dL/dW_l||`` of every
    layer against the step, the per-layer update-to-data ratio (Karpathy's
    ``≈ -3`` band), the share of saturated and dead units, and the decision
    regions with the training accuracy. The caption reports the key numbers.

    Parameters
    ----------
    activation : str
        One of ``ACTIVATION_CHOICES`` (sigmoid, tanh, relu, leaky_relu, gelu).
    init : str
        One of ``INIT_CHOICES``.
    gain : float
        0.25 to 2 times the initializer's scale.
    optimizer : str
        A name in ``OPTIMIZERS``.
    lr : float
        1e-4 to 1.
    clip : {None, "norm", "value"}
        Clip the whole gradient at ``clip_threshold``.
    weight_decay : float
        One of ``WEIGHT_DECAYS``.
    depth : int
        2 to 30 hidden layers.
    width, steps, seed, n_per_class, clip_threshold
        Fixed for the explorer's life (``update(steps=...)`` changes them).

    Returns
    -------
    TrainingExplorer
        Display it (last line of a cell); ``.update(optimizer="sgd")`` moves a
        control from code, ``.state`` reads the numbers, ``.render(...)`` gives PNG bytes.

    Examples
    --------
    >>> e = training_explorer(depth=4, width=16, steps=40, n_per_class=30)
    >>> e.update(activation="sigmoid", depth=20, optimizer="sgd", lr=0.1)   # a vanishing gradient
    >>> f"{e.state['grad_first_start'] / e.run.grad_norms[0, -1]:.0e}"   # layer 1 / output at step 0
    '1e-14'
    >>> e.render(depth=4)[:4]
    b'\\x89PNG'
    """
    return TrainingExplorer(activation=activation, init=init, gain=gain, optimizer=optimizer, lr=lr, clip=clip,
                            weight_decay=weight_decay, depth=depth, width=width, steps=steps, seed=seed,
                            n_per_class=n_per_class, clip_threshold=clip_threshold)
