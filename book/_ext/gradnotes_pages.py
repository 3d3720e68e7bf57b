"""Light, readable, accessible pages: each loads only what it uses; figures say what they show.

Per page, as Sphinx writes it (``html-page-context``):

* the widget manager and the widget state only on pages that display a widget
  (myst-nb adds them wherever a notebook saved widget state), and ``defer``-ed,
  so the 1.8 MB script never blocks the first paint;
* MathJax only where a widget label has ``$`` maths (``gradnotes_math`` typesets
  the pages' own maths into SVG; without it, on every page with maths);
* ``defer`` on the scripts in ``<head>`` that nothing needs before the page is
  parsed (:data:`DEFERRABLE`, and the theme's search scripts after the build);
* the book's stylesheet, ``static/gradnotes.css`` (figures, outputs that wrap,
  focus, contrast, dark mode, print).

When the build has finished, in every written page:

* a notebook figure whose alt text is its file path gets the description the
  PNG carries (``gradnotes.plots.figure.describe``: "gradient norm falls from
  1 at layer 30 to 1e-18 at layer 1"), its pixel size as ``width``/``height``
  (no layout shift), ``loading="lazy"`` after the first, and a link to the
  picture itself, so a tap or click shows it at full size;
* the search field loses its ``aria-label`` ("Search", while it shows "Search
  Ctrl+K": axe's label-content-name-mismatch), so its name is what it shows;
* a hidden cell's ``<summary>`` loses ``aria-label="Toggle hidden content"`` (it
  shows "Show code cell source"), for the same reason;
* the bibliography's entries get ``role="listitem"`` (docutils writes
  ``doc-biblioentry`` inside a ``role="list"``, which assistive technology rejects).
"""

from __future__ import annotations

import html
import re
import struct
import zlib
from pathlib import Path

from sphinx.builders.html._assets import _JavaScript

from gradnotes_panels import stacked

HERE = Path(__file__).resolve().parent
STYLESHEET = "gradnotes.css"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMG = re.compile(r"<img\b[^>]*>")
#: PNG text chunks written by gradnotes.plots.figure (alt text; smallest text size in PNG pixels).
DESCRIPTION, TEXT_PX = "Description", "gradnotes text px"
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
NOTEBOOK_FIGURE = re.compile(r'src="[^"]*_images/[0-9a-f]{64}\.png"')


#: Scripts in ``<head>`` that nothing runs before the page is parsed: ``defer`` them (same order) so
#: they do not hold up the first paint. documentation_options.js stays: an inline script uses it at once.
DEFERRABLE = ("/doctools.js", "/sphinx_highlight.js", "/clipboard.min.js", "/copybutton.js",
              "/sphinx-book-theme.js", "/togglebutton.js", "/design-tabs.js")
#: The theme's search scripts, written by its template straight into every page's ``<head>``.
SEARCH_SCRIPTS = re.compile(r'<script src="([^"]*(?:searchtools|language_data|searchindex)\.js)"></script>')


def _is_widget_manager(script, app) -> bool:
    return any(str(script.filename or "").endswith(path) for path in app.config.nb_ipywidgets_js)


def _is_mathjax(script, app) -> bool:
    name = str(script.filename or "")
    return (bool(name) and name.endswith(str(app.config.mathjax_path))) or (
        not name and str(script.attributes.get("body", "")).lstrip().startswith("window.MathJax"))


def page_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop the widget manager where no widget is shown, MathJax where there is no maths; defer the rest."""
    scripts = context.get("script_files")
    if scripts is None:
        return
    body = context.get("body") or ""
    views = WIDGET_VIEW in body
    state = next((s for s in scripts if s.attributes.get("type") == WIDGET_STATE), None)
    widget_math = views and state is not None and re.search(r'"description": "[^"]*\$', state.attributes["body"])
    # gradnotes_math typesets the page's own maths into SVG when the build has finished
    typeset = "gradnotes_math" in getattr(app, "extensions", {})
    maths = bool(widget_math) or ('class="math' in body and not typeset)
    kept = []
    for script in scripts:  # the objects are shared by every page: replace them, never change them
        if not views and (script is state or _is_widget_manager(script, app)):
            continue
        if not maths and _is_mathjax(script, app):
            continue
        deferred = (views and _is_widget_manager(script, app)) or (
            pagename != "search" and str(script.filename or "").endswith(DEFERRABLE))
        if deferred and "async" not in script.attributes and "defer" not in script.attributes:
            script = _JavaScript(script.filename, priority=script.priority, **{**script.attributes, "defer": "defer"})
        kept.append(script)
    scripts[:] = kept


def add_stylesheet(app, config) -> None:
    """Publish ``static/`` and link the book's stylesheet from every page."""
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]
    app.add_css_file(STYLESHEET)


