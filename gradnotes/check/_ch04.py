"""Chapter 4, exploding gradients: a linear RNN, clipping by global norm, the critical gain of tanh with a bias."""

from __future__ import annotations

import math

import numpy as np

from .. import clipping, theory
from ._core import close, exercise, fresh_rng, number, prediction
from ._parameters import Integer, Uniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "04_exploding_gradients"


@exercise("4.1", "fifty steps back through a linear RNN", points=1, chapter=CHAPTER,
          hint="every step back multiplies the gradient by the spectral radius",
          parameters={"rho": Uniform(1.1, 1.05, 1.25, digits=2), "steps": Integer(50, 30, 80)})
def linear_rnn_growth(answer, cases, rho, steps):
    prediction(answer, rho**steps, cases, decades=0.5, args=(rho, steps))


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
                       f"(its first entry is {np.asarray(g, float).ravel()[0]:.6f})",
                       f"it should be {e.ravel()[0]:.6f}")


@exercise("4.3", "the critical gain of tanh with a bias", points=2, chapter=CHAPTER,
          hint="the init explorer's phase diagram shows where chi_1 = 1; theory.chi1('tanh', sigma_w, sigma_b) "
               "tells on which side of it a sigma_w lies (sigma_b is the square root of sigma_b2)",
          # chapter 5 prints the critical sigma_w^2 (1.76) for sigma_b^2 = 0.05
          parameters={"sigma_b2": Uniform(0.1, 0.02, 0.2, digits=3, avoid=(0.05,), margin=0.02)})
def critical_gain_tanh(answer, cases, sigma_b2):
    value = number(answer, sigma_b2)
    target = theory.critical_sigma_w("tanh", math.sqrt(sigma_b2))
    cases.case(abs(value / target - 1) <= 0.01,
               f"sigma_w = {value:g} is not the critical weight scale of tanh with sigma_b^2 = {sigma_b2:g} "
               "(within 1%)",
               f"at that sigma_w the network is "
               f"{'chaotic' if theory.chi1('tanh', value, math.sqrt(sigma_b2)) > 1 else 'ordered'}")


#: This chapter's exercises, in book order.
EXERCISES = (linear_rnn_growth, clip_by_norm, critical_gain_tanh)
