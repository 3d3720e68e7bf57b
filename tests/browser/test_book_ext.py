"""The book's page rewriting (book/_ext) on small inputs, without building the book or a browser.

* gradnotes_icons: the theme's Font Awesome icons become inline SVG from the
  theme's own fontawesome.js, the script tag goes, an unknown icon stops the build;
* gradnotes_explorers: a real static explorer's embedded state loses its inline
  pictures to files, each picture gets an alt text naming its settings, and the
  default picture is shown as a plain ``<img>`` until the widget manager (loaded when
  an explorer comes near) renders the explorer;
* gradnotes_pages: a notebook figure gets the description its PNG carries, its
  size, lazy loading and a link to enlarge it; page scripts per page.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import gradnotes_explorers  # noqa: E402
import gradnotes_icons  # noqa: E402
import gradnotes_pages  # noqa: E402


@pytest.fixture(scope="module")
def packs():
    import pydata_sphinx_theme

    script = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static/scripts/fontawesome.js"
    return gradnotes_icons.icon_shapes(script)


def test_icons_become_inline_svg(packs):
    page = ('<head><script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script></head>'
            '<button aria-label="Color mode"><i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" '
            'title="Light"></i></button><a><span class="fa-brands fa-github"></span></a><i class="fas fa-bars"></i>')
    out = gradnotes_icons.inline_icons(page, packs)
    assert "fontawesome.js" not in out and "<i " not in out and "<span" not in out
    assert out.count("<svg") == 3 and out.count('aria-hidden="true"') == 3
    assert 'class="gn-icon gn-icon-sun theme-switch fa-lg"' in out and 'data-mode="light"' in out
    sun = re.search(r'gn-icon-sun[^>]*viewBox="0 0 (\d+) (\d+)"', out)
    assert sun and sun.groups() == ("512", "512")
    assert not re.search(r'class="[^"]*\bfa-(solid|brands|sun|github|bars)\b', out), "Font Awesome classes left"


def test_an_unknown_icon_stops_the_build(packs):
    with pytest.raises(Exception, match="no-such-icon"):
        gradnotes_icons.inline_icons('<i class="fa-solid fa-no-such-icon"></i>', packs)


def _page_with(explorer) -> str:
    """A page as myst-nb writes it: the view where the cell output is, the state in the head."""
    from ipywidgets.embed import dependency_state, embed_data

    data = embed_data(views=[explorer], state=dependency_state(explorer))
    state = json.dumps(data["manager_state"]).replace("</", "<\\/")
    view = json.dumps(data["view_specs"][0])
    return (f'<html><head><script type="application/vnd.jupyter.widget-state+json">{state}</script></head>'
            f'<body><div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">{view}'
            "</script></div></body></html>")


def test_explorer_pictures_become_files_with_alt_text(tmp_path):
    from gradnotes.widgets import RNNExplorer
    from gradnotes.widgets.static import Grid, static_explorer

    explorer = static_explorer(RNNExplorer(steps=20), Grid({"spectral_radius": (0.5, 2.0),
                                                            "activation": ("tanh", "relu")}))
    page = tmp_path / "notebooks" / "ch.html"
    page.parent.mkdir()
    text = _page_with(explorer).replace(
        "</head>", '<script defer="defer" src="../_static/gradnotes-vendor/html-manager/embed.js"></script></head>')
    out = gradnotes_explorers.externalize(text, page, tmp_path)
    assert "html-manager/embed.js" not in out.split("<body>")[0], "the widget manager is not in <head>"
    assert '"../_static/gradnotes-vendor/html-manager/embed.js"' in out, "the loader knows where it is"

    assert len(out) < len(text) / 5, "the pictures left the page"
    files = sorted((tmp_path / "_images").glob("explorer-*.png"))
    assert len(files) == len({bytes(w.value) for w in explorer.pictures.values()})
    state = json.loads(gradnotes_explorers.STATE.search(out).group(2))["state"]
    images = [m for m in state.values() if m["model_name"] == "ImageModel"]
    assert images and all(m["state"]["format"] == "url" for m in images)
    urls = {base64.b64decode(m["buffers"][0]["data"]).decode() for m in images}
    assert urls == {f"../_images/{f.name}" for f in files}

    alts = json.loads(re.search(r'id="gradnotes-explorer-alt">(.*?)</script>', out).group(1))
    assert set(alts) == urls
    default = explorer.image
    default_url = next(u for u in urls if (tmp_path / "_images" / Path(u).name).read_bytes() == bytes(default.value))
    settings = explorer.values()
    assert f"{settings['spectral_radius']:g}" in alts[default_url] and settings["activation"] in alts[default_url].lower()
    placeholder = re.search(r'<div class="gradnotes-explorer-placeholder"[^>]*>(.*?)</div>', out).group(1)
    assert f'src="{default_url}"' in placeholder and "alt=" in placeholder
    assert gradnotes_explorers.externalize(out, page, tmp_path) == out, "a second pass changes nothing"


def test_figure_gets_its_description_size_and_zoom(tmp_path):
    from gradnotes.plots.figure import subplots

    fig, ax = subplots(figsize=(6, 3))
    ax.semilogy([30, 20, 10, 1], [1.0, 1e-6, 1e-12, 1e-18], label="gradient norm")
    ax.set_xlabel("layer")
    png = fig._repr_png_()
    name = "a" * 64 + ".png"
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / name).write_bytes(png)
    page = tmp_path / "notebooks" / "ch.html"
    page.parent.mkdir()
    tag = f'<img alt="../_images/{name}" src="../_images/{name}" />'
    text = f'<div class="cell_output">{tag}</div><div class="cell_output">{tag}</div>'
    out = gradnotes_pages.rewrite_figures(text, page)
    assert out.count('class="gradnotes-zoom"') == 2 and f'href="../_images/{name}"' in out
    assert 'alt="Plot: gradient norm falls from 1 at layer 30 to 1e-18 at layer 1 (log y)."' in out
    assert out.count('width="600" height="300"') == 2
    assert out.count('loading="lazy"') == 1, "the first figure is not lazy (it may be the largest paint)"
    assert gradnotes_pages.rewrite_figures(out, page) == out


def test_maths_become_svg_with_a_spoken_label():
    mathjax = ROOT / "_build" / "npm" / "mathjax-full"
    if not (mathjax / "js" / "mathjax.js").exists():
        pytest.skip("mathjax-full is not unpacked (python tools/fetch_assets.py)")
    import subprocess

    import gradnotes_math

    text = ('<html><head></head><body><p><span class="math notranslate nohighlight">\\(\\sigma_w^2 &lt; 1\\)</span>'
            '</p><div class="math notranslate nohighlight">\n\\[\\chi_1 = \\frac{1}{4}\\]\n</div></body></html>')
    items = gradnotes_math.formulas(text)
    assert [i["tex"] for i in items] == ["\\sigma_w^2 < 1", "\\chi_1 = \\frac{1}{4}"]
    request = json.dumps({"pages": [{"id": "p", "items": items}]})
    done = subprocess.run(["node", str(gradnotes_math.HERE / "tex2svg.mjs"), str(mathjax)], input=request,
                          capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout)
    out = gradnotes_math.typeset_page(text, answer["pages"][0], answer["css"])
    assert out.count("<mjx-container") == 2 and "\\(" not in out and "\\[" not in out
    assert 'aria-label="σ w^2 &lt; 1"' in out and 'display="true"' in out
    assert '<span class="gradnotes-math-text" hidden>σ w^2 &lt; 1</span></mjx-container>' in out, \
        "a search snippet (the page's textContent) reads the formula as words"
    assert '<style id="gradnotes-math-css">' in out and 'id="MJX-SVG-global-cache"' in out


def test_page_scripts_only_where_used():
    from sphinx.builders.html._assets import _JavaScript

    app = SimpleNamespace(config=SimpleNamespace(nb_ipywidgets_js={"gradnotes-vendor/html-manager/embed.js": {}},
                                                 mathjax_path="gradnotes-vendor/mathjax/tex-chtml.js"))

    def scripts():
        return [_JavaScript("_static/doctools.js"),
                _JavaScript(None, type=gradnotes_pages.WIDGET_STATE, body='{"state": {}}'),
                _JavaScript("gradnotes-vendor/html-manager/embed.js"),
                _JavaScript(None, body="window.MathJax = {}"),
                _JavaScript("_static/gradnotes-vendor/mathjax/tex-chtml.js", defer="defer")]

    prose = {"body": "<p>no maths</p>", "script_files": scripts()}
    gradnotes_pages.page_scripts(app, "faq", "page.html", prose, None)
    assert [str(s.filename) for s in prose["script_files"]] == ["_static/doctools.js"]

    shared = scripts()
    chapter = {"body": f'<span class="math">x</span><script type="{gradnotes_pages.WIDGET_VIEW}">',
               "script_files": list(shared)}
    gradnotes_pages.page_scripts(app, "ch", "page.html", chapter, None)
    assert len(chapter["script_files"]) == 5
    manager = next(s for s in chapter["script_files"] if str(s.filename).endswith("embed.js"))
    doctools = next(s for s in chapter["script_files"] if str(s.filename).endswith("doctools.js"))
    assert manager.attributes.get("defer") == "defer" and doctools.attributes.get("defer") == "defer"
    assert not any("defer" in s.attributes for s in shared[:3]), "the shared script objects are not changed"
    search = {"body": "", "script_files": list(shared)}
    gradnotes_pages.page_scripts(app, "search", "search.html", search, None)
    assert "defer" not in search["script_files"][0].attributes, "search.html runs doctools.js at once"


def test_search_field_is_named_by_what_it_shows():
    page = ('<button class="btn search-button-field search-button__button pst-js-only" title="Search" '
            'aria-label="Search" data-bs-placement="bottom"><span>Search</span></button>')
    out = gradnotes_pages.search_button_name(page)
    assert "aria-label" not in out and 'aria-keyshortcuts="Control+K"' in out


def test_wide_figure_text_is_legible_in_the_column():
    """A figure wider than the column draws its text larger in the PNG; the figure itself is untouched."""
    from PIL import Image
    import io

    from gradnotes.plots.figure import COLUMN_PX, MIN_TEXT_PX, subplots

    fig, axes = subplots(1, 3, figsize=(13, 3.9))
    for ax in axes:
        ax.plot([1, 2, 3], [3, 2, 1], label="measured")
        ax.set_title("Gradient per layer")
        ax.legend()
    png = fig._repr_png_()
    text_px = float(Image.open(io.BytesIO(png)).text["gradnotes text px"])
    assert text_px * COLUMN_PX / 1300 >= MIN_TEXT_PX - 0.05
    assert axes[0].title.get_fontsize() == 12.0, "the figure keeps its own sizes"
    assert fig._repr_png_() == png, "the same PNG however often it is shown"


def test_figure_of_panels_is_stacked_from_the_same_picture(tmp_path):
    """A 1x3 figure: the whole picture plus a window per panel, all on the one file, alt texts per panel."""
    import numpy as np

    from gradnotes.plots.figure import subplots

    fig, axes = subplots(1, 3, figsize=(12, 3.6))
    for ax, name in zip(axes, ("tanh", "relu", "sigmoid")):
        ax.semilogy(np.arange(1, 31), np.geomspace(1, 1e-9, 30))
        ax.set_title(name)
        ax.set_xlabel("layer")
    fig.suptitle("three activations")
    name = "b" * 64 + ".png"
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / name).write_bytes(fig._repr_png_())
    page = tmp_path / "notebooks" / "ch.html"
    page.parent.mkdir()
    out = gradnotes_pages.rewrite_figures(f'<img alt="../_images/{name}" src="../_images/{name}" />', page)
    assert out.count("<img ") == 4 and out.count(f'src="../_images/{name}"') == 4, "one file for every window"
    assert '<span class="gradnotes-window-text">three activations</span>' in out, "the title is text on a phone"
    whole = re.search(r'<a class="gradnotes-zoom gradnotes-whole"[^>]*>(<img [^>]*>)</a>', out).group(1)
    assert 'alt="three activations. Figure of 3 panels.' in whole
    alts = re.findall(r'class="gradnotes-zoom gradnotes-window"[^>]*><img [^>]*alt="([^"]*)"', out)
    assert [a.split(":")[0] for a in alts] == ["panel 1 of 3", "panel 2 of 3", "panel 3 of 3"]
    assert alts[1].startswith("panel 2 of 3: relu")
    frames = re.findall(r'max-width:(\d+)px;aspect-ratio:(\d+)/(\d+)', out)
    assert len(frames) == 3 and all(int(w) < 1200 / 2 for w, _, _ in frames), "a window is one panel wide"
    assert gradnotes_pages.rewrite_figures(out, page) == out, "a second pass changes nothing"

    single, _ = subplots(figsize=(6, 3))
    (tmp_path / "_images" / ("c" * 64 + ".png")).write_bytes(single._repr_png_())
    one = gradnotes_pages.rewrite_figures(f'<img alt="x.png" src="../_images/{"c" * 64}.png" />', page)
    assert "gradnotes-panels" not in one and one.count("<img ") == 1


def test_explorer_pictures_of_several_panels_get_windows(tmp_path):
    """An explorer picture whose PNG has panel boxes: its windows for a phone, in the page and for the script."""
    import io

    from PIL import Image, PngImagePlugin

    from gradnotes.widgets import RNNExplorer
    from gradnotes.widgets.static import Grid, static_explorer

    explorer = static_explorer(RNNExplorer(steps=20), Grid({"spectral_radius": (0.5, 2.0)}))
    for picture in {id(w): w for w in explorer.pictures.values()}.values():
        image = Image.open(io.BytesIO(bytes(picture.value)))
        half = image.size[0] // 2
        info = PngImagePlugin.PngInfo()
        info.add_itxt("gradnotes panels", json.dumps(
            [{"box": [0, 0, half, image.size[1]], "label": "left", "kind": "panel"},
             {"box": [half, 0, image.size[0], image.size[1]], "label": "right", "kind": "panel"}]))
        out = io.BytesIO()
        image.save(out, "PNG", pnginfo=info)
        picture.value = out.getvalue()
    page = tmp_path / "notebooks" / "ch.html"
    page.parent.mkdir()
    out = gradnotes_explorers.externalize(_page_with(explorer), page, tmp_path)
    panels = json.loads(re.search(r'id="gradnotes-explorer-panels">(.*?)</script>', out).group(1))
    files = sorted((tmp_path / "_images").glob("explorer-*.png"))
    assert set(panels) == {f"../_images/{f.name}" for f in files}
    for url, block in panels.items():
        assert block.startswith('<span class="gradnotes-panels">') and block.count(f'src="{url}"') == 2
        assert 'alt="panel 1 of 2: left"' in block and 'alt="panel 2 of 2: right"' in block
    placeholder = re.search(r'<div class="gradnotes-explorer-placeholder"[^>]*>(.*?)</div>', out).group(1)
    assert placeholder.startswith('<span class="gradnotes-whole"><img ') and 'class="gradnotes-panels"' in placeholder
    assert "insertAdjacentHTML" in out, "the script adds the windows to each picture the widget manager shows"


def _exercise_project(tmp_path, stated: str) -> Path:
    """A two-chapter Sphinx project (numbered toctree) whose second chapter's exercise states ``stated``."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
                                 "extensions = ['myst_parser', 'gradnotes_exercises']\nnumfig = True\n")
    (src / "index.md").write_text("# Book\n\n```{toctree}\n:numbered:\none\ntwo\n```\n")
    (src / "one.md").write_text("# One\n\n```{exercise} First\n:label: ex-one\n:enumerator: 1.1\n\nText.\n```\n")
    (src / "two.md").write_text(f"# Two\n\n```{{exercise}} Second\n:label: ex-two\n:enumerator: {stated}\n\n"
                                "Text.\n```\n")
    return src


@pytest.mark.parametrize("stated, warned", [("2.1", False), ("1", True)])
def test_a_stated_exercise_number_must_be_the_books(tmp_path, stated, warned):
    # JupyterLab shows the stated :enumerator:, the book its own: gradnotes_exercises warns (-W: fails) on a mismatch.
    from io import StringIO

    from sphinx.application import Sphinx

    src = _exercise_project(tmp_path, stated)
    warnings = StringIO()
    app = Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
                 status=None, warning=warnings, freshenv=True)
    app.build()
    text = warnings.getvalue()
    assert ("states ':enumerator: 1' but the book numbers it 2.1" in text) == warned, text
    assert "Exercise 2.1" in (tmp_path / "out" / "two.html").read_text()
