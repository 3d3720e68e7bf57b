"""The live explorers of the built book in a real browser: every control moves, and the numbers are gradnotes'.

The explorers are found in ``_build/html`` (elements with ``data-gradnotes-explorer``).
On the first page of each kind every control is moved (a ``<select>`` to another
option, a range one step, a checkbox toggled): the drawing (the panels' SVG) and the
element's ``gradnotes`` data must change, with the control's new value in
``gradnotes.settings``. Other pages: load, and one move per explorer.

Agreement with the Python engine, computed here with gradnotes at the same settings:

* gradient and init explorers: the drawn per-layer ``||dL/dW_l||`` are the engine's
  seed 0 (re-run in the page); over seeds, their per-layer mean log agrees with
  gradnotes' at the page's batch (16) within ``Z_MAX`` standard errors or ``ABS_TOL``
  decades, and their root mean square with gradnotes' at the notebook's batch (256)
  within ``BATCH_TOL`` decades (see :func:`agree_across_batches`); the mean-field prediction
  (a deterministic profile times the measured top layer) and ``chi_1``, ``sigma_w`` to 1e-6;
* RNN: the same two checks for ``||dL/dh_t||`` (the notebook's batch is 32);
* activation: ``max |phi'|``, the gain and phi, phi' at the drawn points to 1e-9.

With batch norm the gradient growth per layer depends on the batch (Yang et al.
2019; measured here: 0.5 decades over 50 layers between batch 32 and 256), so there
the comparison is with gradnotes at the page's batch.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

import gradnotes
from gradnotes.recurrent import rnn_gradients
from gradnotes.widgets._live import BROWSER

from .conftest import BOOK as BUILT_BOOK, free_port, server

#: The built book; ``GRADNOTES_BOOK_HTML=<dir>`` tests another build (e.g. a reduced book while iterating).
BOOK = Path(os.environ.get("GRADNOTES_BOOK_HTML", BUILT_BOOK))

#: Per-layer means over seeds agree within this many standard errors ...
Z_MAX = 4.5
#: ... or this many decades (layers where both spreads are tiny).
ABS_TOL = 0.05
#: The page's batch (16) against the notebook's (256): per-layer root mean squares within this many decades
#: (8 and 6 seeds; the networks' own spread, not the batch, sets it: gradnotes against itself at 16 and 256
#: differs by up to 0.12 decades in 31 ReLU layers).
BATCH_TOL = 0.3
SEEDS_JS = 8
SEEDS_PY = 6
NOTEBOOK_BATCH = 256
RNN_BATCH = 32  # RNNExplorer's
MARKER = re.compile(r'data-gradnotes-explorer="(\w+)"')


def live_pages() -> dict:
    """Page (relative to the book) -> kinds of its live explorers, in order."""
    if not BOOK.exists():
        return {}
    return {p.relative_to(BOOK).as_posix(): MARKER.findall(p.read_text(encoding="utf8"))
            for p in sorted(BOOK.rglob("*.html")) if "data-gradnotes-explorer" in p.read_text(encoding="utf8")}


PAGES = live_pages()
FIRST = {}
for _page, _kinds in PAGES.items():
    for _kind in _kinds:
        FIRST.setdefault(_kind, _page)


@pytest.fixture(scope="module")
def book_url():
    """``BOOK`` served on 127.0.0.1 (conftest's fixture, for the book this module tests; never builds it)."""
    if not (BOOK / "index.html").exists():
        pytest.skip(f"no built book in {BOOK}: make book")
    port = free_port()
    args = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", str(BOOK)]
    with server(args, f"http://127.0.0.1:{port}/index.html", timeout=30):
        yield f"http://127.0.0.1:{port}"


def open_page(browser, url: str, errors: list, size=(1280, 800)):
    page = browser.new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    host = urlparse(url).netloc
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.on("request", lambda r: errors.append(f"other host: {r.url}")
            if urlparse(r.url).scheme.startswith("http") and urlparse(r.url).netloc != host else None)
    page.goto(url, wait_until="load")
    # explorers start when they come near the screen (book/engine/ui/index.js): start them all now
    page.wait_for_function("() => [...document.querySelectorAll('[data-gradnotes-explorer]')]"
                           ".every(el => el.gradnotesStart && el.gradnotesStart())", timeout=30_000)
    page.wait_for_function("() => [...document.querySelectorAll('[data-gradnotes-explorer]')]"
                           ".every(el => el.gradnotes && el.gradnotes.updates >= 1)", timeout=30_000)
    return page


def drawing(explorer) -> str:
    return explorer.evaluate("el => [...el.querySelectorAll('.gn-panel svg')].map(s => s.innerHTML).join('')")


def data(explorer) -> dict:
    return explorer.evaluate("el => JSON.parse(JSON.stringify(el.gradnotes))")


def controls(explorer) -> list:
    """Names of the controls a reader can move now (shown and enabled)."""
    return explorer.evaluate("""el => [...el.querySelectorAll('.gn-control')]
        .filter(c => !c.hidden && !c.querySelector('input, select').disabled).map(c => c.dataset.name)""")


def move(explorer, name: str):
    """Move one control as a reader would (another option, one step, a toggle); returns the new value."""
    before = data(explorer)["updates"]
    explorer.evaluate("""(el, name) => {
        const input = el.querySelector(`.gn-control[data-name="${name}"] input, .gn-control[data-name="${name}"] select`);
        if (input.type === 'checkbox') input.checked = !input.checked;
        else if (input.tagName === 'SELECT') input.selectedIndex = input.selectedIndex === input.options.length - 1
            ? input.selectedIndex - 1 : input.selectedIndex + 1;
        else input.value = Number(input.value) + Number(input.step) * (Number(input.value) >= Number(input.max) ? -1 : 1);
        input.dispatchEvent(new Event('input', {bubbles: true}));
        input.dispatchEvent(new Event('change', {bubbles: true}));
    }""", name)
    explorer.page.wait_for_function("([el, n]) => el.gradnotes.updates > n", arg=[explorer.element_handle(), before],
                                    timeout=20_000)
    return data(explorer)["settings"][name]


def check_move(explorer, name: str, label: str) -> None:
    old_drawing, old = drawing(explorer), data(explorer)
    value = move(explorer, name)
    new = data(explorer)
    assert value != old["settings"][name], f"{label}: {name} did not change its value"
    assert drawing(explorer) != old_drawing, f"{label}: moving {name} changed nothing drawn"
    numbers = {k: v for k, v in new.items() if k not in ("updates", "settings", "alt")}
    assert numbers != {k: v for k, v in old.items() if k not in ("updates", "settings", "alt")}, \
        f"{label}: moving {name} changed no number"
    assert all(new["alt"]), f"{label}: a panel has no aria-label"


# -- the Python side ---------------------------------------------------------------
#: The page's own engine module, next to the explorers' script (whatever the page's folder).
ENGINE_JS = """const ENGINE_URL = () => new URL('../index.js',
    document.querySelector('script[type=module][src*="gradnotes-engine/ui/index.js"]').src).href;"""

def engine_runs(page, settings: dict, seeds: int) -> list:
    """log10 ||dL/dW_l|| of the page's engine for seeds 0..seeds-1 at ``settings`` (as the explorer runs it)."""
    return page.evaluate("""async ([s, seeds]) => {""" + ENGINE_JS + """
        const m = await import(ENGINE_URL());
        const probe = new m.Probe(), out = [];
        for (let seed = 0; seed < seeds; seed++) {
            const t = probe.simulate({depth: s.depth, width: s.width, batch: s.batch, activation: s.activation,
                init: s.init, gain: s.gain, bias_std: s.bias_std, residual: s.residual || null,
                norm: s.norm, seed, dtype: 'float32'});
            out.push(Array.from(t.gradWeightNorms, v => Math.log10(v)));
        }
        return out;
    }""", [settings, seeds])


def python_runs(settings: dict, batch: int, seeds: int) -> np.ndarray:
    return np.array([np.log10(gradnotes.simulate(
        settings["depth"], settings["width"], settings["activation"], settings["init"], gain=settings["gain"],
        bias_std=settings["bias_std"], residual=settings.get("residual"), norm=settings.get("norm"),
        batch=batch, seed=seed).grad_weight_norms) for seed in range(seeds)])


def agree_same_batch(js: np.ndarray, py: np.ndarray, label: str) -> None:
    """Per-layer means of log10 norms over seeds (seeds x layers) within Z_MAX standard errors or ABS_TOL."""
    finite = np.isfinite(js).all(0) & np.isfinite(py).all(0)
    assert finite.any(), f"{label}: no finite layer to compare"
    js, py = js[:, finite], py[:, finite]
    diff = np.abs(js.mean(0) - py.mean(0))
    se = np.sqrt(js.var(0, ddof=1) / len(js) + py.var(0, ddof=1) / len(py))
    bad = np.flatnonzero(diff > np.maximum(Z_MAX * se, ABS_TOL))
    assert not bad.size, (f"{label}: layers {np.flatnonzero(finite)[bad] + 1} differ: page {js.mean(0)[bad]} vs "
                          f"gradnotes {py.mean(0)[bad]} (standard error {se[bad]})")


def rms(logs: np.ndarray) -> np.ndarray:
    """log10 of the root mean square over seeds, per layer, from seeds x layers of log10 norms."""
    top = logs.max(0)  # scaled by the largest, so 1e-300 squared does not underflow
    return top + 0.5 * np.log10((10.0 ** (2 * (logs - top))).mean(0))


def agree_across_batches(js: np.ndarray, py: np.ndarray, label: str) -> float:
    """The page's batch against the notebook's: per-layer root mean squares within BATCH_TOL decades.

    With the random read-out the examples' gradients are uncorrelated, so ``E ||dL/dW||^2`` does not
    depend on the batch (not so with batch norm, which couples them); the mean of the log does (it
    also feels the spread, which shrinks with the batch). Returns the largest difference.
    """
    finite = np.isfinite(js).all(0) & np.isfinite(py).all(0)
    diff = np.abs(rms(js[:, finite]) - rms(py[:, finite]))
    assert diff.max() <= BATCH_TOL, f"{label}: layers {np.flatnonzero(finite)[diff > BATCH_TOL] + 1} differ by " \
                                    f"{diff[diff > BATCH_TOL]} decades (root mean square over seeds)"
    return float(diff.max())


def check_layers_agree(page, state: dict, label: str, across_batches: bool = True) -> None:
    """The drawn norms are the engine's seed 0; over seeds they are gradnotes' (at its batch); theory exactly."""
    s = state["settings"]
    assert s["batch"] == BROWSER["batch"], s
    js = np.array(engine_runs(page, s, SEEDS_JS))
    drawn = np.log10(np.array([np.inf if v is None else v for v in state["grad_weight_norms"]], dtype=float))
    np.testing.assert_allclose(js[0], drawn, rtol=1e-12, err_msg=f"{label}: drawn norms are not the engine's")
    agree_same_batch(js, python_runs(s, s["batch"], SEEDS_PY), f"{label} ({s})")
    if across_batches and s.get("norm") != "batch":
        agree_across_batches(js, python_runs(s, NOTEBOOK_BATCH, SEEDS_PY), f"{label}, batch {NOTEBOOK_BATCH} ({s})")
    trace = gradnotes.simulate(s["depth"], s["width"], s["activation"], s["init"], gain=s["gain"],
                               bias_std=s["bias_std"], residual=s.get("residual"), norm=s.get("norm"),
                               batch=s["batch"], seed=0)
    predicted = gradnotes.theory.predicted_grad_norms(trace)
    if predicted is None:
        assert state["predicted"] is None, f"{label}: a prediction where gradnotes has none"
        return
    profile = np.array(state["predicted"], dtype=float) / state["grad_weight_norms"][-1]
    np.testing.assert_allclose(profile, predicted / trace.grad_weight_norms[-1], rtol=1e-6,
                               err_msg=f"{label}: mean-field profile")
    summary = trace.summary()
    for key in ("sigma_w", "chi1"):
        assert state[key] == pytest.approx(summary[key], rel=1e-6), f"{label}: {key}"


def check_rnn_agrees(page, state: dict, label: str, across_batches: bool = True) -> None:
    s = state["settings"]
    js = np.array(page.evaluate("""async ([s, seeds]) => {""" + ENGINE_JS + """
        const m = await import(ENGINE_URL());
        return Array.from({length: seeds}, (_, seed) => Array.from(m.rnnGradients(s.steps, s.spectral_radius,
            s.activation, {width: s.width, batch: s.batch, input_std: s.input_std, seed}).gradNorms,
            v => Math.log10(v)));
    }""", [s, SEEDS_JS]))
    np.testing.assert_allclose(js[0], np.log10(np.array(state["grad_norms"], dtype=float)), rtol=1e-12)
    for batch in (s["batch"], RNN_BATCH) if across_batches else (s["batch"],):
        py = np.array([np.log10(rnn_gradients(s["steps"], s["spectral_radius"], s["activation"],
                                                        width=s["width"], batch=batch, input_std=s["input_std"],
                                                        seed=seed).grad_norms)
                       for seed in range(SEEDS_PY)])
        check = agree_same_batch if batch == s["batch"] else agree_across_batches
        check(js, py, f"{label}, gradnotes at batch {batch} ({s})")


def check_activation_agrees(state: dict, label: str) -> None:
    s = state["settings"]
    act = gradnotes.ACTIVATIONS[s["activation"]]
    if act.params and s["parameter"] is not None:
        act = gradnotes.get_activation(s["activation"], **{k: s["parameter"] for k in act.params})
    assert state["max_derivative"] == pytest.approx(act.max_derivative, rel=1e-9), label
    assert state["gain"] == pytest.approx(act.gain, rel=1e-9), label
    x = np.linspace(-s["x_range"], s["x_range"], len(state["phi"]))
    np.testing.assert_allclose(state["phi"], act(x), rtol=1e-9, atol=1e-12, err_msg=label)
    np.testing.assert_allclose(state["derivative"], act.derivative(x), rtol=1e-9, atol=1e-12, err_msg=label)


def check_agreement(page, kind: str, state: dict, label: str, across_batches: bool = True) -> None:
    """The numbers drawn against gradnotes' (against the notebook's batch too, where ``across_batches``)."""
    if kind in ("gradient", "init"):
        check_layers_agree(page, state, label, across_batches)
    elif kind == "rnn":
        check_rnn_agrees(page, state, label, across_batches)
    else:
        check_activation_agrees(state, label)


# -- the tests ---------------------------------------------------------------------
def test_the_book_has_live_explorers_of_every_kind():
    if not PAGES:
        pytest.skip(f"no built book with live explorers in {BOOK} (make book)")
    assert set(FIRST) == {"gradient", "init", "activation", "rnn"}, PAGES


@pytest.mark.parametrize("name", sorted(PAGES))
def test_live_page(name, browser, book_url, screenshots):
    errors = []
    page = open_page(browser, f"{book_url}/{name}", errors)
    try:
        explorers = page.locator("[data-gradnotes-explorer]")
        for i in range(explorers.count()):
            explorer = explorers.nth(i)
            kind = explorer.get_attribute("data-gradnotes-explorer")
            label = f"{name}, explorer {i} ({kind})"
            full = FIRST[kind] == name and i == PAGES[name].index(kind)
            state = data(explorer)
            check_agreement(page, kind, state, f"{label}, as loaded", across_batches=full)
            names = controls(explorer)
            assert names, f"{label}: no control"
            # last first: the activation explorer's parameter is moved before the activation hides it
            for control in reversed(names) if full else names[:1]:
                if control in controls(explorer):
                    check_move(explorer, control, label)
            if full:
                check_agreement(page, kind, data(explorer), f"{label}, every control moved")
                explorer.scroll_into_view_if_needed()
                explorer.screenshot(path=str(screenshots / f"book-live-{kind}-1280.png"))
        if name in FIRST.values():
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            wide = page.evaluate("""() => [...document.querySelectorAll('[data-gradnotes-explorer] svg')]
                .filter(s => s.getBoundingClientRect().right > window.innerWidth + 1).length""")
            assert wide == 0, f"{name}: {wide} panels wider than a 390 px screen"
            first = page.locator("[data-gradnotes-explorer]").first
            first.scroll_into_view_if_needed()
            first.screenshot(path=str(screenshots / f"book-live-{name.replace('/', '__')[:-5]}-390.png"))
        assert not errors, "\n".join(errors)
    finally:
        page.close()


def test_keyboard_moves_a_control(browser, book_url):
    """Tab to a range control and press ArrowRight: the explorer updates (native controls)."""
    if "gradient" not in FIRST:
        pytest.skip("no gradient explorer in the built book")
    page = open_page(browser, f"{book_url}/{FIRST['gradient']}", [])
    try:
        explorer = page.locator('[data-gradnotes-explorer="gradient"]').first
        before = data(explorer)
        explorer.locator('input[name="depth"]').focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("([el, n]) => el.gradnotes.updates > n",
                               arg=[explorer.element_handle(), before["updates"]])
        after = data(explorer)
        assert after["settings"]["depth"] == before["settings"]["depth"] + 1
        assert len(after["grad_weight_norms"]) == after["settings"]["depth"]
    finally:
        page.close()


#: In one task, after the explorer's last update has been painted: a move, three more moves of the same
#: slider, and a menu's "input" then "change" (as a browser sends them); how many updates ran by the end
#: of the task, and the settings after the next animation frame.
BURST_JS = """async el => {
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const depth = el.querySelector('input[name="depth"]');
  const start = el.gradnotes.updates;
  const step = () => { depth.value = Number(depth.value) + 1; depth.dispatchEvent(new Event('input', {bubbles: true})); };
  step();
  const atOnce = el.gradnotes.updates - start;
  const inFrame = el.gradnotesTiming.inFrame;
  step(); step(); step();
  const sameTask = el.gradnotes.updates - start;
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const afterFrame = {updates: el.gradnotes.updates - start, depth: el.gradnotes.settings.depth,
                      drawn: el.gradnotes.grad_weight_norms.length, inFrame: el.gradnotesTiming.inFrame};
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const menu = el.querySelector('select[name="init"]');
  const before = el.gradnotes.updates;
  menu.selectedIndex = (menu.selectedIndex + 1) % menu.options.length;
  menu.dispatchEvent(new Event('input', {bubbles: true}));
  menu.dispatchEvent(new Event('change', {bubbles: true}));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return {atOnce, inFrame, sameTask, afterFrame, menuUpdates: el.gradnotes.updates - before,
          init: el.gradnotes.settings.init, chosen: menu.value, depth0: Number(depth.value)};
}"""


def test_a_move_answers_at_once_and_a_burst_makes_one_more_update(browser, book_url):
    """A move draws in its own event (no wait for a frame); more moves before the next frame make one
    update there, with the latest value; a menu's input + change make one update, not two."""
    if "gradient" not in FIRST:
        pytest.skip("no gradient explorer in the built book")
    page = open_page(browser, f"{book_url}/{FIRST['gradient']}", [])
    try:
        explorer = page.locator('[data-gradnotes-explorer="gradient"]').first
        depth = data(explorer)["settings"]["depth"]
        got = explorer.evaluate(BURST_JS)
        assert got["atOnce"] == 1 and got["inFrame"] is False, got
        assert got["sameTask"] == 1, f"moves in the same frame must wait for the next one: {got}"
        assert got["afterFrame"] == {"updates": 2, "depth": depth + 4, "drawn": depth + 4, "inFrame": True}, got
        assert got["menuUpdates"] == 1 and got["init"] == got["chosen"], got
    finally:
        page.close()


def test_pages_without_explorers_load_no_engine():
    """Only pages with a live explorer load the engine (a deferred module script); no picture is inline."""
    if not PAGES:
        pytest.skip("no built book")
    loading = [p.relative_to(BOOK).as_posix() for p in BOOK.rglob("*.html")
               if "gradnotes-engine/" in p.read_text(encoding="utf8")
               and p.relative_to(BOOK).as_posix() not in PAGES]
    assert not loading, f"pages without a live explorer that load the engine: {loading}"
    for name in PAGES:
        text = (BOOK / name).read_text(encoding="utf8")
        assert re.search(r'<script[^>]*type="module"[^>]*gradnotes-engine/ui/index\.js', text) or \
            re.search(r'<script[^>]*gradnotes-engine/ui/index\.js[^>]*type="module"', text), name
        assert 'class="gradnotes-noscript-picture" src="data:' not in text, f"{name}: an inline no-JS picture"
        assert text.count("gradnotes-noscript-picture") == len(PAGES[name]), name


def test_dark_mode_restyles_the_explorers(browser, book_url, screenshots):
    if "init" not in FIRST:
        pytest.skip("no init explorer in the built book")
    page = open_page(browser, f"{book_url}/{FIRST['init']}", [])
    try:
        explorer = page.locator('[data-gradnotes-explorer="init"]').first
        colour = "el => getComputedStyle(el.querySelector('.gn-tick')).fill"
        light = explorer.evaluate(colour)
        page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
        dark = explorer.evaluate(colour)
        assert light != dark, "axis text keeps its colour in dark mode"
        explorer.screenshot(path=str(screenshots / "book-live-init-dark.png"))
    finally:
        page.close()


def test_the_config_is_json_the_page_reads():
    if not PAGES:
        pytest.skip("no built book")
    name = next(iter(PAGES))
    text = (BOOK / name).read_text(encoding="utf8")
    config = json.loads(re.search(r'<script type="application/json" class="gradnotes-config">(.*?)</script>',
                                  text, re.S).group(1))
    assert config["browser"] == dict(BROWSER) and config["controls"]
