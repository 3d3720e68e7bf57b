"""Expectations under a standard Gaussian, by quadrature.

``E[f(z)]`` for ``z ~ N(0, 1)`` is computed with Gauss-Hermite quadrature
(probabilists' weight ``exp(-z**2 / 2)``, numpy's ``hermegauss``) when ``f`` is
smooth. An integrand with a kink (ReLU at 0, ELU's jump in the derivative)
ruins the spectral accuracy of a single Gauss-Hermite rule, so the real line is
then cut at the kinks and each piece gets its own Gauss-Legendre rule on a
range wide enough (``|z| <= 40``) that the Gaussian tail beyond it is below
double precision.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss

_TAIL = 40.0  # exp(-40**2 / 2) underflows to 0 in float64


@lru_cache(maxsize=8)
def hermite_rule(n: int = 121) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights with ``sum(w * f(z)) ~= E[f(z)]`` for ``z ~ N(0, 1)``."""
    z, w = hermegauss(n)
    return z, w / np.sqrt(2.0 * np.pi)


@lru_cache(maxsize=64)
def piecewise_rule(cuts: tuple[float, ...], n: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`hermite_rule`, but exact across the points ``cuts`` (in z).

    Each interval between consecutive cuts (and ``-40``, ``+40``) gets an
    ``n``-point Gauss-Legendre rule, multiplied by the Gaussian density.
    """
    edges = np.unique(np.clip(np.asarray(cuts, dtype=float), -_TAIL, _TAIL))
    edges = np.concatenate(([-_TAIL], edges[(edges > -_TAIL) & (edges < _TAIL)], [_TAIL]))
    x, w = leggauss(n)
    nodes, weights = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        half = 0.5 * (b - a)
        z = 0.5 * (a + b) + half * x
        nodes.append(z)
        weights.append(half * w * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi))
    return np.concatenate(nodes), np.concatenate(weights)


def gaussian_rule(kinks_in_z: tuple[float, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The right rule for an integrand with kinks at ``kinks_in_z`` (may be empty)."""
    if kinks_in_z:
        return piecewise_rule(tuple(float(k) for k in kinks_in_z))
    return hermite_rule()


def expect(f, kinks_in_z: tuple[float, ...] = ()) -> float:
    """``E[f(z)]`` for ``z ~ N(0, 1)``; ``f`` maps an array of nodes to values.

    Examples
    --------
    >>> round(expect(lambda z: z**2), 12)
    1.0
    >>> round(expect(lambda z: np.maximum(z, 0) ** 2, kinks_in_z=(0.0,)), 12)
    0.5
    """
    z, w = gaussian_rule(kinks_in_z)
    return float(np.dot(w, f(z)))
