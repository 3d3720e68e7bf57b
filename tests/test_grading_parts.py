"""The grader's parts, one by one: the wire, the roster, the assembled notebook, the report's escaping."""

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gradnotes.check import CHAPTERS
from gradnotes.check._core import Phi
from gradnotes.classroom._assemble import answer_functions, assemble
from gradnotes.classroom._report import escape_cell, rows, totals
from gradnotes.classroom._roster import identify, scan
from gradnotes.classroom._wire import LIMITS, WireError, decode, encode, write_back
from gradnotes.classroom.student import student_notebook

ROOT = Path(__file__).resolve().parents[1]
MASTER = nbformat.read(ROOT / "notebooks" / "01_why_depth_multiplies.ipynb", as_version=4)


# --- the wire -----------------------------------------------------------------

@pytest.mark.parametrize("value", [None, True, 3, -2**62, 1.5, float("nan"), float("inf"), -0.0, "text",
                                   np.arange(6.0).reshape(2, 3), np.array([True, False]), np.int32(4),
                                   (1, [2.0, np.zeros(3, np.float32)]), []])
def test_plain_data_crosses_the_wire_unchanged(value):
    back = decode(json.loads(json.dumps(encode(value))))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    elif isinstance(value, float) and value != value:
        assert back != back
    elif isinstance(value, tuple):
        assert isinstance(back, tuple) and back[0] == 1 and isinstance(back[1], list)
    else:
        assert back == value and type(back) is type(value if not isinstance(value, np.integer) else int(value))


def test_the_grader_hands_over_activations_and_generators_by_description():
    assert encode(Phi("tanh", derivative=True)) == {"t": "phi", "name": "tanh", "derivative": True, "scalar": False}
    rng = np.random.default_rng(7)
    assert encode(rng)["state"] == rng.bit_generator.state
    with pytest.raises(WireError):
        encode(object())


@pytest.mark.parametrize("data, why", [
    ({"t": "int", "v": True}, "not an int"),
    ({"t": "bool", "v": 1}, "not a bool"),
    ({"t": "float", "v": 1.5}, "not a float"),
    ({"t": "pickle", "v": "gASV"}, "not 'pickle'"),
    ({"t": "array", "dtype": "|O", "shape": [1], "b64": ""}, "dtype"),
    ({"t": "array", "dtype": "<f8", "shape": [2], "b64": "AAAAAAAA8D8="}, "does not match"),
    ({"t": "array", "dtype": "<f8", "shape": [10**9], "b64": ""}, "larger than"),
    ({"t": "array", "dtype": "<f8", "shape": [-1], "b64": ""}, "shape"),
    ({"t": "str", "v": "x" * (LIMITS["string"] + 1)}, "longer"),
    ([1, 2], "not a tagged value"),
])
def test_the_wire_refuses_what_is_not_plain_data(data, why):
    with pytest.raises(WireError, match=why):
        decode(data)


def test_the_wire_refuses_deep_nesting():
    data = {"t": "none"}
    for _ in range(LIMITS["depth"] + 2):
        data = {"t": "list", "v": [data]}
    with pytest.raises(WireError, match="deeply"):
        decode(data)


def test_changes_made_in_place_in_the_sandbox_come_back():
    grads = [np.ones(3), np.ones((2, 2))]
    write_back(grads, [np.zeros(3), np.full((2, 2), 5.0)])
    assert grads[0].sum() == 0 and grads[1].sum() == 20


# --- the roster ---------------------------------------------------------------

@pytest.mark.parametrize("path, student, chapter", [
    ("alice_03_vanishing_gradients.ipynb", "alice", "03_vanishing_gradients"),
    ("03_vanishing_gradients-bob smith.ipynb", "bob_smith", "03_vanishing_gradients"),
    ("carol/03_vanishing_gradients.ipynb", "carol", "03_vanishing_gradients"),
    ("section1/dan/03_vanishing_gradients (2).ipynb", "dan", "03_vanishing_gradients"),
    ("03_vanishing_gradients.ipynb", "unknown", "03_vanishing_gradients"),
    ("eve_homework.ipynb", "eve_homework", None),
])
def test_students_and_chapters_come_from_file_and_folder_names(path, student, chapter):
    assert identify(Path(path), CHAPTERS) == (student, chapter)


