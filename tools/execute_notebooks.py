"""Run notebooks top to bottom in a fresh kernel and store their outputs in place.

nbval compares a notebook's stored outputs with a fresh run, so after a
deliberate change to the engine the stored outputs are refreshed with::

    make notebooks            # all of notebooks/*.ipynb
    .venv/bin/python tools/execute_notebooks.py notebooks/03_vanishing_gradients.ipynb

Execution metadata (timings) is stripped so the files only change when an
output does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from install_cell import TAG  # tools/ is this script's folder, so it is on the path
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 300) -> None:
    nb = nbformat.read(path, as_version=4)
    # coalesce_streams: one stdout output per cell, as JupyterLab shows it (ipykernel sends a print in its own
    # message when the next comes more than its flush interval later, so without it the split depends on speed).
    NotebookClient(nb, timeout=timeout, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if TAG in cell.metadata.get("tags", []):  # stored as tools/install_cell.py writes it: never run
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)  # widget state is generated at build time, not committed
    nbformat.write(nb, path)


def main(paths: list[str]) -> None:
    targets = [Path(p) for p in paths] or sorted(Path("notebooks").glob("*.ipynb"))
    for path in targets:
        print(f"executing {path}", flush=True)
        execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
