"""Pages with the book's live explorers, without building the book: for measuring the page engine.

``python -m benchmarks.live_pages OUT`` writes ``OUT/index.html`` (no explorer) and
one page per chapter that has live explorers. Each explorer is the very HTML its
notebook cell gives in the book build (``GRADNOTES_STATIC=1 GRADNOTES_LIVE=1``:
:func:`gradnotes.widgets._live.live_explorer`, called with the cell's own
arguments, read from the notebook), and the text between them is the chapter's
markdown (as plain paragraphs: the spacing a reader scrolls through, roughly). The
engine is copied as ``book/_ext/gradnotes_engine.py`` publishes it
(``_static/gradnotes-engine/``), and each page loads ``ui/index.js`` and
``ui/explorer.css`` as the book's pages do, in a column as wide as the book's text
(about 800 px). No theme, no MathJax: only the explorers' own cost is measured.

The benchmark (:mod:`benchmarks.bench_live_book`) uses these pages when there is no
built book (``_build/html``), and says so in its table.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: A notebook cell that builds an explorer the page draws itself (the training explorer keeps its pictures).
LIVE_CALL = re.compile(r"gradnotes\.widgets\.(gradient|init|activation|rnn)_explorer\(")

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}<style>body {{ font: 16px/1.5 sans-serif; margin: 0 auto; max-width: 820px; padding: 0 16px; }}</style>
</head><body><main><h1>{title}</h1>
{body}
</main></body></html>
"""
HEAD = ('<link rel="stylesheet" href="_static/gradnotes-engine/ui/explorer.css">\n'
        '<script type="module" src="_static/gradnotes-engine/ui/index.js"></script>\n')


def cells(notebook: Path) -> list:
    """(kind, source) of the notebook's cells: "live" for a live explorer's code cell, else "text"."""
    out = []
    for cell in json.loads(notebook.read_text(encoding="utf8"))["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and LIVE_CALL.search(source):
            out.append(("live", source))
        elif cell["cell_type"] == "markdown":
            out.append(("text", source))
    return out


# Run in a fresh interpreter with the book build's environment, so that nothing leaks into the caller.
RENDER = """
import json, sys
import gradnotes, gradnotes.widgets
sources = json.load(sys.stdin)
print(json.dumps([eval(compile(s, "<cell>", "eval"), {"gradnotes": gradnotes})._repr_html_() for s in sources]))
"""


def render(sources: list) -> list:
    """The book-build HTML of each explorer call (one expression each)."""
    env = dict(os.environ, GRADNOTES_STATIC="1", GRADNOTES_LIVE="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", RENDER], input=json.dumps(sources), capture_output=True,
                          text=True, env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def expression(source: str) -> str:
    """The explorer call of a code cell (from ``gradnotes.widgets.x_explorer(`` to its closing parenthesis)."""
    start = LIVE_CALL.search(source).start()
    depth = 0
    for i in range(source.index("(", start), len(source)):
        depth += {"(": 1, ")": -1}.get(source[i], 0)
        if depth == 0:
            return source[start:i + 1]
    raise ValueError(f"unbalanced explorer call in {source[:80]!r}")


def build(out: Path) -> dict:
    """Write the pages into ``out``; returns page name -> number of explorers."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from gradnotes_engine import copy_engine

    out.mkdir(parents=True, exist_ok=True)
    copy_engine(out)
    chapters = {nb: cells(nb) for nb in sorted(NOTEBOOKS.glob("*.ipynb"))}
    chapters = {nb: c for nb, c in chapters.items() if any(kind == "live" for kind, _ in c)}
    calls = [expression(s) for c in chapters.values() for kind, s in c if kind == "live"]
    rendered = iter(render(calls))
    index, counts = [], {}
    for nb, chapter in chapters.items():
        body = []
        for kind, source in chapter:
            if kind == "live":
                body.append(next(rendered))
            else:
                body.extend(f"<p>{html.escape(p)}</p>" for p in source.split("\n\n") if p.strip())
        name = f"{nb.stem}.html"
        (out / name).write_text(PAGE.format(title=nb.stem, head=HEAD, body="\n".join(body)), encoding="utf8")
        counts[name] = sum(kind == "live" for kind, _ in chapter)
        index.append(f'<p><a href="{name}">{nb.stem}</a></p>')
    (out / "index.html").write_text(PAGE.format(title="live explorers", head="", body="\n".join(index)),
                                    encoding="utf8")
    return counts


if __name__ == "__main__":
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "live-pages")))
