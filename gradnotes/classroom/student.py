"""Make the student edition: solutions replaced by stubs, outputs cleared, checks kept.

A solution is every run of lines from ``### BEGIN SOLUTION`` to
``### END SOLUTION`` (the markers nbgrader uses, so a course can move to
nbgrader later). It becomes one line, at the marker's indentation::

    raise NotImplementedError("Exercise: replace this line with your answer (see the hint above)")

Usage::

    python -m gradnotes.classroom.student [SOURCE_DIR] [DEST_DIR]    # default notebooks/ -> dist/student/
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

__all__ = ["strip_solutions", "student_notebook", "make_student_edition", "STUB"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("replace this line with your answer (see the hint above)")'
_BEGIN_RE = re.compile(r"^(\s*)" + re.escape(BEGIN) + r"\s*$")
#: Sentences of the chapters' prose that are true of the book only (the student edition has no solutions).
_BOOK_ONLY = re.compile(r"\s*In the book the\s+solution is folded under each exercise\.")


def strip_solutions(source: str) -> str:
    """Replace every solution block of a cell's source by the stub.

    Examples
    --------
    >>> print(strip_solutions("def f():\\n    ### BEGIN SOLUTION\\n    return 42\\n    ### END SOLUTION"))
    def f():
        raise NotImplementedError("replace this line with your answer (see the hint above)")
    """
    out, inside = [], False
    for line in source.splitlines():
        begin = _BEGIN_RE.match(line)
        if begin and not inside:
            out.append(begin.group(1) + STUB)
            inside = True
        elif inside:
            if line.strip() == END:
                inside = False
        else:
            out.append(line)
    if inside:
        raise ValueError(f"a solution block has no {END!r} line:\n{source}")
    return "\n".join(out)


def student_notebook(nb):
    """A copy of ``nb`` with solutions stubbed, outputs cleared, solution cells unfolded, book-only prose dropped."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _BOOK_ONLY.sub("", cell.source)
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source)
        cell.outputs = []
        cell.execution_count = None
        tags = [t for t in cell.metadata.get("tags", []) if t not in ("hide-input", "solution")]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    nb.metadata.pop("widgets", None)
    return nb


def make_student_edition(source: Path, dest: Path) -> list[Path]:
    """Write the student version of every notebook in ``source`` to ``dest``; return the paths."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(source).glob("*.ipynb")):
        target = dest / path.name
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else Path("notebooks")
    dest = Path(argv[1]) if len(argv) > 1 else Path("dist/student")
    for path in make_student_edition(source, dest):
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
