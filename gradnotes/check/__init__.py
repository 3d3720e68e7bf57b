"""Friendly checks for the book's exercises: ``check.<exercise>(answer)``.

Every exercise's answer is a function (for a number: a function returning it).
The check runs it on fresh random inputs against an independent reference and
returns a :class:`CheckResult` that displays as a coloured box in a notebook:
passed, or which case failed with the expected and received values and a
hint, or "not attempted yet" while the answer is still the stub. Checks never
evaluate strings and never show a solution.

One private module per chapter (``_ch01`` ... ``_ch10``) declares its three
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
"""

from types import MappingProxyType

from . import _ch01, _ch02, _ch03, _ch04, _ch05, _ch06, _ch07, _ch08, _ch09, _ch10
from ._core import Exercise
from ._result import MIME, CheckResult

_MODULES = (_ch01, _ch02, _ch03, _ch04, _ch05, _ch06, _ch07, _ch08, _ch09, _ch10)

#: notebook name (e.g. ``"03_vanishing_gradients"``) -> that chapter's exercises, in book order.
CHAPTERS = MappingProxyType({m.CHAPTER: m.EXERCISES for m in _MODULES})

#: exercise name -> :class:`Exercise`, in book order.
EXERCISES = MappingProxyType({ex.name: ex for m in _MODULES for ex in m.EXERCISES})


def __getattr__(name):
    try:
        return EXERCISES[name]
    except KeyError:
        raise AttributeError(f"gradnotes.check has no exercise {name!r}; exercises: {list(EXERCISES)}") from None


def __dir__():
    return sorted(list(EXERCISES) + ["CHAPTERS", "EXERCISES", "CheckResult", "Exercise", "MIME"])


__all__ = ["CHAPTERS", "EXERCISES", "CheckResult", "Exercise", "MIME", *EXERCISES]
