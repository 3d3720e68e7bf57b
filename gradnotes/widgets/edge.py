"""The edge-of-chaos explorer: the c-map, two inputs' correlation and the gradients per layer, and xi_c's phase diagram."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..activations import get_activation
from ..plots.edge import plot_c_map, plot_layer_band, plot_xi_phase
from ..plots._style import COLORS, FONT
from ..probe import Correlations, ProbeCache, measure_correlations
from ..theory import CorrelationGrid, c_map_series, correlation_grid, fast_correlation_profile, predicted_grad_norms
from ._base import Explorer
from ._canvas import BlitFigure, fix_labels, group_by_axes
from ._controls import activation_dropdown, decimal_steps, depth_slider, exact_slider
from ._grids import Grid
from ._phase import phase
from .static import book_explorer

__all__ = ["EdgeExplorer", "edge_explorer", "EdgeView", "SIGMA_W2", "SIGMA_B2"]

#: The slider values and the phase diagram's axes (the papers' variances, not the scales).
SIGMA_W2 = decimal_steps(0.25, 4.0, 0.05)
SIGMA_B2 = decimal_steps(0.0, 1.0, 0.01)
C_INPUTS = decimal_steps(0.0, 0.95, 0.05) + (0.99,)
MAX_DEPTH = 100
#: The phase diagram's grid, evenly spaced in sigma_w**2 and sigma_b**2 (computed once per activation).
GRID_W2 = np.linspace(SIGMA_W2[0], SIGMA_W2[-1], 46)
GRID_B2 = np.linspace(SIGMA_B2[0], SIGMA_B2[-1], 26)
#: 720 px wide: shown in the book's 688 px column, 9 pt text is >= 11 CSS px (plots.figure.MIN_TEXT_PX);
#: 560 px tall, so the controls, the picture and its caption fit a laptop's notebook view (about 650 px).
SIZE = (720, 560)
#: Pixels: above the top panels (the title and theirs), below the bottom ones (tick labels and x label),
#: between the rows (the top row's x label and the bottom row's titles); the panels share the rest.
_TOP, _BOTTOM, _GAP = 58, 48, 80
_PANEL = (SIZE[1] - _TOP - _BOTTOM - _GAP) / 2 / SIZE[1]
_LOW, _HIGH = _BOTTOM / SIZE[1], (_BOTTOM + _GAP) / SIZE[1] + _PANEL
_CMAP = [0.1, _HIGH, 0.36, _PANEL]
_PHASE = [0.585, _HIGH, 0.3, _PANEL]
_CBAR = [0.9, _HIGH, 0.016, _PANEL]
_CORR = [0.1, _LOW, 0.36, _PANEL]
_GRAD = [0.585, _LOW, 0.395, _PANEL]
_CURVE = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True, eq=False)
class EdgeView:
    """What one picture of the edge explorer shows: theory at the reader's point, measurements, the grid."""

    activation: str
    sigma_w2: float
    sigma_b2: float
    #: ``(c, c')``: the c-map at ``q*`` on ``c in [0, 1]`` (None where ``q*`` is infinite).
    c_map: tuple | None
    #: ``q*``, ``chi_1``, ``c*``, ``chi_c``, ``xi_c`` at the point (NaN where ``q*`` is infinite).
    numbers: dict
    #: Two inputs through ``len(seeds)`` networks, and the iterated c-map from the same start.
    correlations: Correlations
    predicted_correlations: np.ndarray
    #: ``||dL/dW_l||`` per seed (seeds, depth) and mean field's prediction for the first seed.
    grads: np.ndarray
    predicted_grads: np.ndarray | None
    grid: CorrelationGrid

    @property
    def phase(self) -> str:
        chi1 = self.numbers["chi1"]
        return "diverges" if not math.isfinite(chi1) else phase(chi1)


def _number(x: float, digits: int = 3) -> str:
    return "∞" if x == math.inf else "–" if not math.isfinite(x) else f"{x:.{digits}g}"


def _title(view: EdgeView) -> str:
    depth = view.correlations.spec.depth
    return (f"{get_activation(view.activation).display_name}, $\\sigma_w^2$ = {view.sigma_w2:g}, "
            f"$\\sigma_b^2$ = {view.sigma_b2:g}, "
            f"depth {depth}, inputs' correlation {view.correlations.c_input:g}: {view.phase}")


