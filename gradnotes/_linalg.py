"""Norms that are fast and honest: a Frobenius norm that does not overflow on large finite entries,
and bounds on the entries of an array carried with a power-of-two scale."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=8)
def _underflow_floor(dtype) -> float:
    info = np.finfo(dtype) if np.dtype(dtype).kind == "f" else np.finfo(np.float64)
    return float(info.tiny) / float(info.eps)


def fro_norm(x: np.ndarray) -> float:
    """``sqrt(sum(x**2))`` as a float; ``inf``/``nan`` only if ``x`` holds them, 0 only if all are 0.

    The fast path is one BLAS dot product; only when that overflows or underflows
    is the sum redone in float64 with the entries scaled by their largest magnitude.

    Examples
    --------
    >>> fro_norm(np.array([3.0, 4.0])), fro_norm(np.array([3e200, 4e200]))
    (5.0, 5e+200)
    >>> f"{fro_norm(np.array([3e-30, 4e-30], dtype=np.float32)):.6g}"  # the squares underflow float32
    '5e-30'
    """
    flat = x.reshape(-1)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        s = float(np.dot(flat, flat))
    # Squares of entries below ~sqrt(tiny) underflow (1e-19 in float32): a sum this small may
    # have lost its entries, so it is redone with scaled entries, as is an overflowed one.
    if math.isfinite(s) and s >= _underflow_floor(flat.dtype):
        return math.sqrt(s)
    with np.errstate(all="ignore"):
        m = float(np.max(np.abs(flat))) if flat.size else 0.0
        if not math.isfinite(m) or m == 0.0:
            return m if not math.isnan(s) else math.nan
        scaled = flat.astype(np.float64) / m
        return m * math.sqrt(float(np.dot(scaled, scaled)))


def entries_below(x: np.ndarray, norm: float, log2_scale: int, log2_limit: float) -> bool:
    """Whether every entry of ``x * 2**log2_scale`` is below ``2**log2_limit`` in magnitude (and some is not 0).

    ``norm`` is ``fro_norm(x)``. An entry is at most the norm and the largest is at
    least ``norm / sqrt(x.size)``, so the entries are looked at only when the norm
    leaves the answer open. Works in log2, so scales far beyond float64 are fine.

    Examples
    --------
    >>> x = np.array([3.0, 4.0])
    >>> entries_below(x, 5.0, -200, -197), entries_below(x, 5.0, -200, -198.5)
    (True, False)
    >>> entries_below(np.zeros(2), 0.0, 0, -150)   # exact zeros are not small numbers
    False
    """
    if not (norm > 0 and math.isfinite(norm)):
        return False
    top = math.log2(norm) + log2_scale
    if top < log2_limit:
        return True
    if top - 0.5 * math.log2(x.size) >= log2_limit:
        return False
    return math.log2(float(np.max(np.abs(x)))) + log2_scale < log2_limit


def entries_above(x: np.ndarray, norm: float, log2_scale: int, log2_limit: float) -> bool:
    """Whether some entry of ``x * 2**log2_scale`` exceeds ``2**log2_limit`` in magnitude (or is inf/NaN).

    The mirror image of :func:`entries_below`.

    Examples
    --------
    >>> x = np.array([3.0, 4.0])
    >>> entries_above(x, 5.0, 200, 201), entries_above(x, 5.0, 200, 202), entries_above(x, math.inf, 0, 9)
    (True, False, True)
    """
    if not math.isfinite(norm):
        return True
    if norm == 0:
        return False
    top = math.log2(norm) + log2_scale
    if top <= log2_limit:
        return False
    if top - 0.5 * math.log2(x.size) > log2_limit:
        return True
    return math.log2(float(np.max(np.abs(x)))) + log2_scale > log2_limit


# -- numbers carried as (value, power-of-two exponent) -------------------------------------------

_LOG10_2 = math.log10(2.0)


def normalize_pow2(x: np.ndarray, norm: float, log2_scale: int) -> tuple[float, int]:
    """Multiply ``x`` (of norm ``norm``) in place by the power of two that brings its norm into [1/2, 1).

    Multiplying by a power of two is exact in binary floating point, so
    ``x * 2**log2_scale`` is unchanged; returns the new norm and scale.

    Examples
    --------
    >>> x = np.array([3e-30, 4e-30], dtype=np.float32)
    >>> norm, scale = normalize_pow2(x, 5e-30, 0)
    >>> round(norm, 4), scale, bool(np.all(np.ldexp(x, scale) == np.array([3e-30, 4e-30], dtype=np.float32)))
    (0.7923, -97, True)
    """
    k = math.frexp(norm)[1]
    # np.ldexp scales by 2**-k exactly even where 2**-k itself is not a float (k ~ -1070 for a
    # float64 norm near the subnormals, found by the property tests)
    np.ldexp(x, -k, out=x, casting="unsafe")
    return math.ldexp(norm, -k), log2_scale + k


def ldexp_safe(x: float, n: int) -> float:
    """``x * 2**n`` as a float64: 0 below its range, inf above (``math.ldexp`` raises there).

    Examples
    --------
    >>> ldexp_safe(0.75, -3), ldexp_safe(1.0, -2000), ldexp_safe(1.0, 2000)
    (0.09375, 0.0, inf)
    """
    try:
        return math.ldexp(x, n)
    except OverflowError:
        return math.copysign(math.inf, x)


def log10_scaled(x: float, n: int) -> float:
    """``log10(x * 2**n)`` for ``x >= 0``, beyond float64's range too (``-inf`` for 0).

    Examples
    --------
    >>> round(log10_scaled(1.0, -2000), 3), log10_scaled(0.0, 5)
    (-602.06, -inf)
    """
    if x == 0:
        return -math.inf
    return math.log10(x) + n * _LOG10_2 if math.isfinite(x) else x
