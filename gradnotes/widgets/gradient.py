"""The gradient explorer: depth, width, activation, init, gain, ... -> gradients, activations, saturation."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from .._params import check
from ..plots import plot_activation_heatmap, plot_grad_norms, plot_saturation
from ..probe import ProbeCache, Trace
from ..theory import predicted_grad_norms
from ._base import Explorer
from ._canvas import BlitFigure, fix_labels, group_by_axes
from ._controls import (activation_dropdown, bias_std_slider, depth_slider, gain_applies, gain_slider,
                        init_dropdown, norm_dropdown, residual_dropdown, width_slider)
from ._grids import Grid
from ._phase import phase
from .static import book_explorer

__all__ = ["GradientExplorer", "gradient_explorer", "Probed", "WIDTHS"]

#: Width options of the explorer.
WIDTHS = (16, 32, 64, 128, 256, 512)
MAX_DEPTH = 100
SIZE = (1200, 380)  # pixels
# Panel positions in figure fractions: [left, bottom, width, height].
_GRAD = [0.058, 0.14, 0.26, 0.76]
_HEAT = [0.4, 0.14, 0.215, 0.76]
_CBAR = [0.622, 0.14, 0.009, 0.76]
_SAT = [0.752, 0.14, 0.238, 0.76]


@dataclass(frozen=True)
class Probed:
    """What one picture of the gradient explorer shows: a probed network and its mean-field prediction."""

    trace: Trace
    #: Predicted ``||dL/dW_l||`` per layer; ``None`` where mean field does not apply (residual, normalized).
    prediction: np.ndarray | None


class GradientFigure:
    """The three panels on one figure: gradient norms, activation heat map, saturation.

    ``show(probed, keep_limits=...)`` updates the artists; ``canvas.png()`` blits.
    Used live by the explorer and, with ``keep_limits=False`` and full redraws, by ``render``.
    """

    def __init__(self, probed: Probed):
        trace, prediction = probed.trace, probed.prediction
        self.canvas = BlitFigure(*SIZE)
        fig = self.canvas.figure
        ax_grad, ax_heat, cax, ax_sat = (fig.add_axes(r) for r in (_GRAD, _HEAT, _CBAR, _SAT))
        self.grads = plot_grad_norms(trace, ax_grad, prediction=prediction)
        self.heat = plot_activation_heatmap(trace, ax_heat, colorbar=cax)
        self.heat.colorbar.set_label("fraction of units (log)", fontsize=8.5)
        self.saturation = plot_saturation(trace, ax_sat)
        for ax in (ax_grad, ax_heat, ax_sat):
            fix_labels(ax, ylabel_px={ax_grad: 50, ax_heat: 48}.get(ax, 42), xlabel_px=28)
        self.canvas.set_dynamic(
            self.grads.artists + self.heat.artists + self.saturation.artists,
            [ax_grad, ax_heat, ax_sat],
            group_by_axes(self.grads.decorations + self.saturation.decorations),
        )

    def show(self, probed: Probed, *, keep_limits: bool) -> None:
        self.grads.update(probed.trace, probed.prediction, keep_limits=keep_limits)
        self.heat.update(probed.trace)
        self.saturation.update(probed.trace)


class GradientExplorer(Explorer):
    """Per-layer gradient norms, activation histograms and saturation of a deep random network.

    Build it with :func:`gradient_explorer`. Controls: ``depth``, ``width``,
    ``activation``, ``init``, ``gain``, ``bias_std``, ``residual`` (none, ``"pre"``
    or ``"post"``; ``True`` and ``False`` are taken as :func:`~gradnotes.simulate`
    takes them), ``norm``; settings without a widget: ``batch``, ``seed``.

    Attributes
    ----------
    image : ipywidgets.Image
        The picture (PNG, 1200 x 380 px).
    controls : dict
        Name -> control widget.
    trace : Trace
        What the picture shows.
    """

    figure_class = GradientFigure
    applies = {"gain": gain_applies()}

    def __init__(self, depth=30, width=256, activation="tanh", init="xavier_normal", gain=1.0,
                 bias_std=0.0, residual=None, norm=None, batch=256, seed=0):
        controls = {
            "activation": activation_dropdown(),
            "init": init_dropdown(),
            "norm": norm_dropdown(),
            "residual": residual_dropdown(),
            "depth": depth_slider(MAX_DEPTH, value=30),
            "width": width_slider(WIDTHS, value=256),
            "gain": gain_slider(high=25.0),
            "bias_std": bias_std_slider(),
        }
        rows = [["activation", "init", "norm", "residual"], ["depth", "width", "gain", "bias_std"]]
        self._cache = ProbeCache(max_depth=MAX_DEPTH)
        super().__init__(controls, dict(batch=batch, seed=seed), rows)
        self._start(dict(depth=depth, width=width, activation=activation, init=init, gain=gain,
                         bias_std=bias_std, residual=residual, norm=norm))

    def _check(self, name, value):
        if name == "residual":  # the probe's spellings: True is "post", False is None (no skip)
            value = check("residual", value)
        return super()._check(name, value)

    @property
    def trace(self) -> Trace | None:
        """The probed network the picture shows."""
        return None if self.result is None else self.result.trace

    @property
    def prediction(self) -> np.ndarray | None:
        """Its mean-field ``||dL/dW_l||`` (``None`` for residual or normalized networks)."""
        return None if self.result is None else self.result.prediction

    # -- compute (gradnotes); the base draws it (gradnotes.plots) ---------------
    def _compute(self, values) -> Probed:
        trace = self._cache.trace(
            values["depth"], values["width"], values["activation"], values["init"],
            gain=values["gain"], bias_std=values["bias_std"], batch=values["batch"],
            residual=values["residual"], norm=values["norm"], seed=values["seed"],
        )
        return Probed(trace, predicted_grad_norms(trace))

    def _numbers(self) -> dict:
        numbers = self.trace.summary()
        numbers["predicted_grad_norms"] = None if self.prediction is None else self.prediction.tolist()
        return numbers

    def _caption(self) -> str:
        n = self.trace.summary()
        parts = [f"‖∂L/∂W<sub>1</sub>‖ / ‖∂L/∂W<sub>{self.trace.depth}</sub>‖ = {_num(n['first_last_ratio'])}"]
        if n["chi1"] is not None:
            parts.append(f"σ<sub>w</sub> = {n['sigma_w']:.3g}, χ<sub>1</sub> = {n['chi1']:.3g} ({phase(n['chi1'])})")
        else:
            parts.append("mean-field prediction: not for residual or normalized networks")
        if n["overflowed_layers"]:
            parts.append(f"<b style='color:#D55E00'>overflow in {len(n['overflowed_layers'])} layers</b>")
        if n["zero_gradient_layers"]:
            parts.append(f"zero gradient in {len(n['zero_gradient_layers'])} layers")
        if n["float32_underflow_layers"]:  # drawn at their true size; a plain float32 pass loses them
            parts.append(f"below float32's range in {len(n['float32_underflow_layers'])} layers")
        return "<span style='font-size:90%'>" + " · ".join(parts) + "</span>"


def _num(x: float) -> str:
    return html.escape(f"{x:.3g}") if math.isfinite(x) else str(x)


@book_explorer(Grid({"activation": ("linear", "sigmoid", "tanh", "relu", "gelu"),
                    "depth": (5, 10, 30, 50, 100)}))
def gradient_explorer(depth: int = 30, width: int = 256, activation: str = "tanh",
                      init: str = "xavier_normal", gain: float = 1.0, bias_std: float = 0.0,
                      residual: str | bool | None = None, norm: str | None = None, batch: int = 256,
                      seed: int = 0) -> GradientExplorer:
    """An explorer of gradient flow through a deep random network, layer by layer.

    Three panels: per-layer ``||dL/dW_l||`` (log scale, with the mean-field
    prediction for plain networks), the histograms of the activations as a heat
    map, and the percentage of saturated and dead units. Overflowed layers are
    marked, not dropped.

    Parameters
    ----------
    depth : int
        1 to 100 layers.
    width : int
        One of ``WIDTHS`` (16 ... 512).
    activation, init : str
        Names in ``ACTIVATIONS`` and ``INITIALIZERS``.
    gain : float
        0.1 to 25 times the initializer's textbook scale (the slider offers round values and this one).
    bias_std : float
        0 to 2.
    residual : {None, "pre", "post"} or bool
        The residual block (:data:`~gradnotes.probe.RESIDUALS`): ``"pre"`` is the
        standard pre-activation block, ``"post"`` (or ``True``) ends its branch in
        ``phi``; ``None`` (or ``False``): no skip connections.
    norm : {None, "batch", "layer"}
    batch, seed : int
        Fixed for the explorer's life (``update(batch=..., seed=...)`` changes them).

    Returns
    -------
    GradientExplorer
        Display it (last line of a cell); ``.update(depth=60)`` moves a control
        from code, ``.state`` reads the numbers, ``.render(...)`` gives PNG bytes.

    Examples
    --------
    >>> e = gradient_explorer(depth=20, width=64, batch=32)
    >>> e.update(activation="sigmoid")   # what moving the dropdown does
    >>> f"{e.state['first_last_ratio']:.1e}"   # ||dL/dW_1|| / ||dL/dW_20||: vanishing
    '2.2e-12'
    >>> bytes(e.image.value[:4]), e.render(depth=10)[:4]
    (b'\x89PNG', b'\x89PNG')
    >>> e.update(residual="pre"); e.values()["residual"], e.trace.config["residual"]
    ('pre', 'pre')
    >>> e.update(residual=True); e.values()["residual"]   # True is the post-activation block
    'post'
    """
    return GradientExplorer(depth=depth, width=width, activation=activation, init=init, gain=gain,
                            bias_std=bias_std, residual=residual, norm=norm, batch=batch, seed=seed)
