"""Mean-field theory of signal and gradient propagation (Poole et al. 2016; Schoenholz et al. 2017).

In a wide random network with weights ``W_ij ~ N(0, sigma_w**2 / N)`` and biases
``b_i ~ N(0, sigma_b**2)``, the pre-activations of a layer are Gaussian with a
second moment ``q`` that follows the *length map*

.. math:: q^{l} = \\sigma_w^2\\, \\mathbb E_z\\big[\\varphi(\\sqrt{q^{l-1}}\\, z)^2\\big] + \\sigma_b^2,
          \\qquad z \\sim \\mathcal N(0, 1),

and the squared gradient norm is multiplied, per layer, by

.. math:: \\chi^{(l)} = \\sigma_w^2\\, \\mathbb E_z\\big[\\varphi'(\\sqrt{q^{l}}\\, z)^2\\big].

At the fixed point ``q*`` of the length map this factor is ``chi_1``: below 1
(ordered phase) gradients vanish geometrically with depth, above 1 (chaotic
phase) they explode; ``chi_1 = 1`` is the edge of chaos.

Every function takes an activation name (or :class:`~gradnotes.Activation`)
and the scales ``sigma_w``, ``sigma_b``; use
:meth:`~gradnotes.Initializer.sigma_w` to translate an initializer and a gain.
Gaussian expectations use Gauss-Legendre quadrature on pieces of the line cut
at the kink (0) and at the scales where the activation changes, ``+-c/sqrt(q)``,
so they stay accurate for large ``q`` (saturated tanh) and for ReLU-like kinks.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_float, check_int
from .activations import get_activation

__all__ = [
    "length_map", "fixed_point", "chi1", "variance_profile", "gradient_profile",
    "critical_sigma_w", "phase_diagram", "phase_axes",
]

_Q_MAX = 1e12  # a length map still growing past this diverges (q* = inf)
_Q_EVAL_MAX = 1e30
# q = 0 is evaluated as the limit q -> 0+: ReLU's chi_1 at q* = 0 is sigma_w^2 / 2, not 0.
_Q_EVAL_MIN = 1e-200


_FIXED_CUTS = np.array([-40.0, -8.0, -3.0, -1.0, 0.0, 1.0, 3.0, 8.0, 40.0])
_SCALED_CUTS = np.array([-6.0, -2.0, -0.5, 0.5, 2.0, 6.0])
_LEG_X, _LEG_W = np.polynomial.legendre.leggauss(20)


def _rule_for(q: np.ndarray):
    """Nodes and weights in z for ``E[f(sqrt(q) z)]``, one rule per entry of ``q``.

    The activations change fastest for inputs ``|x| < ~6``, i.e. ``|z| < 6/sqrt(q)``:
    for large q that is a narrow spike which a single Gauss-Hermite rule misses.
    So the line is cut at the Gaussian's own scales (0, +-1, +-3, +-8, +-40, the 0
    also being every registry activation's kink) and at ``+-{0.5, 2, 6}/sqrt(q)``,
    and every piece gets a 20-point Gauss-Legendre rule times the density.
    """
    root = np.sqrt(q)[..., None]
    scaled = np.clip(_SCALED_CUTS / root, -40.0, 40.0)
    cuts = np.sort(np.concatenate((np.broadcast_to(_FIXED_CUTS, scaled.shape[:-1] + _FIXED_CUTS.shape), scaled), -1), -1)
    a, b = cuts[..., :-1, None], cuts[..., 1:, None]
    half = 0.5 * (b - a)
    z = 0.5 * (a + b) + half * _LEG_X
    w = half * _LEG_W * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    shape = q.shape + (-1,)
    return z.reshape(shape), w.reshape(shape)


def _moment(act, q, fn) -> np.ndarray:
    """``E[fn(sqrt(q) z)**2]`` for an array of ``q`` (vectorized over q)."""
    q = np.clip(np.asarray(q, dtype=float), _Q_EVAL_MIN, _Q_EVAL_MAX)
    z, w = _rule_for(q)
    x = np.sqrt(q)[..., None] * z
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.sum(np.square(fn(x)) * w, axis=-1)


def _scales(sigma_w, sigma_b):
    sigma_w = check_float("sigma_w", sigma_w, low=0.0, high=1e3)
    sigma_b = check_float("sigma_b", sigma_b, low=0.0, high=1e3)
    return sigma_w, sigma_b


def length_map(activation, sigma_w: float, sigma_b: float, q):
    """One step of the length map, ``q -> sigma_w**2 E[phi(sqrt(q) z)**2] + sigma_b**2``.

    Examples
    --------
    >>> float(length_map("relu", 2 ** 0.5, 0.0, 3.0))  # ReLU at sigma_w**2 = 2 keeps q
    3.0
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    return sigma_w**2 * _moment(act, q, act) + sigma_b**2


