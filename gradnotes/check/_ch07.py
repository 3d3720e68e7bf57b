"""Chapter 7, normalization: batch norm's scale invariance, layer normalization, batch norm's growth factor."""

from __future__ import annotations

import numpy as np

from ..normalization import EPS
from ..probe import simulate
from ._core import close, direction, exercise, fresh_rng, number
from ._parameters import Integer

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "07_normalization"

#: How close 6.3's answer must be: the factor is computed, not read off; 0.05% tells seeds apart.
GROWTH_RTOL = 5e-4


@exercise("7.1", "batch norm and a tenfold weight scale", points=1, chapter=CHAPTER,
          hint="batch norm divides each unit's pre-activation by its own standard deviation over the batch")
def batchnorm_scale_invariance(answer, cases):
    value = number(answer)
    cases.case(abs(value - 1) <= 0.1, f"your prediction {value:g} is not that factor", direction(value, 1.0))


@exercise("7.2", "layer normalization", points=2, chapter=CHAPTER,
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
                   f"for z of shape {shape} (scale {scale:g}): your entry [0, 0], "
                   f"{np.asarray(got, float)[0, 0]:.6f}, is wrong", f"it should be {expected[0, 0]:.6f}")


@exercise("7.3", "how fast batch norm makes gradients grow", points=2, chapter=CHAPTER,
          hint="(ratio of layer 1 to layer 50) ** (1 / 49), from gradnotes.simulate with norm='batch' and your seed",
          parameters={"seed": Integer(0, 1, 999)})
def batchnorm_growth_factor(answer, cases, seed):
    value = number(answer, seed)
    t = simulate(50, 256, "relu", "he_normal", norm="batch", batch=256, seed=seed)
    factor = (t.grad_weight_norms[0] / t.grad_weight_norms[-1]) ** (1 / 49)
    cases.case(abs(value / factor - 1) <= GROWTH_RTOL,
               f"{value:g} is not the factor per layer of that network with seed = {seed} "
               f"(within {100 * GROWTH_RTOL:g}%)",
               f"the factor is {'smaller' if value > factor else 'larger'} than your answer")


#: This chapter's exercises, in book order.
EXERCISES = (batchnorm_scale_invariance, layer_norm, batchnorm_growth_factor)
