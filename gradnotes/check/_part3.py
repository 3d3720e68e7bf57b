"""Checks for the exercises of chapters 8 (training dynamics) and 9 (myths and facts)."""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from ..activations import get_activation
from ..datasets import spirals
from ..training import train
from ._part1 import _number
from ._result import close, exercise, fresh_rng

__all__ = []

#: The chapter-8 network whose Adam learning rate exercise 8.3 asks for.
RATIO_NETWORK = dict(depth=6, width=64, activation="tanh", init="xavier_normal", optimizer="adam", steps=100,
                     seed=0)
RATIO_BAND = (-3.1, -2.9)


# --- chapter 8 --------------------------------------------------------------

@exercise("8.1", "the loss before training", chapter="08_training_dynamics",
          hint="with outputs near zero, softmax gives every class the same probability")
def initial_loss(answer, cases):
    value = _number(answer)
    expected = math.log(5)
    cases.case(abs(value / expected - 1) <= 0.01, f"your prediction is too {'large' if value > expected else 'small'}")


@exercise("8.2", "one Adam step", chapter="08_training_dynamics",
          hint="update both moving averages first, divide each by (1 - beta ** t), and add eps after the square root")
def adam_step(answer, cases):
    rng = fresh_rng()
    shape = tuple(int(v) for v in rng.integers(2, 6, size=2))
    lr, beta1, beta2 = float(rng.uniform(1e-3, 1e-1)), float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.95, 0.999))
    eps = 1e-8
    p = rng.normal(size=shape)
    m, v = np.zeros(shape), np.zeros(shape)
    mine = (p.copy(), m.copy(), v.copy())
    for t in (1, 2, 3):
        g = rng.normal(size=shape) * float(10 ** rng.uniform(-3, 1))
        # the reference, written out (Kingma & Ba 2015, Algorithm 1)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        result = answer(mine[0].copy(), g.copy(), mine[1].copy(), mine[2].copy(), t, lr, beta1, beta2, eps)
        cases.case(isinstance(result, tuple) and len(result) == 3, "return a triple (new_param, new_m, new_v)")
        for got, want, what in zip(result, (p, m, v), ("param", "m", "v")):
            cases.case(np.shape(got) == shape and close(got, want, rtol=1e-7, atol=1e-12),
                       f"step t = {t} (lr = {lr:.4f}, beta1 = {beta1:.3f}, beta2 = {beta2:.4f}): {what}[0, 0] should "
                       f"be {want[0, 0]:.8g}, got {np.asarray(got, float).ravel()[0]:.8g}")
        mine = tuple(np.asarray(x, float) for x in result)


def ratio_of_first_layer(lr: float) -> float:
    """Median log10 update-to-data ratio of layer 1 over the 100 Adam steps of :data:`RATIO_NETWORK`."""
    X, y = spirals(100, seed=0)
    run = train(X, y, lr=lr, **RATIO_NETWORK)
    return float(np.median(run.update_ratios[:, 0]))


@exercise("8.3", "an Adam learning rate for a healthy update ratio", chapter="08_training_dynamics",
          hint="Adam's step per weight is about lr whatever the gradient, so the ratio is close to log10(lr / std(W)); "
               "then adjust with gradnotes.train")
def adam_lr_for_ratio(answer, cases):
    lr = _number(answer)
    cases.case(1e-6 <= lr <= 1.0, f"a learning rate between 1e-6 and 1, please; got {lr:g}")
    ratio = ratio_of_first_layer(lr)
    lo, hi = RATIO_BAND
    cases.case(lo <= ratio <= hi, f"with lr = {lr:g} the median ratio of layer 1 is {ratio:.2f}, "
                                  f"{'below' if ratio < lo else 'above'} the band [{lo}, {hi}]")


# --- chapter 9 --------------------------------------------------------------

@exercise("9.1", "ReLU with Xavier's variance", chapter="09_myths_and_facts",
          hint="with Var[W] = 1/n a ReLU layer keeps half of the second moment")
def relu_xavier_shrink(answer, cases):
    value = _number(answer)
    cases.case(value > 0, f"a factor is positive; got {value:g}")
    expected = 2.0**-20
    ok = abs(math.log2(value / expected)) <= 0.5
    cases.case(ok, f"your factor is too {'large' if value > expected else 'small'} (more than √2 off)")


