"""Gradients through time in recurrent networks.

* :func:`rnn_gradients`: a vanilla RNN ``h_t = phi(W h_{t-1} + u_t)`` whose
  recurrent matrix is ``rho`` times a random orthogonal matrix, so that every
  singular value (and the spectral radius) is ``rho``. It returns
  ``||dL/dh_t||`` for every time step, for a loss on the last state: the
  gradient travels back through ``T - t`` copies of ``W``.
* :func:`one_neuron`: Pascanu, Mikolov & Bengio's (2013) one-neuron RNN
  ``x_t = w sigma(x_{t-1}) + b``, ``x_0 = 0.5``, with loss
  ``(sigma(x_50) - 0.7)**2``: its loss surface has a cliff where the gradient
  is huge, which is where clipping matters. Vectorized over grids of ``(w, b)``.
* :func:`descend`: gradient descent on that surface, with or without clipping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._linalg import fro_norm
from ._checks import check_choice, check_float, check_int, check_memory
from ._params import MEMORY_LIMIT, check
from .activations import ACTIVATIONS, get_activation
from .clipping import CLIPPERS, clip
from .initializers import INITIALIZERS

__all__ = ["RNNTrace", "rnn_gradients", "one_neuron", "loss_surface", "descend", "Descent"]


@dataclass(frozen=True)
class RNNTrace:
    """Per time step ``t = 0..steps`` (``t = steps`` is where the loss is).

    Attributes
    ----------
    grad_norms : ndarray (steps + 1,)
        ``||dL/dh_t||_F`` over the batch; the last entry is 1.
    state_stds : ndarray (steps + 1,)
        Standard deviation of ``h_t`` over batch and units.
    saturation : ndarray (steps + 1,)
        Fraction of saturated units at step t (0 at t = 0).
    overflow_step : int or None
        First step whose backward gradient is not finite.
    """

    grad_norms: np.ndarray
    state_stds: np.ndarray
    saturation: np.ndarray
    overflow_step: int | None
    spectral_radius: float
    activation: str


def rnn_gradients(
    steps: int,
    spectral_radius: float,
    activation: str = "tanh",
    *,
    width: int = 64,
    batch: int = 32,
    input_std: float = 1.0,
    seed: int = 0,
) -> RNNTrace:
    """Backpropagate through time in a random RNN and measure the gradient at every step.

    ``h_0 = 0``, ``h_t = phi(W h_{t-1} + u_t)`` with inputs ``u_t ~ N(0, input_std**2)``
    and ``W = spectral_radius * Q``, ``Q`` orthogonal. The loss is a random
    read-out of ``h_T`` scaled so that ``||dL/dh_T|| = 1``.

    For a linear RNN the gradient at step ``t`` is exactly ``rho**(T - t)``;
    Pascanu et al.: ``rho < 1 / max|phi'|`` is sufficient for vanishing and
    ``rho > 1 / max|phi'|`` is necessary for exploding.

    Examples
    --------
    >>> r = rnn_gradients(50, 0.9, "linear")
    >>> round(float(r.grad_norms[0]), 6), round(0.9 ** 50, 6)
    (0.005154, 0.005154)
    """
    steps = check_int("steps", steps, low=1, high=10_000)
    rho = check_float("spectral_radius", spectral_radius, low=0.0, high=100.0)
    act = get_activation(activation)
    width = check("width", width)
    batch = check("batch", batch)
    input_std = check_float("input_std", input_std, low=0.0)
    # h, d, u and the backward pass: four (steps, batch, width) float64 arrays
    check_memory(f"rnn_gradients(steps={steps}, width={width}, batch={batch})",
                 4 * 8 * steps * batch * width, MEMORY_LIMIT)
    rng = np.random.default_rng(check("seed", seed))
    W = INITIALIZERS["orthogonal"](width, width, rng, gain=rho)
    u = rng.standard_normal((steps, batch, width)) * input_std
    readout = rng.standard_normal((batch, width))
    readout /= np.linalg.norm(readout)

    h = np.zeros((steps + 1, batch, width))
    d = np.zeros((steps, batch, width))  # phi'(a_t) for t = 1..steps
    with np.errstate(all="ignore"):
        for t in range(steps):
            a = h[t] @ W + u[t]
            h[t + 1] = act(a)
            d[t] = act.derivative(a)
        g = readout.copy()
        norms = np.empty(steps + 1)
        norms[steps] = fro_norm(g)
        for t in range(steps, 0, -1):
            g = (g * d[t - 1]) @ W.T
            norms[t - 1] = fro_norm(g)
        stds = h.reshape(steps + 1, -1).std(axis=1)
    level = act.saturation_level
    sat = np.zeros(steps + 1)
    if level is not None:
        sat[1:] = np.mean(np.abs(d) <= level, axis=(1, 2))
    bad = np.flatnonzero(~np.isfinite(norms[::-1]))
    return RNNTrace(
        grad_norms=norms,
        state_stds=stds,
        saturation=sat,
        overflow_step=int(steps - bad[0]) if bad.size else None,
        spectral_radius=rho,
        activation=act.name,
    )


_SIGMOID = ACTIVATIONS["sigmoid"]


def one_neuron(w, b, *, steps: int = 50, x0: float = 0.5, target: float = 0.7):
    """Loss and gradient of Pascanu et al.'s one-neuron RNN, elementwise over ``w`` and ``b``.

    ``x_t = w * sigma(x_{t-1}) + b`` for ``t = 1..steps``, loss ``(sigma(x_steps) - target)**2``.

    Returns
    -------
    loss, dloss_dw, dloss_db : ndarrays of the broadcast shape of ``w`` and ``b``

    Examples
    --------
    On the cliff the gradient is hundreds of times larger than a step away:

    >>> [f"{np.hypot(*one_neuron(5.0, b)[1:]):.2g}" for b in (-2.5, -2.61234, -2.7)]
    ['0.13', '6.8e+03', '0.2']
    """
    steps = check_int("steps", steps, low=1, high=100_000)
    w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
    s = np.empty((steps + 1,) + w.shape)  # s[t] = sigma(x_t)
    x = np.full(w.shape, float(x0))
    s[0] = _SIGMOID(x)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            x = w * s[t - 1] + b
            s[t] = _SIGMOID(x)
        err = s[steps] - target
        loss = err**2
        g = 2 * err * s[steps] * (1 - s[steps])  # dL/dx_T
        gw = np.zeros(w.shape)
        gb = np.zeros(w.shape)
        for t in range(steps, 0, -1):
            gw += g * s[t - 1]
            gb += g
            g = g * w * s[t - 1] * (1 - s[t - 1])  # dx_t/dx_{t-1} = w sigma'(x_{t-1})
    return loss, gw, gb


@dataclass(frozen=True)
class Surface:
    """The one-neuron loss on a grid: ``loss[i, j]`` at ``(w[j], b[i])``."""

    w: np.ndarray
    b: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray


def loss_surface(w_range=(-2.0, 12.0), b_range=(-8.0, 2.0), *, points: int = 240, steps: int = 50) -> Surface:
    """:func:`one_neuron` on a ``points x points`` grid of ``(w, b)``.

    Examples
    --------
    >>> s = loss_surface(points=50)
    >>> s.loss.shape, bool(s.grad_norm.max() > 100 * np.median(s.grad_norm))
    ((50, 50), True)
    """
    points = check_int("points", points, low=2, high=2000)
    w = np.linspace(*(check_float("w_range", v) for v in w_range), points)
    b = np.linspace(*(check_float("b_range", v) for v in b_range), points)
    loss, gw, gb = one_neuron(w[None, :], b[:, None], steps=steps)
    return Surface(w, b, loss, np.hypot(gw, gb))


@dataclass(frozen=True)
class Descent:
    """A gradient-descent run: ``path[i] = (w, b)`` and ``losses[i]``, plus raw gradient norms."""

    path: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    method: str
    threshold: float


def descend(start, *, lr: float = 0.1, iterations: int = 100, method: str = "none",
            threshold: float = 1.0, steps: int = 50) -> Descent:
    """Gradient descent on the one-neuron loss from ``start = (w, b)``, clipping with ``method``.

    Examples
    --------
    >>> run = descend((5.0, -2.0), lr=1.0, iterations=3, method="norm", threshold=1.0)
    >>> run.path.shape, bool(np.all(np.linalg.norm(np.diff(run.path, axis=0), axis=1) <= 1.0 + 1e-12))
    ((4, 2), True)
    """
    check_choice("method", method, CLIPPERS)
    lr = check_float("lr", lr, low=0.0, low_open=True)
    iterations = check_int("iterations", iterations, low=1, high=100_000)
    threshold = check_float("threshold", threshold, low=0.0, low_open=True)
    p = np.array(start, dtype=float)
    if p.shape != (2,) or not np.all(np.isfinite(p)):
        raise ValueError(f"start={start!r} must be a finite pair (w, b)")
    path = [p.copy()]
    losses, norms = [], []
    for _ in range(iterations):
        loss, gw, gb = one_neuron(p[0], p[1], steps=steps)
        losses.append(float(loss))
        norms.append(math.hypot(float(gw), float(gb)))
        step = clip([np.array([gw, gb], dtype=float)], method, threshold)[0]
        p = p - lr * step
        path.append(p.copy())
    losses.append(float(one_neuron(p[0], p[1], steps=steps)[0]))
    return Descent(np.array(path), np.array(losses), np.array(norms), method, threshold)
