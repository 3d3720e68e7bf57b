"""Citations that read the same in the book, in JupyterLab and on GitHub: author-year links, made from the .bib.

jupyterlab-myst (2.7) cannot resolve ``{cite}`key``` roles (it has no bibliography:
jupyter-book/jupyterlab-myst#127), so a learner in JupyterLab saw each one as a
yellow "citation not found" key. The chapters therefore cite with plain Markdown,
which every front end renders, generated from ``book/references.bib`` (still the
one source, and the book's bibliography page lists all of it):

- in the text, ``([Pascanu et al., 2013](https://arxiv.org/abs/1211.5063))``:
  the authors' surnames (one, two, or the first "et al.") and the year, linked
  to the DOI, the URL or the arXiv page; only the year where the prose just named
  the authors (``Lu et al. ([2020](...))``);
- under ``## References``, one line per work cited, in citing order::

      - Razvan Pascanu, Tomas Mikolov and Yoshua Bengio (2013). On the difficulty of ...
        *Proceedings of ...*. [arXiv:1211.5063](https://arxiv.org/abs/1211.5063)

``python tools/citations.py notebooks/*.ipynb`` converts ``{cite}`` roles (a
``## References`` cell's list of keys becomes the list of works); ``--check``
reports every link whose text is not what the .bib gives for its address, and every
work cited in a chapter's text but missing from its reference list
(tests/test_citations.py runs it).
"""

from __future__ import annotations

import argparse
import codecs
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
CITE = re.compile(r"\{cite(?::[pt])?\}`([^`]+)`")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
REFERENCES = "## References"


def _plain(latex: str) -> str:
    """``M{\\"u}ller`` -> ``Müller``; ``{ImageNet}`` -> ``ImageNet``."""
    latex = re.sub(r"\\url\{([^}]*)\}", r"\1", latex)
    return re.sub(r"[{}]", "", codecs.decode(latex, "ulatex")).replace("--", "–").strip()


@lru_cache(maxsize=None)
def works(bib: Path = BIB) -> dict:
    """Key -> dict(short, url, full) for every entry of the .bib."""
    out = {}
    for key, entry in parse_file(str(bib)).entries.items():
        fields = entry.fields
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        surnames = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        names = [_plain(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names)) for p in people]
        year = fields.get("year", "n.d.")
        who = (surnames[0] if len(surnames) == 1 else " & ".join(surnames) if len(surnames) == 2
               else f"{surnames[0]} et al.")
        if "doi" in fields:
            url, link_text = f"https://doi.org/{fields['doi']}", f"doi:{fields['doi']}"
        elif fields.get("archiveprefix", "").lower() == "arxiv" and "eprint" in fields:
            url, link_text = f"https://arxiv.org/abs/{fields['eprint']}", f"arXiv:{fields['eprint']}"
        elif "url" in fields:
            url, link_text = fields["url"], re.sub(r"^https?://(www\.)?", "", fields["url"]).rstrip("/")
        else:  # cited as plain text (an old journal article without a DOI in the .bib)
            url = link_text = None
        authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        venue = fields.get("journal") or fields.get("booktitle") or fields.get("howpublished") or fields.get(
            "publisher", "")
        title = _plain(fields["title"])
        full = f"{authors} ({year}). {title}{'' if title[-1] in '?!' else '.'}"
        if venue:
            full += f" *{_plain(venue)}*."
        out[key] = dict(short=f"{who}, {year}", url=url, full=f"{full} [{link_text}]({url})" if url else full)
    # Two works with the same authors' names and year: 2016a, 2016b (in the .bib's order), as author-year styles do.
    shorts = [w["short"] for w in out.values()]
    for short in {s for s in shorts if shorts.count(s) > 1}:
        for letter, work in zip("abcdefgh", [w for w in out.values() if w["short"] == short]):
            work["short"] += letter
            work["full"] = work["full"].replace(f"({_year(short)})", f"({_year(short)}{letter})", 1)
    return out


def inline(keys, *, parentheses: bool = True) -> str:
    """``([A & B, 2010](url); [C et al., 2015](url))`` for a list of keys (without the outer parentheses
    where the citation already stands inside some)."""
    table = works()
    unknown = [k for k in keys if k not in table]
    if unknown:
        raise KeyError(f"not in {BIB.name}: {unknown}")
    links = "; ".join(f"[{table[k]['short']}]({table[k]['url']})" if table[k]["url"] else table[k]["short"]
                      for k in keys)
    return f"({links})" if parentheses else links


#: The text before a citation already names its authors ("Lu et al. (", "Pascanu, Mikolov and Bengio\n("):
#: the link then says only the year, "Lu et al. ([2020](...))", not "Lu et al. (Lu et al., 2020)".
NAMED = re.compile(r"(\bet al\.|\band [A-Z][\w-]+)\s*\(?\s*$")


