"""The theme's icons as inline SVG, without the 1.45 MB ``fontawesome.js``.

pydata-sphinx-theme 0.17 loads ``_static/scripts/fontawesome.js`` on every page
(``head_js_preload`` in its ``webpack-macros.html``, with no option to leave it
out); that script swaps each ``<i class="fa-solid fa-bars">`` for an inline
``<svg>``. The pages need about ten icons. When the build has finished, this
extension does the swap itself, in every written page: each Font Awesome
``<i>``/``<span>`` becomes an ``<svg class="gn-icon ...">`` whose path comes
from that very ``fontawesome.js`` (so the icons are the theme's, of its
version), and the ``<script>`` that loads it is removed. The ``fa-*`` classes
are dropped, and the icons the theme's CSS draws with Font Awesome characters
(admonition titles, GitHub links) become SVG masks (:func:`icon_css`), so no page
asks for the Font Awesome web fonts either.

An icon this module cannot find stops the build with its name (a new theme
version, or an icon in ``html_theme_options``): better than a blank button.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from sphinx.errors import ExtensionError

#: Written into ``_static`` when the build has finished: the theme's CSS icons as SVG masks.
ICON_CSS = "gradnotes-icons.css"
#: The script tag the theme writes into every page.
SCRIPT = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js(\?[^"]*)?"></script>')
#: ``<i class="... fa-... ...">...</i>`` or the same with ``<span>`` (the theme's and sphinx-book-theme's icons).
ICON = re.compile(r'<(i|span)\s+([^>]*?)class="([^"]*\bfa-[\w-]+[^"]*)"([^>]*)>\s*</\1>')
#: Classes that only choose Font Awesome's style (its pack), not which icon.
STYLES = {"fa", "fas", "far", "fab", "fa-solid", "fa-regular", "fa-brands"}
PACKS = {"fas": "solid", "far": "regular", "fab": "brands"}
#: Size and modifier classes whose meaning the stylesheet keeps (``gradnotes.css``).
KEEP = {"fa-lg", "fa-fw", "fa-xl", "fa-2x", "fa-sm", "fa-xs"}


@lru_cache(maxsize=1)
def _packs(script: str) -> dict:
    """``{pack: {name: (width, height, path)}}`` read from the text of ``fontawesome.js``.

    Each pack is one ``var p={name:[w,h,[aliases],"unicode","path"],...}`` object,
    registered a little later by ``d("fas",p)``; aliases map to the same icon.
    """
    entry = re.compile(r'(?:"([\w-]+)"|([\w$]+)):\[(\d+),(\d+),\[([^\]]*)\],"([^"]*)","([^"]+)"\]')
    packs = {}
    for start in re.finditer(r"var p=\{", script):
        end = re.compile(r'd\("(fas|far|fab)",p\)').search(script, start.end())
        if end is None:
            continue
        icons = packs.setdefault(PACKS[end.group(1)], {})
        for m in entry.finditer(script, start.end(), end.start()):
            name, shape = m.group(1) or m.group(2), (int(m.group(3)), int(m.group(4)), m.group(7))
            icons[name] = shape
            icons.setdefault(f"U+{m.group(6)}", shape)  # the theme's CSS names icons by code point
            for alias in re.findall(r'"([\w-]+)"', m.group(5)):
                icons.setdefault(alias, shape)
    return packs


def icon_shapes(script_path: Path) -> dict:
    """Icon shapes of the theme's ``fontawesome.js`` at ``script_path`` (see :func:`_packs`)."""
    return _packs(script_path.read_text(encoding="utf8"))


