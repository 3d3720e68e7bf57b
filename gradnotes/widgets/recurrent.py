"""The recurrent explorer: the gradient through time as the spectral radius crosses 1."""

from __future__ import annotations

from dataclasses import dataclass

from ..activations import ACTIVATIONS
from ..plots.recurrent import RNNArtists
from ..recurrent import RNNTrace, rnn_gradients
from ._base import Explorer
from ._canvas import BlitFigure
from ._controls import Applies, activation_dropdown, decimal_steps, exact_slider, int_slider
from ._grids import Grid
from .static import book_explorer

__all__ = ["RNNExplorer", "rnn_explorer", "Unrolled"]

SIZE = (900, 360)
_AXES = [0.09, 0.14, 0.88, 0.76]
ACTIVATION_CHOICES = ("linear", "tanh", "sigmoid", "relu")
#: The input strengths the slider offers (the chapter's table uses 1, 0.3, 0.1 and 0.01).
INPUT_STDS = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 2.0)
#: The activations for which the inputs' strength matters. Linear and ReLU are positively homogeneous
#: (phi(c z) = c phi(z)) and h_0 = 0: scaling every input scales every h_t and leaves each phi'(z_t) as it is.
INPUT_STD_MATTERS = tuple(name for name in ACTIVATION_CHOICES if name not in ("linear", "relu"))


@dataclass(frozen=True)
class Unrolled:
    """What one picture of the RNN explorer shows: the gradients through time, Pascanu's bound, the x extent."""

    trace: RNNTrace
    #: ``max |phi'|`` of the activation (the bound's factor).
    gamma: float
    max_steps: int


class RNNFigure:
    """``||dL/dh_t||`` against steps back, with the bound ``(rho * gamma)^k``."""

    def __init__(self, unrolled: Unrolled):
        self.canvas = BlitFigure(*SIZE)
        ax = self.canvas.figure.add_axes(_AXES)
        self.curves = RNNArtists(unrolled.trace, ax, max_steps=unrolled.max_steps)
        self.curves.update(unrolled.trace, gamma=unrolled.gamma)
        self.canvas.set_dynamic(self.curves.artists, [ax])

    def show(self, unrolled: Unrolled, *, keep_limits: bool) -> None:
        self.curves.max_steps = unrolled.max_steps
        self.curves.update(unrolled.trace, gamma=unrolled.gamma, keep_limits=keep_limits)


class RNNExplorer(Explorer):
    """A random RNN ``h_t = phi(rho Q h_{t-1} + u_t)``: ``||dL/dh_t||`` against steps back.

    Controls: ``spectral_radius`` (0.5 to 2), ``activation`` (linear, tanh,
    sigmoid, relu), ``steps`` (10 to 200), ``input_std`` (the strength of the
    inputs ``u_t``, 0 to 2: strong inputs saturate tanh and sigmoid, which keeps
    their gradient small; weak ones leave them near their linear regime, where
    ``rho > 1`` explodes). Settings: ``width``, ``batch``, ``seed``.
    """

    figure_class = RNNFigure
    applies = {"input_std": Applies("activation", among=INPUT_STD_MATTERS,
                                    reason="linear and ReLU scale with their input: its strength changes nothing")}

    def __init__(self, spectral_radius=1.0, activation="tanh", steps=100, input_std=1.0, width=64, batch=32,
                 seed=0):
        controls = {
            "spectral_radius": exact_slider("radius ρ", decimal_steps(0.5, 2.0, 0.05), value=1.0),
            "activation": activation_dropdown(ACTIVATION_CHOICES),
            "steps": int_slider("steps T", 10, 200, value=100),
            "input_std": exact_slider("input std", INPUT_STDS, value=1.0),
        }
        super().__init__(controls, dict(width=width, batch=batch, seed=seed),
                         [["spectral_radius", "activation"], ["steps", "input_std"]])
        self._start(dict(spectral_radius=spectral_radius, activation=activation, steps=steps, input_std=input_std))

    @property
    def trace(self) -> RNNTrace | None:
        """The gradients through time the picture shows."""
        return None if self.result is None else self.result.trace

    def _compute(self, v) -> Unrolled:
        trace = rnn_gradients(v["steps"], v["spectral_radius"], v["activation"], width=v["width"],
                              batch=v["batch"], input_std=v["input_std"], seed=v["seed"])
        return Unrolled(trace, ACTIVATIONS[v["activation"]].max_derivative, v["steps"])

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


@book_explorer(Grid({"spectral_radius": (0.5, 0.9, 1.0, 1.1, 1.5, 2.0),
                    "activation": ("linear", "tanh", "sigmoid", "relu")}))
def rnn_explorer(spectral_radius: float = 1.0, activation: str = "tanh", steps: int = 100,
                 input_std: float = 1.0) -> RNNExplorer:
    """An explorer of gradients through time in a random RNN (see :class:`RNNExplorer`)."""
    return RNNExplorer(spectral_radius=spectral_radius, activation=activation, steps=steps, input_std=input_std)
