"""The initialization explorer: measured variance and gradient profiles against mean-field theory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..plots import plot_grad_norms, plot_phase_diagram, plot_variance_profile
from ..probe import ProbeCache, Trace
from ..theory import predicted_grad_norms, predicted_variance
from ._base import Explorer
from ._canvas import BlitFigure, fix_labels, group_by_axes
from ._controls import activation_dropdown, bias_std_slider, depth_slider, gain_applies, gain_slider, init_dropdown
from ._grids import Grid
from ._phase import phase
from .static import book_explorer

__all__ = ["InitExplorer", "init_explorer", "Initialized"]

SIZE = (1200, 380)
MAX_DEPTH = 100
_VAR = [0.062, 0.145, 0.25, 0.755]
_GRAD = [0.385, 0.145, 0.25, 0.755]
_PHASE = [0.705, 0.145, 0.255, 0.755]
_CBAR = [0.968, 0.145, 0.009, 0.755]


@dataclass(frozen=True)
class Initialized:
    """What one picture of the init explorer shows: a probed network, mean field's predictions, its phase."""

    trace: Trace
    #: Predicted ``q^l`` per layer.
    variance: np.ndarray | None
    #: Predicted ``||dL/dW_l||`` per layer.
    grads: np.ndarray | None
    #: ``(sigma_w, sigma_b)`` on the phase diagram.
    point: tuple
    #: The marker's label (``chi_1 = ...``).
    label: str


class InitFigure:
    """Variance profile, gradient profile and phase diagram on one figure."""

    def __init__(self, shown: Initialized):
        trace, variance, grads, point, label = (shown.trace, shown.variance, shown.grads, shown.point,
                                                shown.label)
        self.canvas = BlitFigure(*SIZE)
        fig = self.canvas.figure
        ax_var, ax_grad, ax_phase, cax = (fig.add_axes(r) for r in (_VAR, _GRAD, _PHASE, _CBAR))
        self.variance = plot_variance_profile(trace, ax_var, prediction=variance)
        self.grads = plot_grad_norms(trace, ax_grad, prediction=grads)
        self.phase = plot_phase_diagram(trace.config["activation"], ax_phase, point=point, colorbar=cax)
        self.phase.update(point=point, label=label)
        self.activation = trace.config["activation"]
        for ax in (ax_var, ax_grad):
            fix_labels(ax, ylabel_px=50, xlabel_px=28)
        # The phase diagram's contents change with the activation: drawn as changing artists.
        self.canvas.set_dynamic(self._artists(), [ax_var, ax_grad],
                                group_by_axes(self.variance.decorations + self.grads.decorations))

    def _artists(self):
        return self.variance.artists + self.grads.artists + self.phase.static_artists + self.phase.artists

    def show(self, shown: Initialized, *, keep_limits: bool) -> None:
        trace, point, label = shown.trace, shown.point, shown.label
        self.variance.update(trace, shown.variance, keep_limits=keep_limits)
        self.grads.update(trace, shown.grads, keep_limits=keep_limits)
        if trace.config["activation"] != self.activation:
            self.phase.set_activation(trace.config["activation"])
            self.activation = trace.config["activation"]
            self.canvas.replace_artists(self._artists())
        self.phase.update(point=point, label=label)


class InitExplorer(Explorer):
    """How an initialization sets the variance and gradient of every layer, against mean field.

    Controls: ``activation``, ``init``, ``gain``, ``bias_std``, ``depth``; settings:
    ``width``, ``batch``, ``seed``. Panels: measured ``q^l`` with
    :func:`gradnotes.theory.variance_profile`, measured ``||dL/dW_l||`` with its
    mean-field prediction, and the phase diagram with the current ``(sigma_w, sigma_b)``.
    """

    figure_class = InitFigure
    applies = {"gain": gain_applies()}

    def __init__(self, activation="tanh", init="xavier_normal", gain=1.0, bias_std=0.0, depth=50,
                 width=256, batch=256, seed=0):
        controls = {
            "activation": activation_dropdown(),
            "init": init_dropdown(),
            "depth": depth_slider(MAX_DEPTH, value=50),
            "gain": gain_slider(high=10.0),
            "bias_std": bias_std_slider(),
        }
        self._cache = ProbeCache(max_depth=MAX_DEPTH)
        super().__init__(controls, dict(width=width, batch=batch, seed=seed),
                         [["activation", "init", "depth"], ["gain", "bias_std"]])
        self._start(dict(activation=activation, init=init, gain=gain, bias_std=bias_std, depth=depth))

    @property
    def trace(self) -> Trace | None:
        """The probed network the picture shows."""
        return None if self.result is None else self.result.trace

    @property
    def predictions(self) -> dict:
        """Mean field's ``variance`` and ``grad_weight_norms`` for it."""
        return {} if self.result is None else dict(variance=self.result.variance,
                                                   grad_weight_norms=self.result.grads)

    def _compute(self, values) -> Initialized:
        trace = self._cache.trace(
            values["depth"], values["width"], values["activation"], values["init"], gain=values["gain"],
            bias_std=values["bias_std"], batch=values["batch"], seed=values["seed"],
        )
        numbers = trace.summary()
        point = (numbers["sigma_w"], numbers["sigma_b"])
        label = f"$\\chi_1$ = {numbers['chi1']:.3g}"
        return Initialized(trace, predicted_variance(trace), predicted_grad_norms(trace), point,
                           label)

    def _numbers(self) -> dict:
        numbers = self.trace.summary()
        for key, value in self.predictions.items():
            numbers[f"predicted_{key}"] = None if value is None else value.tolist()
        return numbers

    def _caption(self) -> str:
        n = self.trace.summary()
        words = {"ordered": "ordered: gradients vanish", "chaotic": "chaotic: gradients explode",
                 "critical": "critical: gradients keep their size"}[phase(n["chi1"])]
        return (f"<span style='font-size:90%'>σ<sub>w</sub> = {n['sigma_w']:.3g}, "
                f"σ<sub>b</sub> = {n['sigma_b']:.3g}, χ<sub>1</sub> = {n['chi1']:.3g} ({words})</span>")


@book_explorer(Grid({"init": ("zeros", "normal", "xavier_normal", "he_normal", "orthogonal"),
                    "gain": (0.5, 0.8, 1.0, 1.25, 2.0)}))
def init_explorer(activation: str = "tanh", init: str = "xavier_normal", gain: float = 1.0,
                  bias_std: float = 0.0, depth: int = 50, width: int = 256, batch: int = 256,
                  seed: int = 0) -> InitExplorer:
    """An explorer of initialization: variance and gradient per layer, mean field, phase diagram.

    Parameters
    ----------
    activation, init : str
        Names in ``ACTIVATIONS`` and ``INITIALIZERS``.
    gain : float
        0.1 to 10.
    bias_std : float
        0 to 2 (``sigma_b``).
    depth : int
        1 to 100.
    width, batch, seed : int
        Fixed settings of the probed network.

    Returns
    -------
    InitExplorer

    Examples
    --------
    >>> e = init_explorer(activation="relu", init="he_normal", depth=10, width=64, batch=32)
    >>> round(e.state["chi1"], 6)   # He initialization puts ReLU at the edge of chaos
    1.0
    """
    return InitExplorer(activation=activation, init=init, gain=gain, bias_std=bias_std, depth=depth,
                        width=width, batch=batch, seed=seed)
