"""Chapter 3, vanishing gradients: a sigmoid network's ratio, one backward step, the depth of a millionth."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..probe import simulate
from ._core import Phi, close, exercise, fresh_rng, number, prediction
from ._parameters import Integer, Uniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "03_vanishing_gradients"


@exercise("3.1", "how small is the first layer's gradient", points=1, chapter=CHAPTER,
          hint="about what factor does each sigmoid layer multiply the gradient by? depth layers, depth - 1 steps",
          # the chapter prints the ratio at depths 10, 30 and 50; three layers more or less move it by two decades
          parameters={"depth": Integer(30, 14, 46, avoid=(30,), margin=3)})
def sigmoid_vanishing_ratio(answer, cases, depth):
    t = simulate(depth, 256, "sigmoid", "xavier_normal", seed=0)
    prediction(answer, t.grad_weight_norms[0] / t.grad_weight_norms[-1], cases, decades=2.0, args=(depth,))


@exercise("3.2", "one backward step through a layer", points=2, chapter=CHAPTER,
          hint="use the three formulas of 'The idea' at the top of the chapter; dL/dW must have the shape of W "
               "and dL/dh_prev the shape of h_prev")
def backward_step(answer, cases):
    rng = fresh_rng()
    for name in ("tanh", "relu", "sigmoid"):
        act = ACTIVATIONS[name]
        b, n_in, n_out = (int(v) for v in rng.integers(2, 9, size=3))
        h_prev, W = rng.normal(size=(b, n_in)), rng.normal(size=(n_in, n_out))
        z, g = h_prev @ W, rng.normal(size=(b, n_out))
        result = answer(g.copy(), z.copy(), h_prev.copy(), W.copy(), Phi(name, derivative=True))
        cases.case(isinstance(result, tuple) and len(result) == 2,
                   "return a pair (dL/dh_prev, dL/dW)")
        delta = g * act.derivative(z)
        for got, expected, what, like in ((result[0], delta @ W.T, "dL/dh_prev", "h_prev"),
                                          (result[1], h_prev.T @ delta, "dL/dW", "W")):
            cases.case(np.shape(got) == expected.shape,
                       f"{what} has shape {np.shape(got)}, not the shape of {like}, {expected.shape} "
                       f"(batch {b}, {n_in} inputs, {n_out} outputs)")
            cases.case(close(got, expected),
                       f"with phi = {name}: {what} is wrong (its entry [0, 0] is {np.asarray(got, float)[0, 0]:.6f})",
                       f"it should be {expected[0, 0]:.6f}")


def _first_last_ratio(depth: int, gain: float) -> float:
    t = simulate(depth, 256, "sigmoid", "xavier_normal", gain=gain, dtype="float64", seed=0)
    return t.grad_weight_norms[0] / t.grad_weight_norms[-1]


@exercise("3.3", "how deep before the gradient is a millionth", points=2, chapter=CHAPTER,
          hint="gradnotes.simulate(depth, 256, 'sigmoid', 'xavier_normal', gain=gain, dtype='float64', seed=0); "
               "compare grad_weight_norms[0] / grad_weight_norms[-1] with 1e-6 for a few depths",
          # at gains up to about 1.15 the answer is still the chapter's 12
          parameters={"gain": Uniform(1.0, 1.3, 3.5, digits=2)})
def sigmoid_depth_threshold(answer, cases, gain):
    depth = number(answer, gain)
    cases.case(depth == int(depth) and 2 <= depth <= 100, f"a depth is a whole number from 2 to 100; got {depth}")
    depth = int(depth)
    r = _first_last_ratio(depth, gain)
    below = r < 1e-6
    # one case for both sides, so that the count of cases passed does not tell the direction either
    cases.case(below and _first_last_ratio(depth - 1, gain) >= 1e-6,
               f"{depth} is not the first depth at which the ratio is below 1e-6",
               "a shallower network is below 1e-6 too" if below else
               f"at depth {depth} the ratio is {r:.2g}, still above 1e-6")


#: This chapter's exercises, in book order.
EXERCISES = (sigmoid_vanishing_ratio, backward_step, sigmoid_depth_threshold)
