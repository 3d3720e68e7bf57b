"""The chapters cite with author-year links made from book/references.bib (tools/citations.py), readable in
JupyterLab, on GitHub and in the book alike; a wrong link text, a missing reference line or a leftover
``{cite}`` role (shown in JupyterLab as a yellow 'citation not found') is reported."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import citations  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_cites_as_the_bib_says(path):
    assert citations.problems(path) == []


def test_short_citations_follow_the_authors_and_disambiguate_a_year():
    works = citations.works()
    assert works["glorot2010understanding"]["short"] == "Glorot & Bengio, 2010"
    assert works["newman1986distribution"]["short"] == "Newman, 1986"
    assert works["pascanu2013difficulty"]["short"] == "Pascanu et al., 2013"
    assert works["pascanu2013difficulty"]["url"] == "https://arxiv.org/abs/1211.5063"
    assert {works["he2016deep"]["short"], works["he2016identity"]["short"]} == {"He et al., 2016a", "He et al., 2016b"}
    assert "Klaus-Robert Müller (1998)" in works["lecun1998efficient"]["full"]  # LaTeX accents decoded


def test_a_role_inside_parentheses_gets_none_of_its_own():
    text = "Decoupled weight decay (AdamW,\n{cite}`loshchilov2019decoupled`) shrinks; Adam {cite}`kingma2015adam`."
    out = citations.convert_cell(text)
    assert "(AdamW,\n[Loshchilov & Hutter, 2019](https://arxiv.org/abs/1711.05101)) shrinks" in out
    assert "Adam ([Kingma & Ba, 2015](https://arxiv.org/abs/1412.6980))." in out


def _notebook(tmp_path, *sources):
    cells = [{"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": s} for i, s in enumerate(sources)]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_wrong_text_missing_lines_and_roles_are_reported(tmp_path):
    works = citations.works()
    glorot, he = works["glorot2010understanding"], works["he2015delving"]
    path = _notebook(tmp_path, f"As [Glorot, 2009]({glorot['url']}) and ([He et al., 2015]({he['url']})) and "
                               "{cite}`kingma2015adam` found.", f"## References\n\n- {glorot['full']}")
    found = citations.problems(path)
    assert any("reads 'Glorot, 2009'" in p for p in found)
    assert any("{cite} role" in p for p in found)
    assert any("not under ## References: ['he2015delving']" in p for p in found)


def test_conversion_then_check_is_clean(tmp_path):
    path = _notebook(tmp_path, "Known {cite}`he2015delving`.", "## References\n\n{cite}`glorot2010understanding`.")
    assert citations.convert(path) == 2
    assert citations.problems(path) == []
    references = json.loads(path.read_text())["cells"][1]["source"]
    assert "".join(references).count("\n- ") == 2  # the chapter's citation and the cell's own


def test_after_prose_naming_the_authors_the_link_says_only_the_year():
    out = citations.convert_cell("Lu et al. {cite}`lu2020dying` proved it. Pascanu, Mikolov and Bengio\n"
                                 "{cite}`pascanu2013difficulty` showed it. SkipInit {cite}`de2020batch` too.")
    assert "Lu et al. ([2020](https://arxiv.org/abs/1903.06733)) proved" in out
    assert "Bengio\n([2013](https://arxiv.org/abs/1211.5063)) showed" in out
    assert "SkipInit ([De & Smith, 2020](https://arxiv.org/abs/2002.10444)) too" in out  # a method, not its authors


def test_a_year_only_link_without_the_names_before_it_is_reported(tmp_path):
    work = citations.works()["lu2020dying"]
    path = _notebook(tmp_path, f"A ReLU network is born dead ([2020]({work['url']})).",
                     f"## References\n\n- {work['full']}")
    assert any("reads '2020'" in p for p in citations.problems(path))