def _fixed_point(act, sw2, sb2, q0: float = 1.0, iterations: int = 400):
    """Vectorized stable fixed point of the length map, by bracketing and bisection.

    ``sw2`` and ``sb2`` are broadcastable arrays. ``g(q) = V(q) - q`` has
    ``g(0) >= 0``; a bracket ``g(lo) >= 0 > g(hi)`` around ``q0`` is found and
    bisected, which converges to a point where the map crosses the diagonal
    from above: a stable fixed point, the one iteration from ``q0`` reaches.
    """
    sw2, sb2 = np.broadcast_arrays(np.asarray(sw2, float), np.asarray(sb2, float))

    def g(q):
        return sw2 * _moment(act, q, act) + sb2 - q

    lo = np.zeros(sw2.shape)
    hi = np.full(sw2.shape, float(q0))
    g0 = g(hi)
    marginal = np.abs(g0) <= 1e-12 * max(q0, 1.0)
    growing = (g0 > 0) & ~marginal
    while np.any(growing):  # double hi until the map falls below the diagonal
        lo = np.where(growing, hi, lo)
        hi = np.where(growing, hi * 2, hi)
        growing &= (g(hi) > 0) & (hi < _Q_MAX)
    diverged = g(hi) > 0
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        up = g(mid) >= 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
        if np.all(hi - lo <= 1e-14 * hi):
            break
    q = 0.5 * (lo + hi)
    q = np.where(q < 1e-30, 0.0, q)
    q = np.where(marginal, float(q0), q)
    return np.where(diverged, np.inf, q)


