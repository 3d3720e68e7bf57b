"""Chapter 9, myths and facts: ReLU with Xavier's variance, leaky ReLU's chi_1, the critical gain of sigmoid."""

from __future__ import annotations

import math

from .. import theory
from ..activations import get_activation
from ._core import close, exercise, fresh_rng, number

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "09_myths_and_facts"


@exercise("9.1", "ReLU with Xavier's variance", points=1, chapter=CHAPTER,
          hint="with Var[W] = 1/n a ReLU layer keeps half of the second moment")
def relu_xavier_shrink(answer, cases):
    value = number(answer)
    cases.case(value > 0, f"a factor is positive; got {value:g}")
    expected = 2.0**-20
    ok = abs(math.log2(value / expected)) <= 0.5
    cases.case(ok, f"your factor is too {'large' if value > expected else 'small'} (more than √2 off)")


@exercise("9.2", "the gradient factor of leaky ReLU", points=2, chapter=CHAPTER,
          hint="phi'(z) is 1 for z > 0 and a for z < 0, each half of the time; square, average and multiply by sigma_w^2")
def leaky_relu_chi1(answer, cases):
    rng = fresh_rng()
    for _ in range(4):
        sigma_w, a = float(rng.uniform(0.5, 3.0)), float(rng.uniform(0.0, 0.5))
        expected = theory.chi1(get_activation("leaky_relu", negative_slope=a), sigma_w, 0.0)
        got = number(lambda: answer(sigma_w, a))
        cases.case(close(got, expected, rtol=1e-6), f"for sigma_w = {sigma_w:.3f}, a = {a:.3f}: expected "
                                                    f"{expected:.6f}, got {got:.6f}")


@exercise("9.3", "the critical gain of sigmoid", points=2, chapter=CHAPTER,
          hint="chi_1 grows with sigma_w (use gradnotes.theory.chi1('sigmoid', sigma_w, 0.0)); bisect on chi_1 = 1")
def sigmoid_critical_gain(answer, cases):
    value = number(answer)
    cases.case(0.01 <= value <= 100, f"a gain between 0.01 and 100, please; got {value:g}")
    expected = theory.critical_sigma_w("sigmoid", 0.0)
    cases.case(abs(value / expected - 1) <= 0.01,
               f"at sigma_w = {value:g}, chi_1 = {theory.chi1('sigmoid', value, 0.0):.3f}, not 1 within 1%")


#: This chapter's exercises, in book order.
EXERCISES = (relu_xavier_shrink, leaky_relu_chi1, sigmoid_critical_gain)
