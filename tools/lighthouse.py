"""Lighthouse (mobile, simulated Slow 4G) on pages of the built book: performance and accessibility scores.

A measurement, not a test (its numbers move with the machine's load)::

    python tools/lighthouse.py                                  # ch3, ch9 and the FAQ
    python tools/lighthouse.py notebooks/05_initialization.html --json out.json

Runs ``npx lighthouse@12.2.3`` (the last line that runs on Node 20; npm caches
it after the first run) against Debian's Chromium, with ``_build/html`` served
on 127.0.0.1 by :func:`page_weight.serve`, text gzipped as a static host sends it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from page_weight import BOOK, serve

LIGHTHOUSE = "lighthouse@12.2.3"
DEFAULT_PAGES = ["notebooks/03_vanishing_gradients.html", "notebooks/10_myths_and_facts.html", "book/faq.html"]
METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index", "interactive"]


def run(url: str, chromium: str) -> dict:
    """Lighthouse's report for ``url`` (performance and accessibility categories), as a dict."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        subprocess.run(["npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
                        "--only-categories=performance,accessibility", f"--chrome-path={chromium}",
                        "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-dev-shm-usage"],
                       check=True)
        return json.loads(out.read_text())


def summary(report: dict) -> dict:
    audits = report["audits"]
    return {"performance": round(100 * (report["categories"]["performance"]["score"] or 0)),
            "accessibility": round(100 * (report["categories"]["accessibility"]["score"] or 0)),
            **{m: audits[m]["displayValue"] for m in METRICS if m in audits}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", default=DEFAULT_PAGES)
    parser.add_argument("--book", type=Path, default=BOOK)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or shutil.which("npx") is None:
        sys.exit("needs Chromium (apt-get install chromium) and Node.js 20 (npx)")
    results = {}
    with serve(args.book, compress=True) as base:
        for page in args.pages:
            results[page] = summary(run(f"{base}/{page}", chromium))
            print(page, results[page], file=sys.stderr)
    print("| page | performance | accessibility | " + " | ".join(METRICS) + " |")
    print("|---|---:|---:|" + "---:|" * len(METRICS))
    for page, r in results.items():
        print(f"| {page} | {r['performance']} | {r['accessibility']} | "
              + " | ".join(str(r.get(m, "")) for m in METRICS) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
