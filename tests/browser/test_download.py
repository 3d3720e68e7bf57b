"""What a reader downloads from the built book runs in a fresh Python: the wheel and the notebooks archive.

Reuses the book that ``make test-browser`` has just built (``_build/html``; set
``GRADNOTES_SITE`` to test another build, e.g. the student edition in
``_build/student-src/_build/html``). A fresh venv gets the wheel's runtime
dependencies and a kernel, nothing else. The site's notebooks archive is unpacked
(its notebooks are byte for byte what each page's download button gives, next to
the site's wheel) and a chapter from it is run top to bottom with nbclient in
that venv: its install cell must install gradnotes from the wheel with pip's
index switched off (no network), and print nothing on a second run. Then, in the same venv, the README's
"engine in one call", ``python -m gradnotes --version``, the plots (Agg) and an
explorer. About a minute, most of it installing numpy, scipy and matplotlib.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from .conftest import BOOK, ROOT

SITE = Path(os.environ.get("GRADNOTES_SITE", BOOK))
NOTEBOOK = "01_why_depth_multiplies.ipynb"  # a short chapter: the test stays cheap
#: The kernel's packages besides gradnotes' own dependencies.
KERNEL = ["ipykernel"]


def fresh_environment(**extra) -> dict:
    """The test's environment without anything that would let the venv see this checkout."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "GRADNOTES_STATIC", "GRADNOTES_NOTEBOOK_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, "MPLBACKEND": "agg", **extra}


@pytest.fixture(scope="module")
def manifest() -> dict:
    """``downloads/downloads.json`` of the site (the book is built first if it is missing)."""
    path = SITE / "downloads" / "downloads.json"
    if not path.exists() and SITE == BOOK:
        subprocess.run(["make", "--no-print-directory", "book"], cwd=ROOT, check=True)
    return json.loads(path.read_text(encoding="utf8"))


@pytest.fixture(scope="module")
def unpacked(manifest, tmp_path_factory) -> Path:
    """The site's notebooks archive, unpacked: the folder with the notebooks and the wheel."""
    out = tmp_path_factory.mktemp("archive")
    with zipfile.ZipFile(SITE / "downloads" / manifest["archive"]) as z:
        z.extractall(out)
    (folder,) = out.iterdir()
    return folder


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv with gradnotes' runtime dependencies and ipykernel, at the versions of constraints.txt."""
    path = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
           "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(ROOT / "constraints.txt"), *dependencies, *KERNEL], check=True,
                   env=fresh_environment())
    return path


def run_in(venv: Path, *args: str, cwd: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), *args], cwd=cwd, env=fresh_environment(**env),
                          capture_output=True, text=True, timeout=300)


def test_site_ships_one_wheel_and_an_archive_of_every_notebook(manifest, unpacked):
    assert manifest["wheel"] == f"gradnotes-{manifest['version']}-py3-none-any.whl"
    assert sorted(p.name for p in (SITE / "downloads").glob("*.whl")) == [manifest["wheel"]]
    names = sorted(p.name for p in unpacked.iterdir())
    chapters = sorted(p.name for p in (SITE / "_sources" / "notebooks").glob("*.ipynb"))
    assert names == sorted([*chapters, manifest["wheel"], "README.txt"])
    for name in chapters:  # the archive holds exactly what each page's download button gives
        assert (unpacked / name).read_bytes() == (SITE / "_sources" / "notebooks" / name).read_bytes(), name
    assert (unpacked / manifest["wheel"]).read_bytes() == (SITE / "downloads" / manifest["wheel"]).read_bytes()


def test_every_page_names_the_version_and_links_the_downloads(manifest):
    for page in [SITE / "book" / "intro.html", SITE / "notebooks" / NOTEBOOK.replace(".ipynb", ".html")]:
        text = page.read_text(encoding="utf8")
        assert f"This book is gradnotes {manifest['version']}." in text, page
        for name in (manifest["wheel"], manifest["archive"]):
            assert f'href="../downloads/{name}"' in text, (page, name)
        assert "_install_gradnotes" not in text, f"{page} shows the install cell (tag remove-cell)"