class EdgeFigure:
    """The c-map, the phase diagram of ``xi_c``, two inputs' correlations and the gradients, 2 x 2."""

    def __init__(self, view: EdgeView):
        self.canvas = BlitFigure(*SIZE)
        fig = self.canvas.figure
        ax_map, ax_phase, cax, ax_corr, ax_grad = (fig.add_axes(r) for r in (_CMAP, _PHASE, _CBAR, _CORR, _GRAD))
        self.c_map = plot_c_map([], [], ax_map, c_star=None, color=COLORS["gradient"])
        ax_map.title.set_fontsize(FONT["title"])
        self.phase = plot_xi_phase(view.grid, ax_phase, colorbar=cax)
        self.grid = view.grid
        self.corr = plot_layer_band(view.correlations.values, view.predicted_correlations, ax_corr,
                                    color=COLORS["gradient"], theory_label="iterated c-map")
        self.grads = plot_layer_band(view.grads, view.predicted_grads, ax_grad, log=True, color=COLORS["variance"],
                                     ylabel=r"$\|\partial L/\partial W_l\|_F$ (log)", title="Gradient per layer",
                                     theory_label="mean field")
        self.title = fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=FONT["title"], fontweight="bold")
        for ax in (ax_corr, ax_grad):
            fix_labels(ax, ylabel_px=48, xlabel_px=26)
        self.canvas.set_dynamic(self._artists(), [ax_corr, ax_grad],
                                group_by_axes(self.corr.decorations + self.grads.decorations))
        self.show(view, keep_limits=False)

    def _artists(self) -> list:
        # The phase diagram's colours, contour and labels change only with the activation: they are in
        # the background, which an activation change redraws (invalidate), ~0.2 s once per change.
        return ([self.c_map.line, self.c_map.marker] + self.phase.artists + self.corr.artists + self.grads.artists
                + [self.title])

    def show(self, view: EdgeView, *, keep_limits: bool) -> None:
        if view.grid is not self.grid:
            self.phase.set_grid(view.grid)
            self.grid = view.grid
            self.canvas.invalidate()
        c, c_next = view.c_map if view.c_map is not None else ([], [])
        c_star = view.numbers["c_star"]
        self.c_map.update(c, c_next, c_star if math.isfinite(c_star) else None)
        self.phase.update((view.sigma_w2, view.sigma_b2), label=f"$\\xi_c$ = {_number(view.numbers['xi_c'])}")
        self.corr.update(view.correlations.values, view.predicted_correlations, keep_limits=keep_limits)
        self.grads.update(view.grads, view.predicted_grads, keep_limits=keep_limits)
        self.title.set_text(_title(view))


