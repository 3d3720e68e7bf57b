"""Chapter 4, exploding gradients: a linear RNN, clipping by global norm, the critical gain of tanh with a bias."""

from __future__ import annotations

import math

import numpy as np

from .. import clipping, theory
from ._core import close, exercise, fresh_rng, number, prediction

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "04_exploding_gradients"


@exercise("4.1", "fifty steps back through a linear RNN", points=1, chapter=CHAPTER,
          hint="every step back multiplies the gradient by the spectral radius")
def linear_rnn_growth(answer, cases):
    prediction(answer, 1.1**50, cases, decades=0.5)


@exercise("4.2", "clipping by global norm", points=2, chapter=CHAPTER,
          hint="compute one norm over all arrays together; rescale only if it exceeds max_norm; return new arrays")
def clip_by_norm(answer, cases):
    rng = fresh_rng()
    for scale in (10.0, 0.01, 3.0):
        grads = [rng.normal(size=(3, 4)) * scale, rng.normal(size=5) * scale]
        before = [g.copy() for g in grads]
        max_norm = float(rng.uniform(0.5, 2))
        got = answer(grads, max_norm)
        cases.case(all(np.array_equal(a, b) for a, b in zip(grads, before)),
                   "your function changed the gradients it was given: return new arrays instead")
        expected = clipping.clip_by_norm(before, max_norm)
        cases.case(isinstance(got, (list, tuple)) and len(got) == len(expected),
                   f"return a list of {len(expected)} arrays, one per gradient")
        total = clipping.total_norm(before)
        for i, (g, e) in enumerate(zip(got, expected)):
            cases.case(close(g, e, rtol=1e-9, atol=1e-12),
                       f"gradients with total norm {total:.3g} and max_norm = {max_norm:.3g}: array {i} is wrong "
                       f"(its first entry should be {e.ravel()[0]:.6f}, got {np.asarray(g, float).ravel()[0]:.6f})")


@exercise("4.3", "the critical gain of tanh with a bias", points=2, chapter=CHAPTER,
          hint="the init explorer's phase diagram shows where chi_1 = 1; theory.chi1('tanh', sigma_w, sigma_b) "
               "tells on which side of it a sigma_w lies")
def critical_gain_tanh(answer, cases):
    value = number(answer)
    target = theory.critical_sigma_w("tanh", math.sqrt(0.05))
    cases.case(abs(value / target - 1) <= 0.02,
               f"at sigma_w = {value:g} tanh with sigma_b^2 = 0.05 is "
               f"{'chaotic' if theory.chi1('tanh', value, math.sqrt(0.05)) > 1 else 'ordered'}, not critical")


#: This chapter's exercises, in book order.
EXERCISES = (linear_rnn_growth, clip_by_norm, critical_gain_tanh)
