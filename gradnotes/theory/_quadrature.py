"""Gaussian expectations ``E[f(sqrt(q) z)]``, ``z ~ N(0, 1)``, by piecewise Gauss-Legendre quadrature.

One rule serves the whole package (the activations' gains, the length map,
chi_1, the phase-diagram tables). A single Gauss-Hermite rule is spectrally
accurate only for smooth integrands that vary on the Gaussian's own scale, and
the mean-field integrands are neither:

* an activation's derivative jumps at its ``kinks`` (ReLU at 0, a hard-tanh at
  +-1), which caps any global rule at a few digits;
* for large ``q`` the integrand changes fastest where ``|sqrt(q) z| < ~10``,
  a spike of width ``~1/sqrt(q)`` that a fixed set of nodes misses (saturated
  tanh), and for small ``q`` the kinks and scales crowd together at z = 0.

So the line ``|z| <= 40`` (the density beyond underflows) is cut at the
Gaussian's scales ``0, +-1, +-3, +-8``, at the activation's scales
``+-{0.5, 2, 6, 15}/sqrt(q)`` and at its kinks ``k/sqrt(q)``, and each piece
gets a 20-point Gauss-Legendre rule times the density. Every piece is then
smooth, and the rule is accurate to about 1e-13 relative for every activation
in the registry and every ``q`` in ``[1e-200, 1e30]`` (tested against
``scipy.integrate.quad``).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["gaussian_rule", "gaussian_expectation", "expect", "Q_EVAL_MIN", "Q_EVAL_MAX"]

#: ``q`` is evaluated in this range: below, as the limit ``q -> 0+`` (ReLU's chi_1 at
#: ``q* = 0`` is ``sigma_w**2 / 2``, not 0); above, as ``q = inf`` (a diverged length map).
Q_EVAL_MIN = 1e-200
Q_EVAL_MAX = 1e30

_TAIL = 40.0  # exp(-40**2 / 2) underflows to 0 in float64
_FIXED_CUTS = np.array([-_TAIL, -8.0, -3.0, -1.0, 0.0, 1.0, 3.0, 8.0, _TAIL])
_SCALED_CUTS = np.array([-15.0, -6.0, -2.0, -0.5, 0.5, 2.0, 6.0, 15.0])  # in x = sqrt(q) z
_LEG_X, _LEG_W = np.polynomial.legendre.leggauss(20)
_DENSITY = 1.0 / math.sqrt(2.0 * math.pi)


def gaussian_rule(q, kinks=()) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``z`` and weights ``w`` with ``sum(w * f(sqrt(q) z)) ~= E[f(sqrt(q) z)]``.

    Parameters
    ----------
    q : float or ndarray, shape (...)
        Second moments (clipped to ``[Q_EVAL_MIN, Q_EVAL_MAX]``); one rule per entry.
    kinks : tuple of float, or ndarray, shape (..., k)
        Inputs ``x`` where the integrand's derivative jumps (``Activation.kinks``);
        an array gives each entry of ``q`` its own cuts (broadcast with ``q``: the
        inner rule of a 2-D expectation, see :mod:`gradnotes.theory._correlation`).

    Returns
    -------
    z, w : ndarray, shape (..., n)
        The same number of nodes ``n`` for every entry, so rules stack.

    Examples
    --------
    >>> z, w = gaussian_rule(1.0)
    >>> round(float(w.sum()), 14), round(float(w @ z**2), 14)
    (1.0, 1.0)
    """
    q = np.clip(np.asarray(q, dtype=float), Q_EVAL_MIN, Q_EVAL_MAX)
    kinks = np.asarray(kinks, dtype=float)
    if kinks.ndim > 1:  # cuts per entry
        q = np.broadcast_to(q, np.broadcast_shapes(q.shape, kinks.shape[:-1]))
    in_x = np.concatenate((np.broadcast_to(_SCALED_CUTS, kinks.shape[:-1] + _SCALED_CUTS.shape), kinks), axis=-1)
    scaled = np.clip(in_x / np.sqrt(q)[..., None], -_TAIL, _TAIL)
    fixed = np.broadcast_to(_FIXED_CUTS, q.shape + _FIXED_CUTS.shape)
    cuts = np.sort(np.concatenate((fixed, scaled), axis=-1), axis=-1)
    a, b = cuts[..., :-1, None], cuts[..., 1:, None]
    half = 0.5 * (b - a)  # a repeated cut gives an empty piece with zero weight
    z = 0.5 * (a + b) + half * _LEG_X
    w = half * _LEG_W * np.exp(-0.5 * z * z) * _DENSITY
    shape = q.shape + (-1,)
    return z.reshape(shape), w.reshape(shape)


def gaussian_expectation(f, q, kinks=()) -> np.ndarray:
    """``E[f(sqrt(q) z)]`` for ``z ~ N(0, 1)``, vectorized over ``q``.

    ``f`` maps an array of inputs ``x`` to values of the same shape; ``kinks``
    are the inputs ``x`` where it (or its derivative) jumps.

    .. math:: \\mathbb E_z\\big[f(\\sqrt q\\, z)\\big]
              = \\int f(\\sqrt q\\, z)\\, \\frac{e^{-z^2/2}}{\\sqrt{2\\pi}}\\, dz

    Examples
    --------
    >>> import numpy as np
    >>> relu_squared = lambda x: np.maximum(x, 0) ** 2
    >>> np.round(gaussian_expectation(relu_squared, [1.0, 4.0, 1e20], kinks=(0.0,)), 12)
    array([5.e-01, 2.e+00, 5.e+19])
    """
    q = np.clip(np.asarray(q, dtype=float), Q_EVAL_MIN, Q_EVAL_MAX)
    if q.size == 0:  # e.g. the inputs of the layers below layer 1 of a one-layer network
        return np.zeros(q.shape)
    z, w = gaussian_rule(q, kinks)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.sum(f(np.sqrt(q)[..., None] * z) * w, axis=-1)


def expect(f, kinks_in_z=()) -> float:
    """``E[f(z)]`` for ``z ~ N(0, 1)``: :func:`gaussian_expectation` at ``q = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> round(expect(lambda z: z**2), 12)
    1.0
    >>> round(expect(lambda z: np.maximum(z, 0) ** 2, kinks_in_z=(0.0,)), 12)
    0.5
    """
    return float(gaussian_expectation(f, 1.0, tuple(kinks_in_z)))
