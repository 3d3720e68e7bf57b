"""Grade submitted notebooks: run each in a fresh kernel with a time limit, read the checks' results.

Every ``check.<exercise>(answer)`` call displays a machine-readable result
(MIME type ``application/vnd.gradnotes.check+json``). The grader runs a
submission top to bottom with errors allowed, so one failing cell does not stop
the rest; a notebook that runs past its time limit is stopped, and every exercise
that produced no result counts as ``error``. A broken submission costs its
author points, never the grading run.

Usage::

    python -m gradnotes.classroom.grade SUBMISSIONS_DIR [--out grades.csv] [--timeout 600]

Writes one CSV row per (student file, exercise): ``student, notebook, exercise,
number, status, message``, and prints a summary per file.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from ..check import EXERCISES, MIME

__all__ = ["grade_notebook", "grade_directory", "FIELDS"]

FIELDS = ["student", "notebook", "exercise", "number", "status", "message"]


def _chapter(path: Path) -> str | None:
    """The chapter a submission belongs to, from its file name (``03_vanishing_gradients...``)."""
    chapters = {ex.chapter for ex in EXERCISES.values()}
    return next((c for c in sorted(chapters) if path.stem.startswith(c) or c in path.stem), None)


def grade_notebook(path: Path, *, timeout: int = 600, cell_timeout: int = 60) -> list[dict]:
    """Run one submission and return one row per exercise of its chapter.

    Stored outputs are cleared first, so only what runs now counts. A cell that
    runs past ``cell_timeout`` is interrupted and the rest still runs; past
    ``timeout`` for the whole notebook, the kernel is shut down.
    """
    path = Path(path)
    chapter = _chapter(path)
    expected = [ex for ex in EXERCISES.values() if ex.chapter == chapter]
    if not expected:
        return [dict(student=path.stem, notebook="", exercise="", number="", status="error",
                     message="not a chapter notebook of this book (unknown file name)")]
    stopped = ""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # an unreadable file costs its author the chapter, not the run
        nb, stopped = None, f"could not read the notebook: {type(error).__name__}: {error}"
    if nb is not None:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                                interrupt_on_timeout=True, resources={"metadata": {"path": str(path.parent)}})
        try:
            _run_with_deadline(client, timeout)
        except TimeoutError:
            stopped = f"stopped: the notebook ran longer than its time limit ({timeout} s)"
        except DeadKernelError:
            stopped = "stopped: the kernel died"
        except Exception as error:
            stopped = f"could not run: {type(error).__name__}: {error}"
    rows = []
    for ex in expected:
        status, message = _outcome(nb, ex.name, stopped, cell_timeout)
        rows.append(dict(student=path.stem, notebook=chapter, exercise=ex.name, number=ex.number,
                         status=status, message=message))
    return rows


def _outcome(nb, name: str, stopped: str, cell_timeout: int) -> tuple[str, str]:
    """Status and message of one exercise, from the outputs of its check cell."""
    cells = [c for c in (nb.cells if nb is not None else []) if c.cell_type == "code" and f"check.{name}(" in c.source]
    if not cells:
        return "error", stopped or "the check cell of this exercise is missing"
    for out in cells[-1].get("outputs", []):
        data = out.get("data", {}).get(MIME)
        if data:
            return data["status"], data["message"]
    for out in cells[-1].get("outputs", []):
        if out.get("output_type") == "error":
            if out.get("ename") == "KeyboardInterrupt":
                return "error", f"stopped: the answer ran longer than the time limit ({cell_timeout} s)"
            return "error", f"the check cell raised {out.get('ename')}: {out.get('evalue')}"
    return "error", stopped or "no result: the check cell did not run"


def _run_with_deadline(client: NotebookClient, timeout: int) -> None:
    """Execute with a wall-clock limit for the whole notebook (cells have their own limit too)."""
    import threading

    error: list[BaseException] = []

    def run():
        try:
            client.execute()
        except BaseException as exc:  # handed to the caller below
            error.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        km = client.km
        if km is not None:
            km.shutdown_kernel(now=True)
        worker.join(10)
        raise TimeoutError(f"over {timeout} s")
    if error:
        raise error[0]


def grade_directory(directory: Path, out: Path, *, timeout: int = 600, cell_timeout: int = 60) -> list[dict]:
    """Grade every ``*.ipynb`` under ``directory``; write the CSV to ``out``; return the rows."""
    rows = []
    for path in sorted(Path(directory).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        rows += grade_notebook(path, timeout=timeout, cell_timeout=cell_timeout)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def summary(rows: list[dict]) -> str:
    """One line per student file: exercises passed out of exercises set."""
    by_student: dict[str, list[dict]] = {}
    for r in rows:
        by_student.setdefault(r["student"], []).append(r)
    lines = []
    for student, rs in by_student.items():
        passed = sum(r["status"] == "passed" for r in rs)
        lines.append(f"{student}: {passed} of {len(rs)} passed")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m gradnotes.classroom.grade", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, default=Path("grades.csv"))
    parser.add_argument("--timeout", type=int, default=600, help="seconds per notebook")
    parser.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"SUBMISSIONS={args.submissions} is not a directory")
    rows = grade_directory(args.submissions, args.out, timeout=args.timeout, cell_timeout=args.cell_timeout)
    print(summary(rows))
    print(f"wrote {args.out} ({len(rows)} rows)")


if __name__ == "__main__":
    main(sys.argv[1:])
