"""The recurrent explorer: the gradient through time as the spectral radius crosses 1."""

from __future__ import annotations

import ipywidgets as widgets

from ..activations import ACTIVATIONS
from ..plots.recurrent import RNNArtists
from ..recurrent import rnn_gradients
from ._base import STYLE, Explorer, control_layout
from ._canvas import BlitFigure

__all__ = ["RNNExplorer", "rnn_explorer"]

SIZE = (900, 360)
_AXES = [0.09, 0.14, 0.88, 0.76]
ACTIVATION_CHOICES = ("linear", "tanh", "sigmoid", "relu")


class RNNFigure:
    def __init__(self, trace, gamma, max_steps):
        self.canvas = BlitFigure(*SIZE)
        ax = self.canvas.figure.add_axes(_AXES)
        self.curves = RNNArtists(trace, ax, max_steps=max_steps)
        self.curves.update(trace, gamma=gamma)
        self.canvas.set_dynamic(self.curves.artists, [ax])

    def show(self, trace, gamma, max_steps, keep_limits=True):
        self.curves.max_steps = max_steps
        self.curves.update(trace, gamma=gamma, keep_limits=keep_limits)


class RNNExplorer(Explorer):
    """A random RNN ``h_t = phi(rho Q h_{t-1} + u_t)``: ``||dL/dh_t||`` against steps back.

    Controls: ``spectral_radius`` (0.5 to 2), ``activation`` (linear, tanh,
    sigmoid, relu), ``steps`` (10 to 200). Settings: ``width``, ``batch``, ``seed``.
    """

    def __init__(self, spectral_radius=1.0, activation="tanh", steps=100, width=64, batch=32, seed=0):
        wide = control_layout("290px")
        controls = {
            "spectral_radius": widgets.FloatLogSlider(value=1.0, base=2, min=-1, max=1, step=0.02,
                                                      readout_format=".2f", description="radius ρ",
                                                      layout=wide, style=STYLE),
            "activation": widgets.Dropdown(options=[(ACTIVATIONS[n].label, n) for n in ACTIVATION_CHOICES],
                                           description="activation", layout=wide, style=STYLE),
            "steps": widgets.IntSlider(value=100, min=10, max=200, description="steps T", layout=wide,
                                       style=STYLE),
        }
        self._figure = None
        self._render_figure = None
        self.trace = None
        super().__init__(controls, dict(width=width, batch=batch, seed=seed),
                         [["spectral_radius", "activation", "steps"]])
        self._start(dict(spectral_radius=spectral_radius, activation=activation, steps=steps))

    def _trace(self, v):
        trace = rnn_gradients(v["steps"], v["spectral_radius"], v["activation"], width=v["width"],
                              batch=v["batch"], seed=v["seed"])
        return trace, ACTIVATIONS[v["activation"]].max_derivative

    def _draw(self, values) -> bytes:
        self.trace, gamma = self._trace(values)
        if self._figure is None:
            self._figure = RNNFigure(self.trace, gamma, values["steps"])
        else:
            self._figure.show(self.trace, gamma, values["steps"])
        return self._figure.canvas.png()

    def _render(self, values) -> bytes:
        trace, gamma = self._trace(values)
        if self._render_figure is None:
            self._render_figure = RNNFigure(trace, gamma, values["steps"])
        else:
            self._render_figure.show(trace, gamma, values["steps"], keep_limits=False)
        return self._render_figure.canvas.png_full()

    def _numbers(self) -> dict:
        g = self.trace.grad_norms
        return dict(grad_norms=g.copy(), first_over_last=float(g[0] / g[-1]),
                    overflow_step=self.trace.overflow_step,
                    pascanu_gamma=ACTIVATIONS[self.trace.activation].max_derivative)

    def _caption(self) -> str:
        t = self.trace
        gamma = ACTIVATIONS[t.activation].max_derivative
        verdict = ("vanishing is guaranteed (ρ·max|φ'| < 1)" if t.spectral_radius * gamma < 1
                   else "exploding is possible, not guaranteed (ρ·max|φ'| ≥ 1)")
        return (f"<small>ρ = {t.spectral_radius:.2f}, max|φ'| = {gamma:.3g}: {verdict}. "
                f"Gradient at the first step: {t.grad_norms[0]:.2g} × the last.</small>")


def rnn_explorer(spectral_radius: float = 1.0, activation: str = "tanh", steps: int = 100) -> RNNExplorer:
    """An explorer of gradients through time in a random RNN (see :class:`RNNExplorer`)."""
    return RNNExplorer(spectral_radius=spectral_radius, activation=activation, steps=steps)
