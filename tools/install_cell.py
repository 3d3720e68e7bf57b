"""Give every notebook its install cell: the first code cell, hidden in the book, silent when gradnotes is there.

A notebook downloaded from the book, or opened on Colab, needs the ``gradnotes``
package. Its first code cell (written here, never by hand) does nothing and
prints nothing when ``import gradnotes`` gives the book's version; otherwise it
installs that version and says so:

1. from a wheel ``gradnotes-<version>-*.whl`` in the kernel's working folder,
   which in JupyterLab, Notebook and VS Code is the notebook's own folder. The
   book's "all notebooks" archive holds the notebooks and the wheel in one
   folder, so unpacking it is enough, offline. A single downloaded notebook
   needs the wheel (also on the book's site) saved next to it;
2. else from the repository of ``_config.yml`` (``pip install
   git+<repository>@<branch>``): the route on Colab, which cannot see files on
   the reader's machine. It needs the network and a public repository.

The cell carries the tags ``remove-cell`` (myst-nb leaves it out of the
rendered page; it stays in the downloaded ``.ipynb``) and :data:`TAG` (how this
tool finds it again). Running the tool again updates the cell in place, so it
is idempotent, and after a version bump it rewrites the version::

    python tools/install_cell.py notebooks/*.ipynb          # insert or update
    python tools/install_cell.py --check notebooks/*.ipynb  # exit 1 if a notebook is not up to date
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "gradnotes-install"
#: ``remove-cell``: the tag myst-nb honours to leave a cell out of the page (myst_nb/core/nb_to_tokens.py).
TAGS = ("remove-cell", TAG)
CELL_ID = "gradnotes-install"

TEMPLATE = '''\
# Installs gradnotes {version} when this Python lacks it (the book hides this cell; it prints nothing
# when gradnotes is there): from the wheel in this notebook's folder, else from the repository.
def _install_gradnotes(version="{version}", repository="{repository}", branch="{branch}"):
    import importlib, pathlib, subprocess, sys
    try:
        import gradnotes
        if gradnotes.__version__ == version:
            return
    except ImportError:
        pass
    wheels = sorted(pathlib.Path.cwd().glob(f"gradnotes-{{version}}-*.whl"))
    source = str(wheels[-1]) if wheels else f"gradnotes @ git+{{repository}}@{{branch}}"
    print(f"Installing gradnotes {{version}} from {{source}}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source], check=True)
    for name in [n for n in sys.modules if n == "gradnotes" or n.startswith("gradnotes.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    import gradnotes
    print(f"gradnotes {{gradnotes.__version__}} is installed.")


_install_gradnotes()
del _install_gradnotes'''


def book_version(root: Path = ROOT) -> str:
    """The book's version: ``__version__`` in ``gradnotes/__init__.py``, read without importing it.

    The wheel's version is the same attribute (``pyproject.toml`` declares it dynamic).
    """
    tree = ast.parse((root / "gradnotes" / "__init__.py").read_text(encoding="utf8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"no __version__ = '...' line in {root / 'gradnotes' / '__init__.py'}")


def book_repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, branch)`` of the ``repository`` section of ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf8"))
    repository = config.get("repository") or {}
    if "url" not in repository:
        raise LookupError(f"_config.yml in {root} has no repository: url:")
    return repository["url"].rstrip("/"), repository.get("branch", "main")


def cell_source(version: str, repository: str, branch: str) -> str:
    """The install cell's code for ``version``, falling back to ``repository`` at ``branch``."""
    return TEMPLATE.format(version=version, repository=repository, branch=branch)


def with_install_cell(nb, source: str) -> bool:
    """Make ``nb``'s first code cell the install cell with ``source``; return whether ``nb`` changed.

    An existing install cell (found by :data:`TAG`) is updated and moved in front of
    the other code cells; extra copies are dropped. A new one goes right before the
    first code cell (after the title and goals). A notebook without code is left alone.
    """
    found = [c for c in nb.cells if TAG in c.get("metadata", {}).get("tags", [])]
    others = [c for c in nb.cells if not any(c is f for f in found)]
    code = [i for i, c in enumerate(others) if c.cell_type == "code"]
    if not code:
        return False
    cell = found[0] if found else nbformat.v4.new_code_cell()
    before = nbformat.writes(nb)
    cell.source, cell.outputs, cell.execution_count = source, [], None
    cell.id = CELL_ID
    cell.metadata = {**{k: v for k, v in cell.metadata.items() if k != "tags"},
                     "tags": [*TAGS, *(t for t in cell.metadata.get("tags", []) if t not in TAGS)]}
    nb.cells = [*others[:code[0]], cell, *others[code[0]:]]
    return nbformat.writes(nb) != before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = parser.parse_args(argv)
    source = cell_source(book_version(), *book_repository())
    stale = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        if with_install_cell(nb, source):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
    verb = "need" if args.check else "updated"
    print(f"install cell: {len(stale)} of {len(args.notebooks)} notebooks {verb} it"
          + "".join(f"\n  {p}" for p in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