def test_the_roster_lists_what_is_not_a_gradable_notebook(tmp_path):
    nb = nbformat.writes(student_notebook(MASTER))
    for name in ("ada_01_why_depth_multiplies.ipynb", "ada/01_why_depth_multiplies.ipynb", "x/notes.ipynb",
                 "numpy.py", "gradnotes/__init__.py", ".ipynb_checkpoints/ada_01_why_depth_multiplies.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(nb)
    roster = scan(tmp_path, CHAPTERS, students=["ada", "ben"])
    assert [s.file for s in roster.submissions] == ["ada/01_why_depth_multiplies.ipynb",
                                                    "ada_01_why_depth_multiplies.ipynb"]
    assert len({s.key for s in roster.submissions}) == 2
    kinds = sorted((p["kind"], p["file"] or p["student"]) for p in roster.problems)
    assert kinds == [("duplicate", "ada_01_why_depth_multiplies.ipynb"), ("missing", "ben"),
                     ("non-notebook", "gradnotes/__init__.py"), ("non-notebook", "numpy.py"),
                     ("unknown", "x/notes.ipynb")]


# --- the assembled notebook ---------------------------------------------------

def test_answer_functions_come_from_the_teachers_check_cells():
    assert answer_functions(MASTER) == {"sigmoid_chain_bound": "predict_chain_bound",
                                        "chain_derivative": "chain_derivative",
                                        "width_for_one_percent": "smallest_width"}


def test_teacher_cells_are_restored_answers_and_added_cells_kept():
    sub = student_notebook(MASTER)
    check_cell = next(c for c in sub.cells if c.source.startswith("check.chain_derivative("))
    check_cell.source = "print('passed')"                                       # a tampered check cell
    answer = next(c for c in sub.cells if "def chain_derivative(" in c.source)
    answer.source = "def chain_derivative(*a):\n    return helper()"
    answer["id"] = "changed0"                                                   # found by its function name
    sub.cells.insert(sub.cells.index(answer), nbformat.v4.new_code_cell("def helper():\n    return 1.0"))
    sub.cells = [c for c in sub.cells if not c.source.startswith("import numpy")]  # a deleted setup cell
    plan = assemble(MASTER, sub)
    sources = [c.source for c in plan.notebook.cells if c.cell_type == "code"]
    teacher = [c.source for c in MASTER.cells if c.cell_type == "code"]
    assert teacher[0] in sources and "check.chain_derivative(chain_derivative)" in sources
    assert "print('passed')" not in sources
    assert "def chain_derivative(*a):\n    return helper()" in sources and "def helper():\n    return 1.0" in sources
    assert sources.index("def helper():\n    return 1.0") < sources.index("check.chain_derivative(chain_derivative)")
    assert plan.answers_found and not plan.looks_like_another_notebook
    assert not any(c.get("outputs") for c in plan.notebook.cells if c.cell_type == "code")


def test_another_chapter_under_this_name_is_noticed():
    other = nbformat.read(ROOT / "notebooks" / "02_activations.ipynb", as_version=4)
    assert assemble(MASTER, other).looks_like_another_notebook


# --- the report ---------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_never_start_a_formula(cell):
    assert escape_cell(cell) == "'" + cell


def test_rows_and_totals_add_up():
    ex = dict(exercise="e", number="1.1", title="t", status="passed", message="", cases_passed=1, cases_total=1,
              points=2, max_points=2)
    result = dict(student="ada", file="a.ipynb", chapter="c", exercises=[ex, {**ex, "points": 0, "status": "failed"}],
                  points=2, max_points=4)
    assert len(rows([result, result])) == 4
    assert totals([result, {**result, "file": "b.ipynb"}]) == [dict(student="ada", submissions=2, points=4,
                                                                    max_points=8)]


def test_without_experiments_only_the_imports_and_the_exercises_run():
    plan = assemble(MASTER, student_notebook(MASTER), experiments=False)
    run = [c.source for c in plan.notebook.cells if c.cell_type == "code"]
    install = [c.source for c in MASTER.cells if "gradnotes-install" in c.metadata.get("tags", [])]
    code = [c.source for c in MASTER.cells if c.cell_type == "code" and c.source not in install]
    heading = next(k for k, c in enumerate(MASTER.cells) if c.source.startswith("## Exercises"))
    experiments = [c.source for c in MASTER.cells[1:heading] if c.cell_type == "code" and c.source not in install][1:]
    assert run[0] == code[0] and experiments and not any(e in run for e in experiments)
    assert install and not any(s in run for s in install)  # the sandbox has the package: no pip
    assert sum(s.startswith("check.") for s in run) == 3
