"""Chapter 8, residual connections: the number of paths, a residual block's backward step, the largest branch."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..probe import simulate
from ._core import Phi, close, direction, exercise, fresh_rng, number
from ._parameters import Integer, Uniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "08_residual_connections"


@exercise("8.1", "how many paths", points=1, chapter=CHAPTER,
          hint="at every block the gradient either goes through the branch or skips it",
          parameters={"blocks": Integer(10, 5, 30)})
def residual_paths(answer, cases, blocks):
    value = number(answer, blocks)
    cases.case(value == 2**blocks, f"{value:g} is not the number of paths through {blocks} blocks",
               direction(value, 2**blocks, ("many", "few")))


@exercise("8.2", "the backward step of a residual block", points=2, chapter=CHAPTER,
          hint="two routes reach h_prev: the skip connection (gradient unchanged) and the branch (scaled by alpha)")
def residual_backward(answer, cases):
    rng = fresh_rng()
    for name in ("tanh", "relu", "gelu"):
        act = ACTIVATIONS[name]
        b, n = (int(v) for v in rng.integers(2, 9, size=2))
        h_prev, W, g = rng.normal(size=(b, n)), rng.normal(size=(n, n)) / np.sqrt(n), rng.normal(size=(b, n))
        alpha = float(rng.uniform(0.1, 2))
        z = h_prev @ W
        result = answer(g.copy(), z.copy(), h_prev.copy(), W.copy(), Phi(name, derivative=True), alpha)
        cases.case(isinstance(result, tuple) and len(result) == 2, "return a pair (dL/dh_prev, dL/dW)")
        delta = alpha * g * act.derivative(z)
        for got, expected, what in ((result[0], g + delta @ W.T, "dL/dh_prev"), (result[1], h_prev.T @ delta, "dL/dW")):
            cases.case(close(got, expected), f"with phi = {name}, alpha = {alpha:.3f}: your {what}[0, 0], "
                                             f"{np.asarray(got, float).ravel()[0]:.6f}, is wrong",
                       f"it should be {expected[0, 0]:.6f}")


@exercise("8.3", "how large a residual branch can be", points=2, chapter=CHAPTER,
          hint="try residual_scale values with gradnotes.simulate(50, 256, 'relu', 'he_normal', residual='pre', ...) "
               "and watch activation_stds[-1]; each standard block multiplies the variance by about 1 + s**2",
          # the chapter's bound is 2; a student's is their own (never within 0.1 of 2)
          parameters={"limit": Uniform(2.0, 1.5, 3.0, digits=2, avoid=(2.0,), margin=0.1)})
def residual_scale_limit(answer, cases, limit):
    value = number(answer, limit)
    cases.case(0 < value <= 10, f"a residual scale between 0 and 10, please; got {value:g}")
    std = lambda a: simulate(50, 256, "relu", "he_normal", residual="pre", residual_scale=a,  # noqa: E731
                             seed=0).activation_stds[-1]
    last = std(value)
    # one case for both sides, so that the count of cases passed does not tell the direction either
    cases.case(last < limit and std(value * 1.05) >= limit,
               f"{value:g} is not the largest residual_scale (within 5%) that keeps the last layer's std "
               f"below {limit:g}",
               "a larger one (5% more) works too" if last < limit else
               f"with residual_scale = {value:g} the last layer's std is {last:.3g}, not below {limit:g}")


#: This chapter's exercises, in book order.
EXERCISES = (residual_paths, residual_backward, residual_scale_limit)
