"""The book's live explorers in Chromium: from a control's input event to the redrawn panels.

Playwright drives Debian's Chromium against the built book (``_build/html``, or
``--book DIR``) served on 127.0.0.1, as ``tests/browser/test_live_book.py`` does.
Without a built book it writes the chapters' explorers into pages of their own
(:mod:`benchmarks.live_pages`, ``_build/live-pages``) and measures those.
On the first page of each explorer kind, every control is moved ``MOVES`` times
(alternating one step up and down; a ``<select>`` between two options; a checkbox
toggled), one move after the previous update, the first untimed (it warms up);
an even number in all, so each control ends where it started. Measured in the page, from
``performance.now()`` just before the ``input`` event is dispatched:

* **drawn**: to the end of the explorer's update (its panels' SVG replaced, layout
  forced by reading the panels' size), the ``gradnotes:update`` event;
* **painted**: to a task posted after the frame that shows the update has run its
  style, layout and paint: the pixels. An update that answers the event at once
  (no update ran in this frame: ``book/engine/ui/explorer.js``) is shown by the next
  frame, so the task is posted from that frame's animation frame callback; an update
  that ran in an animation frame callback (``el.gradnotesTiming.inFrame``) is shown
  by that frame, so the task is posted at its end;
* **frame**: to the next animation frame after that (an upper bound: one more frame).

Moves are one after another's update, so each answers at once; a time therefore
includes the wait for the frame that paints it when the update finished before
that frame began (0-16 ms). Each move waits first for a delay spread evenly over a
frame (16.7 ms, in steps of 1/``MOVES`` of it), so that the moves fall at every phase
of the display's frames, as a reader's key presses do: without it each move would
start at the same point of a frame (the previous measurement ends on one), and the
medians would depend on that one phase.

Then the page with the most explorers is loaded afresh, and the JS heap
(``Runtime.getHeapUsage`` after a forced garbage collection, over CDP: JS objects and the
typed arrays' buffers) is measured
when it has loaded, after scrolling to each explorer in turn (each draws when it
comes near the screen), and back at the top.
Settings: the page's defaults, and for the gradient and init explorers depth 100
(gradient: width 256; init: the page's width). Targets (issue 15): painted <= 30 ms
median at the defaults, <= 300 ms at depth 100 / width 256.

``--no-simd`` sets ``GRADNOTES_NO_SIMD`` in the pages, so that the engine uses its
JavaScript kernels only (``book/engine/simd.js``): run with and without it, side by side.

``--phone`` measures as on a phone: a 390 x 844 screen at 3 device pixels per CSS pixel,
touch, and the renderer's CPU slowed down 4 times (CDP ``Emulation.setCPUThrottlingRate``;
the slowdown Lighthouse uses for a mid-tier phone). The issue's targets are for this machine,
so these rows have none: they say what a reader on a phone may see.

``python -m benchmarks.bench_live_book [--quick] [--no-simd] [--phone] [--book DIR]``; without Chromium
or Playwright it says so and returns.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import Report

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "_build" / "html"
TARGET_DEFAULT, TARGET_DEEP = 30.0, 300.0
MOVES, QUICK_MOVES = 12, 3
MARKER = re.compile(r'data-gradnotes-explorer="(\w+)"')
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
PHONE_SLOWDOWN = 4
FRAME_MS = 1000 / 60

MOVE_JS = """async ([el, name, up, delay]) => {
  await new Promise(resolve => setTimeout(resolve, delay));
  const input = el.querySelector(`.gn-control[data-name="${name}"] input, .gn-control[data-name="${name}"] select`);
  const done = new Promise(resolve => el.addEventListener('gradnotes:update', () => {
    el.querySelector('.gn-panels').getBoundingClientRect();
    const drawn = performance.now();
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const painted = performance.now();
      requestAnimationFrame(() => resolve([drawn, painted, performance.now()]));
    };
    // an update in an animation frame callback is painted by that frame; one that answered the
    // event at once, by the next frame
    if (el.gradnotesTiming.inFrame !== false) channel.port2.postMessage(0);
    else requestAnimationFrame(() => channel.port2.postMessage(0));
  }, {once: true}));
  if (input.type === 'checkbox') input.checked = !input.checked;
  else if (input.tagName === 'SELECT') input.selectedIndex = up ? Math.min(input.selectedIndex + 1, input.options.length - 1)
      : Math.max(input.selectedIndex - 1, 0);
  else input.value = Number(input.value) + (up ? 1 : -1) * Number(input.step);
  const t0 = performance.now();
  input.dispatchEvent(new Event('input', {bubbles: true}));
  const [drawn, painted, frame] = await done;
  return [drawn - t0, painted - t0, frame - t0];
}"""

SET_JS = """async ([el, name, value]) => {
  const input = el.querySelector(`.gn-control[data-name="${name}"] input`);
  const values = input.dataset.values ? JSON.parse(input.dataset.values) : null;
  input.value = values ? values.indexOf(value) : value;
  const done = new Promise(resolve => el.addEventListener('gradnotes:update', resolve, {once: true}));
  input.dispatchEvent(new Event('input', {bubbles: true}));
  await done;
  return el.gradnotes.settings;
}"""


def pages(book: Path) -> dict:
    """Page (relative path) -> the kinds of its explorers, in page order."""
    found = {}
    for path in sorted(book.rglob("*.html")):
        kinds = MARKER.findall(path.read_text(encoding="utf8"))
        if kinds:
            found[path.relative_to(book).as_posix()] = kinds
    return found


def first_pages(found: dict) -> dict:
    """Kind -> first page that has one."""
    first = {}
    for name, kinds in found.items():
        for kind in kinds:
            first.setdefault(kind, name)
    return first


# Scroll an explorer to the screen (explorers start when they come near it) and wait for its first drawing.
SHOW_JS = """async el => {
  el.scrollIntoView({block: 'start'});
  if (!el.gradnotes) await new Promise(resolve => el.addEventListener('gradnotes:update', resolve, {once: true}));
  return el.gradnotes.updates;
}"""


def show(explorer) -> None:
    explorer.page.wait_for_function(f"el => ({SHOW_JS})(el).then(() => true)", arg=explorer.element_handle(),
                                    timeout=30_000)


def renderer_pids(profile: str) -> list:
    """Chromium renderer processes of the browser started with ``profile`` (from /proc; Linux)."""
    parents, cmdlines = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                cmdlines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
    roots = {pid for pid, cmd in cmdlines.items() if profile in cmd and "--type=" not in cmd}

    def descends(pid):
        seen = set()
        while pid in parents and pid not in seen:
            if pid in roots:
                return True
            seen.add(pid)
            pid = parents[pid]
        return False

    return [pid for pid, cmd in cmdlines.items() if "--type=renderer" in cmd and descends(pid)]


def cpu_ms(pids: list) -> float:
    """User + system CPU time of ``pids`` so far, in ms."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p * len(values) + 0.5) - 1))]


