"""A Frobenius norm that is fast and does not overflow on large finite entries."""

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
