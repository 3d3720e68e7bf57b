"""Look at every chapter as a learner does: JupyterLab 4 and Notebook 7, laptop and phone width.

For each front end and chapter the script opens a fresh copy of the notebook,
photographs it before running (the top, and each explorer's stored fallback
picture), runs every cell, waits for the kernel, and photographs the top, every
explorer cell, a myth card or "Predict" admonition, an exercise box, a check's
output and the widest printed table, at 1280x800 and at 390x844 (JupyterLab in
single-document mode with the side bar closed; Notebook 7 just narrow)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python tools/look_notebooks.py [--frontends lab notebook]
        [--chapters 02 11] [--out /tmp/h8] [other.ipynb ...]

Screenshots go to ``OUT/<frontend>/<width>/<chapter>-<n>.png``; ``OUT/<frontend>/<width>/manifest.json``
says what each one shows, with measurements taken in the page (slider tracks, control rows, whether a
picture or a table is wider than its cell). One Jupyter server (``jupyter lab``, which serves Notebook 7
too), one kernel at a time (shut down after each chapter); the server runs with ``OPENBLAS_NUM_THREADS=1``.
The servers and Chromium are started the way tests/browser/conftest.py starts them. A full look (both
front ends, eleven chapters, 435 screenshots) took 20 minutes here on 2 shared cores: about 30-90 s a
chapter, of which Run All is 5-60 s (chapters 6, 9, 10 and 11 the longest, training caches warm).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (
    CHROMIUM_FLAGS,
    free_port,
    jupyter_environment,
    server,
)
from tests.browser.test_live_notebook import KERNEL_IDLE, PROMPTS, watch_kernel

SIZES = {"1280": (1280, 800), "390": (390, 844)}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHECK_MIME = "application/vnd.gradnotes.check+json"
#: Measurements of one cell in the page: control rows, slider tracks, overflow of pictures and text.
MEASURE = """el => {
    const box = r => ({x: Math.round(r.left), w: Math.round(r.width)});
    const cell = el.getBoundingClientRect();
    const tracks = [...el.querySelectorAll('.widget-slider')].filter(s => s.offsetParent)
        .map(s => ({label: (s.querySelector('.widget-label') || {}).textContent,
                    track: Math.round(s.querySelector('.noUi-target, .slider-container, input[type=range]')
                                      ?.getBoundingClientRect().width || 0),
                    readout: (s.querySelector('.widget-readout') || {}).textContent}));
    const rows = [...el.querySelectorAll('.widget-hbox')].map(r => {
        const tops = [...r.children].filter(c => c.offsetParent).map(c => c.getBoundingClientRect().top)
            .sort((a, b) => a - b);
        return tops.filter((t, k) => k === 0 || t > tops[k - 1] + 10).length;  // lines of controls
    });
    const images = [...el.querySelectorAll('.jp-OutputArea-output img')].map(i => ({
        shown: Math.round(i.getBoundingClientRect().width), natural: i.naturalWidth,
        right_edge_past_cell: Math.round(i.getBoundingClientRect().right - cell.right)}));
    const scrollers = [...el.querySelectorAll('.jp-OutputArea-output, pre, table')]
        .filter(n => n.scrollWidth > n.clientWidth + 2)
        .map(n => ({tag: n.tagName.toLowerCase(), scroll: n.scrollWidth, client: n.clientWidth}));
    const widest = Math.max(0, ...[...el.querySelectorAll('*')].map(n => n.getBoundingClientRect().right));
    const dropdowns = [...el.querySelectorAll('.widget-dropdown select')].filter(s => s.offsetParent)
        .map(s => ({value: s.value, shown: s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : ''}));
    const captions = [...el.querySelectorAll('.widget-html')].map(h => h.innerText.trim()).filter(Boolean);
    return {cell: box(cell), tracks, rows, images, scrollers, dropdowns, captions: captions.slice(0, 3),
            content_right_past_cell: Math.round(widest - cell.right),
            raw_myst: /\\{(admonition|exercise|note|warning)\\}|^:class:/m.test(el.innerText),
            text: el.innerText.slice(0, 160)};
}"""


def notable_cells(path: Path) -> dict:
    """Cell indices worth a picture: explorers, a myth card or admonition, an exercise, a check, a wide table."""
    nb = json.loads(path.read_text())
    cells = nb["cells"]

    def source(c):
        return "".join(c["source"])

    def first(pred):
        return next((i for i, c in enumerate(cells) if pred(c)), None)

    explorers = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
                 and any(WIDGET_VIEW in o.get("data", {}) for o in c.get("outputs", []))]
    card = first(lambda c: c["cell_type"] == "markdown" and "{admonition} Verdict" in source(c))
    if card is None:
        card = first(lambda c: c["cell_type"] == "markdown" and "{admonition} Predict" in source(c))
    exercise = first(lambda c: c["cell_type"] == "markdown" and "{exercise}" in source(c))
    check = first(lambda c: c["cell_type"] == "code"
                  and any(CHECK_MIME in o.get("data", {}) for o in c.get("outputs", [])))

    def widest_line(c):
        text = "".join("".join(o.get("text", "")) for o in c.get("outputs", []) if o["output_type"] == "stream")
        lines = text.splitlines()
        pictures = any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
        return 0 if pictures or len(lines) < 3 else max(map(len, lines))

    codes = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    table = max(codes, key=lambda i: widest_line(cells[i]), default=None)
    return {"explorers": explorers, "card": card, "exercise": exercise, "check": check, "table": table}


class Look:
    """One front end's pages on one server; writes screenshots and a manifest per width."""

    def __init__(self, context, base: str, root: Path, frontend: str, out: Path):
        self.context, self.base, self.root, self.frontend, self.out = context, base, root, frontend, out
        self.manifest = {w: [] for w in SIZES}
        self.counter = {}

    def shot(self, page, width: str, chapter: str, what: str, cell=None) -> None:
        """A viewport screenshot (the cell scrolled to the top first; a tall cell gets a second one of its end)."""
        folder = self.out / self.frontend / width
        folder.mkdir(parents=True, exist_ok=True)
        positions = ["start"]
        info = None
        if cell is not None:
            cell.evaluate("el => el.scrollIntoView({block: 'start'})")
            time.sleep(0.4)
            info = cell.evaluate(MEASURE)
            if cell.bounding_box() and cell.bounding_box()["height"] > SIZES[width][1] - 80:
                positions.append("end")
        for position in positions:
            if position == "end":
                cell.evaluate("el => el.scrollIntoView({block: 'end'})")
                time.sleep(0.4)
            n = self.counter[(width, chapter)] = self.counter.get((width, chapter), 0) + 1
            name = f"{chapter}-{n:02d}.png"
            page.screenshot(path=str(folder / name))
            self.manifest[width].append({"file": name, "chapter": chapter, "what": what, "part": position,
                                         "measure": info})

    def set_width(self, page, width: str) -> None:
        page.set_viewport_size(dict(zip(("width", "height"), SIZES[width])))
        if self.frontend == "lab":  # a phone: single-document mode, side bars closed
            page.evaluate("""narrow => { const shell = window.jupyterapp.shell;
                shell.mode = narrow ? 'single-document' : 'multiple-document';
                if (narrow) { shell.collapseLeft(); shell.collapseRight(); } else { shell.expandLeft(); } }""",
                          width == "390")
        time.sleep(1.5)

    def chapter(self, notebook: Path) -> dict:
        chapter = notebook.name[:2] if notebook.name[:2].isdigit() else notebook.stem
        marks = notable_cells(notebook)
        shutil.copy(notebook, self.root / "notebooks" / notebook.name)  # fresh copy: no autosaved outputs
        page = self.context.new_page()
        errors = watch_kernel(page)
        started = time.monotonic()
        result = {"chapter": chapter, "frontend": self.frontend, "errors": []}
        try:
            page.set_viewport_size({"width": 1280, "height": 800})
            # ?reset: JupyterLab opens this chapter alone, not the tabs (and kernels) its workspace remembers
            url = (f"{self.base}/lab/tree/notebooks/{notebook.name}?reset" if self.frontend == "lab"
                   else f"{self.base}/notebooks/notebooks/{notebook.name}")
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=90_000)
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90_000)
            cells = page.locator(".jp-Notebook .jp-Cell")
            try:
                page.wait_for_function(f"() => document.querySelectorAll('.jp-OutputArea-output img').length"
                                       f" >= {len(marks['explorers'])}", timeout=60_000)
            except Exception:  # noqa: BLE001 - the screenshots show what is there instead
                result["errors"].append("before running: fewer stored pictures than explorers")
            time.sleep(2)
            for width in SIZES:  # before running: the stored outputs (explorers' fallback pictures)
                self.set_width(page, width)
                self.shot(page, width, chapter, "top, before running", cells.nth(0))
                for i in marks["explorers"]:
                    self.shot(page, width, chapter, f"explorer cell {i}, before running (fallback)", cells.nth(i))
            self.set_width(page, "1280")
            page.wait_for_function(KERNEL_IDLE, timeout=180_000)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
            page.wait_for_function(f"() => {PROMPTS}.every(p => !/\\d/.test(p))", timeout=30_000)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            ran = time.monotonic()
            while time.monotonic() - ran < 900:
                prompts = page.evaluate(PROMPTS)
                if errors or all(re.fullmatch(r"\[\d+\]:", p) for p in prompts):
                    break
                time.sleep(1.0)
            result["run_seconds"] = round(time.monotonic() - ran, 1)
            result["errors"] += errors[:3]
            page.wait_for_function(KERNEL_IDLE, timeout=300_000)
            page.wait_for_function(f"() => document.querySelectorAll('img.widget-image').length"
                                   f" >= {len(marks['explorers'])}", timeout=120_000)
            time.sleep(2)
            for width in SIZES:
                self.set_width(page, width)
                self.shot(page, width, chapter, "top, after running", cells.nth(0))
                for i in marks["explorers"]:
                    self.shot(page, width, chapter, f"explorer cell {i}, live", cells.nth(i))
                for key in ("card", "exercise", "check", "table"):
                    if marks[key] is not None:
                        self.shot(page, width, chapter, f"{key} (cell {marks[key]})", cells.nth(marks[key]))
        except Exception as error:  # noqa: BLE001 - a look reports what failed and goes on to the next chapter
            result["errors"].append(f"{type(error).__name__}: {str(error)[:500]}")
        finally:
            page.close()
            shutdown_kernels(self.base)
        result["seconds"] = round(time.monotonic() - started, 1)
        return result

    def write_manifest(self, results: list) -> None:
        for width, items in self.manifest.items():
            folder = self.out / self.frontend / width
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "manifest.json").write_text(json.dumps({"shots": items, "chapters": results}, indent=1))


