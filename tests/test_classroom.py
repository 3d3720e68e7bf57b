"""The classroom kit: student edition without solutions, and grading that survives bad submissions."""

import re
from pathlib import Path

import nbformat
import pytest

from gradnotes.check import EXERCISES, MIME
from gradnotes.classroom.answer_key import answer_key
from gradnotes.classroom.student import BEGIN, END, STUB, make_student_edition, strip_solutions

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def solution_lines(nb):
    """Every non-blank line inside a solution block of a master notebook."""
    lines = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    """The student edition in ``<tmp>/notebooks``, beside a ``_build/cache`` that is the repository's: chapter 11
    reads its training grid from ``../_build/cache`` as in the repository (the grid costs minutes once, and
    nbval and the book reuse what this run computes)."""
    base = tmp_path_factory.mktemp("student")
    cache = ROOT / "_build" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (base / "_build").mkdir()
    (base / "_build" / "cache").symlink_to(cache, target_is_directory=True)
    dest = base / "notebooks"
    make_student_edition(ROOT / "notebooks", dest)
    return dest


def test_every_chapter_has_three_exercises_with_solutions():
    for path in MASTERS:
        nb = nbformat.read(path, as_version=4)
        blocks = sum(c.source.count(BEGIN) for c in nb.cells)
        checks = sum(bool(re.search(r"^check\.\w+\(", c.source, re.M)) for c in nb.cells if c.cell_type == "code")
        assert blocks >= 3 and checks >= 3, path.name


def test_master_notebooks_pass_every_check():
    # the stored outputs are what nbval re-checks; here: every check in them passed
    seen = set()
    for path in MASTERS:
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                data = out.get("data", {}).get(MIME)
                if data:
                    assert data["status"] == "passed", (path.name, data)
                    seen.add(data["exercise"])
    assert seen == set(EXERCISES)


def test_no_solution_text_in_the_student_edition(student_dir):
    for path in MASTERS:
        secret = [l for l in solution_lines(nbformat.read(path, as_version=4)) if len(l) > 8]
        assert secret, path.name
        text = (student_dir / path.name).read_text()
        leaked = [l for l in secret if l in text]
        assert not leaked, (path.name, leaked)
        assert BEGIN not in text and STUB.split("(")[0] in text


def test_student_edition_clears_outputs_and_keeps_checks(student_dir):
    for path in MASTERS:
        nb = nbformat.read(student_dir / path.name, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert sum(c.source.startswith("check.") for c in nb.cells) >= 3
        assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)


def test_strip_solutions_keeps_indentation_and_refuses_unclosed_blocks():
    src = "def f(x):\n    # hint\n    ### BEGIN SOLUTION\n    y = 2 * x\n    return y\n    ### END SOLUTION\n"
    assert strip_solutions(src) == f"def f(x):\n    # hint\n    {STUB}"
    with pytest.raises(ValueError, match="END SOLUTION"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def _execute(path, timeout=600):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.mark.slow
def test_student_notebooks_run_top_to_bottom_and_say_not_attempted(student_dir):
    for path in sorted(student_dir.glob("*.ipynb")):
        nb = _execute(path)  # raises if any cell errors
        statuses = [out["data"][MIME]["status"] for c in nb.cells for out in c.get("outputs", [])
                    if MIME in out.get("data", {})]
        assert len(statuses) >= 3 and set(statuses) == {"not attempted"}, path.name


def test_the_student_edition_does_not_promise_folded_solutions(student_dir):
    for path in MASTERS:
        text = (student_dir / path.name).read_text()
        assert "folded" not in text, path.name


def test_the_answer_key_has_every_exercise_its_points_and_solution():
    key = answer_key(ROOT / "notebooks")
    for ex in EXERCISES.values():
        assert f"### {ex.number} {ex.title} ({ex.points} point" in key
    for path in MASTERS:
        lines = [l for l in solution_lines(nbformat.read(path, as_version=4)) if len(l) > 8]
        assert all(l in key for l in lines), path.name
    assert BEGIN not in key and "Rubric" in key
