"""The notebook that is run for a submission: the teacher's copy, with the student's answer cells.

As nbgrader does with locked cells, every code cell of the teacher's copy that
is not an answer cell (imports, experiments, check cells) is restored from the
teacher's copy; the student's version of it is ignored. An answer cell (one
with ``### BEGIN SOLUTION`` in the teacher's copy) comes from the submission,
matched by cell id, else by the function it defines; a missing one gets the
student edition's stub. Cells the student added are kept, in their place,
because an answer may use a helper of its own. Markdown is the teacher's.

Which function answers which exercise is read from the teacher's check cells
(``check.chain_derivative(chain_derivative)``), never from the submission.

With ``experiments=False`` the teacher's code cells between the first (the
imports) and the "## Exercises" heading are left out: the chapter's
experiments, which take most of the time and which no answer needs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import nbformat

from .student import BEGIN, strip_solutions

__all__ = ["Plan", "answer_functions", "assemble", "is_students"]

_DEF = re.compile(r"^def\s+(\w+)\s*\(", re.M)


def answer_functions(master) -> dict[str, str]:
    """exercise name -> name of the answer function, from the teacher's ``check.<exercise>(<function>)`` cells."""
    found = {}
    for cell in master.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"
                    and len(node.args) == 1 and isinstance(node.args[0], ast.Name)):
                found[node.func.attr] = node.args[0].id
    return found


@dataclass
class Plan:
    """The notebook to run, and what was taken from where."""

    notebook: object
    answers_found: list[str] = field(default_factory=list)
    answers_missing: list[str] = field(default_factory=list)
    added: int = 0
    restored: int = 0

    @property
    def looks_like_another_notebook(self) -> bool:
        return not self.answers_found


def _cell(source: str, origin: str, **kw):
    """A fresh code cell; ``metadata.gradnotes.origin`` says whose it is (the student's run under CELL_TIMEOUT)."""
    cell = nbformat.v4.new_code_cell(source, **kw)
    cell.metadata["gradnotes"] = {"origin": origin}
    return cell


def is_students(cell) -> bool:
    """Whether a cell of the assembled notebook came from the submission (an answer, or a cell the student added)."""
    return cell.get("metadata", {}).get("gradnotes", {}).get("origin") == "student"


def _defined(source: str) -> str | None:
    match = _DEF.search(source)
    return match.group(1) if match else None


def _experiments(master) -> set:
    """Ids of the teacher's code cells after the first one and before the "## Exercises" heading.

    The install cell (tagged ``gradnotes-install``, see tools/install_cell.py) is not "the first one":
    the imports are; the install cell is left out too (the sandbox has the package already).
    """
    code = [c for c in master.cells
            if c.cell_type == "code" and "gradnotes-install" not in c.get("metadata", {}).get("tags", [])]
    start = next((k for k, c in enumerate(master.cells)
                  if c.cell_type == "markdown" and c.source.lstrip().startswith("## Exercises")), None)
    if start is None:
        return set()
    return {c.get("id") for c in master.cells[:start] if c.cell_type == "code" and c is not code[0]}


def assemble(master, submission, *, experiments: bool = True) -> Plan:
    """Merge ``submission`` into the teacher's ``master`` (see the module docstring); outputs cleared."""
    skipped = set() if experiments else _experiments(master)
    own = [c for c in submission.cells if c.cell_type == "code"]
    teacher_ids = {c.get("id") for c in master.cells}
    by_id = {c.get("id"): c for c in own if c.get("id")}
    by_def = {}
    for c in own:
        by_def.setdefault(_defined(c.source), c)
    # cells the student added, each after the last known cell above it
    added_after: dict[str | None, list] = {}
    anchor = None
    for c in submission.cells:
        if c.get("id") in teacher_ids:
            anchor = c.get("id")
        elif c.cell_type == "code" and c.source.strip():
            added_after.setdefault(anchor, []).append(c)
    cells, plan = [], Plan(notebook=None)
    added = added_after.get(None, [])
    for t in master.cells:
        if t.cell_type == "code" and BEGIN in t.source:
            name = _defined(t.source)
            mine = by_id.get(t.get("id"))
            if mine is None or (name and _defined(mine.source) != name and name in by_def):
                mine = by_def.get(name) if name else None
            (plan.answers_found if mine is not None else plan.answers_missing).append(name or t.get("id"))
            source = mine.source if mine is not None else strip_solutions(t.source)
            cells.append(_cell(source, "student" if mine is not None else "teacher", id=t.get("id")))
        elif t.cell_type == "code" and t.get("id") in skipped:
            pass
        elif t.cell_type == "code":
            plan.restored += 1
            cells.append(_cell(t.source, "teacher", id=t.get("id")))
        else:
            cells.append(nbformat.from_dict(t))
        for extra in added_after.get(t.get("id"), []):
            cells.append(_cell(extra.source, "student"))
    for k, extra in enumerate(added):
        cells.insert(k, _cell(extra.source, "student"))
    plan.added = sum(len(v) for v in added_after.values())
    nb = nbformat.v4.new_notebook(cells=cells, metadata=dict(master.metadata))
    nb.metadata.pop("widgets", None)
    plan.notebook = nb
    return plan
