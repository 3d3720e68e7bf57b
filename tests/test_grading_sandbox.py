"""A class of crafted submissions, graded for real: honest ones exactly right, cheaters no credit, nothing leaks.

One run of ``grade_directory`` (chapter 1 without its experiments, four jobs, short limits) grades every
submission below; the tests read its report. Each cheat's answers are the
student edition's stubs plus the cheat, so any point it gets is a point it did
not earn.
"""

import csv
import hashlib
import importlib.util
import json
import os
import subprocess
import tempfile
import time
import types
from pathlib import Path

import nbformat
import pytest

from gradnotes.classroom._report import FIELDS
from gradnotes.classroom import grade as grade_module
from gradnotes.classroom._sandbox import Limits, box_processes, marker
from gradnotes.classroom.grade import grade_directory
from gradnotes.classroom.student import student_notebook

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="the sandbox needs Linux")

#: As root the sandbox has its own user, root folder and network namespace. Without root, a submission runs as the
#: teacher: the cheats that only isolation stops (and the killer, whose kill(-1) would hit the test run) are left out.
ISOLATED = os.geteuid() == 0
NEEDS_ISOLATION = {"kit", "vandal", "editor", "stealer"}

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_why_depth_multiplies"

def _short(nb):
    """The chapter without its experiments (imports, then the exercises): the same grading, in a third of the time."""
    nb = nbformat.from_dict(nb)
    first = next(k for k, c in enumerate(nb.cells) if c.source.startswith("from gradnotes import check"))
    imports = next(k for k, c in enumerate(nb.cells)  # the first code cell after the (hidden) install cell
                   if c.cell_type == "code" and "gradnotes-install" not in c.metadata.get("tags", []))
    nb.cells = [c for k, c in enumerate(nb.cells) if k >= first or c.cell_type == "markdown" or k == imports]
    return nb


def _per_student(nb):
    """The chapter as tools/per_student_exercises.py makes it (a no-op once the notebooks have been edited)."""
    spec = importlib.util.spec_from_file_location("per_student_exercises", ROOT / "tools" / "per_student_exercises.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    done, problems = tool.edit(nb, CHAPTER)
    assert not problems, problems
    return nb


MASTER = _short(_per_student(nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)))
STUDENT = student_notebook(MASTER)
ANSWERS = {"1.1": "predict_chain_bound", "1.2": "chain_derivative", "1.3": "smallest_width"}
LIMITS = Limits(timeout=60, cell_timeout=4, memory_mb=1500, grace=1.5, output_kb=64)
JOBS = 4  # more than the 2 cores: much of a sandbox's time is waiting (start-up, time limits)


def _answer_cell(nb, function):
    return next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source)


def solved(*numbers, base=STUDENT):
    """The student edition with the teacher's answers to ``numbers`` pasted in."""
    nb = nbformat.from_dict(base)
    for n in numbers:
        _answer_cell(nb, ANSWERS[n]).source = _answer_cell(MASTER, ANSWERS[n]).source
    return nb


def answered(number, source, base=None):
    """``base`` (default: everything solved) with the answer cell of ``number`` replaced by ``source``."""
    nb = nbformat.from_dict(base if base is not None else solved("1.1", "1.2", "1.3"))
    _answer_cell(nb, ANSWERS[number]).source = source
    return nb


def added(source, base=None, after="from gradnotes import check"):
    """``base`` with a cell of the student's own inserted after the cell that starts with ``after``."""
    nb = nbformat.from_dict(base if base is not None else solved("1.1", "1.2", "1.3"))
    i = next(k for k, c in enumerate(nb.cells) if c.source.startswith(after))
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source))
    return nb


