"""Every explorer in a real JupyterLab, and MyST in JupyterLab and Notebook 7 (issue 19).

One Jupyter server (``jupyter lab``, which serves Notebook 7's pages too) for the
whole module, over a small notebook written to a temporary folder: a MyST cell
(an admonition and a sphinx-exercise ``{exercise}``) and one small explorer per
cell. The notebook is executed once with nbclient before the server starts, as
``make notebooks`` stores the chapters, so its outputs are the explorers'
fallback pictures (``image/png``) without widget state: what a learner sees on
opening a chapter before running it (an opened, untrusted notebook renders the
safe ``image/png`` instead of the widget view, which JupyterLab ranks unsafe).

Then the tests run every cell and move each visible control once, counting the
picture's ``src`` changes in the page (a MutationObserver): exactly one per move.
Screenshots go to ``_build/screenshots/live-*.png``. About 1.5 minutes here (2 cores): the
nbclient run, the server, then some 30 moves, each waited for until the kernel is idle.
"""

from __future__ import annotations

import os
import re
import sys
import time

import pytest

from .conftest import free_port, jupyter_environment, server
from .test_live_notebook import KERNEL_IDLE, run_all, watch_kernel

#: The MyST cell: what the chapters write (an admonition with a title, an exercise with a label and the number
#: the book gives it, which jupyterlab-myst would otherwise count from 1 in each notebook).
MYST = """\
```{admonition} Verdict: false
:class: error
ReLU's derivative is 1 only where the unit is active.
```

```{exercise} Predict, then run: thirty sigmoid layers
:label: ex-demo
:enumerator: 4.1

By what factor is the gradient of layer 1 smaller than that of layer 30?
```
"""
#: One explorer per cell, small and quick; the first two sit at the edge of chaos.
CELLS = {
    "gradient": 'gradnotes.widgets.gradient_explorer(depth=8, width=32, batch=16, activation="relu", '
                'init="he_normal")',
    "init": 'gradnotes.widgets.init_explorer(activation="relu", init="he_normal", depth=8, width=32, batch=16)',
    "activation": 'gradnotes.widgets.activation_explorer(activation="elu")',
    "rnn": 'gradnotes.widgets.rnn_explorer(spectral_radius=1.0, activation="tanh", steps=30)',
    "training": 'gradnotes.widgets.training_explorer(depth=3, width=16, steps=20, n_per_class=20)',
    "edge": 'gradnotes.widgets.edge_explorer(depth=8, width=32, seeds=2, batch=8)',
}
#: Explorers whose default setting is critical, and the slider that leaves it and comes back.
CRITICAL = ("gradient", "init")
NOTEBOOK = "explorers.ipynb"
#: Counts, per explorer picture (in cell order), how often its src changed.
COUNT_SRC = """() => {
    window.__srcChanges = [];
    const images = [...document.querySelectorAll('.jp-OutputArea-output img.widget-image')];
    images.forEach((img, i) => {
        window.__srcChanges[i] = 0;
        new MutationObserver(() => { window.__srcChanges[i] += 1; })
            .observe(img, {attributes: true, attributeFilter: ['src']});
    });
    return images.length;
}"""


def write_notebook(folder) -> None:
    """The test notebook, executed with nbclient (outputs stored, no widget state), in ``folder``."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Explorers\n\n" + MYST), nbformat.v4.new_code_cell("import gradnotes")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with pytest.MonkeyPatch.context() as env:
        env.delenv("GRADNOTES_STATIC", raising=False)  # the live explorers, as a learner's kernel gives them
        NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False,
                       resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(nb, folder / NOTEBOOK)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(base_url, log_path)`` of one ``jupyter lab`` server whose root holds the executed test notebook."""
    home = tmp_path_factory.mktemp("live-explorers")
    root = home / "root"
    root.mkdir()
    write_notebook(root)
    port = free_port()
    args = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
            "--JupyterNotebookApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    log_path = home / "lab.log"
    with open(log_path, "w") as log, server(args, f"http://127.0.0.1:{port}/api/status", cwd=root, timeout=60,
                                            env=jupyter_environment(home / "env"), log=log):
        yield f"http://127.0.0.1:{port}", log_path


