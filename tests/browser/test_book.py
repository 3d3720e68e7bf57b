"""The published book in a real browser: every page clean and offline, every static explorer switching.

The built site (``_build/html``) is served by ``python -m http.server`` on
127.0.0.1. For every page: no console error, no page error, no failed request or
error status, no request to any other host, math typeset by the bundled MathJax,
every widget rendered; a full-page screenshot goes to ``_build/screenshots/``.
For every static explorer, each control is moved and the picture must change.
The bytes each page loads are written to ``_build/screenshots/weights.json``
(the budget of a first visit is asserted by ``test_readable.py``).
"""

from __future__ import annotations

import json
import sys
import time
from urllib.parse import urlparse

import pytest

from .conftest import BOOK, ROOT

sys.path.insert(0, str(ROOT / "tools"))
from page_weight import book_pages, transferred  # noqa: E402  (a script folder, as tests/test_packaging)

PAGES = book_pages(ROOT)


class PageLog:
    """What a page did on the network and in its console."""

    def __init__(self, page, host: str):
        self.host, self.errors, self.responses = host, [], []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} ({r.failure})"))
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def _request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme not in ("data", "blob") and url.netloc != self.host:
            self.errors.append(f"request to another host: {request.url}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")
        if urlparse(response.url).scheme in ("http", "https"):
            self.responses.append(response)

    def weight(self) -> dict:
        """Bytes loaded so far: as served here (uncompressed) and as a gzip-serving host would send them."""
        raw = transfer = 0
        for response in self.responses:
            try:
                body = response.body()
            except Exception:  # a redirect or a response without a body
                continue
            raw += len(body)
            transfer += transferred(body, response.headers.get("content-type", ""))
        return {"requests": len(self.responses), "bytes": raw, "gzip_bytes": transfer}


def wait_until_rendered(page) -> None:
    """Wait for MathJax (where maths is left to it) and for every embedded widget view to be rendered.

    The book's maths is typeset into SVG when it is built; the widget manager is
    loaded when an explorer comes near the screen, so each one is scrolled to.
    """
    if page.locator(".math:not(:has(mjx-container))").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20_000)
        # Not page.evaluate(promise): that would wait without a time limit.
        page.evaluate("() => { MathJax.startup.promise.then(() => { window.__typeset = true; }); }")
        page.wait_for_function("() => window.__typeset === true", timeout=20_000)
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    # one explorer on screen loads the manager, which renders every explorer of the page
    page.evaluate("() => { const p = document.querySelector('.gradnotes-explorer-placeholder');"
                  " if (p) p.scrollIntoView(); }")
    if views:
        page.wait_for_function(
            f"() => document.querySelectorAll('.jupyter-widgets.widget-box').length >= {views}", timeout=20_000)
        page.locator(".gradnotes-static-explorer img").first.wait_for(state="visible", timeout=20_000)
    if page.locator("[data-gradnotes-explorer]").count():  # live explorers draw themselves (test_live_book.py)
        page.wait_for_function("() => [...document.querySelectorAll('[data-gradnotes-explorer]')]"
                               ".every(el => el.gradnotesStart && el.gradnotesStart())", timeout=20_000)
        page.wait_for_function("() => [...document.querySelectorAll('[data-gradnotes-explorer]')]"
                               ".every(el => el.gradnotes)", timeout=20_000)
    page.wait_for_load_state("networkidle", timeout=20_000)


def picture(explorer, timeout: float = 10.0) -> bytes:
    """Pixels of the picture an explorer shows now: its stacks render one image, the selected one."""
    image = explorer.locator("img:visible")
    deadline = time.monotonic() + timeout
    while image.count() != 1 and time.monotonic() < deadline:  # the newly selected child is being rendered
        time.sleep(0.1)
    assert image.count() == 1, f"a static explorer should show exactly one picture, not {image.count()}"
    image.evaluate("img => Promise.race([img.decode(), new Promise(done => setTimeout(done, 5000))])")
    return image.screenshot()


def move(page, control, step: int) -> str:
    """Move a static explorer's control ``step`` (+1 or -1) options; return what was done."""
    select = control.locator("select")
    if select.count():
        index = select.evaluate("s => s.selectedIndex")
        select.select_option(index=index + step)
        return f"option {index} -> {index + step}"
    handle = control.locator(".noUi-handle")
    handle.focus()
    page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
    return f"slider {step:+d}"


def first_step(control) -> int:
    """+1, or -1 where the control is at its last option."""
    select = control.locator("select")
    if select.count():
        last = select.evaluate("s => s.selectedIndex == s.options.length - 1")
    else:
        handle = control.locator(".noUi-handle")
        last = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    return -1 if last else 1


def settled_picture(explorer, unlike: bytes | None = None, timeout: float = 5.0) -> bytes:
    """The explorer's picture, once it differs from ``unlike`` (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    now = picture(explorer)
    while unlike is not None and now == unlike and time.monotonic() < deadline:
        time.sleep(0.1)
        now = picture(explorer)
    return now


def check_controls(page, explorer, label: str) -> None:
    """Each control, moved one step from the first picture, changes it; moved back, restores it."""
    controls = explorer.locator(".widget-dropdown, .widget-slider")
    assert controls.count() >= 2, f"{label}: a static explorer keeps at least two controls"
    first = picture(explorer)
    for j in range(controls.count()):
        step = first_step(controls.nth(j))
        action = move(page, controls.nth(j), step)
        moved = settled_picture(explorer, unlike=first)
        assert moved != first, f"{label}, control {j} ({action}): the picture did not change"
        move(page, controls.nth(j), -step)
        back = settled_picture(explorer, unlike=moved)
        assert back == first, f"{label}, control {j}: moving it back did not restore the first picture"


@pytest.fixture(scope="module")
def weights(screenshots):
    record = {}
    yield record
    path = screenshots / "weights.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**old, **record}, indent=1, sort_keys=True))


#: Pages that only redirect (the root index.html of jupyter-book) -> where they lead.
REDIRECTS = {"index.html": "book/intro.html"}


@pytest.mark.parametrize("name", PAGES)
def test_page(name, browser, book_url, screenshots, weights):
    assert (BOOK / name).exists(), f"{name} is not in the built book"
    page = browser.new_page()
    log = PageLog(page, urlparse(book_url).netloc)
    try:
        page.goto(f"{book_url}/{name}", wait_until="load")
        if name in REDIRECTS:  # a meta refresh: rendering is checked on the page it leads to, once it is there
            page.wait_for_url(f"{book_url}/{REDIRECTS[name]}", wait_until="load")
        wait_until_rendered(page)
        weights[name] = log.weight()
        page.screenshot(path=str(screenshots / (name.replace("/", "__").removesuffix(".html") + ".png")),
                        full_page=True)

        raw_math = page.locator(".math:not(:has(mjx-container))")
        assert raw_math.count() == 0, f"untypeset math: {raw_math.first.inner_text()!r}"

        explorers = page.locator(".gradnotes-static-explorer")
        for i in range(explorers.count()):
            check_controls(page, explorers.nth(i), f"{name}, explorer {i}")
            download = explorers.nth(i).locator("a[download]")
            assert download.count() == 1, "the note below a static explorer links to its notebook"
            url = download.evaluate("a => a.href")
            assert url.endswith(".ipynb") and page.request.get(url).ok, f"broken notebook link {url}"

        assert not log.errors, "\n".join(log.errors)
    finally:
        page.close()
