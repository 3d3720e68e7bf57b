"""A Frobenius norm that is fast and does not overflow on large finite entries."""

from __future__ import annotations

import math

import numpy as np


def fro_norm(x: np.ndarray) -> float:
    """``sqrt(sum(x**2))`` as a float; ``inf``/``nan`` only if ``x`` holds them.

    The fast path is one BLAS dot product; only when that overflows is the sum
    redone with the entries scaled by their largest magnitude.

    Examples
    --------
    >>> fro_norm(np.array([3.0, 4.0])), fro_norm(np.array([3e200, 4e200]))
    (5.0, 5e+200)
    """
    flat = np.ascontiguousarray(x).reshape(-1)
    s = float(np.dot(flat, flat))
    if math.isfinite(s):
        return math.sqrt(s)
    with np.errstate(all="ignore"):
        m = float(np.max(np.abs(flat))) if flat.size else 0.0
        if not math.isfinite(m) or m == 0.0:
            return m if not math.isnan(s) else math.nan
        scaled = flat.astype(np.float64) / m
        return m * math.sqrt(float(np.dot(scaled, scaled)))