def svg_for(match: re.Match, packs: dict) -> str:
    """The inline ``<svg>`` for one Font Awesome element matched by :data:`ICON`."""
    tag, before, classes, after = match.groups()
    names = classes.split()
    pack = "brands" if {"fab", "fa-brands"} & set(names) else "regular" if {"far", "fa-regular"} & set(names) \
        else "solid"
    icons = [n[3:] for n in names if n.startswith("fa-") and n not in STYLES and n not in KEEP]
    found = [(n, packs.get(pack, {}).get(n)) for n in icons]
    found = [(n, shape) for n, shape in found if shape]
    if len(found) != 1:
        raise ExtensionError(f"gradnotes_icons: no single Font Awesome {pack} icon in class={classes!r} "
                             f"(candidates {icons}); add it or drop the icon")
    name, (width, height, path) = found[0]
    kept = [n for n in names if not n.startswith("fa-") and n not in STYLES] + [n for n in names if n in KEEP]
    attributes = (before + after).strip()
    if "aria-hidden" not in attributes and "aria-label" not in attributes:
        attributes += ' aria-hidden="true"'
    return (f'<svg class="gn-icon gn-icon-{name} {" ".join(kept)}" {attributes.strip()} viewBox="0 0 {width} '
            f'{height}" focusable="false"><path fill="currentColor" d="{html.escape(path)}"/></svg>')


def inline_icons(text: str, packs: dict) -> str:
    """``text`` (a page) without the ``fontawesome.js`` script and with inline SVG icons."""
    text = SCRIPT.sub("", text)
    return ICON.sub(lambda m: svg_for(m, packs), text)


def icon_css(theme_css: str, packs: dict) -> str:
    """Rules that draw the theme's CSS icons (``content: var(--pst-icon-...)``) as SVG masks, not font glyphs.

    pydata-sphinx-theme's admonition titles, GitHub links, downloads, ... put a
    Font Awesome character in ``::before``/``::after``; rendered, it fetches a
    web font (fa-solid 156 KB, fa-brands 118 KB). Each such rule gets an empty
    ``content`` and the icon as a ``mask-image`` of ``currentColor``, so the
    colour the theme chose stays.
    """
    chars = dict(re.findall(r'(--pst-icon-[\w-]+):"(.)"', theme_css))
    aliases = dict(re.findall(r"(--pst-icon-[\w-]+):var\((--pst-icon-[\w-]+)\)", theme_css))
    rules = []
    for selector, variable in re.findall(r"([^{}]+)\{[^{}]*content:var\((--pst-icon-[\w-]+)\)[^{}]*\}", theme_css):
        while variable in aliases:
            variable = aliases[variable]
        char = chars.get(variable)
        code = f"U+{ord(char):x}" if char else None
        shape = next((packs[p][code] for p in ("solid", "brands", "regular") if code in packs.get(p, {})), None)
        if shape is None or selector.strip().startswith(("html", ":root")):
            continue
        width, height, path = shape
        svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'>"
               f"<path d='{path}'/></svg>")
        url = 'url("data:image/svg+xml,' + quote(svg, safe=" /='<>:,.-") + '")'
        rules.append(f"{selector.strip()}{{content:\"\";font:inherit;display:inline-block;width:1em;height:1em;"
                     f"background-color:currentColor;--gn-mask:{url};-webkit-mask:var(--gn-mask) center/contain "
                     f"no-repeat;mask:var(--gn-mask) center/contain no-repeat}}")
    return "/* Generated by book/_ext/gradnotes_icons.py from the theme's CSS and fontawesome.js. */\n" + \
        "\n".join(rules) + "\n"


def rewrite_pages(app, exception) -> None:
    """After a successful HTML build, inline the icons of every page and write the CSS icons."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    script = outdir / "_static" / "scripts" / "fontawesome.js"
    if not script.exists():
        return  # another theme: nothing to do
    packs = icon_shapes(script)
    theme_css = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    if theme_css.exists():
        (outdir / "_static" / ICON_CSS).write_text(icon_css(theme_css.read_text(encoding="utf8"), packs),
                                                   encoding="utf8")
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf8")
        new = inline_icons(text, packs)
        if new != text:
            page.write_text(new, encoding="utf8")


def setup(app):
    app.add_css_file(ICON_CSS, priority=900)  # after the theme's stylesheet
    app.connect("build-finished", rewrite_pages, priority=950)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
