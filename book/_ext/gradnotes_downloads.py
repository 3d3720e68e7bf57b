"""The book ships its own package: the wheel and the notebooks archive in ``downloads/``, named in every footer.

``tools/downloads.py`` (run by ``make book`` and ``make book-student`` before
jupyter-book) builds ``_build/downloads``: the wheel of ``gradnotes``, the zip
of all notebooks with that wheel beside them, and ``downloads.json``. This
extension

* refuses to build without them (the footer would promise files that are not there);
* copies them into the site as ``downloads/`` when the build has finished;
* adds to every page's footer the version (the wheel's, which is the book's) and
  links to both files, relative to the page.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

from sphinx.errors import ConfigError

DOWNLOADS = "_build/downloads"  # relative to the configuration directory
SITE_FOLDER = "downloads"


def read_manifest(app, config) -> None:
    """Load ``downloads.json``; fail clearly if the downloads were not built."""
    folder = Path(app.confdir) / DOWNLOADS
    try:
        manifest = json.loads((folder / "downloads.json").read_text(encoding="utf8"))
    except FileNotFoundError:
        raise ConfigError(f"{DOWNLOADS}/downloads.json is missing: run `make book` "
                          "(or `python tools/downloads.py`), which builds the wheel and the notebooks archive.")
    missing = [manifest[k] for k in ("wheel", "archive") if not (folder / manifest[k]).is_file()]
    if missing:
        raise ConfigError(f"{DOWNLOADS} lacks {', '.join(missing)}: run `python tools/downloads.py` again.")
    config.gradnotes_downloads = manifest  # a new version re-writes every page (rebuild="html")


def footer(app, pagename, templatename, context, doctree) -> None:
    """Append the book's version and links to the archive and the wheel (relative to the page) to its footer."""
    manifest = app.config.gradnotes_downloads

    def link(name: str, text: str) -> str:
        return f'<a href="{html.escape(context["pathto"](f"{SITE_FOLDER}/{name}", 1))}" download>{text}</a>'

    notebooks = "all notebooks, student edition (zip)" if manifest["edition"] == "student" else "all notebooks (zip)"
    text = (f'<p class="gradnotes-downloads">This book is gradnotes {html.escape(manifest["version"])}. '
            f'Download {link(manifest["archive"], notebooks)}, which holds the gradnotes package too, or '
            f'{link(manifest["wheel"], "the package alone (wheel)")}.</p>')
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + text


def publish(app, exception) -> None:
    """Copy the wheel, the archive and the manifest into ``<site>/downloads/``."""
    if exception is not None or app.builder.format != "html":
        return
    source, target = Path(app.confdir) / DOWNLOADS, Path(app.outdir) / SITE_FOLDER
    shutil.rmtree(target, ignore_errors=True)  # no wheel of an older version left behind
    target.mkdir(parents=True)
    for key in ("wheel", "archive"):
        shutil.copy2(source / app.config.gradnotes_downloads[key], target)
    shutil.copy2(source / "downloads.json", target)


def setup(app):
    app.add_config_value("gradnotes_downloads", {}, "html")
    app.connect("config-inited", read_manifest)
    app.connect("html-page-context", footer)
    app.connect("build-finished", publish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
