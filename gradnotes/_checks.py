"""Input validation shared by the public functions.

Every check raises a ``TypeError`` or ``ValueError`` whose message names the
parameter, repeats the value that was given and says what is allowed, so that a
learner who mistypes a slider value reads a sentence, not a numpy traceback.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from ._registry import closest


def check_choice(name: str, value, choices: Mapping | tuple | list):
    """Return ``value`` if it is one of ``choices`` (a registry or a sequence)."""
    allowed = list(choices)
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {allowed}; got {value!r} "
            f"of type {type(value).__name__}"
        )
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not known{closest(value, allowed)}; choose one of {allowed}")
    return value


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} of type {type(value).__name__}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name}={value} is out of range; allowed: {_interval(low, high)}")
    return value


def check_float(
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in ``[low, high]`` (or ``(low, high]``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}={value} must be finite; allowed: {_interval(low, high, low_open)}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        raise ValueError(f"{name}={value} is out of range; allowed: {_interval(low, high, low_open)}")
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is a ``bool`` (numpy booleans included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_rng(name: str, value) -> np.random.Generator:
    """Return ``value`` if it is a ``numpy.random.Generator``."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {value!r} of type {type(value).__name__}"
        )
    return value


def check_memory(what: str, n_bytes: float, limit: float) -> None:
    """Refuse a computation whose arrays would need more than ``limit`` bytes."""
    if n_bytes > limit:
        raise ValueError(
            f"{what} would need about {n_bytes / 2**30:.1f} GiB of memory; "
            f"the limit is {limit / 2**30:.1f} GiB: use a smaller size"
        )


class SlowComputationWarning(UserWarning):
    """A computation will take long enough that a learner would think it hung."""


def warn_if_slow(what: str, seconds: float, limit: float = 10.0) -> None:
    """Warn, with the estimate, before work expected to take more than ``limit`` seconds."""
    if seconds > limit:
        import warnings

        warnings.warn(f"{what} will take about {seconds:.0f} s on a typical laptop (more on a busy one); "
                      "a smaller width, depth or batch answers in well under a second",
                      SlowComputationWarning, stacklevel=3)


def _interval(low, high, low_open: bool = False) -> str:
    left = "(" if low_open else "["
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}]"
