"""Grade one submission: run the assembled notebook in a sandbox, then run the teacher's checks here.

The checks run in this (trusted) process; each call of the student's answer
goes to the sandboxed kernel through :meth:`KernelSession.call` and comes back
as plain data. Nothing the kernel displays is read as a result. A cell that
ignores its interrupt is killed with the whole sandbox; the notebook is then
run again in a fresh sandbox without that cell, so the exercises around it
still count (at most ``RESTARTS`` times). The student's cells (answers and cells
they added) get ``Limits.cell_timeout`` each; the teacher's restored cells,
known to finish, only the submission's overall deadline (a loaded machine
must not cost a student the imports).

Graded feedback has no clues (no expected value, no direction: see
:meth:`gradnotes.check.Exercise.grade`), and numeric exercises are called with
the student's own parameters, drawn from the student's name; the sandbox gets
the same values (``check.parameters`` in the notebook).
"""

from __future__ import annotations

import time

import nbformat

from ..check import CHAPTERS
from ._assemble import answer_functions, assemble, is_students
from ._kernel import KernelSession, SandboxDied
from ._roster import Submission
from ._sandbox import Limits, Sandbox

__all__ = ["judge", "RESTARTS"]

RESTARTS = 2


def _exercise_row(ex, status, message="", passed=0, total=0):
    return dict(exercise=ex.name, number=ex.number, title=ex.title, status=status, message=message,
                cases_passed=passed, cases_total=total, points=ex.points if status == "passed" else 0,
                max_points=ex.points)


class _Run:
    """The sandbox of one submission, restarted (without the cells that hung) when it dies."""

    def __init__(self, sandbox: Sandbox, plan, deadline: float, notes: list):
        self.sandbox, self.plan, self.deadline, self.notes = sandbox, plan, deadline, notes
        self.skip: set[int] = set()
        self.session: KernelSession | None = None
        self.restarts = 0

    def ensure(self) -> KernelSession:
        """A live session that has run the notebook (once more, without hung cells, if the last one died)."""
        while self.session is None or self.session.dead:
            if self.session is not None:
                if self.restarts >= RESTARTS:
                    raise SandboxDied("the sandbox was stopped too often")
                self.restarts += 1
                self.session.close()
            self.session = KernelSession(self.sandbox).__enter__()
            self._run_cells()
        return self.session

    def _run_cells(self) -> None:
        limits = self.sandbox.limits
        for index, cell in enumerate(self.plan.notebook.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            if index in self.skip:
                cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="[skipped by the grader: this "
                                                       "cell did not stop when interrupted]\n")]
                continue
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.notes.append("the notebook ran past the submission's time limit; the rest was not run")
                return
            # the student's cells get CELL_TIMEOUT; the teacher's (known to finish) only the notebook's deadline
            limit = min(limits.cell_timeout, left) if is_students(cell) else left
            cell.outputs, how = self.session.run(cell.source, limit)
            if how == "interrupted":
                self.notes.append(f"cell {index + 1} ran longer than {limit:.0f} s and was interrupted")
            elif how in ("killed", "dead"):
                self.skip.add(index)
                self.notes.append(f"cell {index + 1} " + ("ignored its interrupt: the sandbox was killed"
                                                          if how == "killed" else "killed the kernel"))
                return

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def judge(sub: Submission, master, *, scratch, library, slot: int, limits: Limits, uid: int,
          experiments: bool = True) -> dict:
    """The result of one submission (a JSON-ready dict, with the executed notebook under ``"executed"``)."""
    started = time.monotonic()
    exercises = CHAPTERS[sub.chapter]
    result = dict(student=sub.student, file=sub.file, chapter=sub.chapter, sha256=sub.sha256, notes=[],
                  isolation={}, flags=[], exercises=[], executed=None)
    try:
        submission = nbformat.read(sub.path, as_version=4)
    except Exception as error:  # an unreadable file costs its author the chapter, not the run
        why = f"could not read the notebook: {type(error).__name__}: {str(error)[:200]}"
        result["exercises"] = [_exercise_row(ex, "error", why) for ex in exercises]
        return _finish(result, started)
    plan = assemble(master, submission, experiments=experiments)
    if plan.looks_like_another_notebook:
        result["flags"].append("wrong-chapter")
        result["notes"].append(f"none of {sub.chapter}'s answer functions is in this notebook: "
                               "is it another chapter's?")
    functions = answer_functions(master)
    values = {ex.name: ex.values(sub.student) for ex in exercises if ex.parameters}
    sandbox = Sandbox(scratch, library, slot, limits, sub.key[-8:], uid=uid, parameters=values)
    run = _Run(sandbox, plan, started + limits.timeout, result["notes"])
    try:
        for ex in exercises:
            if time.monotonic() > run.deadline:
                result["exercises"].append(_exercise_row(ex, "error", "not graded: the submission's time limit "
                                                                      f"({limits.timeout} s) was reached"))
                continue
            try:
                session = run.ensure()
            except SandboxDied as error:
                result["exercises"].append(_exercise_row(ex, "error", f"not graded: {error}"))
                continue
            check = ex.grade(session.caller(functions[ex.name]), sub.student)
            result["exercises"].append(_exercise_row(ex, check.status, check.message, check.cases_passed,
                                                     check.cases_total))
            _show(plan.notebook, ex.name, check)
        result["isolation"] = sandbox.isolation
    finally:
        run.close()
        sandbox.remove()
    result["executed"] = nbformat.writes(plan.notebook)
    return _finish(result, started)


def _show(nb, name: str, check) -> None:
    """In the executed notebook, the check cell shows the grader's verdict (not what the kernel displayed)."""
    bundle = {k: v for k, v in check._repr_mimebundle_().items() if k.startswith("text/")}
    for cell in nb.cells:
        if cell.cell_type == "code" and f"check.{name}(" in cell.source:
            cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]


def _finish(result: dict, started: float) -> dict:
    result["points"] = sum(e["points"] for e in result["exercises"])
    result["max_points"] = sum(e["max_points"] for e in result["exercises"])
    result["seconds"] = round(time.monotonic() - started, 2)
    return result