def fixed_point(activation, sigma_w: float, sigma_b: float, q0: float = 1.0) -> float:
    """The fixed point ``q*`` that the length map reaches from ``q0``.

    ``inf`` when the length map diverges (e.g. ReLU with ``sigma_w**2 > 2``);
    ``q0`` itself when every ``q`` is fixed (ReLU at ``sigma_w**2 = 2``, no bias).

    Examples
    --------
    >>> round(fixed_point("tanh", 2 ** 0.5, 0.0), 3)
    0.618
    >>> fixed_point("tanh", 0.9, 0.0)
    0.0
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    q0 = check_float("q0", q0, low=0.0, low_open=True, high=_Q_MAX)
    return float(_fixed_point(act, sigma_w**2, sigma_b**2, q0))


def chi1(activation, sigma_w: float, sigma_b: float, q: float | None = None) -> float:
    """The per-layer factor of the squared gradient norm, ``sigma_w**2 E[phi'(sqrt(q) z)**2]``.

    Evaluated at ``q = fixed_point(...)`` unless ``q`` is given.

    Examples
    --------
    >>> round(chi1("tanh", 2 ** 0.5, 0.0), 3)   # chaotic
    1.106
    >>> round(chi1("relu", 2 ** 0.5, 0.0), 12)  # He init is critical
    1.0
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    if q is None:
        q = _fixed_point(act, sigma_w**2, sigma_b**2)
    else:
        q = check_float("q", q, low=0.0)
    return float(sigma_w**2 * _moment(act, q, act.derivative))


def variance_profile(activation, sigma_w: float, sigma_b: float, depth: int, q_input: float = 1.0):
    """Predicted ``q^l = E[z_l**2]`` for layers ``l = 1..depth``.

    The network input ``h_0`` has second moment ``q_input`` (1 for the probe's
    N(0, 1) inputs) and is not passed through the activation, so
    ``q^1 = sigma_w**2 q_input + sigma_b**2``. Compare with
    ``Trace.preactivation_second_moments``.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(variance_profile("relu", 1.0, 0.0, depth=4), 4)   # halves each layer
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    depth = check_int("depth", depth, low=1, high=100_000)
    q_input = check_float("q_input", q_input, low=0.0)
    q = np.empty(depth)
    q[0] = sigma_w**2 * q_input + sigma_b**2
    for l in range(1, depth):
        q[l] = sigma_w**2 * _moment(act, q[l - 1], act) + sigma_b**2
    return q


def gradient_profile(activation, sigma_w: float, sigma_b: float, depth: int, q_input: float = 1.0):
    """Predicted ``||dL/dh_l|| / ||dL/dh_L||`` for layers ``l = 1..depth``.

    Going down through layer ``l`` multiplies the squared gradient norm by
    ``chi^(l) = sigma_w**2 E[phi'(sqrt(q^l) z)**2]``, with ``q^l`` from
    :func:`variance_profile`. Compare with ``Trace.grad_activation_norms``
    divided by its last entry.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(gradient_profile("linear", 0.5, 0.0, depth=3), 4)
    array([0.25, 0.5 , 1.  ])
    """
    act = get_activation(activation)
    q = variance_profile(act, sigma_w, sigma_b, depth, q_input)
    chis = sigma_w**2 * _moment(act, q, act.derivative)
    # ||g_{l-1}||^2 = chi^(l) ||g_l||^2: layer l's gradient is the top one times chi^(l+1) ... chi^(L)
    log_sq = np.concatenate((np.cumsum(np.log(chis[:0:-1]))[::-1], [0.0]))
    return np.exp(0.5 * log_sq)


def critical_sigma_w(activation, sigma_b: float = 0.0) -> float:
    """The ``sigma_w`` at which ``chi_1 = 1`` for the given ``sigma_b`` (the edge of chaos).

    Examples
    --------
    >>> round(critical_sigma_w("tanh", 0.0), 6)
    1.0
    >>> round(critical_sigma_w("tanh", 0.05 ** 0.5) ** 2, 2)
    1.76
    """
    act = get_activation(activation)
    sigma_b = check_float("sigma_b", sigma_b, low=0.0, high=1e3)
    lo, hi = math.log(1e-2), math.log(1e2)

    def excess(log_sw):
        sw2 = math.exp(2 * log_sw)
        q = _fixed_point(act, sw2, sigma_b**2)
        return float(sw2 * _moment(act, q, act.derivative)) - 1.0

    if excess(lo) > 0 or excess(hi) < 0:
        raise ValueError(
            f"activation={act.name!r} with sigma_b={sigma_b:g} has no critical sigma_w in [0.01, 100]"
        )
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) < 0 else (lo, mid)
        if hi - lo < 1e-13:
            break
    return math.exp(0.5 * (lo + hi))


def phase_axes(sigma_w, sigma_b) -> tuple[np.ndarray, np.ndarray]:
    """The axes of a phase diagram as float arrays, checked: non-empty, 1-D, finite, >= 0."""
    sw = np.asarray(sigma_w, dtype=float)
    sb = np.asarray(sigma_b, dtype=float)
    for name, arr in (("sigma_w", sw), ("sigma_b", sb)):
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} must be a non-empty 1-D array of finite values >= 0; got {arr!r}")
    return sw, sb


def phase_diagram(activation, sigma_w, sigma_b):
    """``chi_1`` on a grid: rows follow ``sigma_b``, columns ``sigma_w`` (1-D arrays).

    Returns an array of shape ``(len(sigma_b), len(sigma_w))``; the contour
    ``chi_1 = 1`` separates the ordered phase (below 1) from the chaotic one.
    """
    act = get_activation(activation)
    sw, sb = phase_axes(sigma_w, sigma_b)
    sw2, sb2 = np.meshgrid(sw**2, sb**2)
    q = _fixed_point(act, sw2, sb2)
    return sw2 * _moment(act, q, act.derivative)
