"""Chapter 2, activations: ReLU's dead share, SiLU's derivative, GELU's peak."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ._core import close, direction, exercise, fresh_rng, number

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "02_activations"


@exercise("2.1", "how often is ReLU's gradient zero", points=1, chapter=CHAPTER,
          hint="relu'(z) = 0 exactly when z <= 0; how likely is that for z ~ N(0, 1)?")
def relu_zero_gradient_share(answer, cases):
    value = number(answer)
    cases.case(0 <= value <= 1, f"a share is between 0 and 1; got {value}")
    cases.case(abs(value - 0.5) <= 0.05, f"your prediction {value:g} is not that share", direction(value, 0.5))


@exercise("2.2", "the derivative of SiLU", points=2, chapter=CHAPTER,
          hint="SiLU(x) = x * sigmoid(x): use the product rule, and sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))")
def silu_derivative(answer, cases):
    rng = fresh_rng()
    silu = ACTIVATIONS["silu"]
    inputs = [rng.normal(size=7), rng.normal(scale=4, size=(3, 5)), np.array([0.0]), rng.uniform(-20, 20, size=50)]
    for x in inputs:
        got = answer(x.copy())
        expected = silu.derivative(x)
        cases.case(np.shape(got) == x.shape,
                   f"for an input of shape {x.shape} your function returned shape {np.shape(got)}")
        got = np.asarray(got, dtype=float)
        worst = int(np.argmax(np.nan_to_num(np.abs(got - expected), nan=np.inf)))
        cases.case(close(got, expected, rtol=1e-6, atol=1e-9),
                   f"at x = {x.ravel()[worst]:.4f} your function returned {got.ravel()[worst]:.6f}, which is wrong",
                   f"expected {expected.ravel()[worst]:.6f}")
    # independent of the registry: central differences of x * sigmoid(x)
    x = rng.uniform(-6, 6, size=20)
    f = lambda v: v / (1 + np.exp(-v))  # noqa: E731
    cases.case(close(answer(x.copy()), (f(x + 1e-6) - f(x - 1e-6)) / 2e-6, rtol=1e-5, atol=1e-7),
               "your derivative disagrees with finite differences of x * sigmoid(x)")


@exercise("2.3", "where GELU's derivative peaks", points=2, chapter=CHAPTER,
          hint="in the explorer, widen the x-range and read where the dashed derivative is highest")
def gelu_peak(answer, cases):
    value = number(answer)
    x = np.linspace(0, 5, 500_001)
    peak = float(x[np.argmax(ACTIVATIONS["gelu"].derivative(x))])
    cases.case(abs(value - peak) <= 0.05, f"GELU' is not largest at x = {value:g}",
               f"look {'left' if value > peak else 'right'} of it")


#: This chapter's exercises, in book order.
EXERCISES = (relu_zero_gradient_share, silu_derivative, gelu_peak)
