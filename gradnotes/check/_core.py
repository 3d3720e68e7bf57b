"""The machinery every exercise check shares: the exercise record, its cases, and typed comparisons.

A check receives the student's answer (a function, or a function returning a
number: answers are always callables, so a student notebook whose answers are
still stubs runs top to bottom) and returns a :class:`~._result.CheckResult`.
A check never evaluates strings. Everything it hands to an answer is plain data
(numbers, arrays, lists, a seeded ``np.random.Generator``) or a :class:`Phi`,
an activation named by its registry key, so that a grader can call the same
answer inside a sandbox and run the check itself in a trusted process.

Comparisons convert what the answer returned to plain floats or ints first
(:func:`number`, :func:`whole`, :func:`close`), so an object that claims to
equal everything earns nothing.

Every failing case says two things: *which* case failed and what the answer
returned (neutral), and a *clue* (the expected value, or which way to move a
number). Practice feedback in a notebook shows both; graded feedback
(:meth:`Exercise.grade`) shows only the neutral part, and draws the exercise's
parameters (:mod:`._parameters`) from the student's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from ..activations import ACTIVATIONS
from . import _parameters
from ._result import CheckResult

__all__ = ["Exercise", "exercise", "Failed", "AnswerError", "Phi", "fresh_rng", "close", "number", "whole",
           "prediction", "order_of_magnitude_message", "direction"]


class Failed(Exception):
    """Raised inside a check for the first failing case.

    ``message`` names the case and what the answer returned, never the expected value or a direction: it is all
    that graded feedback shows. ``clue`` (the expected value, "too large", ...) is shown in practice only.
    """

    def __init__(self, message: str, clue: str = ""):
        super().__init__(message)
        self.message, self.clue = message, clue


class AnswerError(Exception):
    """The answer raised ``ename`` (possibly far away, in a grading sandbox); ``message`` says so to the student."""

    def __init__(self, ename: str, evalue: str = "", message: str = ""):
        super().__init__(message or f"your code raised {ename}: {evalue}")
        self.ename, self.evalue = ename, evalue


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: its number in the book, title, hint, checking function, chapter, points, parameters.

    ``run(answer, cases, **parameters)`` calls the answer on fresh inputs (and,
    if the exercise has parameters, with them as arguments, in declared order)
    and counts each case with ``cases.case(ok, message, clue)``. Calling the
    exercise gives practice feedback with the chapter's parameters;
    :meth:`grade` gives graded feedback with a student's own.
    """

    name: str
    number: str
    title: str
    hint: str
    run: Callable = field(repr=False)
    chapter: str = ""
    points: int = 1
    parameters: Mapping = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)

    def __call__(self, answer) -> CheckResult:
        return _check(self, answer, self.values(), graded=False)

    def grade(self, answer, student: str) -> CheckResult:
        """Graded feedback: ``student``'s parameters, and failures without clues (no expected value, no direction)."""
        return _check(self, answer, self.values(student), graded=True)

    def values(self, student: str | None = None) -> dict:
        """The parameters the answer is called with: the chapter's, or (given ``student``) that student's own."""
        return _parameters.values(self.parameters, self.name, student)


def exercise(number: str, title: str, *, points: int, chapter: str, hint: str, parameters: Mapping | None = None):
    """Declare a check: the decorated ``run(answer, cases, **parameters)`` becomes an :class:`Exercise`.

    ``parameters`` maps a name to an :class:`~._parameters.Integer`, :class:`~._parameters.Uniform` or
    :class:`~._parameters.LogUniform`.
    """

    def declare(run):
        frozen = MappingProxyType(dict(parameters or {}))
        return Exercise(run.__name__, number, title, hint, run, chapter, points, frozen)

    return declare


@dataclass(frozen=True)
class Phi:
    """An activation (or its derivative) handed to an answer, known by its registry name.

    ``scalar=True`` takes and returns Python floats, for answers that work on
    one number at a time.

    Examples
    --------
    >>> Phi("relu", derivative=True)(np.array([-1.0, 2.0]))
    array([0., 1.])
    >>> Phi("tanh", scalar=True)(0.0)
    0.0
    """

    name: str
    derivative: bool = False
    scalar: bool = False

    def __call__(self, z):
        act = ACTIVATIONS[self.name]
        f = act.derivative if self.derivative else act
        return float(f(np.array(z))) if self.scalar else f(z)


