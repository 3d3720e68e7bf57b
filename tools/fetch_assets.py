"""Fetch the book's JavaScript from the npm registry, check it, and copy what the pages load.

The published book must work offline, so the widget manager and MathJax ship
with it instead of coming from CDNs. ``book/assets.json`` lists each npm
package (pinned), the sha256 of its tarball and the files to copy::

    python tools/fetch_assets.py          # what `make book` runs

``npm pack`` downloads each tarball into ``_build/npm`` (npm's own cache makes
a second run offline); a tarball whose sha256 differs from the recorded one
stops the build. The copied files land in ``_build/assets/gradnotes-vendor``,
which ``book/_ext/gradnotes_assets.py`` publishes as ``_static/gradnotes-vendor``.
A package with its own ``destination`` is a build-time tool (mathjax-full, which
``book/_ext/gradnotes_math.py`` runs with Node to typeset the maths into SVG):
it goes there, not into the site.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "book" / "assets.json"
TARBALLS = ROOT / "_build" / "npm"


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(spec: str, tarball: str, expected: str) -> Path:
    """``npm pack spec`` into ``_build/npm`` unless already there; check the tarball's sha256.

    Raises
    ------
    SystemExit
        When npm is missing or the checksum differs.
    """
    path = TARBALLS / tarball
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm (Node.js) is needed once, to fetch the book's JavaScript from the npm registry.\n"
                     "Install it (Debian/Ubuntu: `apt-get install -y npm`; or see https://nodejs.org) "
                     "and run `make book` again.")
        TARBALLS.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "pack", spec, "--pack-destination", str(TARBALLS), "--silent",
                        "--prefer-offline", "--no-fund", "--no-audit"],
                       check=True, stdout=subprocess.DEVNULL)
    actual = sha256(path)
    if actual != expected:
        path.unlink()
        sys.exit(f"{tarball}: sha256 {actual} does not match {expected} recorded in {MANIFEST.name}; "
                 "the file was removed. If you upgraded the package on purpose, record the new checksum.")
    return path


def copy(path: Path, patterns: dict, destination: Path) -> int:
    """Copy the tarball members matching each pattern into ``destination / dest``; return the count.

    A member keeps its path below the pattern's directory, so
    ``package/es5/sre/*`` -> ``mathjax/sre`` copies ``sre/mathmaps/en.json`` to
    ``mathjax/sre/mathmaps/en.json``.
    """
    count = 0
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        for pattern, dest in patterns.items():
            prefix = pattern[: pattern.rfind("/", 0, _first_wildcard(pattern)) + 1]
            matched = [m for m in members if fnmatch.fnmatchcase(m.name, pattern)]
            if not matched:
                sys.exit(f"{path.name}: nothing matches {pattern!r}")
            for member in matched:
                target = destination / dest / member.name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                count += 1
    return count


def _first_wildcard(pattern: str) -> int:
    hits = [i for i in (pattern.find(c) for c in "*?[") if i >= 0]
    return min(hits) if hits else len(pattern)


def main() -> None:
    manifest = json.loads(MANIFEST.read_text())
    for package in manifest["packages"]:  # a build-time tool names its own folder, outside the site
        destination = ROOT / package.get("destination", manifest["destination"])
        if destination.exists():
            shutil.rmtree(destination)
    for package in manifest["packages"]:
        destination = ROOT / package.get("destination", manifest["destination"])
        path = fetch(package["spec"], package["tarball"], package["sha256"])
        n = copy(path, package["copy"], destination)
        print(f"{package['spec']}: sha256 ok, {n} files -> {destination.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
