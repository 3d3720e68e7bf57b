"""The student book's ``_config.yml``: the master's, without the links that lead to solutions.

The master book's repository button, Binder and Colab buttons all open the
repository, whose notebooks hold the solutions. The student edition
(``make book-student``) keeps the download button (it gives the student
notebook) and drops the others::

    python tools/student_config.py _config.yml _build/student-src/_config.yml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

#: Launch buttons that open the repository (Binder, Colab, JupyterHub, Thebe).
LAUNCHERS = ("binderhub_url", "colab_url", "jupyterhub_url", "thebe")
#: ``html`` buttons that link to the repository.
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def student_config(config: dict) -> dict:
    """A copy of the jupyter-book ``config`` with every route to the repository removed.

    Examples
    --------
    >>> c = student_config({"title": "T", "launch_buttons": {"colab_url": "x", "notebook_interface": "jupyterlab"},
    ...                     "html": {"use_repository_button": True}})
    >>> c["title"], c["launch_buttons"], c["html"]["use_repository_button"]
    ('T (student edition)', {'notebook_interface': 'jupyterlab'}, False)
    """
    config = {**config, "title": f"{config.get('title', 'gradnotes')} (student edition)"}
    config["launch_buttons"] = {k: v for k, v in (config.get("launch_buttons") or {}).items() if k not in LAUNCHERS}
    config["html"] = {**(config.get("html") or {}), **{k: False for k in REPOSITORY_BUTTONS}}
    return config


def main(argv: list[str]) -> int:
    source, dest = (Path(a) for a in argv)
    config = yaml.safe_load(source.read_text(encoding="utf8"))
    dest.write_text("# Written by tools/student_config.py from the master _config.yml: do not edit.\n"
                    + yaml.safe_dump(student_config(config), sort_keys=False), encoding="utf8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
