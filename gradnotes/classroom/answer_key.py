"""The teacher's answer key and rubric, from the chapter notebooks' solutions and the checks' registry.

Written outside the book (``dist/teacher/answer_key.md``), so neither edition of
the book carries it.

Usage::

    python -m gradnotes.classroom.answer_key [NOTEBOOKS_DIR] [OUT_FILE]   # default notebooks/ -> dist/teacher/answer_key.md
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from ..check import CHAPTERS
from ._assemble import answer_functions
from .student import BEGIN, END

__all__ = ["answer_key", "RUBRIC"]

RUBRIC = """\
Each exercise is worth the points shown. The grader gives them in full when every case of the check passes
(the cases are drawn afresh, so a hard-coded number for one case does not pass), and none otherwise; the report
shows how many cases passed for partial credit by hand. "not attempted" means the stub is still there; "error"
means the answer raised, ran past the time limit, returned something that is not numbers or arrays, or is missing.
Predictions (x.1) are judged within the tolerance stated in their check (usually one order of magnitude).
Exercises with parameters are graded at each student's own values (see `check.parameters(exercise, student)`),
and the graded feedback never shows an expected value or which way a number is off."""


def _solution(source: str) -> str:
    """The cell with its solution markers removed (the whole function, as the student should write it)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def answer_key(notebooks: Path) -> str:
    """Markdown: per chapter, each exercise's number, title, points, hint and the teacher's solution."""
    parts = ["# Answer key (for teachers only)\n", "## Rubric\n", RUBRIC, ""]
    for chapter, exercises in CHAPTERS.items():
        nb = nbformat.read(Path(notebooks) / f"{chapter}.ipynb", as_version=4)
        functions = answer_functions(nb)
        cells = {}
        for cell in nb.cells:
            if cell.cell_type == "code" and BEGIN in cell.source:
                for name, fn in functions.items():
                    if f"def {fn}(" in cell.source:
                        cells[name] = cell.source
        parts.append(f"## {chapter} ({sum(ex.points for ex in exercises)} points)\n")
        for ex in exercises:
            values = ", ".join(f"{k}={v!r}" for k, v in ex.values().items())
            parameters = (f" Parameters: `{values}` in the notebook; each student's own in grading."
                          if values else "")
            parts += [f"### {ex.number} {ex.title} ({ex.points} point{'s' if ex.points > 1 else ''})\n",
                      f"Check `check.{ex.name}({functions.get(ex.name, '?')})`. Hint given: {ex.hint}.{parameters}\n",
                      "```python", _solution(cells.get(ex.name, "# (no solution cell found)")), "```\n"]
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    notebooks = Path(argv[0]) if argv else Path("notebooks")
    out = Path(argv[1]) if len(argv) > 1 else Path("dist/teacher/answer_key.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(answer_key(notebooks))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