def measure(explorer, moves: int, pids: list) -> dict:
    """Control name -> (drawn, painted, frame, renderer CPU, compute) in ms per move, over ``moves`` moves."""
    names = explorer.evaluate("""el => [...el.querySelectorAll('.gn-control')]
        .filter(c => !c.hidden && !c.querySelector('input, select').disabled).map(c => c.dataset.name)""")
    out = {}
    for name in names:
        at_top = explorer.evaluate("""(el, name) => { const i = el.querySelector(`.gn-control[data-name="${name}"] input,
            .gn-control[data-name="${name}"] select`); return i.tagName === 'SELECT' ? i.selectedIndex === i.options.length - 1
            : i.type === 'range' && Number(i.value) >= Number(i.max); }""", name)
        times = [[], [], [], [], []]
        for k in range(moves + 2 - moves % 2):  # an even count: the control ends where it started
            c0 = cpu_ms(pids)
            delay = FRAME_MS * ((k * 5) % moves) / moves  # spread over a frame (module docstring)
            d, p, f = explorer.page.evaluate(MOVE_JS, [explorer.element_handle(), name, (k % 2 == 0) != at_top, delay])
            c1 = cpu_ms(pids)
            if k:  # the first move warms up (e.g. a new activation's tables)
                for column, value in zip(times, (d, p, f, c1 - c0, explorer.evaluate("el => el.gradnotesTiming.compute"))):
                    column.append(value)
        out[name] = times
    return out


def heap_mb(cdp) -> tuple:
    """(JS objects, typed-array buffers) in use after a full garbage collection, in MB (CDP)."""
    cdp.send("HeapProfiler.collectGarbage")
    usage = cdp.send("Runtime.getHeapUsage")
    return usage["usedSize"] / 2 ** 20, usage.get("backingStorageSize", 0) / 2 ** 20


