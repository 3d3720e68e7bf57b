"""Per-student parameters of an exercise: the chapter's values in practice, a student's own values in grading.

A numeric exercise whose answer is one number can declare parameters (the
depth of a network, a bias variance, a seed). Its answer function takes them as
arguments, in the declared order, so the stub, the solution and the check agree.
In a notebook the check passes the chapter's values (``default``); the grader
passes values drawn from a hash of the student's name, so a classmate's number,
or one printed in the chapter, is not the answer. A drawn value never equals the
chapter's, nor comes within ``margin`` of a value in ``avoid`` (one the book
prints an answer for).

Examples
--------
>>> spec = {"depth": Integer(20, 10, 40), "rho": Uniform(1.1, 1.05, 1.25, digits=2)}
>>> values(spec, "ex")
{'depth': 20, 'rho': 1.1}
>>> values(spec, "ex", "alice") == values(spec, "ex", "alice") != values(spec, "ex", "bob")
True
>>> mine = values(spec, "ex", "alice")
>>> 10 <= mine["depth"] <= 40 and mine["depth"] != 20 and 1.05 <= mine["rho"] <= 1.25
True
>>> all(abs(values({"s": Uniform(0.1, 0.02, 0.2, avoid=(0.05,), margin=0.02)}, "ex", name)["s"] - 0.05) > 0.02
...     for name in ("ada", "ben", "cyd", "dee", "eli", "fay"))
True
>>> sorted({values({"d": Integer(30, 20, 40, avoid=(30,), margin=3)}, "ex", name)["d"]
...         for name in ("ada", "ben", "cyd", "dee", "eli", "fay")} & set(range(27, 34)))
[]
>>> LogUniform(1e-12, 1e-14, 1e-10).draw(np.random.default_rng(0))
3.5e-12
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Integer", "Uniform", "LogUniform", "values", "student_rng"]


@dataclass(frozen=True)
class Integer:
    """A whole number from ``low`` to ``high`` (both included); ``default`` is the chapter's.

    Values within ``margin`` of one in ``avoid`` are never drawn (a depth next to the chapter's has nearly its answer).
    """

    default: int
    low: int
    high: int
    avoid: tuple = ()
    margin: int = 0

    def draw(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))


@dataclass(frozen=True)
class Uniform:
    """A number from ``low`` to ``high``, rounded to ``digits`` decimals (so a statement can print it exactly).

    Values within ``margin`` of one in ``avoid`` are never drawn.
    """

    default: float
    low: float
    high: float
    digits: int = 3
    avoid: tuple = ()
    margin: float = 0.0

    def draw(self, rng: np.random.Generator) -> float:
        return round(float(rng.uniform(self.low, self.high)), self.digits)


@dataclass(frozen=True)
class LogUniform:
    """A positive number, uniform in its logarithm from ``low`` to ``high``, with ``significant`` digits."""

    default: float
    low: float
    high: float
    significant: int = 2

    def draw(self, rng: np.random.Generator) -> float:
        value = 10 ** float(rng.uniform(math.log10(self.low), math.log10(self.high)))
        return float(f"{value:.{self.significant - 1}e}")


def student_rng(exercise: str, student: str) -> np.random.Generator:
    """A generator seeded by a hash of the exercise and the student (the same on every run and machine)."""
    digest = hashlib.sha256(f"gradnotes:{exercise}:{student}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def values(spec, exercise: str, student: str | None = None) -> dict:
    """The parameters of ``exercise``: the chapter's (``student=None``) or those of ``student``, in declared order."""
    if student is None:
        return {name: p.default for name, p in spec.items()}
    rng, out = student_rng(exercise, student), {}
    for name, p in spec.items():
        value = p.draw(rng)
        # the chapter's value, or one the book prints the answer for, would let a copied number pass
        while value == p.default or any(abs(value - a) <= getattr(p, "margin", 0) for a in getattr(p, "avoid", ())):
            value = p.draw(rng)
        out[name] = value
    return out