def test_launch_buttons_open_this_repository_or_nothing_on_the_student_book(manifest):
    """Colab and Binder need the notebook at that path of the repository the install cell falls back to."""
    import yaml

    repository = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))["repository"]
    owner_name, branch = repository["url"].removeprefix("https://github.com/").rstrip("/"), repository["branch"]
    page = (SITE / "notebooks" / NOTEBOOK.replace(".ipynb", ".html")).read_text(encoding="utf8")
    links = sorted(set(re.findall(r'href="(https://(?:colab\.research\.google\.com|mybinder\.org)[^"]*)"', page)))
    if manifest["edition"] == "student":
        assert links == [] and repository["url"] not in page, "the student book must not lead to the solutions"
        return
    assert links == [
        f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/notebooks/{NOTEBOOK}",
        f"https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath=lab/tree/notebooks/{NOTEBOOK}",
    ]
    assert (ROOT / "notebooks" / NOTEBOOK).is_file()
    cell = next(c for c in nbformat.read(SITE / "_sources" / "notebooks" / NOTEBOOK, as_version=4).cells
                if c.cell_type == "code")
    assert f'repository="{repository["url"]}", branch="{branch}"' in cell.source, "Colab installs from there"


def test_wheel_metadata_is_complete(manifest):
    config = (ROOT / "_config.yml").read_text(encoding="utf8")
    repository = re.search(r"^\s*url:\s*(\S+)", config, re.M).group(1)
    with zipfile.ZipFile(SITE / "downloads" / manifest["wheel"]) as z:
        names = z.namelist()
        info = f"gradnotes-{manifest['version']}.dist-info"
        metadata = z.read(f"{info}/METADATA").decode()
    assert "gradnotes/py.typed" in names and f"{info}/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "tools/", "book/", "notebooks/"))]
    assert "License-Expression: MIT" in metadata
    assert f"Project-URL: Source, {repository}" in metadata
    requires = sorted(re.split(r"[<>=;\s]", line.split(": ", 1)[1])[0]
                      for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line)
    assert requires == ["ipywidgets", "matplotlib", "numpy", "scipy", "threadpoolctl"]


def test_downloaded_notebook_installs_the_wheel_and_runs_in_a_fresh_venv(manifest, unpacked, venv):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernel = run_in(venv, "-m", "ipykernel", "install", "--prefix", str(venv), "--name", "gradnotes-fresh",
                    cwd=unpacked)
    assert kernel.returncode == 0, kernel.stderr
    assert run_in(venv, "-c", "import gradnotes", cwd=unpacked).returncode != 0, "the venv must start without it"
    nb = nbformat.read(unpacked / NOTEBOOK, as_version=4)
    install = next((c for c in nb.cells if c.cell_type == "code"), None)
    assert install is not None and "gradnotes-install" in install.metadata.get("tags", []), (
        f"{NOTEBOOK}'s first code cell is not the install cell: run `make install-cells`")
    specs = KernelSpecManager(kernel_dirs=[str(venv / "share" / "jupyter" / "kernels")])
    km = KernelManager(kernel_name="gradnotes-fresh", kernel_spec_manager=specs)
    NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(unpacked)}}).execute(
        cwd=str(unpacked), env=fresh_environment(PIP_NO_INDEX="1"))  # no network: the wheel or nothing
    printed = "".join(o.get("text", "") for o in install.outputs)
    assert printed == (f"Installing gradnotes {manifest['version']} from {unpacked / manifest['wheel']}\n"
                       f"gradnotes {manifest['version']} is installed.\n")

    # Installed now: the same cell says nothing, as nbval needs in the repository's environment.
    again = run_in(venv, "-c", install.source, cwd=unpacked)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_installed_wheel_runs_the_readme_plots_and_an_explorer(manifest, unpacked, venv):
    if run_in(venv, "-c", "import gradnotes", cwd=unpacked).returncode != 0:  # run alone: install the wheel
        assert run_in(venv, "-m", "pip", "install", "--no-index", str(unpacked / manifest["wheel"]),
                      cwd=unpacked).returncode == 0
    version = run_in(venv, "-m", "gradnotes", "--version", cwd=unpacked)
    assert version.stdout.strip() == f"gradnotes {manifest['version']}", version.stderr

    readme = (ROOT / "README.md").read_text(encoding="utf8")
    engine = re.search(r"## The engine in one call\s+```python\n(.*?)```", readme, re.S).group(1)
    result = run_in(venv, "-c", engine, cwd=unpacked)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Trace("), result.stdout

    script = """
import pathlib, sys, matplotlib
matplotlib.use("Agg")
import gradnotes
from gradnotes import plots, widgets
assert pathlib.Path(gradnotes.__file__).is_relative_to(sys.prefix), gradnotes.__file__
fig, ax = plots.subplots()
plots.plot_grad_norms(gradnotes.simulate(depth=6, width=16, seed=0), ax=ax)
explorer = widgets.gradient_explorer(depth=6, width=16, batch=8)
assert explorer.image.value[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
print("ok", type(explorer).__name__)
"""
    result = run_in(venv, "-c", script, cwd=unpacked)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "GradientExplorer"]
