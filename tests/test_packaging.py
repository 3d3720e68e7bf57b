"""The package, its install cell and its publishing files, checked without building anything.

The built wheel itself, installed into a fresh venv with a downloaded notebook,
is tested after the book build: tests/browser/test_download.py.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

import gradnotes
from gradnotes.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf8"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
README = (ROOT / "README.md").read_text(encoding="utf8")
sys.path.insert(0, str(ROOT / "tools"))  # the tools import each other as scripts do
install_cell = importlib.import_module("install_cell")
student_config = importlib.import_module("student_config")


# --- metadata --------------------------------------------------------------------------------------

def test_version_is_written_once_and_the_book_reads_it():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "gradnotes.__version__"}
    assert install_cell.book_version() == gradnotes.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", gradnotes.__version__)


def test_license_file_is_mit_as_declared():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert not [c for c in project["classifiers"] if c.startswith("License ::")], "PEP 639: the expression only"


def test_urls_are_the_repository_of_the_book():
    url = CONFIG["repository"]["url"].rstrip("/")
    urls = PYPROJECT["project"]["urls"]
    assert urls["Source"] == urls["Homepage"] == url and urls["Issues"] == f"{url}/issues"
    assert install_cell.book_repository() == (url, CONFIG["repository"]["branch"])


def test_runtime_dependencies_only():
    names = [re.split(r"[<>=!~ ]", d)[0] for d in PYPROJECT["project"]["dependencies"]]
    assert sorted(names) == ["ipywidgets", "matplotlib", "numpy", "scipy", "threadpoolctl"]
    python = PYPROJECT["project"]["requires-python"]
    assert f"Programming Language :: Python :: {python.removeprefix('>=')}" in PYPROJECT["project"]["classifiers"]


def test_hints_are_public():
    assert (ROOT / "gradnotes" / "py.typed").is_file()
    assert PYPROJECT["tool"]["setuptools"]["package-data"]["gradnotes"] == ["py.typed"]
    assert "Typing :: Typed" in PYPROJECT["project"]["classifiers"]


def test_python_m_gradnotes_prints_the_version(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.startswith(f"gradnotes {gradnotes.__version__} in ")
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"gradnotes {gradnotes.__version__}\n"
    run = subprocess.run([sys.executable, "-m", "gradnotes", "--version"], capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (0, f"gradnotes {gradnotes.__version__}\n")


# --- the install cell --------------------------------------------------------------------------------

SOURCE = install_cell.cell_source("0.1.0", "https://example.org/repo", "main")


def notebook(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def title():
    return nbformat.v4.new_markdown_cell("# Title")


def code(text):
    return nbformat.v4.new_code_cell(text)


def test_install_cell_goes_before_the_first_code_cell_with_the_removal_tag():
    nb = notebook(title(), code("import gradnotes"), code("x = 1"))
    assert install_cell.with_install_cell(nb, SOURCE)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    cell = nb.cells[1]
    assert cell.source == SOURCE and cell.id == install_cell.CELL_ID
    assert cell.metadata["tags"][:2] == ["remove-cell", "gradnotes-install"]  # remove-cell: myst-nb hides it
    nbformat.validate(nb)


def test_install_cell_is_idempotent_and_updated_in_place(tmp_path):
    nb = notebook(title(), code("import gradnotes"))
    install_cell.with_install_cell(nb, SOURCE)
    assert not install_cell.with_install_cell(nb, SOURCE)
    nb.cells[1].metadata["tags"].append("kept")
    newer = install_cell.cell_source("0.2.0", "https://example.org/repo", "main")
    assert install_cell.with_install_cell(nb, newer)
    assert [c.source for c in nb.cells if c.cell_type == "code"] == [newer, "import gradnotes"]
    assert nb.cells[1].metadata["tags"] == ["remove-cell", "gradnotes-install", "kept"]


def test_install_cell_moves_to_the_front_and_duplicates_go():
    nb = notebook(title(), code("a = 1"))
    install_cell.with_install_cell(nb, SOURCE)
    stray = nbformat.from_dict(nb.cells[1])
    stray.id = "another"
    nb.cells = [nb.cells[0], nb.cells[2], stray, nbformat.from_dict(nb.cells[1])]
    assert install_cell.with_install_cell(nb, SOURCE)
    assert [c.source for c in nb.cells[1:]] == [SOURCE, "a = 1"]


def test_notebook_without_code_is_left_alone():
    nb = notebook(title())
    assert not install_cell.with_install_cell(nb, SOURCE) and len(nb.cells) == 1


def test_command_line_check_then_write_then_check(tmp_path, capsys):
    path = tmp_path / "a.ipynb"
    nbformat.write(notebook(title(), code("1")), path)
    assert install_cell.main(["--check", str(path)]) == 1
    assert install_cell.main([str(path)]) == 0
    written = path.read_bytes()
    assert install_cell.main([str(path)]) == 0 and path.read_bytes() == written
    assert install_cell.main(["--check", str(path)]) == 0
    assert "0 of 1 notebooks need it" in capsys.readouterr().out


def run_cell(tmp_path, source, wheel=False):
    """Run an install cell in a fresh interpreter whose pip is replaced by a recorder."""
    if wheel:
        (tmp_path / "gradnotes-0.0.1-py3-none-any.whl").write_bytes(b"")
    fake = ("import subprocess\n"
            "subprocess.run = lambda args, check: print('pip', *args[3:])\n")
    return subprocess.run([sys.executable, "-c", fake + source], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_install_cell_prints_nothing_when_the_version_is_there(tmp_path):
    source = install_cell.cell_source(gradnotes.__version__, "https://example.org/repo", "main")
    run = run_cell(tmp_path, source)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


@pytest.mark.parametrize("wheel", [True, False], ids=["wheel in the folder", "no wheel: the repository"])
def test_install_cell_installs_from_the_wheel_else_the_repository(tmp_path, wheel):
    source = install_cell.cell_source("0.0.1", "https://example.org/repo", "main")  # not the version here
    run = run_cell(tmp_path, source, wheel=wheel)
    where = (str(tmp_path / "gradnotes-0.0.1-py3-none-any.whl") if wheel
             else "gradnotes @ git+https://example.org/repo@main")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"Installing gradnotes 0.0.1 from {where}", f"pip install --quiet {where}",
                                       f"gradnotes {gradnotes.__version__} is installed."]


def test_notebooks_carry_the_current_install_cell():
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    with_cell = [p for p in paths if any(install_cell.TAG in c.metadata.get("tags", [])
                                         for c in nbformat.read(p, as_version=4).cells)]
    if not with_cell:
        pytest.skip("the notebooks have no install cell yet: `make install-cells` adds it")
    assert install_cell.main(["--check", *map(str, paths)]) == 0, "run `make install-cells`"


# --- publishing ------------------------------------------------------------------------------------------

def readme_command(section: str) -> str:
    """The first ```bash block of a README section, without comments."""
    body = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", README, re.S | re.M).group(1)
    block = re.search(r"```bash\n(.*?)```", body, re.S).group(1)
    return block.splitlines()[0].split("#")[0].strip()


def test_pages_workflow_is_valid_yaml_that_runs_the_readme_command():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf8"))
    assert workflow[True]["push"]["branches"] == [CONFIG["repository"]["branch"]]  # YAML reads `on:` as True
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = workflow["jobs"]["build"]["steps"], workflow["jobs"]["deploy"]["steps"]
    runs = [s["run"] for s in build if "run" in s]
    assert runs == [readme_command("Publishing the book")] == ["make book"]
    python = next(s for s in build if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == PYPROJECT["project"]["requires-python"].removeprefix(">=")
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert [s["uses"].split("@")[0] for s in deploy] == ["actions/deploy-pages"]
    assert workflow["jobs"]["deploy"]["needs"] == "build"


def test_binder_gets_the_pinned_environment_and_the_package():
    binder = ROOT / "binder"
    python = (binder / "runtime.txt").read_text().strip()
    assert python == f"python-{PYPROJECT['project']['requires-python'].removeprefix('>=')}"
    lines = [l.split("#")[0].strip() for l in (binder / "requirements.txt").read_text().splitlines()]
    lines = [l for l in lines if l]
    for option in [l for l in lines if l.startswith(("-r", "-c"))]:  # pip reads them relative to this file
        assert (binder / option.split()[1]).is_file(), option
    pinned = {l.split("==")[0].lower() for l in (ROOT / "constraints.txt").read_text().splitlines() if "==" in l}
    names = {l.lower() for l in lines if not l.startswith("-")}
    dependencies = {re.split(r"[<>=!~ ]", d)[0] for d in PYPROJECT["project"]["dependencies"]}
    assert dependencies | {"ipykernel", "jupyterlab"} <= names <= pinned
    post = (binder / "postBuild").read_text()
    assert (binder / "postBuild").stat().st_mode & 0o111 and "pip install --no-deps -e ." in post


def test_student_book_has_no_route_to_the_solutions():
    config = student_config.student_config(CONFIG)
    assert not set(config["launch_buttons"]) & {"binderhub_url", "colab_url", "jupyterhub_url", "thebe"}
    assert not any(config["html"][k] for k in ("use_repository_button", "use_issues_button", "use_edit_page_button"))
    assert config["repository"] == CONFIG["repository"]  # still needed by the install cell and the build
    assert CONFIG["launch_buttons"]["colab_url"], "the master book keeps its launch buttons"


def test_no_stored_output_carries_a_warning():
    """A warning in a chapter's output is a defect the reader sees (e.g. matplotlib giving up a figure's layout)."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                text = out.get("text", "") if out.get("name") == "stderr" else ""
                assert "Warning" not in text, f"{path.name}, cell {cell.get('id')}: {text[:200]}"
