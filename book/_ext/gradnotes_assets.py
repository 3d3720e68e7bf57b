"""The book's own Sphinx extension: JavaScript shipped with the book, static explorers, clean pages.

* Publishes ``_build/assets`` (filled by ``tools/fetch_assets.py``, which ``make
  book`` runs) as static files: the pages load the widget manager and MathJax from
  ``_static/gradnotes-vendor/`` (``nb_ipywidgets_js`` and ``mathjax_path`` in
  ``_config.yml``), never from a CDN. It is deliberately not a source ``_static/``
  folder: jupyter-book adds every ``.js`` found there to every page.
* Sets ``GRADNOTES_STATIC=1`` (unless already set), so the kernels the build starts
  give static explorers (:mod:`gradnotes.widgets.static`), and before each page is
  read (and its notebook executed) sets ``GRADNOTES_NOTEBOOK_URL`` to the page's
  link to its own notebook, for the explorers' "live version" line.
* On pages with widgets, bridges MathJax 2's ``MathJax.Hub.Queue`` (which
  ipywidgets 8 calls to typeset widget labels) to MathJax 3's ``typesetPromise``;
  without it every widget label is a console error.
* Drops repeated ``<script>`` entries: sphinx-thebe registers its inline settings
  twice, and a repeated ``const`` is a console error.
* Gives the root ``index.html`` redirect (a bare ``<meta>`` line written by
  sphinx-external-toc) an empty inline icon, so no browser asks for a
  ``/favicon.ico`` that does not exist while it follows the redirect.
"""

from __future__ import annotations

import html
import os
from pathlib import Path, PurePosixPath

from sphinx.errors import ConfigError

ASSETS = "_build/assets"  # relative to the configuration directory
VENDOR = "gradnotes-vendor"
WIDGET_MANAGER = f"{VENDOR}/html-manager/embed.js"

# Whatever object ``window.MathJax`` becomes (Sphinx's configuration, then MathJax 3
# itself, which replaces it when it loads) gets a ``Hub.Queue`` that typesets with v3.
# On the configuration object it is not enumerable, so MathJax does not read it as an option.
MATHJAX_HUB = """(function () {
  var hub = {Queue: function (job) {
    var mj = window.MathJax, element = job && job[2];
    if (mj && mj.startup && mj.typesetPromise) {
      mj.startup.promise.then(function () { return mj.typesetPromise(element ? [element] : undefined); });
    }
  }};
  var current = window.MathJax;
  function withHub(value) {
    if (value && typeof value === "object" && !value.Hub) {
      Object.defineProperty(value, "Hub", {value: hub, enumerable: Boolean(value.version), configurable: true});
    }
    return value;
  }
  Object.defineProperty(window, "MathJax", {configurable: true,
    get: function () { return current; }, set: function (value) { current = withHub(value); }});
  window.MathJax = current || {};
})();"""


def publish_assets(app, config) -> None:
    """Add the fetched JavaScript to ``html_static_path``; fail clearly if it was not fetched."""
    folder = Path(app.confdir) / ASSETS
    if not (folder / VENDOR).is_dir():
        raise ConfigError(f"{ASSETS}/{VENDOR} is missing: run `make book` (or `python tools/fetch_assets.py`), "
                          "which fetches the book's JavaScript with npm.")
    config.html_static_path = [*config.html_static_path, os.path.relpath(folder, app.confdir)]
    os.environ.setdefault("GRADNOTES_STATIC", "1")


def notebook_link(app, docname: str, source: list) -> None:
    """Before a page is read (and its notebook run): the page's relative link to its own source."""
    path = PurePosixPath(Path(app.env.doc2path(docname)).relative_to(app.srcdir).as_posix())
    up = "../" * docname.count("/")
    os.environ["GRADNOTES_NOTEBOOK_URL"] = f"{up}_sources/{path}" if path.suffix == ".ipynb" else ""


def unique_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of equal script entries (same file or inline body, same attributes).

    Sphinx's own check misses inline scripts registered before and after the
    builder starts: their file name is ``""`` in one copy and ``None`` in the other.
    """
    scripts = context.get("script_files")
    if scripts:
        first = {}
        for script in scripts:
            key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
            first.setdefault(key, script)
        scripts[:] = first.values()


def mathjax_hub(app, pagename, templatename, context, doctree) -> None:
    """On pages that load the widget manager, add :data:`MATHJAX_HUB` before any other script."""
    scripts = context.get("script_files") or []
    if any(str(script.filename).endswith(WIDGET_MANAGER) for script in scripts):
        app.builder.add_js_file(None, body=MATHJAX_HUB, priority=100)


def index_redirect(app, exception) -> None:
    """Rewrite sphinx-external-toc's one-line ``index.html`` redirect as a page with an inline icon."""
    index = Path(app.outdir) / "index.html"
    if exception is not None or not index.exists():
        return
    text = index.read_text(encoding="utf8").strip()
    if not (text.startswith('<meta http-equiv="Refresh"') and text.count("<") == 1):
        return
    target = text.split("url=", 1)[1].split('"', 1)[0]
    icon = "data:,"  # an empty icon: nothing to fetch (a real one would be cut off by the redirect)
    index.write_text(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(app.config.html_title)}</title>\n<link rel=\"icon\" href=\"{icon}\">\n"
        f"<meta http-equiv=\"Refresh\" content=\"0; url={target}\">\n</head>\n"
        f"<body><p><a href=\"{target}\">{target}</a></p></body>\n</html>\n", encoding="utf8")


def setup(app):
    app.connect("config-inited", publish_assets)
    app.connect("source-read", notebook_link)
    app.connect("html-page-context", mathjax_hub, priority=800)
    app.connect("html-page-context", unique_scripts, priority=900)
    app.connect("build-finished", index_redirect, priority=900)  # after sphinx-external-toc's (500)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
