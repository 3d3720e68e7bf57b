"""Every page of the built book as a reader meets it: light, accessible, nothing wider than its column.

For each page, on a first visit (browser cache off), at 1280x800:

* the bytes transferred until the network is idle (gzip for text, as a static
  host sends them) stay within the budget of ``tools/page_weight.py``
  (chapter <= 800 KB, other pages <= 300 KB); no fontawesome.js anywhere, the
  widget manager only on pages that show a widget, MathJax only where there is maths;
* axe-core (``book/assets.json``, loaded by this test, never by a page) finds no
  serious or critical violation, ``label-content-name-mismatch`` included;
* every image has an alt text that is not a file path;
* every notebook figure's smallest text is at least 11 CSS px as shown;
* on a phone (a fresh visit at 390x844, :func:`test_chapter_figures_on_a_phone`) a figure
  of several panels shows them one below the other: every figure's smallest text is at
  least :data:`PHONE_MIN_TEXT_PX` CSS px, no picture is wider than the screen, and the
  panels cost no download (each picture file is fetched once, at 1280 as at 390);
* no printed output, figure, table or explorer sticks out of the text column,
  and no output box hides text behind a scroll bar;

the alt text, layout and axe checks run once the explorers are rendered (as for a
reader who scrolls to one); then the layout checks at 390x844 (a phone), without
reloading.
"""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import pytest

from .conftest import BOOK, ROOT

sys.path.insert(0, str(ROOT / "tools"))
from page_weight import book_pages, budget, transferred  # noqa: E402  (a script folder, as tests/test_packaging)

AXE = BOOK / "_static" / "gradnotes-vendor" / "axe-core" / "axe.min.js"
PAGES = book_pages(ROOT)

