"""Chapter 5, initialization: a ReLU network with Xavier's rule, He initialization, the variance recursion."""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from ._core import close, exercise, fresh_rng, prediction
from ._parameters import Integer

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "05_initialization"


@exercise("5.1", "the signal of a ReLU network with Xavier's rule", points=1, chapter=CHAPTER,
          hint="ReLU halves the mean square at every layer when Var[W] = 1/n",
          parameters={"depth": Integer(30, 10, 40)})
def relu_xavier_signal(answer, cases, depth):
    prediction(answer, 2.0 ** -(depth - 1), cases, args=(depth,))


@exercise("5.2", "He initialization", points=2, chapter=CHAPTER,
          hint="He's rule is Var[W] = 2 / fan_in; draw from the generator you are given, not from np.random")
def he_normal(answer, cases):
    rng = fresh_rng()
    for fan_in, fan_out in ((int(rng.integers(200, 600)), int(rng.integers(200, 600))), (1000, 50)):
        seed = int(rng.integers(2**31))
        W = answer(fan_in, fan_out, np.random.default_rng(seed))
        cases.case(np.shape(W) == (fan_in, fan_out), f"for fan_in = {fan_in}, fan_out = {fan_out} your weights have "
                                                     f"shape {np.shape(W)}, not ({fan_in}, {fan_out})")
        W = np.asarray(W, float)
        std, n = math.sqrt(2 / fan_in), W.size
        cases.case(abs(W.mean()) < 4 * std / math.sqrt(n), f"the mean of your weights, {W.mean():.4g}, is not He's",
                   "it should be 0")
        cases.case(abs(W.std() / std - 1) < 4 * math.sqrt(0.5 / n) + 1e-3,
                   f"for fan_in = {fan_in} the standard deviation of your weights, {W.std():.4f}, is not He's",
                   f"it should be about {std:.4f}")
        z = (W / std).ravel()
        cases.case(abs(np.mean(z**4) - 3) < 0.3, "your weights are not normally distributed")
        again = answer(fan_in, fan_out, np.random.default_rng(seed))
        cases.case(np.array_equal(W, np.asarray(again, float)),
                   "the same rng seed gave different weights: draw from the rng you are given")


@exercise("5.3", "the variance recursion for ReLU", points=2, chapter=CHAPTER,
          hint="apply the length map of this chapter one layer at a time, with E[relu(z)^2] = q / 2; "
               "the first value you return is q1 itself")
def relu_variance_recursion(answer, cases):
    rng = fresh_rng()
    for _ in range(4):
        q_in, sw, sb, depth = float(rng.uniform(0.2, 3)), float(rng.uniform(0.5, 2)), float(rng.uniform(0, 1)), int(rng.integers(2, 30))
        expected = theory.variance_profile("relu", sw, sb, depth, q_input=q_in)
        q1 = float(expected[0])
        got = answer(q1, sw, sb, depth)
        cases.case(np.shape(got) == (depth,), f"return {depth} values (q^1 to q^{depth}); got shape {np.shape(got)}")
        cases.case(close(got, expected, rtol=1e-8), f"with q1 = {q1:.3f}, sigma_w = {sw:.3f}, sigma_b = {sb:.3f}: "
                   f"your q^{depth}, {np.asarray(got, float)[-1]:.6g}, is wrong", f"it should be {expected[-1]:.6g}")


#: This chapter's exercises, in book order.
EXERCISES = (relu_xavier_signal, he_normal, relu_variance_recursion)
