"""What a check returns: a :class:`CheckResult`.

It shows itself as a coloured box in a notebook, as one plain sentence in
text, and as JSON (for a reader; the grader never trusts what a student's
kernel displays, it runs the checks itself). A check never prints the
solution: a failing case shows the input and the received value of *that case*
(``message``) and, in practice only, a ``clue``: the expected value of that
case, drawn at random, or for a number only in which direction it is off.
Graded results have no clue.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["CheckResult", "MIME"]

#: MIME type of the machine-readable result.
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
        Which case went wrong and what the answer returned (empty when passed); never the expected value.
    hint : str
        The exercise's hint.
    clue : str
        Practice only: the expected value of the failing case, or which way a number is off.
    """

    exercise: str
    number: str
    title: str
    status: str
    cases_passed: int = 0
    cases_total: int = 0
    message: str = ""
    hint: str = ""
    clue: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def _headline(self) -> str:
        plural = "case" if self.cases_total == 1 else "cases"
        counts = f" ({self.cases_passed} of {self.cases_total} {plural})" if self.cases_total else ""
        return f"{STATUS_MARK[self.status]} Exercise {self.number}, {self.title}: {self.status}{counts}"

    @property
    def feedback(self) -> str:
        """What went wrong, with the clue when there is one."""
        return "; ".join(part for part in (self.message, self.clue) if part)

    def __repr__(self) -> str:
        lines = [self._headline()]
        if self.feedback:
            lines.append(f"  {self.feedback}")
        if self.hint and not self.passed:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        color = STATUS_COLOR[self.status]
        body = "".join(f"<div>{html.escape(line)}</div>" for line in (self.feedback,) if line)
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
                   "message": self.feedback},
        }