def watched_page(browser, base: str, app: str):
    """The test notebook open in ``app`` (``lab`` or ``notebook``), with its kernel's error messages collected."""
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    errors = watch_kernel(page)
    path = f"lab/tree/{NOTEBOOK}" if app == "lab" else f"notebooks/{NOTEBOOK}"
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    return page, errors


# -- before running: what a learner sees on opening the notebook --------------------------------------------

@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_myst_and_fallback_pictures_render_before_running(app, browser, lab, screenshots):
    base, _ = lab
    page, _ = watched_page(browser, base, app)
    try:
        # MyST (jupyterlab-myst): the admonition's title and the exercise's statement as formatted text
        rendered = page.locator(".jp-MarkdownCell .myst").first
        title = rendered.locator(".myst-admonition-header-text")
        title.wait_for(timeout=60_000)
        assert title.inner_text().strip() == "Verdict: false"
        assert rendered.locator(".myst-admonition-body").inner_text().startswith("ReLU")
        exercise = rendered.locator(".myst-exercise")
        header = exercise.locator(".myst-exercise-header").inner_text()
        assert "Predict, then run: thirty sigmoid layers" in header
        assert re.search(r"\bExercise 4\.1\b", header), header  # the book's number (the chapters state it), not 1
        assert "By what factor" in exercise.locator(".myst-exercise-body").inner_text()
        text = rendered.inner_text()
        assert not any(raw in text for raw in ("{admonition}", "{exercise}", ":class:", ":label:", "```")), text
        # each explorer's stored output shows its picture (image/png), not the widget's "model not found"
        outputs = page.locator(".jp-CodeCell .jp-OutputArea-output")
        page.wait_for_function(f"() => document.querySelectorAll('.jp-OutputArea-output img').length >= {len(CELLS)}",
                               timeout=60_000)
        assert outputs.count() == len(CELLS)
        for i in range(len(CELLS)):
            output = outputs.nth(i)
            assert "jp-RenderedImage" in output.get_attribute("class")  # the image/png renderer, not the widget's
            image = output.locator("img")
            assert image.get_attribute("src").startswith("data:image/png;base64,")
            assert image.evaluate("img => img.complete && img.naturalWidth") >= 700  # the narrowest: edge, 720
        assert "Error displaying widget" not in page.locator(".jp-Notebook").inner_text()
        page.screenshot(path=str(screenshots / f"live-before-running-{app}.png"))
    finally:
        page.close()


# -- after running: every control moves the picture once ----------------------------------------------------

def explorer_cell(page, index: int):
    """The code cell of the ``index``-th explorer (cell 0 imports gradnotes)."""
    return page.locator(".jp-CodeCell").nth(index + 1)


def controls(cell) -> list:
    """``(kind, locator)`` of the visible controls: sliders first (a dropdown may hide one), then the rest."""
    found = []
    for kind, selector in (("slider", ".widget-slider"), ("checkbox", ".widget-checkbox"),
                           ("dropdown", ".widget-dropdown")):
        items = cell.locator(f".widget-hbox {selector}")
        found += [(kind, items.nth(k)) for k in range(items.count())]
    return found


def move(page, kind: str, control) -> str:
    """Move a control once, as a learner does; returns what was done."""
    if kind == "slider":
        handle = control.locator(".noUi-handle")
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        key = "ArrowLeft" if at_end else "ArrowRight"
        page.keyboard.press(key)
        return key
    if kind == "checkbox":
        control.locator("input").click()
        return "click"
    select = control.locator("select")
    count = select.locator("option").count()
    index = select.evaluate("s => s.selectedIndex")
    select.select_option(index=(index + 1) % count)
    return f"option {(index + 1) % count}"


