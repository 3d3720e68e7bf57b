"""The stable fixed point of a length map, by bracketing and bisection (one solver for the package).

The exact theory (:func:`~gradnotes.theory.fixed_point`, :func:`~gradnotes.theory.chi1`,
:func:`~gradnotes.theory.phase_diagram`) and the tabulated phase grid
(:func:`~gradnotes.theory.phase_grid`) both call :func:`stable_fixed_point`
with their own length map, so the iteration rules, the caps and the handling
of marginal maps are the same for both.

Rules, for ``g(q) = V(q) - q`` and a start ``q0``:

* **Neutral map.** If ``|g| <= NEUTRAL_TOL * q`` at ``q0 / 2``, ``q0`` and
  ``2 q0``, every q there is fixed to working precision (ReLU at
  ``sigma_w**2 = 2`` without bias, the identity): the answer is ``q0``.
* **Upward.** If ``g(q0) > 0`` the iteration from ``q0`` climbs: ``hi`` is
  doubled until ``g(hi) <= 0``. Still positive at ``Q_MAX``: the map diverges,
  ``q* = inf``.
* **Downward.** Otherwise it descends: ``lo`` is halved until ``g(lo) >= 0``.
  Still negative at ``Q_ZERO``: the signal dies, ``q* = 0``.
* **Bisection** of the bracket ``[lo, 2 lo]``, keeping ``g(lo) >= 0 >= g(hi)``,
  to ``1e-14`` relative: a point where the map crosses the diagonal from
  above, i.e. a stable fixed point, the first one met in the direction the
  iteration moves (up to the bracket's factor 2: a pair of fixed points
  closer together than that is not resolved).

A fixed point at (or within rounding of) ``q0`` is found like any other: a
tiny ``g(q0)`` of either sign leads to a bracket next to ``q0``. (The solver
this replaced marked such points "marginal" and then also "diverged",
reporting ``q* = inf``; that was issue 12's bug.) An *unstable* fixed point
at ``q0`` (GELU at its jump, see :mod:`gradnotes.theory._critical`) gives the
stable point on whichever side the rounding of ``g(q0)`` points to.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["stable_fixed_point", "Q_MAX", "Q_ZERO", "NEUTRAL_TOL"]

#: A length map still above the diagonal at this q diverges (``q* = inf``).
Q_MAX = 1e12
#: A length map still below the diagonal at this q collapses (``q* = 0``).
Q_ZERO = 1e-30
#: ``|V(q) - q| <= NEUTRAL_TOL * q``: q is fixed to the quadrature's precision.
NEUTRAL_TOL = 1e-12
_BISECTIONS = 60  # a bracket [lo, 2 lo] is 1e-14 wide (relative) after 47 halvings


def stable_fixed_point(length_map: Callable[[np.ndarray, np.ndarray], np.ndarray], shape,
                       q0: float = 1.0) -> np.ndarray:
    """The stable fixed point reached from ``q0``, for every entry of a grid of length maps.

    Parameters
    ----------
    length_map : callable
        ``length_map(q, index)``: ``V(q)`` of the settings ``index`` (flat
        indices into the grid, a 1-D integer array) at the second moments ``q``
        (a 1-D array of the same length). The solver asks only for the settings
        still being solved, so a grid costs what its slowest points cost.
    shape : tuple of int
        Shape of the grid of settings (``()`` for one).
    q0 : float
        The starting second moment (> 0).

    Returns
    -------
    ndarray, shape ``shape``
        ``q*``; ``0.0`` where the map collapses to 0, ``inf`` where it diverges.

    Examples
    --------
    >>> import numpy as np
    >>> sw2, sb2 = np.array([1.0, 1.5, 2.0, 3.0]), 0.5
    >>> relu = lambda q, i: sw2[i] * q / 2 + sb2      # E[relu(sqrt(q) z)^2] = q / 2
    >>> stable_fixed_point(relu, sw2.shape)           # sb2 / (1 - sw2 / 2), then divergence
    array([ 1.,  2., inf, inf])
    >>> float(stable_fixed_point(lambda q, i: q, ()))  # every q is fixed: q0
    1.0
    """
    shape = tuple(shape)
    n = math.prod(shape)

    def g(q, index):
        return np.asarray(length_map(q, index), dtype=float) - q

    every = np.arange(n)
    start = np.full(n, float(q0))
    g_mid, g_up, g_down = g(start, every), g(2 * start, every), g(start / 2, every)
    neutral = ((np.abs(g_mid) <= NEUTRAL_TOL * start) & (np.abs(g_up) <= NEUTRAL_TOL * 2 * start)
               & (np.abs(g_down) <= NEUTRAL_TOL * start / 2))
    up = g_mid > 0
    lo = np.where(up, start, start / 2)
    hi = 2 * lo
    g_lo, g_hi = np.where(up, g_mid, g_down), np.where(up, g_up, g_mid)

    i = np.flatnonzero(up & (g_hi > 0) & ~neutral)
    while i.size:  # climb: the iteration from q0 grows until the map falls below the diagonal
        lo[i], g_lo[i] = hi[i], g_hi[i]
        hi[i] *= 2
        g_hi[i] = g(hi[i], i)
        i = i[(g_hi[i] > 0) & (hi[i] < Q_MAX)]
    i = np.flatnonzero(~up & (g_lo < 0) & ~neutral)
    while i.size:  # descend: it shrinks until the map rises above the diagonal
        hi[i], g_hi[i] = lo[i], g_lo[i]
        lo[i] /= 2
        g_lo[i] = g(lo[i], i)
        i = i[(g_lo[i] < 0) & (lo[i] > Q_ZERO)]
    diverged = (g_hi > 0) & ~neutral
    collapsed = (g_lo < 0) & ~neutral

    i = np.flatnonzero(~(neutral | diverged | collapsed))
    for _ in range(_BISECTIONS):
        if not i.size:
            break
        mid = 0.5 * (lo[i] + hi[i])
        keep_lo = g(mid, i) >= 0
        lo[i], hi[i] = np.where(keep_lo, mid, lo[i]), np.where(keep_lo, hi[i], mid)
        i = i[hi[i] - lo[i] > 1e-14 * hi[i]]
    q = np.where(collapsed, 0.0, 0.5 * (lo + hi))
    q = np.where(diverged, np.inf, q)
    return np.where(neutral, float(q0), q).reshape(shape)
