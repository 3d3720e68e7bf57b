"""Chapter 10, myths and facts: ReLU with Xavier's variance, leaky ReLU's chi_1, the critical gain of sigmoid."""

from __future__ import annotations

import math

from .. import theory
from ..activations import get_activation
from ._core import close, direction, exercise, fresh_rng, number
from ._parameters import Integer, Uniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "10_myths_and_facts"

#: How close 9.3's answer must be: it is computed (bisection), and the critical scale moves slowly with sigma_b.
CRITICAL_RTOL = 2e-3


@exercise("10.1", "ReLU with Xavier's variance", points=1, chapter=CHAPTER,
          hint="with Var[W] = 1/n a ReLU layer keeps half of the second moment",
          parameters={"depth": Integer(20, 10, 40)})
def relu_xavier_shrink(answer, cases, depth):
    value = number(answer, depth)
    cases.case(value > 0, f"a factor is positive; got {value:g}")
    expected = 2.0**-depth
    ok = abs(math.log2(value / expected)) <= 0.5
    cases.case(ok, f"your factor {value:g} is more than √2 off", direction(value, expected))


@exercise("10.2", "the gradient factor of leaky ReLU", points=2, chapter=CHAPTER,
          hint="phi'(z) is 1 for z > 0 and a for z < 0, each half of the time; square, average and multiply by sigma_w^2")
def leaky_relu_chi1(answer, cases):
    rng = fresh_rng()
    for _ in range(4):
        sigma_w, a = float(rng.uniform(0.5, 3.0)), float(rng.uniform(0.0, 0.5))
        expected = theory.chi1(get_activation("leaky_relu", negative_slope=a), sigma_w, 0.0)
        got = number(lambda: answer(sigma_w, a))
        cases.case(close(got, expected, rtol=1e-6), f"for sigma_w = {sigma_w:.3f}, a = {a:.3f} your function "
                                                    f"returned {got:.6f}, which is wrong", f"expected {expected:.6f}")


@exercise("10.3", "the critical gain of sigmoid", points=2, chapter=CHAPTER,
          hint="chi_1 grows with sigma_w (use gradnotes.theory.chi1('sigmoid', sigma_w, sigma_b)); "
               "bisect on chi_1 = 1",
          parameters={"sigma_b": Uniform(2.0, 1.0, 3.0, digits=2)})
def sigmoid_critical_gain(answer, cases, sigma_b):
    value = number(answer, sigma_b)
    cases.case(0.01 <= value <= 100, f"a gain between 0.01 and 100, please; got {value:g}")
    expected = theory.critical_sigma_w("sigmoid", sigma_b)
    cases.case(abs(value / expected - 1) <= CRITICAL_RTOL,
               f"sigma_w = {value:g} is not the critical scale of sigmoid with sigma_b = {sigma_b:g} "
               f"(within {100 * CRITICAL_RTOL:g}%)",
               f"at that sigma_w chi_1 = {theory.chi1('sigmoid', value, sigma_b):.4f}")


#: This chapter's exercises, in book order.
EXERCISES = (relu_xavier_shrink, leaky_relu_chi1, sigmoid_critical_gain)
