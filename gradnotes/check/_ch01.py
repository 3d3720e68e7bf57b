"""Chapter 1, why depth multiplies: a bound, a chain's derivative, and the width a product of matrices needs."""

from __future__ import annotations

import math

from .. import chains
from ._core import Phi, close, exercise, fresh_rng, number, prediction
from ._parameters import Integer, Uniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "01_why_depth_multiplies"


@exercise("1.1", "the best a sigmoid chain can do", points=1, chapter=CHAPTER,
          hint="each layer multiplies by w * sigmoid'(z), and sigmoid' is largest at z = 0",
          parameters={"depth": Integer(20, 10, 40)})
def sigmoid_chain_bound(answer, cases, depth):
    prediction(answer, 0.25**depth, cases, args=(depth,))


@exercise("1.2", "the derivative of a scalar chain", points=2, chapter=CHAPTER,
          hint="the chain rule gives one factor per layer; each factor needs the z that enters that layer")
def chain_derivative(answer, cases):
    rng = fresh_rng()
    for name in ("tanh", "sigmoid", "softplus", "tanh", "sigmoid"):
        x0, w, depth = float(rng.uniform(-2, 2)), float(rng.uniform(0.5, 3)), int(rng.integers(1, 15))
        expected = chains.chain_rule_factors(name, depth, w, x0).derivative[-1]
        got = answer(Phi(name, scalar=True), Phi(name, derivative=True, scalar=True), x0, w, depth)
        cases.case(close(got, expected, rtol=1e-8, atol=1e-300),
                   f"with phi = {name}, x0 = {x0:.3f}, weight = {w:.3f}, depth = {depth}: your function returned "
                   f"{got!r}, which is wrong", f"expected {expected:.6g}")


@exercise("1.3", "how wide is wide enough", points=2, chapter=CHAPTER,
          hint="use gradnotes.chains.lyapunov_exponent(n, 1.0): the typical length changes by exp(lambda) per step",
          # the chapter prints the factor per step at width 64 (0.78% less): no student's answer
          parameters={"percent": Uniform(1.0, 0.3, 2.5, digits=2, avoid=(0.79,), margin=0.02)})
def width_for_one_percent(answer, cases, percent):
    n = number(answer, percent)
    cases.case(n == int(n) and n >= 1, f"the width should be a whole number >= 1; got {n}")
    n = int(n)
    shrink = lambda m: 1 - math.exp(chains.lyapunov_exponent(m, 1.0))  # noqa: E731
    limit = percent / 100
    enough = shrink(n) < limit
    # one case for both sides, so that the count of cases passed does not tell the direction either
    cases.case(enough and (n == 1 or shrink(n - 1) >= limit),
               f"{n} is not the smallest width at which the typical length shrinks by less than {percent:g}% per step",
               "a smaller width works too: find the smallest" if enough else
               f"at width {n} it still shrinks by {100 * shrink(n):.2f}% per step")


#: This chapter's exercises, in book order.
EXERCISES = (sigmoid_chain_bound, chain_derivative, width_for_one_percent)
