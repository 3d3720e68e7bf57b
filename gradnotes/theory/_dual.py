"""The c-map as a power series in ``c``: fast enough for a slider and for a phase diagram of ``xi_c``.

With ``He_k`` the normalized Hermite polynomials and
``a_k(q) = E[phi(sqrt(q) z) He_k(z)]`` the coefficients of the activation at
scale ``q``, the 2-D expectation of the c-map is a series in ``c`` (the *dual
activation*, Daniely et al. 2016):

.. math:: \\mathbb E\\big[\\varphi(u_1)\\varphi(u_2)\\big] = \\sum_{k \\ge 0} a_k(q)^2\\, c^k,

so one 1-D rule per ``q`` (the package's :func:`gaussian_rule`, kinks honoured)
gives the whole map, its slope ``chi_c = sigma_w^2 sum k a_k^2 c^(k-1) / q'`` and,
by bisection on a polynomial, its fixed point ``c*``, for a whole grid of
``(sigma_w, sigma_b)`` at once. :func:`~gradnotes.theory.correlation_map` computes
the same map by a 2-D rule per ``c``: exact, and a hundred times slower.

The series is cut after :data:`ORDER` terms and divided by the *cut* sum
(``q' = sigma_w^2 sum_k a_k^2 + sigma_b^2``), so ``c = 1`` stays exactly fixed. The
cut costs ~1e-4 for activations with a kink (ReLU: ``a_k^2 ~ k^-2.5``) and
nothing visible for smooth ones (tanh: 1e-10); ``tests/test_theory_dual.py``
compares every number with the exact functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._arrays import readonly
from .._checks import check_float
from .._params import check
from ..activations import get_activation
from ._correlation import _correlation, _scale
from ._maps import derivative_moment, exact_fixed_point, variance_profile
from ._phase import phase_axes
from ._quadrature import Q_EVAL_MAX, Q_EVAL_MIN, gaussian_rule

__all__ = ["ORDER", "CMapSeries", "c_map_series", "fast_correlation_profile", "CorrelationGrid",
           "correlation_grid"]

#: Terms of the series (the cut's error: ~6e-5 for ReLU, ~1e-10 for tanh).
ORDER = 120
#: Where the map is searched for its fixed point below 1, from 1 - 1e-9 down to -1 (as the exact solver).
_SEARCH = 1.0 - np.geomspace(1e-9, 2.0, 40)


def _coefficients(act, q, order: int) -> np.ndarray:
    """``a_k(q)**2``, ``k = 0..order``, shape ``q.shape + (order + 1,)``."""
    q = np.clip(np.asarray(q, dtype=float), Q_EVAL_MIN, Q_EVAL_MAX)  # q* = 0: the limit q -> 0+, as the exact map
    z, w = gaussian_rule(q, act.kinks)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = act(np.sqrt(q)[..., None] * z) * w
    out = np.empty(q.shape + (order + 1,))
    h_prev, h = np.ones_like(z), z
    out[..., 0] = f.sum(axis=-1)
    if order:
        out[..., 1] = np.einsum("...n,...n->...", f, h)
    for k in range(1, order):  # He_{k+1} = (z He_k - sqrt(k) He_{k-1}) / sqrt(k + 1), normalized
        h_prev, h = h, (z * h - math.sqrt(k) * h_prev) / math.sqrt(k + 1)
        out[..., k + 1] = np.einsum("...n,...n->...", f, h)
    return np.square(out)


@dataclass(frozen=True, eq=False)
class CMapSeries:
    """The c-map ``c -> c'`` at second moment(s) ``q``, as a cut power series (one map per entry of ``q``).

    Attributes
    ----------
    sw2, sb2, q : ndarray, shape S
        ``sigma_w**2``, ``sigma_b**2`` and the inputs' second moment of each map.
    coefficients : ndarray, shape S + (ORDER + 1,)
        ``a_k(q)**2``.
    """

    sw2: np.ndarray
    sb2: np.ndarray
    q: np.ndarray
    coefficients: np.ndarray

    @property
    def q_next(self) -> np.ndarray:
        """``q' = sigma_w**2 sum_k a_k**2 + sigma_b**2``: the length map at ``q`` (``q*`` at the fixed point)."""
        return self.sw2 * self.coefficients.sum(axis=-1) + self.sb2

    def _expand(self, x, c):
        """``x`` (shape S) with an axis added for every axis ``c`` has beyond S."""
        return x.reshape(x.shape + (1,) * max(0, c.ndim - self.q.ndim))

    def _polynomial(self, b, c):
        """``sum_k b_k c^k``, every map's coefficients with its own correlations (one vectorized sum)."""
        extra = max(0, c.ndim - self.q.ndim)
        b = b.reshape(b.shape[:-1] + (1,) * extra + b.shape[-1:])
        return np.sum(b * c[..., None] ** np.arange(b.shape[-1]), axis=-1)

    def __call__(self, c) -> np.ndarray:
        """``c'`` for correlations ``c`` of shape S, S + (m,) (m per map) or (m,) when S is ()."""
        c = np.asarray(c, dtype=float)
        num = self._expand(self.sw2, c) * self._polynomial(self.coefficients, c) + self._expand(self.sb2, c)
        return np.clip(num / self._expand(self.q_next, c), -1.0, 1.0)

    def slope(self, c) -> np.ndarray:
        """``dc'/dc = sigma_w**2 E[phi'(u1) phi'(u2)] q / q'`` (``chi_c`` at a fixed point)."""
        c = np.asarray(c, dtype=float)
        k = np.arange(1, self.coefficients.shape[-1])
        return (self._expand(self.sw2, c) * self._polynomial(self.coefficients[..., 1:] * k, c)
                / self._expand(self.q_next, c))

    def fixed_point(self) -> np.ndarray:
        """The stable fixed point ``c*`` reached from 1 (shape S): 1 where ``c = 1`` attracts."""
        shape = self.q.shape
        above = self(np.broadcast_to(_SEARCH, shape + _SEARCH.shape)) - _SEARCH  # > 0: map above the diagonal
        c_star = np.ones(shape)
        falls = above[..., 0] < 0  # below the diagonal just under 1: c = 1 repels
        j = np.argmax(above >= 0, axis=-1)
        none = ~np.any(above >= 0, axis=-1)
        lo = np.where(none, -1.0, _SEARCH[j])
        hi = np.where(j > 0, _SEARCH[np.maximum(j - 1, 0)], 1.0)
        for _ in range(52):  # bisection: the map is above the diagonal at lo, below at hi
            mid = 0.5 * (lo + hi)
            up = self(mid) - mid >= 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        c_star[falls] = np.where(none, -1.0, 0.5 * (lo + hi))[falls]
        return c_star


