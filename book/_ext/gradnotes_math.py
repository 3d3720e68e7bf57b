"""The book's maths typeset into SVG when it is built: no MathJax (263 KB gzip, and its fonts) in the pages.

When the build has finished, every ``<span class="math">\\(...\\)</span>`` and
``<div class="math">\\[...\\]</div>`` Sphinx wrote is typeset by mathjax-full
(``book/assets.json``: a build-time tool, ``tools/fetch_assets.py`` unpacks it
into ``_build/npm/mathjax-full``) running ``tex2svg.mjs`` in Node, one call for
the whole book. Each page gets its formulas as inline SVG (glyph paths shared
in one hidden cache per page) and MathJax's small stylesheet. The ``.math``
wrapper stays (with its ``mjx-container`` inside, as MathJax would leave it);
the container is ``role="img"`` with the formula read as text in its
``aria-label`` (``\\sigma_w^2`` -> "σ w^2"); the same words follow the SVG in a ``hidden``
span, so a search result's snippet (Sphinx makes it from the page's ``textContent``) shows
the formula as words, not TeX and not a gap.

:mod:`gradnotes_pages` then leaves the MathJax script out of every page (unless
a widget label needs it). A TeX error stops the build with the formula and the page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.errors import ExtensionError

HERE = Path(__file__).resolve().parent
MATHJAX_FULL = "_build/npm/mathjax-full"  # relative to the configuration directory
INLINE = re.compile(r'(<span class="math notranslate nohighlight">)\\\((.*?)\\\)(</span>)', re.S)
DISPLAY = re.compile(r'(<div class="math notranslate nohighlight"[^>]*>)(.*?)\\\[(.*?)\\\](\s*</div>)', re.S)


def _label(tex: str) -> str:
    from gradnotes.plots.figure import plain

    return plain(f"${tex}$") or tex


def _accessible(svg: str, tex: str) -> str:
    """The container names the formula; the drawing inside is hidden from assistive technology."""
    label = html.escape(_label(tex), quote=True)
    svg = svg.replace('<mjx-container class="MathJax" jax="SVG"',
                      f'<mjx-container class="MathJax" jax="SVG" role="img" aria-label="{label}"', 1)
    if 'aria-hidden="true"' not in svg.split(">", 2)[1]:
        svg = svg.replace("<svg ", '<svg aria-hidden="true" ', 1)
    # the same words as text that is never shown: Sphinx's search builds a result's snippet from the page's
    # textContent, where an SVG formula is nothing ("the per-layer factor , set by ...")
    head, tail = svg.rsplit("</mjx-container>", 1)
    return f'{head}<span class="gradnotes-math-text" hidden>{label}</span></mjx-container>{tail}'


def formulas(text: str) -> list[dict]:
    """The TeX of a page, in order: inline first, then display (the order :func:`typeset_page` replaces)."""
    items = [{"tex": html.unescape(m.group(2)), "display": False} for m in INLINE.finditer(text)]
    items += [{"tex": html.unescape(m.group(3)), "display": True} for m in DISPLAY.finditer(text)]
    return items


def typeset_page(text: str, result: dict, css: str) -> str:
    """``text`` with its formulas replaced by ``result["svgs"]``, the glyph cache and the stylesheet added."""
    svgs = iter(result["svgs"])
    text = INLINE.sub(lambda m: m.group(1) + _accessible(next(svgs), html.unescape(m.group(2))) + m.group(3), text)
    text = DISPLAY.sub(lambda m: m.group(1) + m.group(2) + _accessible(next(svgs), html.unescape(m.group(3)))
                       + m.group(4), text)
    text = text.replace("</head>", f'<style id="gradnotes-math-css">{css}</style>\n</head>', 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + result["cache"], text, count=1)


def typeset(app, exception) -> None:
    """After a successful HTML build, typeset the maths of every page in one Node run."""
    if exception is not None or app.builder.format != "html":
        return
    confdir = Path(app.confdir).resolve()
    # the configuration folder's, or a folder above it (the student edition builds in _build/student-src)
    mathjax = next((f / MATHJAX_FULL for f in (confdir, *confdir.parents) if (f / MATHJAX_FULL / "js").is_dir()),
                   confdir / MATHJAX_FULL)
    node = shutil.which("node")
    if node is None or not (mathjax / "js" / "mathjax.js").exists():
        raise ExtensionError(f"gradnotes_math needs Node.js and {MATHJAX_FULL} (run `python tools/fetch_assets.py`)")
    pages = {}
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf8")
        if 'id="gradnotes-math-css"' in text:
            continue  # typeset by an earlier build and not written again
        items = formulas(text)
        if items:
            pages[str(page)] = (text, items)
    if not pages:
        return
    request = {"pages": [{"id": key, "items": items} for key, (_, items) in pages.items()]}
    done = subprocess.run([node, str(HERE / "tex2svg.mjs"), str(mathjax)], input=json.dumps(request),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ExtensionError(f"tex2svg.mjs failed: {done.stderr[-2000:]}")
    answer = json.loads(done.stdout)
    for result in answer["pages"]:
        if result["errors"]:
            raise ExtensionError(f"{result['id']}: TeX errors in {result['errors'][:5]}")
        text, _ = pages[result["id"]]
        Path(result["id"]).write_text(typeset_page(text, result, answer["css"]), encoding="utf8")


def setup(app):
    app.connect("build-finished", typeset, priority=920)  # before the other page rewrites
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
