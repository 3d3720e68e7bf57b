"""The bridge to nbgrader: the chapter notebooks as an nbgrader course source.

Each chapter becomes an assignment ``source/<chapter>/<chapter>.ipynb`` with
nbgrader's cell metadata: answer cells (those with ``### BEGIN SOLUTION``, the
marker nbgrader itself uses) are solution cells; every check cell becomes an
autograded test cell that *asserts* the check passed, worth the exercise's
points; every other code cell is locked. ``nbgrader generate_assignment``
then writes the student version, and ``nbgrader autograde`` gives the points.

nbgrader runs the tests in the student's own kernel, so it has none of
``make grade``'s protections (a student can redefine ``check``); use it when
the course already lives in nbgrader, and ``make grade`` for marks that count.

nbgrader itself (pinned in ``requirements-nbgrader.txt``) goes into a venv of
its own layered on the project's (:func:`layered_venv`), so the project's pins
stay untouched.

Usage::

    python -m gradnotes.classroom.nbgrader [NOTEBOOKS_DIR] [COURSE_DIR] [VENV]
    # default notebooks/ -> dist/nbgrader/, nbgrader in _build/nbgrader-venv
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat

from ..check import CHAPTERS
from ._assemble import answer_functions
from .student import BEGIN

__all__ = ["course_notebook", "write_course", "layered_venv", "CONFIG"]

_ROOT = Path(__file__).resolve().parents[2]

#: ``nbgrader_config.py`` of the written course.
CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "gradnotes"
c.ClearSolutions.code_stub = dict(python='raise NotImplementedError("replace this line with your answer")')
"""

_CHECK = re.compile(r"^check\.(\w+)\((\w+)\)\s*$")


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = dict(grade=grade, grade_id=grade_id, locked=locked, schema_version=3, solution=solution, task=False)
    if points is not None:
        meta["points"] = points
    return meta


def course_notebook(master):
    """The chapter notebook with nbgrader metadata (solution, autograded test and locked cells)."""
    nb = nbformat.from_dict(master)
    chapter = {ex.name: ex for exercises in CHAPTERS.values() for ex in exercises}
    functions = answer_functions(nb)
    for k, cell in enumerate(nb.cells):
        cell.metadata.pop("tags", None)
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        match = _CHECK.match(cell.source.strip())
        if BEGIN in cell.source:
            cell.metadata["nbgrader"] = _meta(f"answer-{cell.get('id', k)}", solution=True)
        elif match and match.group(1) in chapter and functions.get(match.group(1)) == match.group(2):
            ex = chapter[match.group(1)]
            cell.source = (f"result = check.{ex.name}({match.group(2)})\nprint(result)\n"
                           "assert result.passed, \"see the check's message above\"")
            cell.metadata["nbgrader"] = _meta(f"check-{ex.number.replace('.', '_')}", grade=True, locked=True,
                                              points=ex.points)
        else:
            cell.metadata["nbgrader"] = _meta(f"locked-{cell.get('id', k)}", locked=True)
    nb.metadata.pop("widgets", None)
    return nb


def write_course(notebooks: Path, course: Path, chapters=None) -> list[Path]:
    """Write ``course/source/<chapter>/<chapter>.ipynb`` and ``nbgrader_config.py``; return the notebooks."""
    chapters = list(chapters or CHAPTERS)
    course = Path(course)
    written = []
    for chapter in chapters:
        target = course / "source" / chapter / f"{chapter}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(course_notebook(nbformat.read(Path(notebooks) / f"{chapter}.ipynb", as_version=4)), target)
        written.append(target)
    (course / "nbgrader_config.py").write_text(CONFIG)
    return written


def layered_venv(venv: Path) -> Path:
    """A venv at ``venv`` that sees this one's packages, with nbgrader's pinned extras installed; its ``bin``."""
    venv = Path(venv).resolve()
    done = venv / ".installed"
    requirements = _ROOT / "requirements-nbgrader.txt"
    if done.exists() and done.stat().st_mtime >= requirements.stat().st_mtime:
        return venv / "bin"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "zz_gradnotes_project.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(requirements), "-c", str(_ROOT / "constraints.txt")], check=True)
    done.touch()
    return venv / "bin"


def main(argv: list[str]) -> None:
    notebooks = Path(argv[0]) if argv else Path("notebooks")
    course = Path(argv[1]) if len(argv) > 1 else Path("dist/nbgrader")
    venv = Path(argv[2]) if len(argv) > 2 else Path("_build/nbgrader-venv")
    for path in write_course(notebooks, course):
        print(f"wrote {path}")
    bin_dir = layered_venv(venv)
    print(f"nbgrader is in {bin_dir}; then: cd {course} && export PATH={bin_dir}:$PATH && "
          "nbgrader generate_assignment <chapter> && nbgrader autograde <chapter> --create")


if __name__ == "__main__":
    main(sys.argv[1:])
