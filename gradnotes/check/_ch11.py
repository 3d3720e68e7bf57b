"""Chapter 11, myths about training: Adam's first tiny step, weight decay's half-life, Adam with a tiny epsilon."""

from __future__ import annotations

import math

from ..training import spirals, train
from ._core import direction, exercise, fresh_rng, number, whole
from ._parameters import Integer, LogUniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "11_myths_about_training"


#: The sigmoid network of myth 8 that exercise 10.3 trains with a tiny epsilon (and the student's seed).
TINY_EPS_RUN = dict(depth=20, width=64, activation="sigmoid", init="xavier_normal", optimizer="adam", lr=3e-3,
                    steps=500, optimizer_options={"eps": 1e-20})


@exercise("11.1", "Adam's first step on a tiny gradient", points=1, chapter=CHAPTER,
          hint="the bias-corrected moments of the first step are m = g and v = g ** 2; "
               "eps is added to sqrt(v)",
          parameters={"g": LogUniform(1e-12, 1e-14, 1e-10, significant=2)})
def adam_tiny_step(answer, cases, g):
    value = number(answer, g)
    expected = 1e-3 * g / (g + 1e-8)
    cases.case(value > 0, f"a distance is positive; got {value:g}")
    cases.case(abs(math.log10(value / expected)) <= 0.3, f"your step {value:g} is more than a factor of 2 off",
               direction(value, expected))


@exercise("11.2", "how fast weight decay shrinks a weight", points=2, chapter=CHAPTER,
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
        cases.case(whole(got) == expected, f"lr = {lr:.4g}, weight_decay = {wd:.4g}: your function returned {got!r}, "
                                           "which is wrong", f"expected {expected} steps")


def tiny_eps_accuracy(seed: int = 0) -> float:
    """Final accuracy of :data:`TINY_EPS_RUN`, initialized with ``seed``, on the chapter's spirals."""
    X, y = spirals(100, seed=0)
    return train(X, y, seed=seed, **TINY_EPS_RUN).final_accuracy


@exercise("11.3", "Adam with a much smaller epsilon", points=2, chapter=CHAPTER,
          hint="pass optimizer_options={'eps': 1e-20} and your seed to gradnotes.train and read final_accuracy "
               "(a fraction, not %)",
          parameters={"seed": Integer(0, 1, 999)})
def adam_eps_rescue(answer, cases, seed):
    value = number(answer, seed)
    cases.case(0 <= value <= 1, f"an accuracy is a fraction between 0 and 1; got {value:g}")
    expected = tiny_eps_accuracy(seed)
    cases.case(abs(value - expected) <= 0.005,
               f"{value:g} is not the final accuracy of that run with seed = {seed} (within 0.005)",
               f"that run reaches a {'lower' if value > expected else 'higher'} accuracy than your answer")


#: This chapter's exercises, in book order.
EXERCISES = (adam_tiny_step, steps_to_halve, adam_eps_rescue)