def shutdown_kernels(base: str) -> None:
    """Delete every session (and its kernel), so one kernel runs at a time."""
    with urllib.request.urlopen(f"{base}/api/sessions", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()
    time.sleep(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frontends", nargs="+", default=["lab", "notebook"], choices=["lab", "notebook"])
    parser.add_argument("--chapters", nargs="+", default=None, help="two-digit chapter numbers (default: all)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/h8"))
    parser.add_argument("notebooks", nargs="*", type=Path, help="other notebooks to look at instead of the chapters")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill PID` stops the server and Chromium too
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.notebooks:
        notebooks = [path.resolve() for path in args.notebooks]
    if args.chapters:
        notebooks = [nb for nb in notebooks if nb.name[:2] in args.chapters]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gradnotes-look-") as tmp:
        home = Path(tmp)
        root = home / "root"
        (root / "notebooks").mkdir(parents=True)
        for shared in ("_build", "book"):  # chapter 11 reads ../_build/cache; chapter 3 links ../book
            (root / shared).symlink_to(ROOT / shared)
        env = jupyter_environment(home / "env")
        env["OPENBLAS_NUM_THREADS"] = "1"
        tracker = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True)  # every cell in the page, so a cell can be found by its index
        (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        port = free_port()
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                   "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
                   "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
                   "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
                   "--JupyterNotebookApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        base = f"http://127.0.0.1:{port}"
        total = time.monotonic()
        with open(home / "server.log", "w") as log, \
                server(command, f"{base}/api/status", cwd=root, env=env, timeout=90, log=log), \
                sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(home / "profile"), executable_path=chromium, args=CHROMIUM_FLAGS, headless=True,
                viewport={"width": 1280, "height": 800}, device_scale_factor=1)
            context.set_default_timeout(60_000)
            try:
                for frontend in args.frontends:
                    look = Look(context, base, root, frontend, args.out)
                    results = []
                    for notebook in notebooks:
                        results.append(look.chapter(notebook))
                        print(json.dumps(results[-1]), flush=True)
                        look.write_manifest(results)
            finally:
                context.close()
        log_text = (home / "server.log").read_text()
        tracebacks = log_text.count("Traceback (most recent call last)")
        print(f"done in {time.monotonic() - total:.0f} s; server log tracebacks: {tracebacks}", flush=True)
        if tracebacks:
            (args.out / "server.log").write_text(log_text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
