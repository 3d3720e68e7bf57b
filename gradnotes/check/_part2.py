"""Checks for the exercises of part 2: normalization (chapter 6) and residual connections (chapter 7)."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..normalization import EPS
from ..probe import simulate
from ._part1 import _number
from ._result import close, exercise, fresh_rng

__all__ = []


# --- chapter 6 --------------------------------------------------------------

@exercise("6.1", "batch norm and a tenfold weight scale", chapter="06_normalization",
          hint="batch norm divides each unit's pre-activation by its own standard deviation over the batch")
def batchnorm_scale_invariance(answer, cases):
    value = _number(answer)
    cases.case(abs(value - 1) <= 0.1, f"your prediction is too {'large' if value > 1 else 'small'}")


@exercise("6.2", "layer normalization", chapter="06_normalization",
          hint="statistics over the units of one example: axis=1, keepdims=True; eps goes inside the square root")
def layer_norm(answer, cases):
    rng = fresh_rng()
    for shape, scale in (((4, 8), 1.0), ((1, 50), 30.0), ((16, 3), 0.01)):
        z = rng.normal(loc=float(rng.normal()), scale=scale, size=shape)
        got = answer(z.copy())
        mean = z.mean(axis=1, keepdims=True)
        expected = (z - mean) / np.sqrt(z.var(axis=1, keepdims=True) + EPS)
        cases.case(np.shape(got) == shape, f"for z of shape {shape} return the same shape; got {np.shape(got)}")
        cases.case(close(got, expected, rtol=1e-6, atol=1e-8),
                   f"for z of shape {shape} (scale {scale:g}): entry [0, 0] should be {expected[0, 0]:.6f}, "
                   f"got {np.asarray(got, float)[0, 0]:.6f}")


@exercise("6.3", "how fast batch norm makes gradients grow", chapter="06_normalization",
          hint="(ratio of layer 1 to layer 50) ** (1 / 49), from gradnotes.simulate with norm='batch'")
def batchnorm_growth_factor(answer, cases):
    value = _number(answer)
    t = simulate(50, 256, "relu", "he_normal", norm="batch", batch=256, seed=0)
    factor = (t.grad_weight_norms[0] / t.grad_weight_norms[-1]) ** (1 / 49)
    cases.case(abs(value / factor - 1) <= 0.02, f"the factor per layer is {'smaller' if value > factor else 'larger'} "
                                               "than your answer")


# --- chapter 7 --------------------------------------------------------------

@exercise("7.1", "how many paths", chapter="07_residual_connections",
          hint="at every block the gradient either goes through the branch or skips it")
def residual_paths(answer, cases):
    value = _number(answer)
    cases.case(value == 2**10, f"{value:g} is too {'many' if value > 2**10 else 'few'}")


@exercise("7.2", "the backward step of a residual block", chapter="07_residual_connections",
          hint="two routes reach h_prev: the skip connection (gradient unchanged) and the branch (scaled by alpha)")
def residual_backward(answer, cases):
    rng = fresh_rng()
    for name in ("tanh", "relu", "gelu"):
        act = ACTIVATIONS[name]
        b, n = (int(v) for v in rng.integers(2, 9, size=2))
        h_prev, W, g = rng.normal(size=(b, n)), rng.normal(size=(n, n)) / np.sqrt(n), rng.normal(size=(b, n))
        alpha = float(rng.uniform(0.1, 2))
        z = h_prev @ W
        result = answer(g.copy(), z.copy(), h_prev.copy(), W.copy(), act.derivative, alpha)
        cases.case(isinstance(result, tuple) and len(result) == 2, "return a pair (dL/dh_prev, dL/dW)")
        delta = alpha * g * act.derivative(z)
        for got, expected, what in ((result[0], g + delta @ W.T, "dL/dh_prev"), (result[1], h_prev.T @ delta, "dL/dW")):
            cases.case(close(got, expected), f"with phi = {name}, alpha = {alpha:.3f}: {what}[0, 0] should be "
                                             f"{expected[0, 0]:.6f}, got {np.asarray(got, float).ravel()[0]:.6f}")


@exercise("7.3", "how large a residual branch can be", chapter="07_residual_connections",
          hint="try residual_scale values with gradnotes.simulate(50, 256, 'relu', 'he_normal', residual=True, ...) "
               "and watch activation_stds[-1]")
def residual_scale_limit(answer, cases):
    value = _number(answer)
    cases.case(0 < value <= 10, f"a residual scale between 0 and 10, please; got {value:g}")
    std = lambda a: simulate(50, 256, "relu", "he_normal", residual=True, residual_scale=a,  # noqa: E731
                             seed=0).activation_stds[-1]
    cases.case(std(value) < 10, f"with residual_scale = {value:g} the last layer's std is {std(value):.3g}, not below 10")
    cases.case(std(value * 1.05) >= 10, f"residual_scale = {value:g} works, but a larger one (5% more) does too")