def _digest(paths):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for base in paths for p in sorted(base.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _class(tmp: Path):
    """Every submission of the class, and the secret a cheat tries to read or destroy."""
    subs, secret = tmp / "submissions", tmp / "teacher" / "secret.txt"
    subs.mkdir()
    secret.parent.mkdir()
    nbformat.write(MASTER, secret.parent / f"{CHAPTER}.ipynb")
    secret.write_text("the teacher's private notes")
    done = ("1.1", "1.2", "1.3")
    honest = {
        "ada": solved(*done),
        "ben": STUDENT,
        "cyd": solved("1.2"),
        "dee": answered("1.2", "def chain_derivative(phi, dphi, x0, weight, depth):\n    return weight ** depth"),
        "eli": added("raise RuntimeError('my code is broken')"),
        "fay": answered("1.2", "def chain_derivative(phi, dphi, x0, weight, depth):\n    while True:\n        pass"),
        "gus": answered("1.2", "def chain_derivative(phi, dphi, x0, weight, depth):\n    import signal\n"
                               "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass"),
        "hal": added("hog = bytearray(4 * 1024**3)"),
        "ida": added("for _ in range(200_000):\n    print('x' * 1000)"),
        "jon": answered("1.2", "def chain_derivative(phi, dphi, x0, weight, depth)\n    return 1"),
        "kit": added("import os, signal\nfor sig in (signal.SIGTERM, signal.SIGKILL):\n    try:\n"
                     "        os.kill(os.getppid(), sig)\n    except OSError:\n        pass\n"
                     "os.kill(-1, signal.SIGKILL)"),
        "lea": added("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                     "        while True:\n            time.sleep(0.1)\n    os._exit(0)"),
    }
    vandal = (f"import glob, os\nfor p in glob.glob('../**/*.ipynb', recursive=True) + glob.glob({str(subs)!r} + '/*')"
              f" + [{str(secret)!r}]:\n    try:\n        open(p, 'w').write('vandalized')\n    except OSError:\n"
              "        pass")
    package = (f"import gradnotes, pathlib\nfor d in (pathlib.Path(gradnotes.__file__).parent, "
               f"pathlib.Path({str(ROOT / 'gradnotes')!r})):\n    for p in list(d.rglob('*.py')):\n        try:\n"
               "            p.write_text('raise SystemExit')\n        except OSError:\n            pass")
    planter = ("import os, pathlib\nfor d in ('.', '..', '/tmp'):\n    try:\n"
               "        pathlib.Path(d, 'numpy.py').write_text('raise SystemExit')\n"
               "        pathlib.Path(d, 'gradnotes').mkdir(exist_ok=True)\n"
               "        pathlib.Path(d, 'gradnotes', '__init__.py').write_text('raise SystemExit')\n"
               "    except OSError:\n        pass")
    mime = "application/vnd.gradnotes.check+json"
    fake = ("from IPython.display import display\nfor n, e in [('1.1', 'sigmoid_chain_bound'), ('1.2', 'chain_derivative'),"
            " ('1.3', 'width_for_one_percent')]:\n    display({'text/plain': 'passed', "
            f"{mime!r}: dict(exercise=e, number=n, status='passed', cases_passed=1, cases_total=1, message='')}}, raw=True)")
    steal = (f"import glob, json\nfor p in glob.glob('*.ipynb') + glob.glob('../*.ipynb') + glob.glob({str(subs)!r} + "
             f"'/*.ipynb') + glob.glob({str(ROOT / 'notebooks')!r} + '/*.ipynb') + glob.glob('/work/**/*.ipynb', "
             "recursive=True):\n    for c in json.load(open(p))['cells']:\n        if 'BEGIN SOLUTION' in ''.join(c['source']):\n"
             "            exec(''.join(c['source']))")
    frames = ("def chain_derivative(phi, dphi, x0, weight, depth):\n    import sys\n    f = sys._getframe(1)\n"
              "    while f is not None:\n        for k in ('expected', 'want'):\n            if k in f.f_locals:\n"
              "                return f.f_locals[k]\n        if 'cases' in f.f_locals:\n"
              "            f.f_locals['cases'].case = lambda ok, msg: None\n        f = f.f_back\n"
              "    raise NotImplementedError")
    everything = ("class Anything(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
                  "    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n\n"
                  "class Everything:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
                  "    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n    def __float__(self):\n        return 7.0\n\n"
                  "def predict_chain_bound(depth):\n    return Anything(7.0)\n\n"
                  "def chain_derivative(phi, dphi, x0, weight, depth):\n    return Everything()\n\n"
                  "def smallest_width(percent):\n    return Anything(7.0)")
    oracle = ("def predict_chain_bound(depth):\n    from gradnotes import check\n    for k in range(1, 60):\n"
              "        if check.sigmoid_chain_bound(lambda depth: 10.0 ** -k).status == 'passed':\n"
              "            return 10.0 ** -k\n    raise NotImplementedError")
    cheats = {
        "vandal": added(vandal, STUDENT),
        "editor": added(package, STUDENT),
        "planter": added(planter, STUDENT),
        "faker": added(fake, STUDENT),
        "redefiner": added("class check:\n    def __getattr__(self, name):\n        return lambda f: 'passed'\n"
                           "check = check()", STUDENT),
        "patcher": added("import gradnotes.check as c\nc.__getattr__ = lambda name: (lambda f: 'passed')", STUDENT),
        "stealer": added(steal, STUDENT),
        "framer": answered("1.2", frames, STUDENT),
        "equal": added(everything, STUDENT, after="# Hint: chains.lyapunov"),
        "oracle": answered("1.1", oracle, STUDENT),
        # the chapter's number (depth 20), not the student's own depth: a number copied from the book earns nothing
        "copier": answered("1.1", "def predict_chain_bound(depth):\n    return 0.25 ** 20", STUDENT),
        # the student's parameters reach the sandbox (check.parameters), but the answer is judged at them all the same
        "peeker": answered("1.1", "def predict_chain_bound(depth):\n    from gradnotes import check\n"
                                  "    assert check.parameters('sigmoid_chain_bound') == {'depth': depth}\n"
                                  "    return 0.25 ** 20", STUDENT),
    }
    if not ISOLATED:
        honest = {k: v for k, v in honest.items() if k not in NEEDS_ISOLATION}
        cheats = {k: v for k, v in cheats.items() if k not in NEEDS_ISOLATION}
    for name, nb in {**honest, **cheats}.items():
        nbformat.write(nb, subs / f"{name}_{CHAPTER}.ipynb")
    (subs / "numpy.py").write_text("raise SystemExit('planted')")
    (subs / "gradnotes").mkdir()
    (subs / "gradnotes" / "__init__.py").write_text("raise SystemExit('planted')")
    (subs / "notes.txt").write_text("=1+1")
    nbformat.write(STUDENT, subs / "scratch.ipynb")                                  # names no chapter
    (subs / "ada").mkdir()
    nbformat.write(solved(*done), subs / "ada" / f"{CHAPTER}.ipynb")                  # ada hands in twice
    wrong = _short(nbformat.read(ROOT / "notebooks" / "02_activations.ipynb", as_version=4))
    nbformat.write(wrong, subs / f"mo_{CHAPTER}.ipynb")                               # chapter 2 under chapter 1's name
    nbformat.write(solved(*done), subs / f"=HYPERLINK(1)_{CHAPTER}.ipynb")              # a formula for a name
    return subs, secret, honest, cheats


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    subs, secret, honest, cheats = _class(tmp)
    # the teacher's folder (the notebook graded against, a secret), the submissions, and the grader's own code;
    # not the rest of the repository, which others may be editing while this runs
    watched = [ROOT / "gradnotes" / "check", ROOT / "gradnotes" / "classroom", subs, secret.parent]
    before, tmp_before = _digest(watched), set(os.listdir("/tmp"))
    workers = []  # this run's worker processes: another grading run on the machine has boxes of its own

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            workers.append(self.pid)

    scratch = []

    def mkdtemp(**kwargs):
        scratch.append(tempfile.mkdtemp(**kwargs))
        return scratch[-1]

    real = grade_module.subprocess, grade_module.tempfile
    grade_module.subprocess = types.SimpleNamespace(**{**vars(subprocess), "Popen": Recorded})
    grade_module.tempfile = types.SimpleNamespace(mkdtemp=mkdtemp)
    started = time.monotonic()
    try:
        results = grade_directory(subs, tmp / "out", teacher=secret.parent, jobs=JOBS, limits=LIMITS,
                                  students=["ada", "ben", "zoe"])
    finally:
        grade_module.subprocess, grade_module.tempfile = real
    seconds = time.monotonic() - started
    return dict(results=results, workers=workers, scratch=scratch, out=tmp / "out", before=before, after=_digest(watched), watched=watched,
                tmp_before=tmp_before, seconds=seconds, honest=honest, cheats=cheats, subs=subs,
                teacher=secret.parent)


def _by_student(graded):
    return {r["file"].split("_01")[0]: r for r in graded["results"]}


def _statuses(r):
    return [e["status"] for e in r["exercises"]]


EXPECTED = {  # exactly what each honest student earns, by exercise
    "ada": ["passed", "passed", "passed"],
    "ben": ["not attempted"] * 3,
    "cyd": ["not attempted", "passed", "not attempted"],
    "dee": ["passed", "failed", "passed"],
    "eli": ["passed", "passed", "passed"],      # a cell that raises does not stop the others
    "fay": ["passed", "error", "passed"],       # stopped at the time limit; the rest still counts
    "gus": ["passed", "error", "passed"],       # ignores the interrupt: killed, and the rest still counts
    "hal": ["passed", "passed", "passed"],      # the memory hog is refused its memory
    "ida": ["passed", "passed", "passed"],      # a flood of output is cut, not kept
    "jon": ["passed", "error", "passed"],       # a syntax error costs that answer only
    "kit": ["passed", "passed", "passed"],      # cannot kill the grader; killing itself costs nothing else
    "lea": ["passed", "passed", "passed"],      # detached children are killed at the end
}


@pytest.mark.slow
def test_honest_students_get_exactly_what_they_earned(graded):
    by = _by_student(graded)
    for name, statuses in EXPECTED.items():
        if name not in graded["honest"]:
            continue
        assert _statuses(by[name]) == statuses, (name, by[name]["exercises"], by[name]["notes"])
        earned = sum(e["max_points"] for e, s in zip(by[name]["exercises"], statuses) if s == "passed")
        assert by[name]["points"] == earned
    assert "time limit" in by["fay"]["exercises"][1]["message"]
    assert "did not stop" in by["gus"]["exercises"][1]["message"]


@pytest.mark.slow
def test_cheaters_get_no_credit(graded):
    by = _by_student(graded)
    for name in graded["cheats"]:
        assert by[name]["points"] == 0, (name, by[name]["exercises"])
        assert "passed" not in _statuses(by[name]), name
    assert "return numbers" in by["equal"]["exercises"][1]["message"]
    assert "decade" in by["copier"]["exercises"][0]["message"] and by["peeker"]["exercises"][0]["status"] == "failed"


@pytest.mark.slow
def test_graded_feedback_names_the_failing_case_but_no_expected_value_or_direction(graded):
    dee = _by_student(graded)["dee"]["exercises"][1]
    assert dee["status"] == "failed" and "your function returned" in dee["message"]
    assert "expected" not in dee["message"] and "too " not in dee["message"]
    copier = _by_student(graded)["copier"]["exercises"][0]["message"]
    assert "too large" not in copier and "too small" not in copier


@pytest.mark.slow
def test_the_run_completes_and_leaves_nothing_behind(graded):
    assert len(graded["results"]) == len(graded["honest"]) + len(graded["cheats"]) + 3
    time.sleep(0.5)  # a detached child that survived would still be there
    uids = {int(r["isolation"]["user"].split()[1]) for r in graded["results"] if r["isolation"].get("user", "")[:3] == "uid"}
    assert len(uids) == (JOBS if ISOLATED else 0)
    for uid in uids:
        assert not box_processes(uid=uid)
    assert len(graded["workers"]) == len(graded["results"])
    for pid in graded["workers"]:  # the boxes of this run's workers (not those of another run on the machine)
        assert not box_processes(marker=marker(pid))
    assert graded["after"] == graded["before"], "a file outside the run's folder changed"
    new_in_tmp = set(os.listdir("/tmp")) - graded["tmp_before"]
    assert not [n for n in new_in_tmp if n.startswith(("numpy", "gradnotes.py"))], new_in_tmp
    assert graded["scratch"] and not any(os.path.exists(d) for d in graded["scratch"])  # the run's own folder is gone
    assert graded["seconds"] < 150


@pytest.mark.slow
def test_the_report_has_points_totals_feedback_and_the_roster(graded):
    out = graded["out"]
    with open(out / "grades.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == FIELDS and len(table) == 3 * len(graded["results"])
    assert all(not r["student"].startswith("=") and not r["message"].startswith(("=", "+", "-", "@"))
               for r in table)
    assert any(r["student"].startswith("'=HYPERLINK") for r in table)
    report = json.loads((out / "grades.json").read_text())
    kinds = {(p["kind"], p["file"] or p["student"]) for p in report["roster"]}
    assert ("non-notebook", "numpy.py") in kinds and ("non-notebook", "gradnotes/__init__.py") in kinds
    assert ("non-notebook", "notes.txt") in kinds and ("unknown", "scratch.ipynb") in kinds
    assert ("duplicate", f"{CHAPTER}.ipynb") not in kinds and ("duplicate", f"ada_{CHAPTER}.ipynb") in kinds
    assert ("missing", "zoe") in kinds and ("wrong-chapter", f"mo_{CHAPTER}.ipynb") in kinds
    totals = {t["student"]: t for t in report["totals"]}
    assert totals["ada"]["points"] == totals["ada"]["max_points"] == 10  # two submissions of 5 points
    for r in graded["results"]:
        assert (out / "feedback" / f"{r['key']}.html").exists() and (out / "executed" / f"{r['key']}.ipynb").exists()
    assert "Roster" in (out / "report.html").read_text()
    iso = report["isolation"]
    if os.geteuid() == 0:
        assert iso["network"].startswith("blocked") and iso["user"].startswith("uid")


@pytest.mark.slow
def test_a_rerun_resumes_and_regrades_only_what_changed(graded, tmp_path):
    subs = graded["subs"]
    nbformat.write(STUDENT, subs / f"zoe_{CHAPTER}.ipynb")
    started = time.monotonic()
    results = grade_directory(subs, graded["out"], teacher=graded["teacher"], jobs=JOBS, limits=LIMITS)
    assert time.monotonic() - started < 25  # one new notebook, everything else read back
    zoe = next(r for r in results if r["student"] == "zoe")
    assert _statuses(zoe) == ["not attempted"] * 3
    (subs / f"zoe_{CHAPTER}.ipynb").unlink()
