"""The grading report: CSV and JSON tables, totals, a feedback page per submission, an overview page.

Every file is rewritten after each graded submission, through a temporary
file and a rename, so an interrupted run leaves complete files. CSV cells that
a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are prefixed with an apostrophe.

Examples
--------
>>> escape_cell("=HYPERLINK(\\"http://x\\")"), escape_cell("-2"), escape_cell(-2), escape_cell("passed")
('\\'=HYPERLINK("http://x")', "'-2", -2, 'passed')
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
from pathlib import Path

__all__ = ["FIELDS", "TOTAL_FIELDS", "escape_cell", "rows", "totals", "write_all"]

FIELDS = ["student", "file", "chapter", "exercise", "number", "status", "points", "max_points", "cases_passed",
          "cases_total", "message"]
TOTAL_FIELDS = ["student", "submissions", "points", "max_points"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STATUS_COLOR = {"passed": "#1a7f37", "failed": "#b3261e", "not attempted": "#6e6e6e", "error": "#b3261e"}


def escape_cell(value):
    """A CSV cell a spreadsheet shows as text, never evaluates."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows(results: list[dict]) -> list[dict]:
    """One row per (submission, exercise)."""
    out = []
    for r in results:
        for e in r["exercises"]:
            out.append({k: (r[k] if k in ("student", "file", "chapter") else e[k]) for k in FIELDS})
    return out


def totals(results: list[dict]) -> list[dict]:
    """Points per student over every submission graded."""
    by_student: dict[str, dict] = {}
    for r in results:
        t = by_student.setdefault(r["student"], dict(student=r["student"], submissions=0, points=0, max_points=0))
        t["submissions"] += 1
        t["points"] += r["points"]
        t["max_points"] += r["max_points"]
    return sorted(by_student.values(), key=lambda t: t["student"])


def _atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _csv(records: list[dict], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: escape_cell(v) for k, v in rec.items()} for rec in records)
    return buffer.getvalue()


def _table(header: list[str], body: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    lines = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


_STYLE = ("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}</style>")


def _status(s: str) -> str:
    return f'<strong style="color:{_STATUS_COLOR.get(s, "#000")}">{html.escape(s)}</strong>'


def feedback_html(r: dict) -> str:
    """The page a student gets back: each exercise's status, points, cases and what failed."""
    e = html.escape
    body = [[e(x["number"]), e(x["title"]), _status(x["status"]), f"{x['points']} / {x['max_points']}",
             f"{x['cases_passed']} of {x['cases_total']}" if x["cases_total"] else "", e(x["message"])]
            for x in r["exercises"]]
    notes = "".join(f"<li>{e(n)}</li>" for n in r["notes"])
    return (f"<!doctype html><meta charset='utf-8'><title>{e(r['student'])}: {e(r['chapter'])}</title>{_STYLE}"
            f"<h1>{e(r['chapter'])}</h1><p>Student: <strong>{e(r['student'])}</strong> (file {e(r['file'])}). "
            f"Points: <strong>{r['points']} of {r['max_points']}</strong>.</p>"
            + _table(["exercise", "title", "status", "points", "cases", "message"], body)
            + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""))


def overview_html(results: list[dict], problems: list[dict], isolation: dict, settings: dict) -> str:
    """The teacher's page: totals, one line per submission, the roster section, how the sandbox held."""
    e = html.escape
    subs = [[e(r["student"]), e(r["chapter"]), f"<a href='feedback/{e(r['key'])}.html'>{e(r['file'])}</a>",
             f"{r['points']} / {r['max_points']}", " ".join(_status(x["status"]) for x in r["exercises"]),
             e("; ".join(r["notes"]))] for r in results]
    tot = [[e(t["student"]), t["submissions"], f"{t['points']} / {t['max_points']}"] for t in totals(results)]
    prob = [[e(p["kind"]), e(p["student"]), e(p["file"]), e(p["detail"])] for p in problems]
    iso = "".join(f"<li>{e(k)}: {e(str(v))}</li>" for k, v in isolation.items())
    return (f"<!doctype html><meta charset='utf-8'><title>Grades</title>{_STYLE}<h1>Grades</h1>"
            f"<p>{len(results)} submissions graded; settings: {e(json.dumps(settings))}.</p>"
            "<h2>Totals</h2>" + _table(["student", "submissions", "points"], tot)
            + "<h2>Submissions</h2>" + _table(["student", "chapter", "file", "points", "exercises", "notes"], subs)
            + "<h2>Roster: files and students to look at</h2>"
            + (_table(["kind", "student", "file", "detail"], prob) if prob else "<p>Nothing to report.</p>")
            + f"<h2>Sandbox</h2><ul>{iso}</ul>")


def write_all(out: Path, results: list[dict], problems: list[dict], settings: dict) -> None:
    """Rewrite every table and page of the report in ``out`` (results sorted by file)."""
    out = Path(out)
    results = sorted(results, key=lambda r: r["file"])
    isolation = next((r["isolation"] for r in results if r.get("isolation")), {})
    problems = problems + [dict(kind=f, file=r["file"], student=r["student"], detail="; ".join(r["notes"]))
                           for r in results for f in r.get("flags", [])]
    _atomic(out / "grades.csv", _csv(rows(results), FIELDS))
    _atomic(out / "totals.csv", _csv(totals(results), TOTAL_FIELDS))
    _atomic(out / "grades.json", json.dumps(dict(settings=settings, isolation=isolation, submissions=results,
                                                 totals=totals(results), roster=problems), indent=1))
    for r in results:
        _atomic(out / "feedback" / f"{r['key']}.html", feedback_html(r))
    _atomic(out / "report.html", overview_html(results, problems, isolation, settings))
