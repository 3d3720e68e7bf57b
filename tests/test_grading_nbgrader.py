"""The nbgrader bridge: nbgrader's own generate_assignment and autograde accept the course and give the points."""

import csv
import importlib.util
import os
import subprocess
from pathlib import Path

import nbformat
import pytest

from gradnotes.check import CHAPTERS
from gradnotes.classroom.nbgrader import course_notebook, layered_venv, write_course
from gradnotes.classroom.student import BEGIN

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_why_depth_multiplies"
MASTER = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
_spec = importlib.util.spec_from_file_location("per_student_exercises", ROOT / "tools" / "per_student_exercises.py")
_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tool)
assert not _tool.edit(MASTER, CHAPTER)[1]  # the chapter as the tool makes it (a no-op once the notebooks are edited)


def test_cells_get_nbgrader_metadata_and_checks_become_assertions():
    nb = course_notebook(MASTER)
    meta = [c.metadata["nbgrader"] for c in nb.cells if c.cell_type == "code"]
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(solutions) == 3 and all(BEGIN in c.source for c in solutions)
    assert [c.metadata["nbgrader"]["points"] for c in tests] == [ex.points for ex in CHAPTERS[CHAPTER]]
    assert all("assert result.passed" in c.source for c in tests)
    assert all(m["locked"] for m in meta if not m["solution"]) and len({m["grade_id"] for m in meta}) == len(meta)


def _nbgrader(bin_dir, course, *args):
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_nbgrader_generates_and_autogrades_a_solved_and_an_untouched_notebook(tmp_path):
    try:
        bin_dir = layered_venv(ROOT / "_build" / "nbgrader-venv")
    except subprocess.CalledProcessError as error:  # pragma: no cover - needs the package index
        pytest.skip(f"nbgrader could not be installed: {error}")
    course = tmp_path / "course"
    teacher = tmp_path / "notebooks"
    teacher.mkdir()
    nbformat.write(MASTER, teacher / f"{CHAPTER}.ipynb")
    write_course(teacher, course, chapters=[CHAPTER])
    done = _nbgrader(bin_dir, course, "generate_assignment", CHAPTER, "--force")
    assert done.returncode == 0, done.stderr[-2000:]
    release = nbformat.read(course / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    assert BEGIN not in nbformat.writes(release) and "return 0.25 ** 20" not in nbformat.writes(release)
    solved = nbformat.from_dict(release)
    answers = {c.get("id"): c.source for c in MASTER.cells if BEGIN in c.source}
    for cell in solved.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[cell.get("id")]
    for student, nb in (("alice", solved), ("bob", release)):
        folder = course / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    done = _nbgrader(bin_dir, course, "autograde", CHAPTER, "--create", "--force")
    assert done.returncode == 0, done.stderr[-2000:]
    done = _nbgrader(bin_dir, course, "export", "--to", str(tmp_path / "grades.csv"))
    assert done.returncode == 0, done.stderr[-2000:]
    with open(tmp_path / "grades.csv", newline="") as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    assert scores == {"alice": (5.0, 5.0), "bob": (0.0, 5.0)}