def c_map_series(activation, sigma_w, sigma_b, q=None, *, order: int = ORDER) -> CMapSeries:
    """The c-map of :func:`~gradnotes.theory.correlation_map` as a series: every ``c`` at once, in microseconds.

    Parameters
    ----------
    activation : str or Activation
    sigma_w, sigma_b : float or ndarray
        Broadcast together (and with ``q``).
    q : float or ndarray, optional
        The inputs' second moment; ``q*`` of each setting unless given.
    order : int
        Terms of the series.

    Returns
    -------
    CMapSeries

    Examples
    --------
    >>> import numpy as np
    >>> m = c_map_series("tanh", 1.5, 0.3)
    >>> np.round(m([0.0, 0.5, 1.0]), 4)          # as correlation_map("tanh", 1.5, 0.3, [0, 0.5, 1])
    array([0.0937, 0.5228, 1.    ])
    >>> round(float(c_map_series("tanh", 2.5 ** 0.5, 0.05 ** 0.5).fixed_point()), 4)   # c*, chaotic
    0.4468
    """
    act = get_activation(activation)
    sw = np.asarray(sigma_w, dtype=float)
    sb = np.asarray(sigma_b, dtype=float)
    if sw.ndim == 0 and sb.ndim == 0:
        sw, sb = np.asarray(check("sigma_w", float(sw))), np.asarray(check("sigma_b", float(sb)))
    elif not (np.all(np.isfinite(sw)) and np.all(np.isfinite(sb)) and np.all(sw >= 0) and np.all(sb >= 0)):
        raise ValueError("sigma_w and sigma_b must be finite and >= 0; got "
                         f"sigma_w={sw.ravel()[:4]!r}..., sigma_b={sb.ravel()[:4]!r}...")
    sw2, sb2 = sw**2, sb**2
    if q is None:
        q = exact_fixed_point(act, sw2, sb2)
    q = np.asarray(q, dtype=float)
    sw2, sb2, q = np.broadcast_arrays(sw2, sb2, q)
    return CMapSeries(sw2, sb2, q, _coefficients(act, q, int(order)))


