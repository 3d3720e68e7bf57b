"""Chapter 9, training dynamics: the loss before training, one Adam step, a learning rate for a healthy ratio."""

from __future__ import annotations

import math

import numpy as np

from ..training import spirals, train
from ._core import close, direction, exercise, fresh_rng, number
from ._parameters import Integer, Uniform

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "09_training_dynamics"


#: The chapter-8 network whose Adam learning rate exercise 8.3 asks for.
RATIO_NETWORK = dict(depth=6, width=64, activation="tanh", init="xavier_normal", optimizer="adam", steps=100,
                     seed=0)
#: How far from the target 8.3's median log10 ratio may be.
RATIO_HALF_WIDTH = 0.1


@exercise("9.1", "the loss before training", points=1, chapter=CHAPTER,
          hint="with outputs near zero, softmax gives every class the same probability",
          parameters={"classes": Integer(5, 3, 20)})
def initial_loss(answer, cases, classes):
    value = number(answer, classes)
    expected = math.log(classes)
    cases.case(abs(value / expected - 1) <= 0.01, f"your prediction {value:g} is not that loss (within 1%)",
               direction(value, expected))


@exercise("9.2", "one Adam step", points=2, chapter=CHAPTER,
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
                       f"step t = {t} (lr = {lr:.4f}, beta1 = {beta1:.3f}, beta2 = {beta2:.4f}): your {what}[0, 0], "
                       f"{np.asarray(got, float).ravel()[0]:.8g}, is wrong", f"it should be {want[0, 0]:.8g}")
        mine = tuple(np.asarray(x, float) for x in result)


def ratio_of_first_layer(lr: float) -> float:
    """Median log10 update-to-data ratio of layer 1 over the 100 Adam steps of :data:`RATIO_NETWORK`."""
    X, y = spirals(100, seed=0)
    run = train(X, y, lr=lr, **RATIO_NETWORK)
    return float(np.median(run.update_ratios[:, 0]))


@exercise("9.3", "an Adam learning rate for a healthy update ratio", points=2, chapter=CHAPTER,
          hint="Adam's step per weight is about lr whatever the gradient, so the ratio is close to log10(lr / std(W)); "
               "then adjust with gradnotes.train",
          # targets near the ratios of the chapter's answer (4e-4: -2.93) and of the learning rates it prints
          # (1e-4: -3.25, 1e-3: -2.49, over these 100 steps) are left out, so none of those numbers is an answer
          parameters={"target": Uniform(-3.0, -3.8, -2.6, digits=2, avoid=(-3.25, -2.93, -2.49), margin=0.12)})
def adam_lr_for_ratio(answer, cases, target):
    lr = number(answer, target)
    # above 0.1 the weights blow up and the ratio falls back into the band (lr = 1 would pass): not an answer
    cases.case(1e-6 <= lr <= 0.1, f"a learning rate between 1e-6 and 0.1, please; got {lr:g}")
    ratio = ratio_of_first_layer(lr)
    lo, hi = round(target - RATIO_HALF_WIDTH, 6), round(target + RATIO_HALF_WIDTH, 6)
    cases.case(lo <= ratio <= hi, f"with lr = {lr:g} the median ratio of layer 1 is not in the band [{lo:g}, {hi:g}]",
               f"it is {ratio:.2f}, {'below' if ratio < lo else 'above'} the band")


#: This chapter's exercises, in book order.
EXERCISES = (initial_loss, adam_step, adam_lr_for_ratio)
