"""The classroom kit: student edition without solutions, and grading that survives bad submissions."""

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest

from gradnotes.check import EXERCISES, MIME
from gradnotes.classroom.grade import FIELDS, grade_directory
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
    dest = tmp_path_factory.mktemp("student")
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


def _fixture_submissions(folder: Path, student_dir: Path):
    name = "01_why_depth_multiplies.ipynb"
    master = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    student = nbformat.read(student_dir / name, as_version=4)
    nbformat.write(master, folder / f"ada_{name}")                      # everything solved
    nbformat.write(student, folder / f"ben_{name}")                     # handed in untouched
    partial = nbformat.from_dict(student)                               # solved 1.2 only
    i = next(k for k, c in enumerate(student.cells) if "def chain_derivative" in c.source)
    partial.cells[i].source = master.cells[i].source
    nbformat.write(partial, folder / f"cyd_{name}")
    raises = nbformat.from_dict(master)                                 # crashes right after the imports
    raises.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('my code is broken')"))
    nbformat.write(raises, folder / f"dee_{name}")
    loops = nbformat.from_dict(master)                                  # 1.2's answer never ends
    loops.cells[i].source = "def chain_derivative(phi, dphi, x0, weight, depth):\n    while True:\n        pass"
    nbformat.write(loops, folder / f"eve_{name}")
    nbformat.write(master, folder / "notes_from_a_student.ipynb")       # not a chapter of the book


@pytest.mark.slow
def test_grading_a_fixture_class(tmp_path, student_dir):
    subs = tmp_path / "submissions"
    subs.mkdir()
    _fixture_submissions(subs, student_dir)
    out = tmp_path / "grades.csv"
    rows = grade_directory(subs, out, timeout=60, cell_timeout=15)
    with open(out) as f:
        table = list(csv.DictReader(f))
    assert table == [{k: str(v) for k, v in r.items()} for r in rows] and list(table[0]) == FIELDS
    status = {(r["student"].split("_")[0], r["number"]): r["status"] for r in table}
    ch1 = ["1.1", "1.2", "1.3"]
    assert [status["ada", n] for n in ch1] == ["passed"] * 3
    assert [status["ben", n] for n in ch1] == ["not attempted"] * 3
    assert [status["cyd", n] for n in ch1] == ["not attempted", "passed", "not attempted"]
    # a cell that raises does not stop the others: the checks below it still ran
    assert [status["dee", n] for n in ch1] == ["passed"] * 3
    # the answer that never ends is stopped; the exercises around it still count
    assert [status["eve", n] for n in ch1] == ["passed", "error", "passed"]
    assert "time limit" in next(r["message"] for r in table if r["student"].startswith("eve") and r["number"] == "1.2")
    assert status["notes", ""] == "error"
    assert len(table) == 16
