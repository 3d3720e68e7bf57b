"""How two inputs' signals become alike or unlike with depth: the correlation map and the depth scales.

Two inputs whose pre-activations have second moment ``q`` and correlation ``c``
(Poole et al. 2016) are, one layer up, correlated by

.. math:: c' = \\frac{\\sigma_w^2\\, \\mathbb E\\big[\\varphi(u_1)\\varphi(u_2)\\big] + \\sigma_b^2}
                     {\\sigma_w^2\\, \\mathbb E\\big[\\varphi(u_1)^2\\big] + \\sigma_b^2},
          \\qquad u_1 = \\sqrt q\\, z_1,\\; u_2 = \\sqrt q\\,\\big(c z_1 + \\sqrt{1 - c^2}\\, z_3\\big),

the *c-map* (the denominator is the length map, ``q*`` at its fixed point). ``c = 1``
is always fixed; its slope there is ``chi_1``, so it attracts in the ordered phase
(``chi_1 < 1``: all inputs become alike) and repels in the chaotic one, where the
correlations fall to a fixed point ``c* < 1``. The slope at ``c*``,

.. math:: \\chi_c = \\sigma_w^2\\, \\mathbb E\\big[\\varphi'(u_1)\\varphi'(u_2)\\big]\\Big|_{q^*, c^*},

sets the depth over which correlations approach ``c*``, ``xi_c = -1 / ln chi_c``
(Schoenholz et al. 2017); it diverges on the whole edge of chaos.

The 2-D expectations are an outer rule in ``z_1`` and, for each of its nodes, an
inner rule in ``z_3``, both the package's one 1-D rule (:func:`gaussian_rule`), so
kinks are honoured: ``phi(u_2)`` has its kinks and its scales at
``x_3 = k - sqrt(q) c z_1`` (``x_3 = sqrt(q (1 - c^2)) z_3``), a different place for
every outer node, and the inner rule is cut there. Next to ``c = 1`` the map is
computed as ``1 - c' = sigma_w^2 E[(phi(u_1) - phi(u_2))^2] / (2 q')``, which keeps
its relative precision, so a fixed point ``c*`` a hair below 1 is still found.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .._checks import check_float
from .._params import check
from ..activations import Activation, get_activation
from ._maps import _Keyed, chi1, derivative_moment, exact_fixed_point, second_moment
from ._quadrature import _SCALED_CUTS, Q_EVAL_MAX, Q_EVAL_MIN, gaussian_expectation, gaussian_rule

__all__ = ["correlation_map", "fixed_point_correlation", "chi_c", "depth_scales", "DepthScales", "correlation_profile"]

_CHUNK = 8  # correlations per 2-D rule: (8, ~340, ~520) nodes, about 11 MB per array
#: Where the c-map is searched for its fixed point below 1 (from 1 - 1e-9 down to -1).
_SEARCH = 1.0 - np.geomspace(1e-9, 2.0, 14)


def _pair_moments(act: Activation, q: float, c: np.ndarray):
    """``E[phi(u1) phi(u2)]``, ``E[phi'(u1) phi'(u2)]``, ``E[(phi(u1) - phi(u2))^2]`` for a 1-D ``c``."""
    q = float(np.clip(q, Q_EVAL_MIN, Q_EVAL_MAX))
    z1, w1 = gaussian_rule(q, act.kinks)
    x1 = math.sqrt(q) * z1
    f1, d1 = act(x1), act.derivative(x1)
    out = np.empty((3, c.size))
    for start in range(0, c.size, _CHUNK):
        cc = c[start:start + _CHUNK, None]
        centre = cc * x1  # (n, n1): E[u2 | z1]
        spread = np.clip(q * (1.0 - cc) * (1.0 + cc), Q_EVAL_MIN, Q_EVAL_MAX)  # Var[u2 | z1]
        marks = np.concatenate((np.asarray(act.kinks, dtype=float), [0.0], _SCALED_CUTS))
        z3, w3 = gaussian_rule(spread, marks - centre[..., None])
        x2 = centre[..., None] + np.sqrt(spread)[..., None] * z3
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            f2, d2 = act(x2), act.derivative(x2)
            out[0, start:start + _CHUNK] = np.einsum("ij,j,j->i", np.sum(w3 * f2, axis=-1), w1, f1)
            out[1, start:start + _CHUNK] = np.einsum("ij,j,j->i", np.sum(w3 * d2, axis=-1), w1, d1)
            out[2, start:start + _CHUNK] = np.einsum("ijk,ijk,j->i", w3, np.square(f2 - f1[:, None]), w1)
    return out


def _correlation(c, name: str = "c") -> np.ndarray:
    c = np.asarray(c, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(np.abs(c) > 1):
        bad = c[~(np.abs(c) <= 1)].ravel()[0]
        raise ValueError(f"{name}={float(bad)!r} is out of range; allowed: [-1, 1]")
    return c


def _length(act: Activation, sw2: float, sb2: float, q: float) -> float:
    return float(sw2 * second_moment(act, min(max(q, Q_EVAL_MIN), Q_EVAL_MAX)) + sb2)


def _setting(activation, sigma_w, sigma_b, q=None):
    act = get_activation(activation)
    sigma_w, sigma_b = check("sigma_w", sigma_w), check("sigma_b", sigma_b)
    if q is None:
        q = float(exact_fixed_point(act, sigma_w**2, sigma_b**2))
    else:
        q = check_float("q", q, low=0.0)
    return act, sigma_w**2, sigma_b**2, q


def correlation_map(activation, sigma_w: float, sigma_b: float, c, q: float | None = None):
    """The correlation of two inputs one layer up, given their correlation ``c`` (Poole et al. 2016).

    Parameters
    ----------
    activation : str or Activation
    sigma_w, sigma_b : float
        ``W ~ N(0, sigma_w**2 / N)``, ``b ~ N(0, sigma_b**2)``.
    c : float or ndarray, shape (...)
        Correlations in ``[-1, 1]``.
    q : float, optional
        Both inputs' pre-activation second moment; the length map's fixed point
        ``q*`` (:func:`~gradnotes.theory.fixed_point`) unless given.

    Returns
    -------
    float or ndarray, shape (...)

    .. math:: c' = \\frac{\\sigma_w^2 \\mathbb E[\\varphi(u_1)\\varphi(u_2)] + \\sigma_b^2}
                         {\\sigma_w^2 \\mathbb E[\\varphi(u_1)^2] + \\sigma_b^2}

    Examples
    --------
    ReLU at He init has the arc-cosine map ``c' = (sqrt(1 - c^2) + (pi - arccos c) c) / pi``:

    >>> round(float(correlation_map("relu", 2 ** 0.5, 0.0, 0.0)), 12), round(1 / 3.141592653589793, 12)
    (0.318309886184, 0.318309886184)
    >>> [round(float(v), 4) for v in correlation_map("tanh", 1.5, 0.3, [0.0, 0.5, 1.0])]
    [0.0937, 0.5228, 1.0]
    """
    act, sw2, sb2, q = _setting(activation, sigma_w, sigma_b, q)
    c = _correlation(c)
    pair = _pair_moments(act, q, c.ravel())
    new = (sw2 * pair[0] + sb2) / _length(act, sw2, sb2, q)
    new = np.clip(new, -1.0, 1.0).reshape(c.shape)
    return float(new) if new.ndim == 0 else new


def _distance(act, sw2, sb2, q, c) -> np.ndarray:
    """``(1 - c') / (1 - c)``, in full relative precision next to ``c = 1``."""
    pair = _pair_moments(act, q, np.atleast_1d(c))
    return sw2 * pair[2] / (2.0 * _length(act, sw2, sb2, q)) / (1.0 - np.atleast_1d(c))


def _fixed_point(act, sw2, sb2, q) -> float:
    """``c*``: 1 while ``chi_1 < 1``; else the stable crossing of the diagonal below 1 reached from 1.

    Cached (a search costs ~20 two-dimensional rules): :func:`chi_c` and :func:`depth_scales`
    at the same setting share it.
    """
    return _cached_fixed_point(_Keyed.of(act), sw2, sb2, q)


@lru_cache(maxsize=1024)
def _cached_fixed_point(keyed, sw2, sb2, q) -> float:
    act = keyed.act
    if sw2 * float(derivative_moment(act, q)) < 1.0:
        return 1.0
    from scipy.optimize import brentq  # deferred: heavy import

    def above(c):  # > 0 where c' > c (the map lies above the diagonal)
        return float(1.0 - _distance(act, sw2, sb2, q, c)[0])

    r = 1.0 - _distance(act, sw2, sb2, q, _SEARCH)
    if r[0] >= 0:  # not below the diagonal even at 1 - 1e-9: c* = 1 to working precision
        return 1.0
    j = int(np.argmax(r >= 0)) if np.any(r >= 0) else len(r) - 1
    if r[j] == 0 or j == len(r) - 1 and r[j] < 0:
        return float(_SEARCH[j])
    return float(brentq(above, _SEARCH[j], _SEARCH[j - 1], xtol=1e-15))


def fixed_point_correlation(activation, sigma_w: float, sigma_b: float) -> float:
    """The stable fixed point ``c*`` of the c-map that two nearby inputs reach with depth.

    ``1`` in the ordered phase (``chi_1 < 1``: every pair of inputs ends up alike);
    below 1 in the chaotic phase (``0`` for an odd activation without bias).

    Examples
    --------
    >>> fixed_point_correlation("tanh", 1.0, 0.3 ** 0.5)
    1.0
    >>> round(fixed_point_correlation("tanh", 2.5 ** 0.5, 0.05 ** 0.5), 4)
    0.4468
    """
    act, sw2, sb2, q = _setting(activation, sigma_w, sigma_b)
    return _fixed_point(act, sw2, sb2, q)


def chi_c(activation, sigma_w: float, sigma_b: float) -> float:
    """The slope of the c-map at its fixed point, ``sigma_w**2 E[phi'(u1) phi'(u2)]`` at ``(q*, c*)``.

    Equal to :func:`~gradnotes.theory.chi1` where ``c* = 1`` (the ordered phase),
    below 1 on both sides of the edge of chaos and 1 on it.

    Examples
    --------
    >>> from gradnotes import theory
    >>> chi_c("tanh", 1.0, 0.05 ** 0.5) == theory.chi1("tanh", 1.0, 0.05 ** 0.5)   # ordered: c* = 1
    True
    >>> round(chi_c("tanh", 2.5 ** 0.5, 0.05 ** 0.5), 4)                         # chaotic: c* = 0.4468
    0.9187
    """
    act, sw2, sb2, q = _setting(activation, sigma_w, sigma_b)
    return _chi_c(act, sw2, sb2, q)


def _chi_c(act, sw2, sb2, q) -> float:
    c_star = _fixed_point(act, sw2, sb2, q)
    if c_star == 1.0:
        return chi1(act, math.sqrt(sw2), math.sqrt(sb2))
    return float(sw2 * _pair_moments(act, q, np.array([c_star]))[1, 0])


class DepthScales(NamedTuple):
    """Schoenholz et al.'s depth scales (in layers): ``xi_q`` for the length, ``xi_c`` for the correlation."""

    xi_q: float
    xi_c: float


def _scale(chi: float) -> float:
    # a slope within the quadrature's precision of 1 is 1: a neutral map has no depth scale
    return math.inf if chi >= 1.0 - 1e-12 else (0.0 if chi <= 0.0 else -1.0 / math.log(chi))


def depth_scales(activation, sigma_w: float, sigma_b: float) -> DepthScales:
    """``(xi_q, xi_c)``: over how many layers the length and the correlation reach their fixed points.

    .. math:: \\xi_q = -1 / \\ln V'(q^*), \\qquad \\xi_c = -1 / \\ln \\chi_c,

    with ``V'(q) = sigma_w**2 E[phi(x) phi'(x) x] / q`` (``x = sqrt(q) z``) the
    length map's slope: ``|q^l - q*| ~ exp(-l / xi_q)`` and
    ``|c^l - c*| ~ exp(-l / xi_c)`` (Schoenholz et al. 2017). ``xi_c`` is infinite
    on the edge of chaos; ``xi_q`` stays finite there unless the length map itself
    is neutral (``sigma_b = 0``). Both are NaN where the length map diverges.

    Examples
    --------
    >>> s = depth_scales("tanh", 1.0, 0.05 ** 0.5)
    >>> round(s.xi_q, 3), round(s.xi_c, 3)
    (1.748, 3.627)
    >>> depth_scales("relu", 2 ** 0.5, 0.0).xi_c
    inf
    """
    act, sw2, sb2, q = _setting(activation, sigma_w, sigma_b)
    if not math.isfinite(q):
        return DepthScales(math.nan, math.nan)
    qe = min(max(q, Q_EVAL_MIN), Q_EVAL_MAX)
    slope = sw2 * float(gaussian_expectation(lambda x: act(x) * act.derivative(x) * x, qe, act.kinks)) / qe
    return DepthScales(_scale(slope), _scale(_chi_c(act, sw2, sb2, q)))


def correlation_profile(activation, sigma_w: float, sigma_b: float, depth: int, c_input: float,
                        q_input: float = 1.0) -> np.ndarray:
    """Predicted correlation ``c^l`` of two inputs' pre-activations, layers ``l = 1..depth``.

    The inputs have second moment ``q_input`` and correlation ``c_input``; the
    first layer is linear in them (the probe's convention), so
    ``c^1 = (sigma_w**2 q_input c_input + sigma_b**2) / q^1``, and each layer
    above applies the c-map at that layer's ``q^l`` (from
    :func:`~gradnotes.theory.variance_profile`), not yet at ``q*``. Compare with
    :func:`gradnotes.probe.measure_correlations`.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(correlation_profile("tanh", 0.9, 0.3, depth=4, c_input=0.2), 4)   # ordered: towards 1
    array([0.28  , 0.4316, 0.6067, 0.7479])
    """
    act, sw2, sb2, _ = _setting(activation, sigma_w, sigma_b, q=1.0)
    depth = check("depth", depth)
    c_input = float(_correlation(c_input, "c_input"))
    q_input = check_float("q_input", q_input, low=0.0)
    from ._maps import variance_profile

    q = variance_profile(act, math.sqrt(sw2), math.sqrt(sb2), depth, q_input)
    c = np.empty(depth)
    c[0] = (sw2 * q_input * c_input + sb2) / q[0] if q[0] > 0 else c_input
    for l in range(1, depth):
        pair = _pair_moments(act, q[l - 1], c[l - 1:l])
        c[l] = min(1.0, max(-1.0, (sw2 * pair[0, 0] + sb2) / q[l])) if q[l] > 0 else c[l - 1]
    return c