def _year(short: str) -> str:
    return short.rsplit(", ", 1)[1]


def _named(before: str, short: str) -> bool:
    """Whether ``before`` ends by naming the work's authors: "et al." or "... and Surname", its first author in it."""
    first = re.split(r" et al\.| & |, ", short)[0]
    return bool(NAMED.search(before)) and first in before[-60:]


def _name_years(source: str) -> str:
    """Links whose text is a work's short citation, right after prose naming its authors, say only the year."""
    table = {w["url"]: w for w in works().values() if w["url"]}

    def shorten(match):
        text, url = match.groups()
        work = table.get(url)
        if work is None or text != work["short"] or not _named(source[:match.start()], text):
            return match.group(0)
        return f"[{_year(text)}]({url})"

    return LINK.sub(shorten, source)


def _inside_parentheses(before: str) -> bool:
    """Whether the end of ``before`` (the paragraph so far, maths removed) is inside an open parenthesis."""
    paragraph = re.sub(r"\$[^$]*\$", "", before.rsplit("\n\n", 1)[-1])
    return paragraph.count("(") > paragraph.count(")")


def reference_list(keys) -> str:
    """The ``## References`` cell's list: one full reference per key."""
    table = works()
    return "\n".join(f"- {table[k]['full']}" for k in keys)


def _keys(text: str) -> list:
    return [k.strip() for k in text.split(",") if k.strip()]


def convert_cell(source: str, chapter_keys=()) -> str:
    """A markdown cell with its ``{cite}`` roles rewritten as links.

    A ``## References`` cell gets the list of works: every work the chapter cites
    (``chapter_keys``, in order of first citation) and its own, after what the cell
    says about them (its roles as links; a cell that is only roles becomes only the list).
    """
    linked = CITE.sub(lambda m: inline(_keys(m.group(1)), parentheses=not _inside_parentheses(source[:m.start()])),
                      source)
    if not source.startswith(REFERENCES):
        return _name_years(linked)
    own = [k for match in CITE.finditer(source) for k in _keys(match.group(1))]
    keys = list(dict.fromkeys([*chapter_keys, *own]))
    if not keys:
        return source
    prose = CITE.sub("", source)[len(REFERENCES):]
    said = linked.rstrip() if re.search(r"[A-Za-z]{3}", prose) else REFERENCES
    return said + "\n\n" + reference_list(keys)


def _cells(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return nb, [c for c in nb["cells"] if c["cell_type"] == "markdown"]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def convert(path: Path) -> int:
    """Rewrite a notebook's ``{cite}`` roles in place; returns the number of cells changed."""
    nb, cells = _cells(path)
    cited = [k for cell in cells for match in CITE.finditer(_source(cell)) for k in _keys(match.group(1))]
    changed = 0
    for cell in cells:
        old = _source(cell)
        new = convert_cell(old, cited)
        if new != old:
            lines = new.split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
            changed += 1
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def problems(path: Path) -> list:
    """What is wrong with a notebook's citations (empty: nothing)."""
    table = works()
    by_url = {w["url"]: (k, w) for k, w in table.items() if w["url"]}
    _, cells = _cells(path)
    out, cited, listed = [], [], []
    for cell in cells:
        source = _source(cell)
        for match in CITE.finditer(source):
            out.append(f"{path.name}: a {{cite}} role, which JupyterLab cannot show: {match.group(0)}")
        in_list = source.startswith(REFERENCES)
        for link in LINK.finditer(source):
            text, url = link.groups()
            if url not in by_url:
                continue
            key, work = by_url[url]
            if in_list:
                listed.append(key)
                if f"- {work['full']}" not in source.split("\n"):
                    out.append(f"{path.name}: the reference list's line for {key} is not {work['full']!r}")
            else:
                cited.append(key)
                named = _named(source[:link.start()], work["short"])
                if text != (_year(work["short"]) if named else work["short"]):
                    out.append(f"{path.name}: the link to {url} reads {text!r}; the .bib gives {work['short']!r}"
                               + (" (only the year after prose naming the authors)" if named else ""))
        for key, work in table.items():  # works without a link are cited by their text
            if work["url"] is None and (work["short"] in source or in_list and work["full"] in source):
                (listed if in_list else cited).append(key)
    missing = [k for k in dict.fromkeys(cited) if k not in listed]
    if missing:
        out.append(f"{path.name}: cited in the text but not under {REFERENCES}: {missing}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report problems, change nothing")
    args = parser.parse_args(argv)
    if args.check:
        found = [p for path in args.notebooks for p in problems(path)]
        print("\n".join(found) or f"citations of {len(args.notebooks)} notebooks agree with {BIB.name}")
        return 1 if found else 0
    for path in args.notebooks:
        print(f"{path}: {convert(path)} cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
