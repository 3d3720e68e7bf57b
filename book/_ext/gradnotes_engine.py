"""The live explorers: the browser engine on the pages that have one, and nowhere else.

* Sets ``GRADNOTES_LIVE=1`` (unless already set) before the notebooks run, so the
  gradient, init, activation and RNN explorers of a book build give an element the
  page draws (:mod:`gradnotes.widgets._live`) instead of precomputed pictures.
* Adds ``_static/gradnotes-engine/ui/index.js`` as ``<script type="module">``
  (deferred by default) and ``ui/explorer.css`` only to pages whose body contains
  ``data-gradnotes-explorer``; a page without an explorer loads none of it.
* After the build copies the engine's ``.js`` and ``.css`` files (``book/engine``,
  with ``ui/``; not its README or package.json) to ``_static/gradnotes-engine/``. They
  are not in a source ``_static/`` folder: jupyter-book adds every ``.js`` found
  there to every page.
* Writes each explorer's no-JavaScript picture (a data URL in its ``<noscript>``) to
  ``_images/explorer-<sha256>.png`` once, so the page's HTML does not carry it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"
TARGET = "gradnotes-engine"
MARKER = "data-gradnotes-explorer"
FOLDER = "_images"
PICTURE = re.compile(r'(<noscript><img class="gradnotes-noscript-picture" src=")data:image/png;base64,([A-Za-z0-9+/=]+)(")')


def live_explorers(app, config) -> None:
    """Ask the notebooks' kernels for live page explorers (gradnotes.widgets._live.ENV)."""
    os.environ.setdefault("GRADNOTES_LIVE", "1")


def add_engine(app, pagename, templatename, context, doctree) -> None:
    """On a page with a live explorer only: the module script and the stylesheet."""
    if MARKER in (context.get("body") or ""):
        app.add_js_file(f"{TARGET}/ui/index.js", type="module")
        app.add_css_file(f"{TARGET}/ui/explorer.css")


def copy_engine(outdir: Path) -> int:
    """Copy the engine's modules and stylesheet to ``_static/gradnotes-engine``; returns how many files."""
    target = outdir / "_static" / TARGET
    if target.is_symlink():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    count = 0
    for path in sorted(ENGINE.rglob("*")):
        if path.suffix in (".js", ".css") and path.is_file():
            dest = target / path.relative_to(ENGINE)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            count += 1
    return count


def externalize_pictures(text: str, page: Path, outdir: Path) -> str:
    """``text`` with every inline no-JavaScript picture of a live explorer moved to a file."""
    folder = outdir / FOLDER

    def to_file(found: re.Match) -> str:
        data = base64.b64decode(found.group(2))
        name = f"explorer-{hashlib.sha256(data).hexdigest()[:20]}.png"
        folder.mkdir(exist_ok=True)
        if not (folder / name).exists():
            (folder / name).write_bytes(data)
        url = os.path.relpath(folder / name, page.parent).replace(os.sep, "/")
        return found.group(1) + url + found.group(3)

    return PICTURE.sub(to_file, text)


def finish(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    copy_engine(outdir)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf8")
        if MARKER in text:
            new = externalize_pictures(text, page, outdir)
            if new != text:
                page.write_text(new, encoding="utf8")


def setup(app):
    app.connect("config-inited", live_explorers)
    app.connect("html-page-context", add_engine)
    app.connect("build-finished", finish, priority=930)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
