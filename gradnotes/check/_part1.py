"""Checks for the exercises of part 1 (chapters 1 to 5), three per chapter.

Each check compares the student's answer with an independent reference from
the engine (``gradnotes.chains``, ``activations``, ``simulate``, ``theory``,
``clipping``) on fresh random inputs.
"""

from __future__ import annotations

import math

import numpy as np

from .. import chains, clipping, theory
from ..activations import ACTIVATIONS
from ..probe import simulate
from ._result import Failed, close, exercise, fresh_rng, order_of_magnitude_message

__all__ = []  # the checks are reached through gradnotes.check


def _number(answer):
    value = answer()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Failed(f"return a number; your function returned {value!r}")
    return float(value)


def _prediction(answer, expected, cases, decades=1.0):
    ok, message = order_of_magnitude_message(_number(answer), expected, decades)
    cases.case(ok, message)


# --- chapter 1 --------------------------------------------------------------

@exercise("1.1", "the best a sigmoid chain can do", chapter="01_why_depth_multiplies",
          hint="each layer multiplies by w * sigmoid'(z), and sigmoid' is largest at z = 0")
def sigmoid_chain_bound(answer, cases):
    _prediction(answer, 0.25**20, cases)


@exercise("1.2", "the derivative of a scalar chain", chapter="01_why_depth_multiplies",
          hint="the chain rule gives one factor per layer; each factor needs the z that enters that layer")
def chain_derivative(answer, cases):
    rng = fresh_rng()
    for name in ("tanh", "sigmoid", "softplus", "tanh", "sigmoid"):
        act = ACTIVATIONS[name]
        x0, w, depth = float(rng.uniform(-2, 2)), float(rng.uniform(0.5, 3)), int(rng.integers(1, 15))
        expected = chains.chain_rule_factors(name, depth, w, x0).derivative[-1]
        got = answer(lambda z: float(act(np.array(z))), lambda z: float(act.derivative(np.array(z))), x0, w, depth)
        cases.case(close(got, expected, rtol=1e-8, atol=1e-300),
                   f"with phi = {name}, x0 = {x0:.3f}, weight = {w:.3f}, depth = {depth}: "
                   f"expected {expected:.6g}, got {got!r}")


@exercise("1.3", "how wide is wide enough", chapter="01_why_depth_multiplies",
          hint="use gradnotes.chains.lyapunov_exponent(n, 1.0): the typical length changes by exp(lambda) per step")
def width_for_one_percent(answer, cases):
    n = _number(answer)
    cases.case(n == int(n) and n >= 1, f"the width should be a whole number >= 1; got {n}")
    n = int(n)
    shrink = lambda m: 1 - math.exp(chains.lyapunov_exponent(m, 1.0))  # noqa: E731
    cases.case(shrink(n) < 0.01, f"at width {n} the typical length still shrinks by {100 * shrink(n):.2f}% per step")
    cases.case(n == 1 or shrink(n - 1) >= 0.01, f"width {n} works, but a smaller width does too: find the smallest")


# --- chapter 2 --------------------------------------------------------------

@exercise("2.1", "how often is ReLU's gradient zero", chapter="02_activations",
          hint="relu'(z) = 0 exactly when z <= 0; how likely is that for z ~ N(0, 1)?")
def relu_zero_gradient_share(answer, cases):
    value = _number(answer)
    cases.case(0 <= value <= 1, f"a share is between 0 and 1; got {value}")
    cases.case(abs(value - 0.5) <= 0.05, f"your prediction is too {'large' if value > 0.5 else 'small'}")


@exercise("2.2", "the derivative of SiLU", chapter="02_activations",
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
                   f"at x = {x.ravel()[worst]:.4f}: expected {expected.ravel()[worst]:.6f}, got {got.ravel()[worst]:.6f}")
    # independent of the registry: central differences of x * sigmoid(x)
    x = rng.uniform(-6, 6, size=20)
    f = lambda v: v / (1 + np.exp(-v))  # noqa: E731
    cases.case(close(answer(x.copy()), (f(x + 1e-6) - f(x - 1e-6)) / 2e-6, rtol=1e-5, atol=1e-7),
               "your derivative disagrees with finite differences of x * sigmoid(x)")


@exercise("2.3", "where GELU's derivative peaks", chapter="02_activations",
          hint="in the explorer, widen the x-range and read where the dashed derivative is highest")
def gelu_peak(answer, cases):
    value = _number(answer)
    x = np.linspace(0, 5, 500_001)
    peak = float(x[np.argmax(ACTIVATIONS["gelu"].derivative(x))])
    cases.case(abs(value - peak) <= 0.05, f"GELU' is not largest at x = {value:g}: "
                                          f"look {'left' if value > peak else 'right'} of it")


# --- chapter 3 --------------------------------------------------------------

@exercise("3.1", "how small is the first layer's gradient", chapter="03_vanishing_gradients",
          hint="about what factor does each sigmoid layer multiply the gradient by? Thirty layers, 29 steps")
def sigmoid_vanishing_ratio(answer, cases):
    t = simulate(30, 256, "sigmoid", "xavier_normal", seed=0)
    _prediction(answer, t.grad_weight_norms[0] / t.grad_weight_norms[-1], cases, decades=2.0)


@exercise("3.2", "one backward step through a layer", chapter="03_vanishing_gradients",
          hint="use the three formulas of 'The idea' at the top of the chapter; dL/dW must have the shape of W "
               "and dL/dh_prev the shape of h_prev")
