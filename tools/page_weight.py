"""What a first visit to each page of the built book transfers: raw bytes, gzip bytes, requests.

Each page is opened in a fresh Chromium context (an empty cache: a first visit),
served from ``_build/html`` by a local HTTP server; everything the page loads
until the network is idle counts (scripts, styles, fonts, pictures, whatever
the scripts fetch), before the reader touches anything. "gzip" is what a host
that compresses text would send: text responses (HTML, CSS, JavaScript, JSON,
SVG) gzipped at level 6, everything else (PNG, WOFF2) as it is::

    python tools/page_weight.py                       # table of every page of _build/html
    python tools/page_weight.py --json weights.json   # and the numbers as JSON
    python tools/page_weight.py --book other/html notebooks/03_vanishing_gradients.html

The budget (issue 14): a chapter page <= 800 KB gzip, any other page <= 300 KB.
``tests/browser/test_readable.py`` asserts it with :func:`measure_page` and :data:`BUDGET`.
"""

from __future__ import annotations

import argparse
import functools
import io
import gzip
import http.server
import json
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "_build" / "html"
#: Responses a static host compresses; images and fonts are sent as they are.
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")
#: Gzip bytes at first visit, by kind of page (chapter pages live in notebooks/).
BUDGET = {"chapter": 800_000, "page": 300_000}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def book_pages(root: Path = ROOT) -> list[str]:
    """Every page of the book, from ``_toc.yml``, plus the index, search and general-index pages."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        stack = list(part.get("chapters", []))
        while stack:
            entry = stack.pop(0)
            if "file" in entry:
                files.append(entry["file"])
            stack[:0] = entry.get("sections", [])
    return ["index.html", "search.html", "genindex.html", *(f"{f}.html" for f in files)]


def budget(page: str) -> int:
    """The gzip budget of ``page`` (a path relative to the site root)."""
    return BUDGET["chapter" if page.startswith("notebooks/") else "page"]


def transferred(body: bytes, content_type: str) -> int:
    """Bytes a gzip-serving host sends for a response of this body and content type."""
    return len(gzip.compress(body, 6)) if content_type.startswith(TEXT_TYPES) else len(body)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Gzip(_Quiet):
    """Text responses gzipped, as a static host sends them (for Lighthouse, which times the bytes)."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        kind = self.guess_type(str(path))
        if not (path.is_file() and kind.startswith(TEXT_TYPES) and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(folder: Path, compress: bool = False):
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yield the base URL (``compress``: gzip text)."""
    handler = functools.partial(_Gzip if compress else _Quiet, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()


@contextmanager
def chromium(executable: str | None = None):
    """A headless Debian Chromium driven by Playwright (``executable``: default the one on PATH)."""
    from playwright.sync_api import sync_playwright

    path = executable or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        sys.exit("Chromium is needed: `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def measure_page(browser, url: str, viewport=(1280, 800), settle_ms: int = 500) -> dict:
    """Open ``url`` in a fresh context (empty cache) and sum what it loads until the network is idle.

    Returns ``{"requests", "bytes", "gzip_bytes", "largest"}``; ``largest`` lists the
    five biggest responses (path, gzip bytes).
    """
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    responses = []
    try:
        page = context.new_page()
        page.on("response", lambda r: responses.append(r) if urlparse(r.url).scheme in ("http", "https") else None)
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(settle_ms)  # scripts that fetch after idle (MathJax fonts, widget pictures)
        page.wait_for_load_state("networkidle")
        rows = []
        for response in responses:
            try:
                body = response.body()
            except Exception:  # a redirect, or a response without a body
                continue
            kind = response.headers.get("content-type", "")
            rows.append((urlparse(response.url).path, len(body), transferred(body, kind)))
    finally:
        context.close()
    rows.sort(key=lambda r: -r[2])
    return {"requests": len(rows), "bytes": sum(r[1] for r in rows), "gzip_bytes": sum(r[2] for r in rows),
            "largest": [(path, z) for path, _, z in rows[:5]]}


def table(weights: dict) -> str:
    """A Markdown table of ``{page: measure_page(...)}``, with the budget verdict."""
    lines = ["| page | raw KB | gzip KB | requests | budget KB | ok |", "|---|---:|---:|---:|---:|---|"]
    for page, w in weights.items():
        limit = budget(page)
        lines.append(f"| {page} | {w['bytes'] / 1000:,.0f} | {w['gzip_bytes'] / 1000:,.0f} | {w['requests']} "
                     f"| {limit // 1000} | {'yes' if w['gzip_bytes'] <= limit else 'NO'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="pages relative to the site (default: every page)")
    parser.add_argument("--book", type=Path, default=BOOK, help="the built site (default _build/html)")
    parser.add_argument("--toc", type=Path, default=ROOT, help="folder of _toc.yml (default: the repository)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--largest", action="store_true", help="list each page's five biggest responses")
    args = parser.parse_args(argv)
    if not (args.book / "index.html").exists():
        sys.exit(f"{args.book} holds no built book: run `make book` first")
    pages = args.pages or book_pages(args.toc)
    weights = {}
    with serve(args.book) as base, chromium() as browser:
        for page in pages:
            weights[page] = measure_page(browser, f"{base}/{page}")
            print(f"{page}: {weights[page]['gzip_bytes'] / 1000:,.0f} KB gzip", file=sys.stderr)
    print(table(weights))
    if args.largest:
        for page, w in weights.items():
            print(f"\n{page}: " + ", ".join(f"{p} {z / 1000:,.0f} KB" for p, z in w["largest"]))
    if args.json:
        args.json.write_text(json.dumps(weights, indent=1))
    over = [p for p, w in weights.items() if w["gzip_bytes"] > budget(p)]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
