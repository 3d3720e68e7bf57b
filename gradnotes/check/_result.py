"""What a check returns, and the machinery every exercise check shares.

A check receives the student's answer (a function, or a function returning a
number: answers are always callables, so a student notebook whose answers are
still stubs runs top to bottom) and returns a :class:`CheckResult`, which shows
itself as a coloured box in a notebook, as one plain sentence in text, and as
JSON for the grader. A check never evaluates strings and never prints the
solution: a failing case shows the input, the expected and the received value
of *that case* only, drawn at random, or for a prediction only in which
direction it is off.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["CheckResult", "Exercise", "EXERCISES", "exercise", "Failed", "fresh_rng", "close"]

#: MIME type of the machine-readable result (read by ``make grade``).
MIME = "application/vnd.gradnotes.check+json"

STATUS_MARK = {"passed": "✔", "failed": "✘", "not attempted": "…", "error": "!"}
STATUS_COLOR = {"passed": "#1a7f37", "failed": "#b3261e", "not attempted": "#6e6e6e", "error": "#b3261e"}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check.

    Attributes
    ----------
    exercise : str
        Registry name, e.g. ``"clip_by_norm"``.
    number : str
        As numbered in the book, e.g. ``"4.2"``.
    title : str
    status : {"passed", "failed", "not attempted", "error"}
    cases_passed, cases_total : int
    message : str
        What went wrong (empty when passed).
    hint : str
    """

    exercise: str
    number: str
    title: str
    status: str
    cases_passed: int = 0
    cases_total: int = 0
    message: str = ""
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def _headline(self) -> str:
        plural = "case" if self.cases_total == 1 else "cases"
        counts = f" ({self.cases_passed} of {self.cases_total} {plural})" if self.cases_total else ""
        return f"{STATUS_MARK[self.status]} Exercise {self.number}, {self.title}: {self.status}{counts}"

    def __repr__(self) -> str:
        lines = [self._headline()]
        if self.message:
            lines.append(f"  {self.message}")
        if self.hint and not self.passed:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        color = STATUS_COLOR[self.status]
        body = "".join(f"<div>{html.escape(line)}</div>" for line in (self.message,) if line)
        if self.hint and not self.passed:
            body += f"<div><em>Hint:</em> {html.escape(self.hint)}</div>"
        return (f'<div style="border-left:4px solid {color};padding:4px 10px;margin:4px 0">'
                f'<strong style="color:{color}">{html.escape(self._headline())}</strong>{body}</div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            MIME: {"exercise": self.exercise, "number": self.number, "status": self.status,
                   "cases_passed": self.cases_passed, "cases_total": self.cases_total,
                   "message": self.message},
        }


class Failed(Exception):
    """Raised inside a check for the first failing case: its message is shown to the student."""


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: its number in the book, title, hint and checking function."""

    name: str
    number: str
    title: str
    hint: str
    run: Callable = field(repr=False)
    chapter: str = ""

    def __call__(self, answer) -> CheckResult:
        return _check(self, answer)


#: name -> :class:`Exercise`, in book order.
EXERCISES: dict[str, Exercise] = {}


def exercise(number: str, title: str, *, chapter: str, hint: str):
    """Register a check. The decorated ``run(answer, result)`` calls ``result.case()`` per case."""

    def register(run):
        ex = Exercise(run.__name__, number, title, hint, run, chapter)
        EXERCISES[ex.name] = ex
        return ex

    return register


class _Cases:
    def __init__(self):
        self.passed = 0
        self.total = 0

    def case(self, ok: bool, message: str) -> None:
        """Count one case; stop the check with ``message`` if it failed."""
        self.total += 1
        if not ok:
            raise Failed(message)
        self.passed += 1


def _check(ex: Exercise, answer) -> CheckResult:
    common = dict(exercise=ex.name, number=ex.number, title=ex.title, hint=ex.hint)
    if not callable(answer):
        return CheckResult(status="error", message=f"expected a function, got {type(answer).__name__}: "
                           "write your answer inside the function of the exercise", **common)
    cases = _Cases()
    try:
        with np.errstate(all="ignore"):
            ex.run(answer, cases)
    except NotImplementedError:
        return CheckResult(status="not attempted",
                           message="not attempted yet: replace the `raise NotImplementedError` line with your answer",
                           **common)
    except Failed as failure:
        return CheckResult(status="failed", cases_passed=cases.passed, cases_total=cases.total + 1,
                           message=str(failure), **common)
    except Exception as error:  # the student's code raised: say so, never crash the notebook
        return CheckResult(status="error", cases_passed=cases.passed, cases_total=cases.total + 1,
                           message=f"your code raised {type(error).__name__}: {error}", **common)
    return CheckResult(status="passed", cases_passed=cases.passed, cases_total=cases.total, **common)


def fresh_rng() -> np.random.Generator:
    """A generator seeded from the operating system: new cases every time, nothing to memorize."""
    return np.random.default_rng()


def close(received, expected, *, rtol=1e-6, atol=1e-9) -> bool:
    """Same shape and all values close (NaN never matches)."""
    try:
        received = np.asarray(received, dtype=float)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=float)
    return received.shape == expected.shape and bool(np.allclose(received, expected, rtol=rtol, atol=atol))


def order_of_magnitude_message(received, expected, tolerance_decades: float = 1.0) -> tuple[bool, str]:
    """For predictions: right within ``tolerance_decades`` decades? The message says only the direction."""
    try:
        value = float(received)
    except (TypeError, ValueError):
        return False, f"your prediction should be a number; got {received!r}"
    if not math.isfinite(value) or value <= 0:
        return False, f"your prediction should be a positive number; got {value!r}"
    off = math.log10(value) - math.log10(expected)
    if abs(off) <= tolerance_decades:
        return True, ""
    return False, f"your prediction is too {'large' if off > 0 else 'small'} by more than {tolerance_decades:g} decade(s)"
