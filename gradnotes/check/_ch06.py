"""Chapter 6, the edge of chaos: ReLU's c-map slope, the trainable depth from xi_c, the Jacobian product."""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from ..activations import ACTIVATIONS
from ._core import close, exercise, fresh_rng, number

__all__ = []  # the checks are reached through gradnotes.check

CHAPTER = "06_edge_of_chaos"


@exercise("6.1", "the slope of ReLU's correlation map", points=1, chapter=CHAPTER,
          hint="differentiate the arc-cosine map c' = (sqrt(1 - c^2) + (pi - arccos c) c) / pi; "
               "d/dc arccos(c) = -1 / sqrt(1 - c^2)")
def relu_c_map_slope(answer, cases):
    rng = fresh_rng()
    h = 1e-6
    for c in (*rng.uniform(-0.9, 0.9, size=3), 1.0):
        c = float(c)
        if c == 1.0:  # the slope at c = 1 is chi_1 (a one-sided difference would be off by ~sqrt(h))
            expected = theory.chi1("relu", math.sqrt(2), 0.0)
        else:
            expected = float(np.diff(theory.correlation_map("relu", math.sqrt(2), 0.0, [c - h, c + h]))[0] / (2 * h))
        got = number(answer, c)
        cases.case(close(got, expected, rtol=1e-4), f"at c = {c:.4f} your slope, {got:.6g}, is wrong",
                   f"it should be {expected:.6g}")


@exercise("6.2", "how deep a tanh network still trains", points=2, chapter=CHAPTER,
          hint="Schoenholz et al.'s rule: depth ~ 6 xi_c with xi_c = -1 / ln chi_c; "
               "gradnotes.theory.chi_c gives chi_c (sigma_b^2 = 0.05)")
def trainable_depth(answer, cases):
    rng = fresh_rng()
    for sw2 in (float(rng.uniform(1.0, 1.5)), float(rng.uniform(2.2, 3.5))):
        expected = 6 * theory.depth_scales("tanh", math.sqrt(sw2), math.sqrt(0.05)).xi_c
        got = number(answer, sw2)
        cases.case(close(got, expected, rtol=1e-3), f"at sigma_w^2 = {sw2:.3f} your depth, {got:.4g}, is wrong",
                   f"it should be about {expected:.4g} layers")


def _forward(Ws, bs, x, act):
    for W, b in zip(Ws, bs):
        x = act(x @ W + b)
    return x


@exercise("6.3", "the input-output Jacobian as a product", points=2, chapter=CHAPTER,
          hint="layer l's Jacobian is diag(phi'(z_l)) @ W_l.T (z_l = h_{l-1} @ W_l + b_l); multiply them "
               "top layer on the left, and return an array of shape (width, width)")
def jacobian_product(answer, cases):
    rng = fresh_rng()
    act = ACTIVATIONS["tanh"]
    for depth, width in ((3, 5), (6, 8)):
        Ws = [rng.standard_normal((width, width)) * 1.3 / math.sqrt(width) for _ in range(depth)]
        bs = [rng.standard_normal(width) * 0.2 for _ in range(depth)]
        x = rng.standard_normal(width)
        h = 1e-6  # central differences: an independent reference
        expected = np.stack([(_forward(Ws, bs, x + h * e, act) - _forward(Ws, bs, x - h * e, act)) / (2 * h)
                             for e in np.eye(width)], axis=1)
        got = answer([W.copy() for W in Ws], [b.copy() for b in bs], x.copy())
        cases.case(np.shape(got) == (width, width), f"return a ({width}, {width}) array; got shape {np.shape(got)}")
        got = np.asarray(got, float)
        cases.case(close(got, expected, rtol=1e-5, atol=1e-8),
                   f"for a {depth}-layer network your Jacobian is off by up to {np.max(np.abs(got - expected)):.3g}",
                   "is it transposed, or multiplied in the wrong order?")


#: This chapter's exercises, in book order.
EXERCISES = (relu_c_map_slope, trainable_depth, jacobian_product)
