"""Friendly checks for the book's exercises: ``check.<exercise>(answer)``.

Every exercise's answer is a function (for a number: a function returning it).
The check runs it on fresh random inputs against an independent reference and
returns a :class:`CheckResult` that displays as a coloured box in a notebook:
passed, or which case failed with the expected and received values and a
hint, or "not attempted yet" while the answer is still the stub. Checks never
evaluate strings and never show a solution.

Examples
--------
>>> from gradnotes import check
>>> check.clip_by_norm(lambda grads, max_norm: [g * 1.0 for g in grads]).status
'failed'
>>> def stub(grads, max_norm):
...     raise NotImplementedError
>>> check.clip_by_norm(stub).status
'not attempted'
"""

from . import _part1, _part2, _part3  # noqa: F401  (register the checks)
from ._result import EXERCISES, MIME, CheckResult, Exercise


def __getattr__(name):
    try:
        return EXERCISES[name]
    except KeyError:
        raise AttributeError(f"gradnotes.check has no exercise {name!r}; exercises: {list(EXERCISES)}") from None


def __dir__():
    return sorted(list(EXERCISES) + ["EXERCISES", "CheckResult", "Exercise", "MIME"])


__all__ = ["EXERCISES", "CheckResult", "Exercise", "MIME", *EXERCISES]
