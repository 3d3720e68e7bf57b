"""Grade submitted notebooks: each in its own sandbox, judged by the teacher's checks in the grader.

For every notebook under ``SUBMISSIONS_DIR`` the grader assembles the teacher's
copy of its chapter with the student's answer cells, runs it in a sandboxed
kernel, and then runs the real checks here, calling the student's answers in
the sandbox on fresh inputs and receiving plain data only (see
:mod:`._judge`, :mod:`._sandbox`, :mod:`._wire`). A broken, endless or
hostile submission costs its author points, never the run.

Usage::

    python -m gradnotes.classroom.grade SUBMISSIONS_DIR [--out grades] [--jobs 2] [--timeout 600]
        [--cell-timeout 60] [--class-list students.txt] [--teacher notebooks]

Writes, in ``--out`` (after every submission, so nothing is lost; a rerun
resumes and grades only new or changed files): ``grades.csv`` (one row per
submission and exercise), ``totals.csv``, ``grades.json``, ``report.html``
(with the roster section), ``feedback/<file>.html`` per submission and
``executed/<file>.ipynb``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

import gradnotes

from ..check import CHAPTERS
from . import _report
from ._roster import Submission, scan
from ._sandbox import Limits, _isolated, free_uids, kill_processes, marker, prepare_library

__all__ = ["grade_directory", "summary", "FIELDS", "Limits"]

FIELDS = _report.FIELDS
_TEACHER = Path(gradnotes.__file__).resolve().parents[1] / "notebooks"


def _fingerprint(teacher: Path, limits: Limits, experiments: bool) -> str:
    """Results are reused on a rerun only if the checks, the teacher's notebooks and the settings are the same."""
    h = hashlib.sha256(json.dumps([asdict(limits), experiments], sort_keys=True).encode())
    for path in sorted((Path(gradnotes.__file__).parent / "check").glob("*.py")) + sorted(teacher.glob("*.ipynb")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def _failed(sub: Submission, why: str) -> dict:
    exercises = [dict(exercise=ex.name, number=ex.number, title=ex.title, status="error", message=why,
                      cases_passed=0, cases_total=0, points=0, max_points=ex.points) for ex in CHAPTERS[sub.chapter]]
    return dict(key=sub.key, student=sub.student, file=sub.file, chapter=sub.chapter, sha256=sub.sha256, notes=[why],
                isolation={}, flags=[], exercises=exercises, points=0,
                max_points=sum(e["max_points"] for e in exercises), seconds=0.0)


class _Pool:
    """Job slots (each with its own sandbox user id) and the worker processes running in them."""

    def __init__(self, out: Path, scratch: Path, library: Path, teacher: Path, limits: Limits, settings: dict,
                 experiments: bool):
        self.out, self.scratch, self.library, self.teacher = out, scratch, library, teacher
        self.limits, self.settings, self.experiments = limits, settings, experiments
        self.slots: queue.Queue = queue.Queue()
        self.running: dict[int, subprocess.Popen] = {}
        self.uids: dict[int, int] = {}

    def grade(self, sub: Submission) -> dict:
        slot = self.slots.get()
        try:
            return self._grade_in(slot, sub)
        finally:
            self.slots.put(slot)

    def _grade_in(self, slot: int, sub: Submission) -> dict:
        result_path = self.out / "results" / f"{sub.key}.json"
        job = dict(path=str(sub.path), file=sub.file, student=sub.student, chapter=sub.chapter, sha256=sub.sha256,
                   master=str(self.teacher / f"{sub.chapter}.ipynb"), scratch=str(self.scratch),
                   library=str(self.library), slot=slot, uid=self.uids.get(slot, 0), limits=asdict(self.limits),
                   settings=self.settings, experiments=self.experiments,
                   result=str(result_path), executed=str(self.out / "executed" / f"{sub.key}.ipynb"))
        job_path = self.scratch / f"job-{sub.key}.json"
        job_path.write_text(json.dumps(job))
        result_path.unlink(missing_ok=True)
        log = open(self.out / "logs" / f"{sub.key}.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", "gradnotes.classroom._worker", str(job_path)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        self.running[slot] = process
        why = ""
        try:
            process.wait(self.limits.timeout + 120)
        except subprocess.TimeoutExpired:
            why = "the grader stopped this submission's worker (over its time limit)"
        finally:
            process.kill()
            process.wait()
            log.close()
            self.running.pop(slot, None)
            self.sweep(slot, process.pid)
        try:
            result = json.loads(result_path.read_text())
        except (OSError, ValueError):
            return _failed(sub, why or f"the grader's worker for this file failed (exit {process.returncode}; "
                                       f"see logs/{sub.key}.log)")
        result["key"] = sub.key
        return result

    def stop(self) -> None:
        for slot, process in list(self.running.items()):
            process.kill()
            self.sweep(slot, process.pid)

    def sweep(self, slot: int, worker_pid: int) -> None:
        """Nothing of a job survives it: processes of its box user (as root), or carrying its worker's marker."""
        if slot in self.uids:
            kill_processes(uid=self.uids[slot])
        kill_processes(marker=marker(worker_pid))


def grade_directory(submissions: Path, out: Path, *, teacher: Path | None = None, jobs: int = 1,
                    limits: Limits | None = None, students: list[str] | None = None, experiments: bool = True,
                    progress=None) -> list[dict]:
    """Grade every notebook under ``submissions`` into the folder ``out``; return the results (one per file).

    ``experiments=False`` leaves out the teacher's experiment cells (see :func:`._assemble.assemble`).
    """
    teacher = Path(teacher) if teacher is not None else _TEACHER
    limits = limits or Limits()
    out = Path(out)
    for sub_dir in ("results", "logs", "executed", "feedback"):
        (out / sub_dir).mkdir(parents=True, exist_ok=True)
    roster = scan(submissions, CHAPTERS, students=students)
    settings = dict(fingerprint=_fingerprint(teacher, limits, experiments), jobs=jobs, experiments=experiments,
                    **asdict(limits))
    results, todo = [], []
    for sub in roster.submissions:
        previous = _previous(out, sub, settings["fingerprint"])
        (results if previous else todo).append(previous or sub)
    _report.write_all(out, results, roster.problems, settings)
    scratch = Path(tempfile.mkdtemp(prefix="gradnotes-grading-"))
    os.chmod(scratch, 0o711)
    pool = _Pool(out, scratch, prepare_library(scratch / "lib"), teacher, limits, settings, experiments)
    if _isolated():
        pool.uids = dict(enumerate(free_uids(max(1, jobs))))
    for slot in range(max(1, jobs)):
        pool.slots.put(slot)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as executor:
            futures = {executor.submit(pool.grade, sub): sub for sub in todo}
            for done, future in enumerate(as_completed(futures), 1):
                result = future.result()
                results.append(result)
                _report.write_all(out, results, roster.problems, settings)
                if progress:
                    progress(f"[{done}/{len(todo)}] {result['file']}: {result['points']} of "
                             f"{result['max_points']} points ({result['seconds']:.1f} s)")
    finally:
        pool.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return sorted(results, key=lambda r: r["file"])


def _previous(out: Path, sub: Submission, fingerprint: str) -> dict | None:
    """The stored result of an unchanged file graded with the same settings, if any (a rerun resumes)."""
    try:
        result = json.loads((out / "results" / f"{sub.key}.json").read_text())
    except (OSError, ValueError):
        return None
    if result.get("sha256") != sub.sha256 or result.get("settings", {}).get("fingerprint") != fingerprint:
        return None
    result["key"] = sub.key
    return result


def summary(results: list[dict]) -> str:
    """One line per submission: points and exercises passed."""
    lines = []
    for r in results:
        passed = sum(e["status"] == "passed" for e in r["exercises"])
        lines.append(f"{r['file']} ({r['student']}): {r['points']} of {r['max_points']} points, "
                     f"{passed} of {len(r['exercises'])} passed")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m gradnotes.classroom.grade", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, default=Path("grades"), help="folder of the report (default: grades)")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time")
    parser.add_argument("--timeout", type=int, default=Limits.timeout, help="seconds per submission")
    parser.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout,
                        help="seconds per cell and per call of an answer")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb, help="memory per sandbox process")
    parser.add_argument("--class-list", type=Path, help="one student name per line: lists who handed in nothing")
    parser.add_argument("--teacher", type=Path, default=_TEACHER, help="the teacher's notebooks (with solutions)")
    parser.add_argument("--skip-experiments", action="store_true",
                        help="do not run the chapters' experiment cells (before '## Exercises'): much faster")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"SUBMISSIONS={args.submissions} is not a directory")
    for name in ("jobs", "timeout", "cell_timeout", "memory_mb"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')}={getattr(args, name)}: must be a whole number >= 1")
    students = None
    if args.class_list:
        students = [s.strip() for s in args.class_list.read_text().splitlines() if s.strip()]
    limits = Limits(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory_mb)
    started = time.monotonic()
    results = grade_directory(args.submissions, args.out, teacher=args.teacher, jobs=args.jobs, limits=limits,
                              students=students, experiments=not args.skip_experiments,
                              progress=lambda line: print(line, flush=True))
    print(summary(results))
    print(f"graded {len(results)} notebooks in {time.monotonic() - started:.0f} s; "
          f"report: {args.out / 'report.html'}, table: {args.out / 'grades.csv'}")


if __name__ == "__main__":
    main(sys.argv[1:])