# -- after the build ------------------------------------------------------------------
def png_facts(path: Path) -> tuple[int, int, dict]:
    """``(width, height, {keyword: text})`` of a PNG file, read from its header and text chunks."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0, {}
    width, height = struct.unpack(">II", data[16:24])
    at, texts = 8, {}
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunk = data[at + 8:at + 8 + length]
        if kind == b"tEXt" and b"\0" in chunk:
            key, value = chunk.split(b"\0", 1)
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"iTXt" and b"\0" in chunk:
            key, rest = chunk.split(b"\0", 1)
            compressed, rest = rest[0], rest[2:]
            rest = rest.split(b"\0", 2)[2]  # language tag, translated keyword
            texts[key.decode("latin-1")] = (zlib.decompress(rest) if compressed else rest).decode("utf8")
        elif kind == b"IDAT":
            break
        at += 12 + length
    return width, height, texts


def figure_tag(tag: str, page: Path, first: bool) -> str:
    """A notebook figure's ``<img>`` with alt text, size, lazy loading, and a link to enlarge it."""
    attrs = dict(ATTR.findall(tag))
    src, alt = attrs.get("src", ""), attrs.get("alt", "")
    file = (page.parent / src).resolve()
    if not file.exists():
        return tag
    width, height, texts = png_facts(file)
    description = texts.get(DESCRIPTION)
    new = tag
    if alt == src or alt.endswith((".png", ".svg", ".jpg")) or not alt:
        text = description or "A figure drawn by the code above (its data are in the printed output)."
        alt_attr = f'alt="{html.escape(text)}"'
        new = re.sub(r'alt="[^"]*"', lambda _: alt_attr, new) if "alt=" in new else \
            new.replace("<img ", f"<img {alt_attr} ", 1)
    extra = ""
    if width and "width=" not in new:
        extra += f' width="{width}" height="{height}"'
    if TEXT_PX in texts:
        extra += f' data-text-px="{html.escape(texts[TEXT_PX])}"'
    if not first and "loading=" not in new:
        extra += ' loading="lazy"'
    if "decoding=" not in new:
        extra += ' decoding="async"'
    new = new.replace("<img ", f"<img{extra} ", 1)
    panels = stacked(new, src, width, height, texts)  # several panels: stacked on a phone
    if panels:
        return panels
    return (f'<a class="gradnotes-zoom" href="{html.escape(src)}" title="Open the figure at full size">'
            f"{new}</a>")


def rewrite_figures(text: str, page: Path) -> str:
    """Every notebook figure of a page (myst-nb names them by sha256) through :func:`figure_tag`.

    A figure already rewritten (it has ``decoding``) is left alone, so a page
    that an incremental build did not write again is not changed twice.
    """
    count = 0

    def one(match: re.Match) -> str:
        nonlocal count
        tag = match.group(0)
        if not NOTEBOOK_FIGURE.search(tag) or "decoding=" in tag:
            return tag
        count += 1
        return figure_tag(tag, page, first=count == 1)

    return IMG.sub(one, text)


def search_button_name(text: str) -> str:
    """The search field's name is what it shows ("Search Ctrl+K"), not a shorter ``aria-label``."""
    return re.sub(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="[^"]*"',
                  r'\1 aria-keyshortcuts="Control+K"', text)


def defer_search(text: str, page: Path) -> str:
    """The search scripts the theme puts in every page's ``<head>`` load without blocking it (not on search.html)."""
    if page.name == "search.html":
        return text
    return SEARCH_SCRIPTS.sub(lambda m: f'<script defer="defer" src="{m.group(1)}"></script>', text)


def toggle_names(text: str) -> str:
    """A hidden cell's toggle is named by what it shows ("Show code cell source"), not "Toggle hidden content"."""
    return text.replace('<summary aria-label="Toggle hidden content">', "<summary>")


def bibliography_roles(text: str) -> str:
    """Bibliography entries are list items of the ``role="list"`` that holds them."""
    return text.replace('role="doc-biblioentry"', 'role="listitem"')


def rewrite_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf8")
        new = defer_search(toggle_names(search_button_name(bibliography_roles(rewrite_figures(text, page)))), page)
        if new != text:
            page.write_text(new, encoding="utf8")


def setup(app):
    app.connect("config-inited", add_stylesheet)
    app.connect("html-page-context", page_scripts, priority=700)  # before gradnotes_assets' MathJax hub (800)
    app.connect("build-finished", rewrite_pages, priority=930)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
