"""Declared parameter rules: one rule per concept, shared by every public function.

The probe, the training MLP, the RNN and the explorers all take a ``depth``, a
``width``, a ``gain``, a ``norm``...; each concept is declared here once (the
habit of scikit-learn's ``_parameter_constraints``), so the same name has the
same bounds and the same error message everywhere::

    depth = check("depth", depth)

A rule is a small frozen object; :func:`check` looks the name up in
:data:`RULES` (or takes an explicit rule for a parameter that is local to one
function). The messages come from :mod:`gradnotes._checks`: they name the
parameter, repeat the value and say what is allowed.

"No normalization" and "no clipping" have one spelling, ``None``; the string
``"none"`` (what a dropdown or a browser control sends) is accepted and turned
into ``None``.

Examples
--------
>>> check("depth", 30)
30
>>> check("norm", "none") is None
True
>>> check("residual", True), check("residual", False)
('post', None)
>>> check("depth", 0)
Traceback (most recent call last):
...
ValueError: depth=0 is out of range; allowed: [1, 1000]
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable

from ._checks import check_bool, check_choice, check_float, check_int

__all__ = ["Integer", "Real", "Flag", "OneOf", "ResidualBlock", "RULES", "check", "NONE", "MEMORY_LIMIT"]

#: A computation whose arrays would need more bytes than this is refused (6 GiB: a quarter of this
#: machine's memory, so a learner's mistyped width fails with a sentence instead of swapping).
MEMORY_LIMIT = 6 * 2**30

#: The string that means "none of these" for an optional choice (norm, clip).
NONE = "none"


@dataclass(frozen=True)
class Integer:
    """An integer in ``[low, high]`` (``None``: unbounded on that side)."""

    low: int | None = None
    high: int | None = None

    def __call__(self, name: str, value) -> int:
        return check_int(name, value, low=self.low, high=self.high)


@dataclass(frozen=True)
class Real:
    """A finite real number in ``[low, high]``, or ``(low, high]`` with ``low_open``."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False

    def __call__(self, name: str, value) -> float:
        return check_float(name, value, low=self.low, high=self.high, low_open=self.low_open)


@dataclass(frozen=True)
class Flag:
    """``True`` or ``False``."""

    def __call__(self, name: str, value) -> bool:
        return check_bool(name, value)


@dataclass(frozen=True)
class OneOf:
    """A name from a registry, given as a function returning it (registries import lazily).

    With ``optional``, ``None`` and ``"none"`` are allowed too and both give ``None``.
    """

    registry: Callable[[], object]
    optional: bool = False

    def __call__(self, name: str, value):
        if self.optional and (value is None or value == NONE):
            return None
        choices = list(self.registry())
        try:
            return check_choice(name, value, choices)
        except (TypeError, ValueError) as err:
            if self.optional:
                raise type(err)(f"{err} (or None for none)") from None
            raise


@dataclass(frozen=True)
class ResidualBlock:
    """A residual block's name from :data:`gradnotes.probe.RESIDUALS`, or ``None`` for no skip.

    ``None``, ``False`` and ``"none"`` give ``None``; ``True`` gives ``"post"`` (what it
    meant before the standard ``"pre"`` block existed).
    """

    def __call__(self, name: str, value):
        from .probe._residual import residual_kind

        return residual_kind(value, name)


def _norms():
    from .normalization import NORMS

    return NORMS


def _clippers():
    from .clipping import CLIPPERS

    return CLIPPERS


def _dtypes():
    from .probe._spec import DTYPES

    return DTYPES


#: Concept -> rule. One bound per concept across the probe, the MLP, the RNN and the explorers.
RULES = MappingProxyType({
    "depth": Integer(1, 1000),
    "width": Integer(1, 8192),
    "batch": Integer(1, 65536),
    "seed": Integer(0, None),
    "gain": Real(0.0, 1e3),
    "bias_std": Real(0.0, 1e3),
    "residual": ResidualBlock(),  # the probe's block; the training MLP's skip is a Flag() of its own
    "residual_scale": Real(0.0, 10.0),
    "sigma_w": Real(0.0, 1e6),  # normal init at gain 1000 and width 8192 has sigma_w ~ 9e4
    "sigma_b": Real(0.0, 1e3),
    "norm": OneOf(_norms, optional=True),
    "clip": OneOf(_clippers, optional=True),
    "dtype": OneOf(_dtypes),
    "keep_grads": Flag(),
})


def check(name: str, value, rule=None):
    """Check ``value`` against the rule declared for ``name`` (or the given ``rule``); return it converted."""
    return (RULES[name] if rule is None else rule)(name, value)