class _Cases:
    def __init__(self):
        self.passed = 0
        self.total = 0

    def case(self, ok: bool, message: str, clue: str = "") -> None:
        """Count one case; stop the check with ``message`` (neutral) and ``clue`` (practice only) if it failed."""
        if not isinstance(ok, (bool, np.bool_)) or not ok:  # a comparison made of the answer's own objects is refused
            raise Failed(message, clue)  # counted by _check, with the cases that passed before it
        self.passed += 1
        self.total += 1


def _check(ex: Exercise, answer, values: dict, *, graded: bool) -> CheckResult:
    common = dict(exercise=ex.name, number=ex.number, title=ex.title, hint=ex.hint)
    if not callable(answer):
        return CheckResult(status="error", message=f"expected a function, got {type(answer).__name__}: "
                           "write your answer inside the function of the exercise", **common)
    cases = _Cases()
    try:
        with np.errstate(all="ignore"):
            ex.run(answer, cases, **values)
    except NotImplementedError:
        return CheckResult(status="not attempted",
                           message="not attempted yet: replace the `raise NotImplementedError` line with your answer",
                           **common)
    except Failed as failure:
        return CheckResult(status="failed", cases_passed=cases.passed, cases_total=cases.total + 1,
                           message=failure.message, clue="" if graded else failure.clue, **common)
    except Exception as error:  # the student's code raised: say so, never crash the notebook
        message = str(error) if isinstance(error, AnswerError) else f"your code raised {type(error).__name__}: {error}"
        return CheckResult(status="error", cases_passed=cases.passed, cases_total=cases.total + 1,
                           message=message, **common)
    return CheckResult(status="passed", cases_passed=cases.passed, cases_total=cases.total, **common)


def fresh_rng() -> np.random.Generator:
    """A generator seeded from the operating system: new cases every time, nothing to memorize."""
    return np.random.default_rng()


def close(received, expected, *, rtol=1e-6, atol=1e-9) -> bool:
    """Same shape and all values close (NaN never matches).

    Examples
    --------
    >>> close([1.0, 2.0], np.array([1.0, 2.0 + 1e-9])), close([1.0], [1.0, 1.0]), close("1.0", 1.0)
    (True, False, False)
    """
    if isinstance(received, (str, bytes)):
        return False
    try:
        received = np.array(received, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=float)
    return received.shape == expected.shape and bool(np.allclose(received, expected, rtol=rtol, atol=atol))


def number(answer, *args) -> float:
    """Call ``answer(*args)`` and return its value as a plain float (booleans and strings refused)."""
    value = answer(*args)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Failed(f"return a number; your function returned {value!r}")
    return float(value)


def whole(value) -> int | None:
    """``value`` as a plain int if it is a whole number (an int, or a float with no fractional part), else None.

    Examples
    --------
    >>> whole(3), whole(np.int64(3)), whole(3.0), whole(3.5), whole(True), whole("3")
    (3, 3, 3, None, None, None)
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    value = float(value) if isinstance(value, (float, np.floating)) else int(value)
    if isinstance(value, float) and not (math.isfinite(value) and value == int(value)):
        return None
    return int(value)


def prediction(answer, expected, cases, decades=1.0, args=()) -> None:
    """One case: the number ``answer(*args)`` is within ``decades`` orders of magnitude of ``expected``."""
    ok, message, clue = order_of_magnitude_message(number(answer, *args), expected, decades)
    cases.case(ok, message, clue)


def order_of_magnitude_message(received, expected, tolerance_decades: float = 1.0) -> tuple[bool, str, str]:
    """For predictions: (right within ``tolerance_decades`` decades?, neutral message, clue: only the direction).

    Examples
    --------
    >>> order_of_magnitude_message(5.0, 1e-3)
    (False, 'your prediction 5 is off by more than 1 decade(s)', 'that is too large')
    """
    try:
        value = float(received)
    except (TypeError, ValueError):
        return False, f"your prediction should be a number; got {received!r}", ""
    if not math.isfinite(value) or value <= 0:
        return False, f"your prediction should be a positive number; got {value!r}", ""
    off = math.log10(value) - math.log10(expected)
    if abs(off) <= tolerance_decades:
        return True, "", ""
    return (False, f"your prediction {value:g} is off by more than {tolerance_decades:g} decade(s)",
            f"that is too {'large' if off > 0 else 'small'}")


def direction(value: float, expected: float, words=("large", "small")) -> str:
    """The clue of a number that is off: ``"that is too large"`` or ``"that is too small"``.

    Examples
    --------
    >>> direction(3.0, 2.0), direction(1.0, 2.0, ("many", "few"))
    ('that is too large', 'that is too few')
    """
    return f"that is too {words[0] if value > expected else words[1]}"