#: Elements that must fit the article column, and the output boxes that must not scroll sideways.
OVERFLOW_JS = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  if (!article) return [];
  const box = article.getBoundingClientRect(), style = getComputedStyle(article);
  const left = box.left + parseFloat(style.paddingLeft) - 1, right = box.right - parseFloat(style.paddingRight) + 1;
  const out = [];
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
  const wide = el => el.closest('.tag_full-width, .full-width, .gradnotes-full-width');
  for (const el of article.querySelectorAll(
      'div.cell_output, div.cell_output pre, div.cell_output img, div.cell_output table, table, figure img, ' +
      'img, .gradnotes-static-explorer, .jupyter-widgets.widget-box')) {
    // a panel's picture is the whole figure, shifted inside a window that shows one panel: the window is what shows
    const r = (el.closest('a.gradnotes-window') || el).getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || wide(el)) continue;
    if (r.left < left - 1 || r.right > right) out.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}` +
        ` outside the column ${Math.round(left)}..${Math.round(right)}`);
  }
  for (const el of article.querySelectorAll('div.cell_output pre, div.cell_output .output, div.cell_output')) {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.push(`${name(el)} hides ${el.scrollWidth - el.clientWidth} px of its content behind a scroll bar: ` +
               JSON.stringify(el.innerText.slice(0, 60)));
  }
  return out;
}"""

ALT_JS = """() => [...document.images].filter(img => {
  const alt = (img.getAttribute('alt') || '').trim();
  return !alt || /(^|\\/)[^\\s]+\\.(png|svg|jpe?g|gif|webp)$/i.test(alt) || alt.startsWith('_images/');
}).map(img => `${img.getAttribute('src').slice(0, 80)} alt=${JSON.stringify(img.getAttribute('alt'))}`)"""

#: The smallest text of every notebook figure shown (``data-text-px``: PNG pixels, from the PNG), in CSS px as
#: shown: ``[[name, alt, px], ...]`` (a figure hidden in this layout, e.g. its stacked panels at 1280, is not shown).
TEXT_SIZE_JS = """() => [...document.querySelectorAll('img[data-text-px]')].filter(img => img.naturalWidth &&
    img.getClientRects().length && img.clientWidth).map(img => [img.getAttribute('src').split('/').pop().slice(0, 12),
  (img.getAttribute('alt') || '').slice(0, 30), parseFloat(img.dataset.textPx) * img.clientWidth / img.naturalWidth])"""
#: Every notebook figure picture (those hidden too) loads now, as a reader scrolling past it would have it load.
EAGER_JS = ("() => Promise.all([...document.querySelectorAll('img[data-text-px]')].map(img =>"
            " { img.loading = 'eager'; return img.decode().catch(() => null); }))")
#: The smallest figure text on a 390 px phone, CSS px (gradnotes.plots.figure.PHONE_MIN_TEXT_PX: stacked panels).
PHONE_MIN_TEXT_PX = 9.0


def too_small(sizes, least: float) -> list[str]:
    return [f"{name} ({alt}...): {px:.1f} px" for name, alt, px in sizes if px < least - 0.05]

AXE_JS = """async () => {
  const result = await axe.run(document, {rules: {'label-content-name-mismatch': {enabled: true}},
                                          resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v =>
    `${v.id} (${v.impact}, ${v.nodes.length}x): ${v.help}; e.g. ${v.nodes[0].target.join(' ')}`);
}"""


def first_visit(page):
    """Turn the cache off for ``page`` (its context shares one with the other tests)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    return session


def settle(page) -> None:
    """Until the network is idle, touching nothing (explorers near the top load the widget manager)."""
    page.wait_for_load_state("networkidle", timeout=20_000)
    page.wait_for_timeout(300)
    page.wait_for_load_state("networkidle", timeout=20_000)


@pytest.mark.parametrize("name", PAGES)
def test_page_is_readable(name, browser, book_url):
    assert AXE.exists(), f"{AXE} is missing: book/assets.json lists axe-core, `make book` copies it"
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    responses = []
    page.on("response", lambda r: responses.append(r) if urlparse(r.url).scheme.startswith("http") else None)
    try:
        first_visit(page)
        page.goto(f"{book_url}/{name}", wait_until="load")
        settle(page)
        sizes = []
        for response in responses:
            try:
                sizes.append((urlparse(response.url).path, transferred(response.body(), response.headers.get(
                    "content-type", ""))))
            except Exception:  # a redirect, or a response without a body
                continue
        total = sum(size for _, size in sizes)
        biggest = ", ".join(f"{path} {size // 1000} KB" for path, size in sorted(sizes, key=lambda s: -s[1])[:4])
        assert total <= budget(name), f"{name}: {total // 1000} KB at first visit > {budget(name) // 1000} KB: {biggest}"
        paths = [path for path, _ in sizes]
        assert not [p for p in paths if p.endswith("fontawesome.js")], "fontawesome.js is loaded"
        views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        assert views or not [p for p in paths if p.endswith("html-manager/embed.js")], \
            "the widget manager is loaded on a page without widgets"
        if not page.locator(".math").count():
            assert not [p for p in paths if "mathjax" in p], "MathJax is loaded on a page without maths"

        # then the explorers, as a reader who scrolls to one sees them (one loads the widget manager for all)
        if page.locator(".gradnotes-explorer-placeholder").count():
            page.locator(".gradnotes-explorer-placeholder").first.scroll_into_view_if_needed()
            page.wait_for_function(f"() => document.querySelectorAll('.gradnotes-static-explorer').length >= {views}",
                                   timeout=20_000)
            page.wait_for_function("() => !document.querySelector('.gradnotes-explorer-placeholder')",
                                   timeout=20_000)
            page.wait_for_load_state("networkidle", timeout=20_000)
        bad_alt = page.evaluate(ALT_JS)
        assert not bad_alt, "images without a real alt text:\n" + "\n".join(bad_alt)
        problems = page.evaluate(OVERFLOW_JS)
        assert not problems, "at 1280 px:\n" + "\n".join(problems)
        page.evaluate(EAGER_JS)
        small = too_small(page.evaluate(TEXT_SIZE_JS), 11.0)
        assert not small, "figure text smaller than 11 CSS px in the 1280 px layout:\n" + "\n".join(small)

        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_JS)
        assert not violations, "axe-core:\n" + "\n".join(violations)

        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(200)
        problems = page.evaluate(OVERFLOW_JS)
        assert not problems, "at 390 px:\n" + "\n".join(problems)
    finally:
        page.close()


def test_every_chapter_figure_describes_itself():
    """The figures' alt texts come from their data (the PNG's Description), not a generic sentence."""
    generic = []
    for page in (BOOK / "notebooks").glob("*.html"):
        text = page.read_text(encoding="utf8")
        generic += [f"{page.name}" for _ in range(text.count('alt="A figure drawn by the code above'))]
    assert not generic, f"figures without a description from their data: {sorted(set(generic))}"


def test_axe_is_not_loaded_by_pages():
    """axe-core ships in the vendor folder for the tests only."""
    assert AXE.exists()
    loaders = [p.name for p in BOOK.rglob("*.html") if "axe.min.js" in p.read_text(encoding="utf8")]
    assert not loaders, f"pages that load axe-core: {loaders}"


def test_weight_table():
    """tools/page_weight.py's table: KB, requests, the budget of the page's kind and the verdict."""
    from page_weight import table

    text = table({"notebooks/x.html": {"bytes": 2_000_000, "gzip_bytes": 700_000, "requests": 12},
                  "faq.html": {"bytes": 900_000, "gzip_bytes": 310_000, "requests": 9}})
    assert "| notebooks/x.html | 2,000 | 700 | 12 | 800 | yes |" in text
    assert "| faq.html | 900 | 310 | 9 | 300 | NO |" in text


CHAPTERS = [name for name in PAGES if name.startswith("notebooks/")]


def _image_requests(page) -> list:
    found = []
    page.on("request", lambda r: found.append(urlparse(r.url).path) if r.resource_type == "image" else None)
    return found


def _figure_files(page) -> set:
    return set(page.evaluate("() => [...document.querySelectorAll('img[data-text-px]')].map(img =>"
                             " new URL(img.getAttribute('src'), location.href).pathname)"))


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_figures_on_a_phone(name, browser, book_url):
    """At 390x844 figures stack their panels and stay readable; the panels download nothing more than at 1280."""
    fetched = {}
    for width, height in ((1280, 800), (390, 844)):
        page = browser.new_page()
        page.set_viewport_size({"width": width, "height": height})
        requests = _image_requests(page)
        try:
            first_visit(page)
            page.goto(f"{book_url}/{name}", wait_until="load")
            settle(page)
            page.evaluate(EAGER_JS)
            page.wait_for_load_state("networkidle", timeout=20_000)
            figures = _figure_files(page)
            twice = sorted({p for p in requests if requests.count(p) > 1})
            assert not twice, f"at {width} px, pictures fetched more than once: {twice}"
            fetched[width] = {p for p in requests if p in figures}
            assert fetched[width] == figures, f"at {width} px: figures not fetched: {sorted(figures - fetched[width])}"
            if width == 1280:
                shown_panels = page.locator(".gradnotes-panels img").evaluate_all(
                    "els => els.filter(e => e.getClientRects().length).length")
                assert shown_panels == 0, "the stacked panels show at 1280 px"
                continue
            shown = page.evaluate(TEXT_SIZE_JS)
            assert shown or not figures, "no figure is shown at 390 px"
            small = too_small(shown, PHONE_MIN_TEXT_PX)
            assert not small, f"figure text below {PHONE_MIN_TEXT_PX} CSS px at 390 px:\n" + "\n".join(small)
            wide = page.evaluate("""() => [...document.images].filter(img => img.getClientRects().length).map(img =>
                [img.getAttribute('src').slice(-20), (img.closest('a.gradnotes-window') || img).getBoundingClientRect()])
                .filter(([, r]) => r.width && (r.left < -1 || r.right > innerWidth + 1))
                .map(([src, r]) => `${src}: ${Math.round(r.left)}..${Math.round(r.right)}`)""")
            assert not wide, f"pictures wider than the {width} px screen:\n" + "\n".join(wide)
        finally:
            page.close()
    assert fetched[390] == fetched[1280], "a phone downloads the same figure files as a laptop"