def heap_rows(context, url: str, report: Report) -> None:
    """The JS heap of the page with the most explorers: loaded, after visiting each explorer, back at the top."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")
    page.goto(url, wait_until="load")
    page.wait_for_timeout(1500)  # the explorers near the screen draw
    started = page.evaluate("() => [...document.querySelectorAll('[data-gradnotes-explorer]')].filter(el => el.gradnotes).length")
    total = page.locator("[data-gradnotes-explorer]").count()
    rows = [("loaded, at the top", started, heap_mb(cdp))]
    peak = (0.0, 0.0)
    for i in range(total):
        show(page.locator("[data-gradnotes-explorer]").nth(i))
        page.wait_for_timeout(300)
        peak = max(peak, heap_mb(cdp), key=sum)
    drawn = page.evaluate("() => [...document.querySelectorAll('[data-gradnotes-explorer]')].filter(el => el.gradnotes).length")
    rows.append(("largest while scrolling to each explorer", drawn, peak))
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)
    rows.append(("back at the top", drawn, heap_mb(cdp)))
    report.line(f"\n### JS heap of {url.rsplit('/', 1)[-1]} ({total} explorers; after a forced GC)\n")
    report.header(["when", "explorers drawn so far", "JS objects (MB)", "typed arrays (MB)", "total (MB)"])
    for when, n, (objects, buffers) in rows:
        report.row([when, n, f"{objects:.1f}", f"{buffers:.1f}", f"{objects + buffers:.1f}"])
    page.close()


def main(quick: bool = False, book: Path = BOOK, simd: bool = True, phone: bool = False) -> None:
    report = Report()
    report.line("## The book's live explorers: input event to redrawn panels (Chromium)\n")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        report.line("Skipped: needs Chromium and Playwright.")
        return
    if not (book / "index.html").exists():
        from .live_pages import build

        missing, book = book, ROOT / "_build" / "live-pages"
        build(book)
        report.line(f"No built book in {missing}: measured on the chapters' explorers in pages of their own "
                    f"({book}, benchmarks/live_pages.py; no theme, ~800 px column).\n")
    sys.path.insert(0, str(ROOT))
    from tests.browser.conftest import CHROMIUM_FLAGS, free_port, server

    found = pages(book)
    first = first_pages(found)
    moves = QUICK_MOVES if quick else MOVES
    port = free_port()
    args = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", str(book)]
    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
    report.line(f"{version}; {moves} moves per control; ms from the input event (median, p90).\n")
    if phone:
        report.line(f"As on a phone: {PHONE['viewport']['width']} x {PHONE['viewport']['height']} CSS px, "
                    f"{PHONE['device_scale_factor']} device px each, CPU slowed down {PHONE_SLOWDOWN} times "
                    "(no target: the issue's are for this machine).\n")
    report.line(f"Load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. 'CPU' is the "
                "renderer's CPU time per move (/proc; includes the evaluate call), 'compute' the engine's share "
                "of the drawn time.\n")
    report.header(["explorer", "page", "setting", "control", "drawn p50", "drawn p90", "painted p50", "painted p90",
                   "frame p50", "CPU p50", "compute p50", "target"])
    worst = {}
    kernels = set()
    with server(args, f"http://127.0.0.1:{port}/index.html", timeout=30), \
            tempfile.TemporaryDirectory(prefix="gradnotes-bench-") as profile, sync_playwright() as pw:
        screen = PHONE if phone else {"viewport": {"width": 1280, "height": 800}}
        context = pw.chromium.launch_persistent_context(profile, executable_path=chromium, args=CHROMIUM_FLAGS,
                                                        headless=True, **screen)
        if not simd:
            context.add_init_script("globalThis.GRADNOTES_NO_SIMD = true;")
        try:
            for kind, name in sorted(first.items()):
                page = context.new_page()
                if phone:
                    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": PHONE_SLOWDOWN})
                page.goto(f"http://127.0.0.1:{port}/{name}", wait_until="load")
                explorer = page.locator(f'[data-gradnotes-explorer="{kind}"]').first
                show(explorer)
                pids = renderer_pids(profile)
                settings = [("default", {}, None if phone else TARGET_DEFAULT)]
                if kind == "gradient":
                    settings.append(("depth 100, width 256", {"depth": 100, "width": 256}, None if phone else TARGET_DEEP))
                elif kind == "init":
                    settings.append(("depth 100", {"depth": 100}, None if phone else TARGET_DEEP))
                for label, values, target in settings:
                    for control, value in values.items():
                        explorer.page.evaluate(SET_JS, [explorer.element_handle(), control, value])
                    shown = explorer.evaluate("el => el.gradnotes.settings")
                    kernels.add(explorer.evaluate("el => el.gradnotesTiming.kernels"))
                    size = "/".join(str(shown[k]) for k in ("depth", "width", "batch") if k in shown)
                    for control, (drawn, painted, frame, cpu, compute) in measure(explorer, moves, pids).items():
                        p50 = statistics.median(painted)
                        worst[(kind, label)] = max(worst.get((kind, label), 0.0), p50)
                        report.row([kind, name, f"{label} ({size})" if size else label, control,
                                    f"{statistics.median(drawn):.1f}", f"{q(drawn, 0.9):.1f}", f"{p50:.1f}",
                                    f"{q(painted, 0.9):.1f}", f"{statistics.median(frame):.1f}",
                                    f"{statistics.median(cpu):.0f}", f"{statistics.median(compute):.1f}",
                                    "none (phone)" if target is None else f"<= {target:.0f}" + ("" if p50 <= target else " MISSED")])
                page.close()
            report.line(f"\nProducts computed by: {', '.join(sorted(kernels))} kernels"
                        + ("" if simd else " (--no-simd)") + ".\n")
            for (kind, label), p50 in sorted(worst.items()):
                report.line(f"- {kind}, {label}: slowest control's median (painted) {p50:.1f} ms")
            heaviest = max(found, key=lambda n: len(found[n]))
            heap_rows(context, f"http://127.0.0.1:{port}/{heaviest}", report)
        finally:
            context.close()
    report.save("live_book" + ("" if simd else "_no_simd") + ("_phone" if phone else ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--book", type=Path, default=BOOK)
    parser.add_argument("--no-simd", action="store_true", help="the engine's JavaScript kernels only")
    parser.add_argument("--phone", action="store_true", help="a phone's screen, CPU slowed down 4 times")
    options = parser.parse_args()
    main(quick=options.quick, book=options.book, simd=not options.no_simd, phone=options.phone)
