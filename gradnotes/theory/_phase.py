"""chi_1 over a grid of (sigma_w, sigma_b): exact (:func:`phase_diagram`) and tabulated (:func:`phase_grid`)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..activations import get_activation
from ._fixed_point import Q_ZERO, stable_fixed_point
from ._maps import _Keyed, derivative_moment, exact_fixed_point, second_moment
from ._quadrature import Q_EVAL_MAX

__all__ = ["phase_axes", "phase_diagram", "phase_grid", "MAX_GRID_POINTS"]

#: Grid points a phase diagram may have: the quadrature holds a few hundred nodes per point, so
#: 250 000 points need about 2 GiB (a 100000 x 100000 grid would need 75 TiB).
MAX_GRID_POINTS = 250_000


def phase_axes(sigma_w, sigma_b) -> tuple[np.ndarray, np.ndarray]:
    """The axes of a phase diagram as float arrays, checked: non-empty, 1-D, finite, >= 0.

    Examples
    --------
    >>> phase_axes([0.5, 1], (0,))
    (array([0.5, 1. ]), array([0.]))
    """
    sw = np.asarray(sigma_w, dtype=float)
    sb = np.asarray(sigma_b, dtype=float)
    for name, arr in (("sigma_w", sw), ("sigma_b", sb)):
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} must be a non-empty 1-D array of finite values >= 0; got {arr!r}")
    if sw.size * sb.size > MAX_GRID_POINTS:
        raise ValueError(
            f"a phase diagram of len(sigma_w)={sw.size} x len(sigma_b)={sb.size} = {sw.size * sb.size} points "
            f"is too large; allowed: at most {MAX_GRID_POINTS} points (a few hundred per axis is plenty on a screen)"
        )
    return sw, sb


def phase_diagram(activation, sigma_w, sigma_b) -> np.ndarray:
    """``chi_1`` on a grid: rows follow ``sigma_b``, columns ``sigma_w`` (1-D arrays).

    Returns an array of shape ``(len(sigma_b), len(sigma_w))``; the contour
    ``chi_1 = 1`` separates the ordered phase (below 1) from the chaotic one.
    Each entry equals :func:`~gradnotes.theory.chi1` at that setting.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(phase_diagram("tanh", [0.5, 1.0, 2.0], [0.0]), 3)
    array([[0.25 , 1.   , 1.363]])
    """
    act = get_activation(activation)
    sw, sb = phase_axes(sigma_w, sigma_b)
    sw2, sb2 = np.meshgrid(sw**2, sb**2)
    return sw2 * derivative_moment(act, exact_fixed_point(act, sw2, sb2))


#: q values of the tables behind :func:`phase_grid`: 20 per decade, from below the
#: solver's ``Q_ZERO`` to the quadrature's ``Q_EVAL_MAX`` (where ``q* = inf`` is evaluated).
_Q_TABLE = np.logspace(np.log10(Q_ZERO) - 2, np.log10(Q_EVAL_MAX), 20 * 62 + 1)
_LOG_Q_TABLE = np.log(_Q_TABLE)


@lru_cache(maxsize=32)
def _moment_tables(keyed: _Keyed) -> tuple[np.ndarray, np.ndarray]:
    """``log m(q)`` and ``log d(q)`` on ``_Q_TABLE``."""
    tiny = np.finfo(float).tiny
    with np.errstate(all="ignore"):
        m = second_moment(keyed.act, _Q_TABLE)
        d = derivative_moment(keyed.act, _Q_TABLE)
    return np.log(np.maximum(m, tiny)), np.log(np.maximum(d, tiny))


def _interp_loglog(q, log_table) -> np.ndarray:
    log_q = np.log(np.clip(q, _Q_TABLE[0], _Q_TABLE[-1]))
    return np.exp(np.interp(log_q, _LOG_Q_TABLE, log_table))


def phase_grid(activation, sigma_w, sigma_b) -> np.ndarray:
    """``chi_1`` on a grid, as :func:`phase_diagram`, fast enough for a slider.

    The two Gaussian expectations the mean-field recursion needs,
    ``m(q) = E[phi(sqrt(q) z)**2]`` and ``d(q) = E[phi'(sqrt(q) z)**2]``, are
    tabulated once per activation over ``q`` in ``[1e-32, 1e30]`` (20 points
    per decade, interpolated log-log); the fixed point of every grid point is
    then found by the same solver as the exact theory
    (:func:`~gradnotes.theory._fixed_point.stable_fixed_point`), on the tables.
    Agrees with :func:`phase_diagram` to about 1e-3 relative (exactly for
    linear and ReLU-like activations, whose tables are straight lines), except
    within a grid step of a jump of ``chi_1`` (GELU, see
    :func:`~gradnotes.theory.edge_of_chaos`), at a small fraction of the cost.

    Returns
    -------
    ndarray, shape (len(sigma_b), len(sigma_w))
        Rows follow ``sigma_b``, columns ``sigma_w``; read-only.

    Examples
    --------
    >>> import numpy as np
    >>> grid = phase_grid("relu", [1.0, 2 ** 0.5, 2.0], [0.0, 0.5])
    >>> np.round(grid, 6)
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]])
    """
    act = get_activation(activation)
    sw, sb = phase_axes(sigma_w, sigma_b)
    log_m, log_d = _moment_tables(_Keyed.of(act))
    sw2, sb2 = np.meshgrid(sw**2, sb**2)
    sw2_flat, sb2_flat = sw2.ravel(), sb2.ravel()

    def length(q, index):
        return sw2_flat[index] * _interp_loglog(q, log_m) + sb2_flat[index]

    q = stable_fixed_point(length, sw2.shape)
    chi = sw2 * _interp_loglog(q, log_d)
    chi.flags.writeable = False
    return chi
