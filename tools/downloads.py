"""The book's downloads: a wheel of gradnotes and one archive of all notebooks, next to each other.

``make book`` (and ``make book-student``) run this before jupyter-book::

    python tools/downloads.py                                    # notebooks/ -> _build/downloads
    python tools/downloads.py --notebooks dist/student --edition student --out _build/student-src/_build/downloads

It writes into ``--out``:

* ``gradnotes-<version>-py3-none-any.whl``: built from this checkout with
  ``pip wheel --no-deps`` (runtime dependencies only, as ``pyproject.toml`` declares);
  the source is copied to a temporary folder first, so nothing is written into
  the working tree;
* ``gradnotes-notebooks-<version>.zip`` (``gradnotes-student-notebooks-<version>.zip``
  for the student edition): one folder holding every notebook, the same wheel and
  ``README.txt``. Unpacked, each notebook's install cell (``tools/install_cell.py``)
  finds the wheel in its own folder, so it runs offline;
* ``downloads.json``: version, edition and file names, read by
  ``book/_ext/gradnotes_downloads.py``, which publishes the files as
  ``downloads/`` of the site and names them and the version in every page's footer.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from install_cell import ROOT, TAG, book_version

#: What a wheel is built from (everything else in the checkout stays out of it).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "gradnotes")
ARCHIVES = {"master": "gradnotes-notebooks", "student": "gradnotes-student-notebooks"}

README = """\
gradnotes {version}: the notebooks of the book "gradient flow in deep networks"{edition}.

Run them in JupyterLab (or Jupyter Notebook, or VS Code) started in this folder:

    python -m pip install jupyterlab {wheel}
    jupyter lab

The first code cell of every notebook installs gradnotes {version} from {wheel}
(in this folder, no network needed for gradnotes itself) when it is missing, and
prints nothing when it is there. Its dependencies (numpy, scipy, matplotlib,
ipywidgets, threadpoolctl) come from your package index if they are missing.
"""


def build_wheel(out: Path, root: Path = ROOT) -> Path:
    """Build gradnotes' wheel from ``root`` into ``out``; return its path."""
    with tempfile.TemporaryDirectory(prefix="gradnotes-wheel-") as tmp:
        src = Path(tmp) / "src"
        for name in SOURCES:
            path = root / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                src.mkdir(exist_ok=True)
                shutil.copy2(path, src / name)
        built = Path(tmp) / "dist"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--disable-pip-version-check", "-w", str(built), str(src)], check=True)
        (wheel,) = built.glob("gradnotes-*.whl")
        out.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheel, out / wheel.name))


def without_install_cell(paths: list[Path]) -> list[Path]:
    """The notebooks among ``paths`` that have no install cell (they cannot install gradnotes)."""
    return [p for p in paths
            if not any(TAG in c.get("metadata", {}).get("tags", []) for c in nbformat.read(p, as_version=4).cells)]


def build_archive(out: Path, notebooks: list[Path], wheel: Path, edition: str, version: str) -> Path:
    """Zip ``notebooks``, ``wheel`` and a README.txt into one folder of ``out/<name>-<version>.zip``."""
    folder = f"{ARCHIVES[edition]}-{version}"
    archive = out / f"{folder}.zip"
    readme = README.format(version=version, wheel=wheel.name,
                           edition=" (student edition: exercises without solutions)" if edition == "student" else "")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{folder}/README.txt", readme)
        z.write(wheel, f"{folder}/{wheel.name}")
        for path in sorted(notebooks):
            z.write(path, f"{folder}/{path.name}")
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of the notebooks")
    parser.add_argument("--edition", choices=sorted(ARCHIVES), default="master")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "downloads")
    args = parser.parse_args(argv)
    notebooks = sorted(args.notebooks.glob("*.ipynb"))
    if not notebooks:
        parser.error(f"--notebooks {args.notebooks}: no .ipynb files there")
    if args.out.exists():
        shutil.rmtree(args.out)
    version = book_version()
    wheel = build_wheel(args.out)
    if not wheel.name.startswith(f"gradnotes-{version}-"):
        raise SystemExit(f"the wheel {wheel.name} is not version {version} (gradnotes.__version__)")
    archive = build_archive(args.out, notebooks, wheel, args.edition, version)
    manifest = {"version": version, "edition": args.edition, "wheel": wheel.name, "archive": archive.name}
    (args.out / "downloads.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf8")
    print(f"downloads: {wheel.name} and {archive.name} ({len(notebooks)} notebooks) in {args.out}")
    missing = without_install_cell(notebooks)
    if missing:
        print(f"note: {len(missing)} notebooks have no install cell yet (python tools/install_cell.py "
              f"{args.notebooks}/*.ipynb adds it): " + ", ".join(p.name for p in missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