class EdgeExplorer(Explorer):
    """Two inputs through a deep random network near the edge of chaos, measured against mean-field theory.

    Controls: ``activation``, ``sigma_w2`` and ``sigma_b2`` (the weights' and the biases'
    variances, ``W ~ N(0, sigma_w2 / width)``), ``depth``, ``c_input`` (the two inputs'
    correlation). Settings: ``width``, ``seeds`` (networks per picture), ``batch`` (of the
    gradient probe). Panels: the c-map at ``q*`` with its fixed point ``c*``; the phase
    diagram coloured by ``xi_c`` with the edge of chaos and the reader's point; the
    measured correlation per layer (seed range and mean) against the iterated c-map;
    the measured gradient per layer against mean field. Every control changes the
    picture for every activation, so none is ever disabled.
    """

    figure_class = EdgeFigure

    def __init__(self, activation="tanh", sigma_w2=2.0, sigma_b2=0.05, depth=30, c_input=0.6, width=128, seeds=3,
                 batch=32):
        controls = {
            "activation": activation_dropdown(),
            "sigma_w2": exact_slider("σ_w²", SIGMA_W2, value=2.0),
            "sigma_b2": exact_slider("σ_b²", SIGMA_B2, value=0.05),
            "depth": depth_slider(MAX_DEPTH, low=2, value=30),
            "c_input": exact_slider("inputs' c", C_INPUTS, value=0.6),
        }
        self._grids: dict = {}  # activation -> CorrelationGrid: the phase diagram costs ~1 s, once
        self._points: dict = {}  # (activation, sigma_w2, sigma_b2) -> theory at the point
        self._cache = ProbeCache(max_depth=MAX_DEPTH, keep=int(seeds))
        super().__init__(controls, dict(width=width, seeds=seeds, batch=batch),
                         [["activation", "depth", "c_input"], ["sigma_w2", "sigma_b2"]])
        self._start(dict(activation=activation, sigma_w2=sigma_w2, sigma_b2=sigma_b2, depth=depth, c_input=c_input))

    # -- compute ------------------------------------------------------------------------
    def _grid(self, activation: str) -> CorrelationGrid:
        if activation not in self._grids:
            self._grids[activation] = correlation_grid(activation, np.sqrt(GRID_W2), np.sqrt(GRID_B2))
        return self._grids[activation]

    def _point(self, activation: str, sw: float, sb: float) -> tuple:
        key = (activation, sw, sb)
        if key not in self._points:
            if len(self._points) > 64:
                self._points.clear()
            numbers = correlation_grid(activation, [sw], [sb])
            numbers = {name: float(getattr(numbers, name)[0, 0]) for name in ("q_star", "chi1", "c_star", "chi_c",
                                                                               "xi_c")}
            c_map = None
            if math.isfinite(numbers["q_star"]):
                c_map = (_CURVE, c_map_series(activation, sw, sb, q=numbers["q_star"])(_CURVE))
            self._points[key] = (numbers, c_map)
        return self._points[key]

    def _compute(self, v) -> EdgeView:
        act, depth = v["activation"], v["depth"]
        sw, sb = math.sqrt(v["sigma_w2"]), math.sqrt(v["sigma_b2"])
        numbers, c_map = self._point(act, sw, sb)
        seeds = tuple(range(int(v["seeds"])))
        measured = measure_correlations(depth, v["width"], act, "lecun_normal", gain=sw, bias_std=sb,
                                        c_input=v["c_input"], seeds=seeds)
        predicted = fast_correlation_profile(act, sw, sb, depth, c_input=v["c_input"])
        traces = [self._cache.trace(depth, v["width"], act, "lecun_normal", gain=sw, bias_std=sb, batch=v["batch"],
                                    seed=s) for s in seeds]
        grads = np.array([t.grad_weight_norms for t in traces], dtype=float)
        return EdgeView(act, v["sigma_w2"], v["sigma_b2"], c_map, numbers, measured, predicted, grads,
                        predicted_grad_norms(traces[0]), self._grid(act))

    def _numbers(self) -> dict:
        r = self.result
        return {**r.numbers, "phase": r.phase, "measured_correlations": r.correlations.mean.tolist(),
                "predicted_correlations": r.predicted_correlations.tolist(),
                "grad_weight_norms": r.grads.tolist(),
                "predicted_grad_norms": None if r.predicted_grads is None else r.predicted_grads.tolist()}

    def _caption(self) -> str:
        n, r = self.result.numbers, self.result
        if r.phase == "diverges":
            return ("<span style='font-size:90%'>The length map diverges here (q* = ∞): mean field has no fixed "
                    "point, so c*, χ<sub>c</sub> and ξ<sub>c</sub> are undefined.</span>")
        trainable = ("any depth" if n["xi_c"] == math.inf else f"about {6 * n['xi_c']:.0f} layers")
        return (f"<span style='font-size:90%'>{r.phase}: χ<sub>1</sub> = {_number(n['chi1'], 4)}, "
                f"c* = {_number(n['c_star'], 4)}, χ<sub>c</sub> = {_number(n['chi_c'], 4)}, "
                f"ξ<sub>c</sub> = {_number(n['xi_c'])} layers: trainable to {trainable} (6 ξ<sub>c</sub>)</span>")


@book_explorer(Grid({"activation": ("tanh", "relu"), "sigma_w2": (1.0, 1.5, 1.75, 2.0, 3.0),
                    "sigma_b2": (0.0, 0.05, 0.3)}))
def edge_explorer(activation: str = "tanh", sigma_w2: float = 2.0, sigma_b2: float = 0.05, depth: int = 30,
                  c_input: float = 0.6, width: int = 128, seeds: int = 3, batch: int = 32) -> EdgeExplorer:
    """An explorer of the edge of chaos: c-map, correlations and gradients per layer, phase diagram of ``xi_c``.

    Parameters
    ----------
    activation : str
        A name in ``ACTIVATIONS``.
    sigma_w2, sigma_b2 : float
        The weights' and the biases' variances: 0.25 to 4 in steps of 0.05, 0 to 1 in
        steps of 0.01 (other values in range are offered too).
    depth : int
        2 to 100.
    c_input : float
        The two inputs' correlation, 0 to 0.99.
    width, seeds, batch : int
        Fixed settings of the measured networks (``seeds`` networks per picture).

    Returns
    -------
    EdgeExplorer

    Examples
    --------
    >>> e = edge_explorer(sigma_w2=3.0, depth=10)
    >>> e.state["phase"], round(e.state["c_star"], 3), round(e.state["xi_c"], 2)
    ('chaotic', 0.299, 9.05)
    """
    return EdgeExplorer(activation=activation, sigma_w2=sigma_w2, sigma_b2=sigma_b2, depth=depth, c_input=c_input,
                        width=width, seeds=seeds, batch=batch)
