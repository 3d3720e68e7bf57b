"""Friendly checks for the book's exercises: ``check.<exercise>(answer)``.

Every exercise's answer is a function (for a number: a function returning it).
The check runs it on fresh random inputs against an independent reference and
returns a :class:`CheckResult` that displays as a coloured box in a notebook:
passed, or which case failed with the expected and received values and a
hint, or "not attempted yet" while the answer is still the stub. Checks never
evaluate strings and never show a solution. A failure shows the failing case
and, in practice, a clue (its expected value, or which way a number is off);
graded feedback (``Exercise.grade``) leaves the clue out.

Numeric exercises have parameters (:func:`parameters`): the answer function
takes them as arguments. In a notebook they are the chapter's values; the
grader draws each student's own from a hash of the student's name.

One private module per chapter (``_ch01`` ... ``_ch11``, in the book's order) declares its three
exercises; :data:`EXERCISES` (name -> :class:`Exercise`, in book order) and
:data:`CHAPTERS` (notebook name -> its exercises) are read-only views.

Examples
--------
>>> from gradnotes import check
>>> check.clip_by_norm(lambda grads, max_norm: [g * 1.0 for g in grads]).status
'failed'
>>> def stub(grads, max_norm):
...     raise NotImplementedError
>>> check.clip_by_norm(stub).status
'not attempted'
>>> check.EXERCISES["clip_by_norm"].chapter, check.EXERCISES["clip_by_norm"].points
('04_exploding_gradients', 2)
>>> check.parameters("linear_rnn_growth")
{'rho': 1.1, 'steps': 50}
>>> check.linear_rnn_growth(lambda rho, steps: rho ** steps).status
'passed'
"""

from types import MappingProxyType

from . import _ch01, _ch02, _ch03, _ch04, _ch05, _ch06, _ch07, _ch08, _ch09, _ch10, _ch11
from ._core import Exercise
from ._result import MIME, CheckResult

_MODULES = (_ch01, _ch02, _ch03, _ch04, _ch05, _ch06, _ch07, _ch08, _ch09, _ch10, _ch11)

#: notebook name (e.g. ``"03_vanishing_gradients"``) -> that chapter's exercises, in book order.
CHAPTERS = MappingProxyType({m.CHAPTER: m.EXERCISES for m in _MODULES})

#: exercise name -> :class:`Exercise`, in book order.
EXERCISES = MappingProxyType({ex.name: ex for m in _MODULES for ex in m.EXERCISES})


def parameters(exercise: str, student: str | None = None) -> dict:
    """The arguments ``exercise``'s answer function is called with, by name (empty if it takes none).

    Without ``student`` the chapter's values, as in a notebook; with it, that student's own (the grader's).
    """
    try:
        ex = EXERCISES[exercise]
    except KeyError:
        raise ValueError(f"exercise={exercise!r} is not an exercise; exercises: {list(EXERCISES)}") from None
    return ex.values(student)


def __getattr__(name):
    try:
        return EXERCISES[name]
    except KeyError:
        raise AttributeError(f"gradnotes.check has no exercise {name!r}; exercises: {list(EXERCISES)}") from None


def __dir__():
    return sorted(list(EXERCISES) + ["CHAPTERS", "EXERCISES", "CheckResult", "Exercise", "MIME", "parameters"])


__all__ = ["CHAPTERS", "EXERCISES", "CheckResult", "Exercise", "MIME", "parameters", *EXERCISES]