def changes_after(page, index: int, timeout: float = 60.0) -> int:
    """How often picture ``index`` changed: waits until it changed, the kernel is idle and nothing moves for 1 s."""
    deadline = time.monotonic() + timeout
    last, still = None, 0.0
    while time.monotonic() < deadline:
        count = page.evaluate(f"() => window.__srcChanges[{index}]")
        idle = page.evaluate(KERNEL_IDLE)
        if count and idle and count == last:
            still += 0.2
            if still >= 0.6:
                return count
        else:
            still = 0.0
        last = count
        time.sleep(0.2)
    return page.evaluate(f"() => window.__srcChanges[{index}]")


def callback_tracebacks(server_log: str) -> list:
    """Tracebacks of the kernel in the server's log (ipykernel logs exceptions of widget callbacks there).

    Left out: the server's own (a websocket that connects while the kernel starts
    fails in tornado and is retried) and the kernel's heartbeat thread's (on a
    loaded machine its socket can fail to bind): neither says anything about the explorers.
    """
    parts = server_log.split("Traceback (most recent call last):")
    return [chunk[:2000] for head, chunk in zip(parts[:-1], parts[1:])
            if not head.rstrip().endswith("Exception in thread Heartbeat:") and "tornado/web.py" not in chunk]


def caption(cell) -> str:
    return cell.locator(".widget-html").last.inner_text()


def test_every_control_changes_the_picture_once(browser, lab, screenshots):
    base, log = lab
    start = len(log.read_text())  # this test's part of the log
    page, errors = watched_page(browser, base, "lab")
    try:
        run_all(page, errors)
        page.wait_for_function(f"() => document.querySelectorAll('.jp-OutputArea-output img.widget-image').length"
                               f" === {len(CELLS)}", timeout=120_000)
        assert page.evaluate(COUNT_SRC) == len(CELLS)
        # each picture at its own size (at most the cell's width), never stretched past it: the stored fallback
        # picture it replaced was drawn so, and a stretched one blurs (the 720 px edge explorer showed at 846)
        sizes = page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea-output img.widget-image')]"
                              ".map(img => [img.getBoundingClientRect().width, img.naturalWidth])")
        assert all(shown <= natural + 1 for shown, natural in sizes), sizes
        moved = []
        for i, name in enumerate(CELLS):
            cell = explorer_cell(page, i)
            if name in CRITICAL:  # the chapters' "chi_1 = 1 (chaotic)" at He's ReLU setting
                assert "(critical" in caption(cell), caption(cell)
                gain = cell.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile("^gain$")))
                for key, phase in (("ArrowRight", "(chaotic"), ("ArrowLeft", "(critical")):  # away and back
                    page.evaluate(f"() => {{ window.__srcChanges[{i}] = 0; }}")
                    gain.locator(".noUi-handle").focus()
                    page.keyboard.press(key)
                    assert changes_after(page, i) == 1
                    assert phase in caption(cell), caption(cell)
                assert gain.locator(".widget-readout").inner_text().strip() == "1"
            for kind, control in controls(cell):
                if not control.is_visible():  # the activation explorer's parameter slider, for tanh and most
                    continue
                label = control.locator(".widget-label").first.inner_text()
                if kind == "slider":  # a track a learner can aim at, at the notebook's width
                    assert control.locator(".noUi-target").bounding_box()["width"] >= 150, (name, label)
                page.evaluate(f"() => {{ window.__srcChanges[{i}] = 0; }}")
                how = move(page, kind, control)
                count = changes_after(page, i)
                moved.append((name, label, how, count))
                assert count == 1, f"{name}: {label} ({how}) changed the picture {count} times"
                assert not errors, "the kernel reported errors:\n" + "\n".join(errors)
            cell.screenshot(path=str(screenshots / f"live-{name}-lab.png"))
        assert len(moved) >= 25, moved  # every explorer's controls were found and moved
        assert not callback_tracebacks(log.read_text()[start:])
    finally:
        page.close()
