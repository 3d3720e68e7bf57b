"""Read-only arrays: what the package's immutable result records hold."""

from __future__ import annotations

import numpy as np

__all__ = ["readonly"]


def readonly(a) -> np.ndarray:
    """``a`` as an array that refuses writes (no copy when it already is an array).

    Examples
    --------
    >>> x = readonly([1.0, 2.0])
    >>> x.flags.writeable
    False
    """
    a = np.asarray(a)
    a.flags.writeable = False
    return a
