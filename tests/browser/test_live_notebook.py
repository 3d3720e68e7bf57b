"""The live explorer in a real browser: JupyterLab and Notebook 7 run the chapter, a slider moves the picture.

Each test copies ``notebooks/03_vanishing_gradients.ipynb`` into a fresh server
root, runs every cell, moves the gradient explorer's depth slider (JupyterLab:
the keyboard on the slider handle; Notebook 7, which ignores arrow keys there:
typing into the readout) and checks that the kernel redrew the picture (the
``<img>`` src changes) and that the kernel reported no error: no ``error``
message or ``status: error`` reply on the notebook's websocket, and no traceback
in the server's log (where ipykernel logs exceptions raised in widget callbacks).
"""

from __future__ import annotations

import re
import time

import pytest

from .conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "03_vanishing_gradients.ipynb"
#: The prompt of every code cell: "[ ]:" never run, "[*]:" waiting or running, "[3]:" done.
PROMPTS = "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim())"
#: True once the notebook's kernel has started and is idle (JupyterLab and Notebook 7 alike).
KERNEL_IDLE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const session = panel && panel.sessionContext && panel.sessionContext.session;
    return Boolean(session && session.kernel && session.kernel.status === 'idle');
}"""
#: Kernel messages that report an error (an exception in a cell, a failed request).
KERNEL_ERROR = re.compile(r'"msg_type":\s*"error"|"status":\s*"error"')
#: Upper bound for running the whole chapter (about 20-90 s here, depending on the machine's load).
RUN_ALL_TIMEOUT = 480


def watch_kernel(page) -> list:
    """Collect kernel messages (websocket frames) that report an error."""
    errors = []

    def on_frame(payload):
        text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        if KERNEL_ERROR.search(text):
            errors.append(text[:2000])

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame) if "/channels" in ws.url else None)
    return errors


def run_all(page, errors: list) -> None:
    """Clear the stored outputs, run every cell (the exposed app's commands), wait until all have run.

    Stops early, failing, when the kernel reports an error (run-all stops there).
    """
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)  # run-all before the kernel is up asks for one
    # The stored notebook shows "[n]:" prompts already: clear them, so "all numbered" means "all ran".
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    page.wait_for_function(f"() => {PROMPTS}.every(p => !/\\d/.test(p))", timeout=30_000)
    # Fire and forget: the command's promise settles only when every cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    while time.monotonic() < deadline:
        assert not errors, "the kernel reported errors while running the notebook:\n" + "\n".join(errors)
        prompts = page.evaluate(PROMPTS)
        if all(re.fullmatch(r"\[\d+\]:", p) for p in prompts):
            return
        time.sleep(0.5)
    raise AssertionError(f"not every cell ran within {RUN_ALL_TIMEOUT} s: {prompts}")


def explorer_parts(page):
    """The gradient explorer's depth slider and picture (the widget image in the same box)."""
    depth = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile(r"^depth$")))
    box = page.locator(".widget-vbox", has=depth).last
    return depth.first, box.locator("img.widget-image").first


def wait_for_new_src(image, old: str, timeout: float = 60.0) -> str:
    """Wait until the image's src differs from ``old`` and then holds still for 1 s."""
    deadline = time.monotonic() + timeout
    src = old
    while time.monotonic() < deadline:
        src = image.get_attribute("src")
        if src != old:
            time.sleep(1.0)
            if image.get_attribute("src") == src:
                return src
        time.sleep(0.2)
    return src


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_depth_slider_redraws_the_live_explorer(app, browser, jupyter):
    base, log = jupyter(app, NOTEBOOK)
    page = browser.new_page()
    errors = watch_kernel(page)
    try:
        page.goto(f"{base}/{'lab/tree' if app == 'lab' else 'notebooks'}/{NOTEBOOK.name}",
                  wait_until="domcontentloaded")
        run_all(page, errors)
        slider, image = explorer_parts(page)
        image.wait_for(state="visible", timeout=60_000)
        before = image.get_attribute("src")
        readout = slider.locator(".widget-readout")
        start = int(readout.text_content())
        if app == "lab":
            slider.locator(".noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            expected = start + 1
        else:  # Notebook 7 ignores the arrow keys on the handle: type into the readout instead
            expected = start + 30
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(str(expected))
            page.keyboard.press("Enter")
        after = wait_for_new_src(image, before)
        assert after != before, f"{app}: the picture did not change after moving depth"
        assert int(readout.text_content()) == expected
        assert not errors, f"{app}: the kernel reported errors:\n" + "\n".join(errors)
        server_log = log.read_text()
        assert "Traceback" not in server_log, f"{app}: the server's log shows a traceback:\n{server_log}"
    finally:
        page.close()