def fast_correlation_profile(activation, sigma_w: float, sigma_b: float, depth: int, c_input: float,
                             q_input: float = 1.0) -> np.ndarray:
    """:func:`~gradnotes.theory.correlation_profile` by the series: ``c^l``, ``l = 1..depth``, fast.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(fast_correlation_profile("tanh", 0.9, 0.3, depth=4, c_input=0.2), 4)
    array([0.28  , 0.4316, 0.6067, 0.7479])
    """
    act = get_activation(activation)
    sigma_w, sigma_b = check("sigma_w", sigma_w), check("sigma_b", sigma_b)
    depth = check("depth", depth)
    c_input = float(_correlation(c_input, "c_input"))
    q_input = check_float("q_input", q_input, low=0.0)
    q = variance_profile(act, sigma_w, sigma_b, depth, q_input)
    maps = c_map_series(act, sigma_w, sigma_b, q=q[:-1]) if depth > 1 else None
    c = np.empty(depth)
    c[0] = (sigma_w**2 * q_input * c_input + sigma_b**2) / q[0] if q[0] > 0 else c_input
    for l in range(1, depth):
        b = maps.coefficients[l - 1]
        value = sigma_w**2 * np.polynomial.polynomial.polyval(c[l - 1], b) + sigma_b**2
        c[l] = min(1.0, max(-1.0, value / q[l])) if q[l] > 0 else c[l - 1]
    return c


@dataclass(frozen=True, eq=False)
class CorrelationGrid:
    """``q*``, ``chi_1``, ``c*``, ``chi_c`` and ``xi_c`` on a grid of ``(sigma_w, sigma_b)``.

    Every array has shape ``(len(sigma_b), len(sigma_w))`` (rows follow ``sigma_b``, as
    :func:`~gradnotes.theory.phase_grid`) and is read-only; entries whose ``q*`` is infinite
    (a length map that diverges: ReLU in the chaotic phase) are NaN, as in
    :func:`~gradnotes.theory.depth_scales`.
    """

    activation: str
    sigma_w: np.ndarray
    sigma_b: np.ndarray
    q_star: np.ndarray
    chi1: np.ndarray
    c_star: np.ndarray
    chi_c: np.ndarray
    xi_c: np.ndarray

    def __repr__(self) -> str:
        finite = np.isfinite(self.xi_c)
        return (f"CorrelationGrid({self.activation!r}, {self.sigma_b.size} x {self.sigma_w.size}: "
                f"xi_c {np.nanmin(self.xi_c[finite]) if finite.any() else math.nan:.3g} to "
                f"{np.nanmax(self.xi_c[finite]) if finite.any() else math.nan:.3g} layers, "
                f"{int(np.sum(np.isinf(self.xi_c)))} critical, {int(np.sum(np.isnan(self.xi_c)))} diverged)")


def correlation_grid(activation, sigma_w, sigma_b) -> CorrelationGrid:
    """``c*``, ``chi_c`` and the depth scale ``xi_c = -1 / ln chi_c`` over a grid, for a phase diagram.

    Where ``c* = 1`` (ordered) ``chi_c`` is ``chi_1``, computed exactly; elsewhere it is
    the series' slope at its fixed point (:func:`c_map_series`). Agrees with
    :func:`~gradnotes.theory.chi_c` to ~1e-4 (kinked activations) or better, at a
    small fraction of the cost (a 40 x 30 grid in well under a second).

    Parameters
    ----------
    activation : str or Activation
    sigma_w, sigma_b : 1-D arrays

    Returns
    -------
    CorrelationGrid

    Examples
    --------
    >>> import numpy as np
    >>> g = correlation_grid("tanh", [1.0, 2.5 ** 0.5], [0.05 ** 0.5])
    >>> np.round(g.c_star, 4), np.round(g.xi_c, 3)      # depth_scales: xi_c = 3.627 at sigma_w = 1
    (array([[1.    , 0.4468]]), array([[ 3.627, 11.796]]))
    """
    act = get_activation(activation)
    sw, sb = phase_axes(sigma_w, sigma_b)
    sw2, sb2 = np.meshgrid(sw**2, sb**2)
    q = np.asarray(exact_fixed_point(act, sw2, sb2), dtype=float)
    finite = np.isfinite(q)
    chi1 = sw2 * np.asarray(derivative_moment(act, np.where(finite, q, 1.0)), dtype=float)
    c_star = np.where(finite, 1.0, np.nan)
    chi_c = np.where(finite, chi1, np.nan)
    chaotic = finite & (chi1 >= 1.0)
    if np.any(chaotic):
        maps = c_map_series(act, np.sqrt(sw2[chaotic]), np.sqrt(sb2[chaotic]), q=q[chaotic])
        c = maps.fixed_point()
        c_star[chaotic] = c
        chi_c[chaotic] = np.where(c < 1.0, maps.slope(c), chi1[chaotic])
    xi_c = np.array([_scale(x) if np.isfinite(x) else math.nan for x in chi_c.ravel()]).reshape(chi_c.shape)
    chi1 = np.where(finite, chi1, np.nan)
    return CorrelationGrid(act.name, readonly(sw), readonly(sb), readonly(q), readonly(chi1), readonly(c_star),
                           readonly(chi_c), readonly(xi_c))