@exercise("9.2", "the gradient factor of leaky ReLU", chapter="09_myths_and_facts",
          hint="phi'(z) is 1 for z > 0 and a for z < 0, each half of the time; square, average and multiply by sigma_w^2")
def leaky_relu_chi1(answer, cases):
    rng = fresh_rng()
    for _ in range(4):
        sigma_w, a = float(rng.uniform(0.5, 3.0)), float(rng.uniform(0.0, 0.5))
        expected = theory.chi1(get_activation("leaky_relu", negative_slope=a), sigma_w, 0.0)
        got = _number(lambda: answer(sigma_w, a))
        cases.case(close(got, expected, rtol=1e-6), f"for sigma_w = {sigma_w:.3f}, a = {a:.3f}: expected "
                                                    f"{expected:.6f}, got {got:.6f}")


@exercise("9.3", "the critical gain of sigmoid", chapter="09_myths_and_facts",
          hint="chi_1 grows with sigma_w (use gradnotes.theory.chi1('sigmoid', sigma_w, 0.0)); bisect on chi_1 = 1")
def sigmoid_critical_gain(answer, cases):
    value = _number(answer)
    cases.case(0.01 <= value <= 100, f"a gain between 0.01 and 100, please; got {value:g}")
    expected = theory.critical_sigma_w("sigmoid", 0.0)
    cases.case(abs(value / expected - 1) <= 0.01,
               f"at sigma_w = {value:g}, chi_1 = {theory.chi1('sigmoid', value, 0.0):.3f}, not 1 within 1%")


# --- chapter 10 -------------------------------------------------------------

#: The sigmoid network of myth 8 that exercise 10.3 trains with a tiny epsilon.
TINY_EPS_RUN = dict(depth=20, width=64, activation="sigmoid", init="xavier_normal", optimizer="adam", lr=3e-3,
                    steps=500, seed=0, optimizer_options={"eps": 1e-20})


@exercise("10.1", "Adam's first step on a tiny gradient", chapter="10_myths_about_training",
          hint="the bias-corrected moments of the first step are m = g and v = g ** 2; eps is added to sqrt(v)")
def adam_tiny_step(answer, cases):
    value = _number(answer)
    expected = 1e-3 * 1e-12 / (1e-12 + 1e-8)
    cases.case(value > 0, f"a distance is positive; got {value:g}")
    cases.case(abs(math.log10(value / expected)) <= 0.3,
               f"your step is too {'large' if value > expected else 'small'} (more than a factor of 2 off)")


@exercise("10.2", "how fast weight decay shrinks a weight", chapter="10_myths_about_training",
          hint="every step multiplies the weight by (1 - lr * weight_decay); solve factor ** k <= 1/2 for the smallest k")
def steps_to_halve(answer, cases):
    rng = fresh_rng()
    for _ in range(6):
        lr, wd = float(10 ** rng.uniform(-2, 0)), float(10 ** rng.uniform(-3, -0.5))
        # count the steps, the slow and sure way
        w, expected = 1.0, 0
        while w > 0.5:
            w *= 1 - lr * wd
            expected += 1
        got = answer(lr, wd)
        cases.case(got == expected, f"lr = {lr:.4g}, weight_decay = {wd:.4g}: {expected} steps, got {got!r}")


def tiny_eps_accuracy() -> float:
    """Final accuracy of :data:`TINY_EPS_RUN` on the chapter's spirals."""
    X, y = spirals(100, seed=0)
    return train(X, y, **TINY_EPS_RUN).final_accuracy


@exercise("10.3", "Adam with a much smaller epsilon", chapter="10_myths_about_training",
          hint="pass optimizer_options={'eps': 1e-20} to gradnotes.train and read final_accuracy (a fraction, not %)")
def adam_eps_rescue(answer, cases):
    value = _number(answer)
    cases.case(0 <= value <= 1, f"an accuracy is a fraction between 0 and 1; got {value:g}")
    expected = tiny_eps_accuracy()
    cases.case(abs(value - expected) <= 0.005, f"that run reaches a {'lower' if value > expected else 'higher'} "
                                               "accuracy than your answer")