def backward_step(answer, cases):
    rng = fresh_rng()
    for name in ("tanh", "relu", "sigmoid"):
        act = ACTIVATIONS[name]
        b, n_in, n_out = (int(v) for v in rng.integers(2, 9, size=3))
        h_prev, W = rng.normal(size=(b, n_in)), rng.normal(size=(n_in, n_out))
        z, g = h_prev @ W, rng.normal(size=(b, n_out))
        result = answer(g.copy(), z.copy(), h_prev.copy(), W.copy(), act.derivative)
        cases.case(isinstance(result, tuple) and len(result) == 2,
                   "return a pair (dL/dh_prev, dL/dW)")
        delta = g * act.derivative(z)
        for got, expected, what in ((result[0], delta @ W.T, "dL/dh_prev"), (result[1], h_prev.T @ delta, "dL/dW")):
            cases.case(np.shape(got) == expected.shape,
                       f"{what} should have shape {expected.shape} (batch {b}, {n_in} inputs, {n_out} outputs); "
                       f"got {np.shape(got)}")
            cases.case(close(got, expected), f"with phi = {name}: {what} is wrong, e.g. entry [0, 0] should be "
                                             f"{expected[0, 0]:.6f}, got {np.asarray(got, float)[0, 0]:.6f}")


@exercise("3.3", "how deep before the gradient is a millionth", chapter="03_vanishing_gradients",
          hint="gradnotes.simulate(depth, 256, 'sigmoid', 'xavier_normal', dtype='float64', seed=0); "
               "compare grad_weight_norms[0] / grad_weight_norms[-1] with 1e-6 for a few depths")
def sigmoid_depth_threshold(answer, cases):
    depth = _number(answer)
    cases.case(depth == int(depth) and 2 <= depth <= 100, f"a depth is a whole number from 2 to 100; got {depth}")
    ratio = lambda d: (lambda t: t.grad_weight_norms[0] / t.grad_weight_norms[-1])(  # noqa: E731
        simulate(int(d), 256, "sigmoid", "xavier_normal", dtype="float64", seed=0))
    r = ratio(depth)
    cases.case(r < 1e-6, f"at depth {int(depth)} the ratio is {r:.2g}, still above 1e-6")
    cases.case(ratio(depth - 1) >= 1e-6, f"depth {int(depth)} is below 1e-6, but so is a shallower network")


# --- chapter 4 --------------------------------------------------------------

@exercise("4.1", "fifty steps back through a linear RNN", chapter="04_exploding_gradients",
          hint="every step back multiplies the gradient by the spectral radius")
def linear_rnn_growth(answer, cases):
    _prediction(answer, 1.1**50, cases, decades=0.5)


@exercise("4.2", "clipping by global norm", chapter="04_exploding_gradients",
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


@exercise("4.3", "the critical gain of tanh with a bias", chapter="04_exploding_gradients",
          hint="the init explorer's phase diagram shows where chi_1 = 1; theory.chi1('tanh', sigma_w, sigma_b) "
               "tells on which side of it a sigma_w lies")
def critical_gain_tanh(answer, cases):
    value = _number(answer)
    target = theory.critical_sigma_w("tanh", math.sqrt(0.05))
    cases.case(abs(value / target - 1) <= 0.02,
               f"at sigma_w = {value:g} tanh with sigma_b^2 = 0.05 is "
               f"{'chaotic' if theory.chi1('tanh', value, math.sqrt(0.05)) > 1 else 'ordered'}, not critical")


# --- chapter 5 --------------------------------------------------------------

@exercise("5.1", "the signal of a ReLU network with Xavier's rule", chapter="05_initialization",
          hint="ReLU halves the mean square at every layer when Var[W] = 1/n")
def relu_xavier_signal(answer, cases):
    _prediction(answer, 2.0**-29, cases)


@exercise("5.2", "He initialization", chapter="05_initialization",
          hint="He's rule is Var[W] = 2 / fan_in; draw from the generator you are given, not from np.random")
def he_normal(answer, cases):
    rng = fresh_rng()
    for fan_in, fan_out in ((int(rng.integers(200, 600)), int(rng.integers(200, 600))), (1000, 50)):
        seed = int(rng.integers(2**31))
        W = answer(fan_in, fan_out, np.random.default_rng(seed))
        cases.case(np.shape(W) == (fan_in, fan_out), f"for fan_in = {fan_in}, fan_out = {fan_out} the shape should be "
                                                     f"({fan_in}, {fan_out}); got {np.shape(W)}")
        W = np.asarray(W, float)
        std, n = math.sqrt(2 / fan_in), W.size
        cases.case(abs(W.mean()) < 4 * std / math.sqrt(n), f"the mean should be 0; got {W.mean():.4g}")
        cases.case(abs(W.std() / std - 1) < 4 * math.sqrt(0.5 / n) + 1e-3,
                   f"for fan_in = {fan_in} the standard deviation should be about {std:.4f}; got {W.std():.4f}")
        z = (W / std).ravel()
        cases.case(abs(np.mean(z**4) - 3) < 0.3, "the weights should be normally distributed")
        again = answer(fan_in, fan_out, np.random.default_rng(seed))
        cases.case(np.array_equal(W, np.asarray(again, float)),
                   "the same rng seed should give the same weights: draw from the rng you are given")


@exercise("5.3", "the variance recursion for ReLU", chapter="05_initialization",
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
                   f"q^{depth} should be {expected[-1]:.6g}, got {np.asarray(got, float)[-1]:.6g}")
