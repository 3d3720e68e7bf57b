"""Per-student parameters in the notebooks: tools/per_student_exercises.py edits copies, idempotently, and agrees
with the checks (the solution takes the exercise's parameters and still passes; the student edition's stub too)."""

import ast
import contextlib
import importlib.util
import io
import shutil
from pathlib import Path

import nbformat
import pytest

from gradnotes import check
from gradnotes.check import EXERCISES, MIME
from gradnotes.classroom._assemble import answer_functions
from gradnotes.classroom.student import BEGIN, student_notebook

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("per_student_exercises", ROOT / "tools" / "per_student_exercises.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)
_spec = importlib.util.spec_from_file_location("_test_check", ROOT / "tests" / "test_check.py")
_test_check = importlib.util.module_from_spec(_spec)  # its WRONG answers: plausible mistakes, each must fail
_spec.loader.exec_module(_test_check)


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebooks")
    for chapter in sorted(set(tool.EDITS) | set(tool.RECOUNTED)):
        shutil.copy(ROOT / "notebooks" / f"{chapter}.ipynb", folder)
    assert tool.main([str(folder)]) == 0
    return folder


def _signature(nb, function):
    for cell in nb.cells:
        if cell.cell_type == "code" and f"def {function}(" in cell.source:
            tree = ast.parse(cell.source)
            fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
            return [a.arg for a in fn.args.args]
    raise AssertionError(function)


def test_a_second_run_changes_nothing(edited):
    before = {p.name: p.read_bytes() for p in edited.glob("*.ipynb")}
    assert tool.main(["--check", str(edited)]) == 0
    assert tool.main([str(edited)]) == 0
    assert {p.name: p.read_bytes() for p in edited.glob("*.ipynb")} == before


def test_every_parametrized_exercise_is_edited_and_its_function_takes_the_parameters(edited):
    edited_chapters = set()
    for chapter in tool.EDITS:
        nb = nbformat.read(edited / f"{chapter}.ipynb", as_version=4)
        stub = student_notebook(nb)
        for name, function in answer_functions(nb).items():
            want = list(check.parameters(name))
            if want:
                edited_chapters.add(name)
                assert _signature(nb, function) == want == _signature(stub, function), (chapter, name)
                statement = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
                assert f'check.parameters("{name}")' in statement, name
    assert edited_chapters == {n for n, ex in EXERCISES.items() if ex.parameters}


def test_a_passage_changed_by_someone_else_is_reported_not_overwritten(edited):
    nb = nbformat.read(ROOT / "notebooks" / "04_exploding_gradients.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "d3bfb865")
    cell.source = "```{exercise} Investigate: something else\n```"
    done, problems = tool.edit(nb, "04_exploding_gradients")
    assert any("d3bfb865" in p for p in problems) and cell.source.startswith("```{exercise} Investigate: something")


def test_stored_check_results_are_what_the_new_checks_print(edited):
    for chapter in sorted(set(tool.EDITS) | set(tool.RECOUNTED)):
        nb = nbformat.read(edited / f"{chapter}.ipynb", as_version=4)
        for ex in check.CHAPTERS[chapter]:
            cell, _ = tool._check_cell(nb, ex.name)
            data = [o["data"][MIME] for o in cell.outputs if MIME in o.get("data", {})]
            assert [d["status"] for d in data] == ["passed"], (chapter, ex.name, data)
    for chapter, (cell_id, exercise) in tool.RECOUNTED.items():
        nb = nbformat.read(edited / f"{chapter}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if c.get("id") == cell_id)
        data = [o["data"][MIME] for o in cell.outputs if MIME in o.get("data", {})]
        assert data == [dict(exercise=exercise, number=EXERCISES[exercise].number, status="passed", cases_passed=2,
                             cases_total=2, message="")]


def test_an_error_stored_by_a_run_before_the_edit_is_replaced_by_the_solutions_result():
    nb = nbformat.read(ROOT / "notebooks" / "08_residual_connections.ipynb", as_version=4)
    cell, _ = tool._check_cell(nb, "residual_paths")
    error = check.CheckResult("residual_paths", "8.1", "how many paths", "error", message="TypeError")
    tool._store(cell, error._repr_mimebundle_())
    done, problems = tool.edit(nb, "08_residual_connections")
    assert not problems and tool._stored(cell)["status"] == "passed"
    assert "(1 of 1 case)" in cell.outputs[-1]["data"]["text/plain"]


#: The exercises parametrized last (constant answers before: 51, 1e-18, 12, 4e-4, 0.52), their chapter's wrong answers.
NEWLY_PARAMETRIZED = {
    "width_for_one_percent": ("01_why_depth_multiplies", lambda percent: 51),
    "sigmoid_vanishing_ratio": ("03_vanishing_gradients", lambda depth: 1e-18),
    "sigmoid_depth_threshold": ("03_vanishing_gradients", lambda gain: 12),
    "adam_lr_for_ratio": ("09_training_dynamics", lambda target: 4e-4),
    "adam_eps_rescue": ("11_myths_about_training", lambda seed: 0.52),
}
#: Two students whose parameters differ from each other's and the chapter's in every exercise above (and whose
#: tiny-epsilon runs do not end within 10.3's tolerance of the chapter's 52.0%, as ada's does).
STUDENTS = ("ben", "cyd")


def _solution(nb, exercise):
    """The chapter's answer function for ``exercise``: its imports cell and solution cell run, as a notebook would."""
    _, function = tool._check_cell(nb, exercise)
    imports = next(c for c in nb.cells if c.cell_type == "code" and "import gradnotes" in c.source
                   and "gradnotes-install" not in c.metadata.get("tags", []))
    solution = next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(imports.source + "\n" + solution.source, f"<{exercise}>", "exec"), namespace)  # noqa: S102
    return namespace[function]


def test_the_students_parameters_differ():
    for name in NEWLY_PARAMETRIZED:
        values = [check.parameters(name)] + [check.parameters(name, s) for s in STUDENTS]
        assert len({tuple(v.items()) for v in values}) == 3, (name, values)


@pytest.mark.parametrize("name", sorted(set(NEWLY_PARAMETRIZED) - {"adam_eps_rescue"}))
def test_an_edited_solution_passes_for_the_chapter_and_each_student_and_the_old_number_does_not(edited, name):
    chapter, wrong = NEWLY_PARAMETRIZED[name]
    nb = nbformat.read(edited / f"{chapter}.ipynb", as_version=4)
    answer, ex = _solution(nb, name), EXERCISES[name]
    assert ex(answer).status == "passed", repr(ex(answer))
    for student in STUDENTS:
        assert ex.grade(answer, student).status == "passed", (student, ex.values(student))
        assert ex.grade(wrong, student).status == "failed", (student, ex.values(student))
    assert ex.grade(_test_check.WRONG[name], STUDENTS[0]).status == "failed"


@pytest.mark.slow
def test_the_edited_tiny_epsilon_solution_passes_for_each_student(edited):
    chapter, wrong = NEWLY_PARAMETRIZED["adam_eps_rescue"]
    nb = nbformat.read(edited / f"{chapter}.ipynb", as_version=4)
    answer, ex = _solution(nb, "adam_eps_rescue"), check.adam_eps_rescue
    assert ex(answer).status == "passed"
    for student in STUDENTS:
        assert ex.grade(answer, student).status == "passed", (student, ex.values(student))
    assert ex.grade(wrong, STUDENTS[0]).status == "failed" and ex.grade(_test_check.WRONG["adam_eps_rescue"],
                                                                       STUDENTS[1]).status == "failed"


def _exercises_only(nb):
    """The imports and the exercises of a chapter (its experiments left out), as the grader's QUICK mode runs it."""
    nb = nbformat.from_dict(nb)
    heading = next(k for k, c in enumerate(nb.cells) if c.source.lstrip().startswith("## Exercises"))
    first = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and "import" in c.source
                 and "install" not in c.metadata.get("tags", []) and "remove-cell" not in c.metadata.get("tags", []))
    nb.cells = [c for k, c in enumerate(nb.cells) if k == first or k >= heading]
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ["01_why_depth_multiplies", "03_vanishing_gradients", "04_exploding_gradients",
                                     "09_training_dynamics", "10_myths_and_facts", "11_myths_about_training"])
def test_an_edited_chapter_runs_and_its_solutions_pass(edited, chapter, tmp_path):
    from nbclient import NotebookClient

    nb = _exercises_only(nbformat.read(edited / f"{chapter}.ipynb", as_version=4))
    assert sum(BEGIN in c.source for c in nb.cells) == 3
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    statuses = {o["data"][MIME]["exercise"]: o["data"][MIME]["status"] for c in nb.cells for o in c.get("outputs", [])
                if MIME in o.get("data", {})}
    assert statuses == {ex.name: "passed" for ex in check.CHAPTERS[chapter]}
