"""Static explorers that load only the picture shown, say what it shows, and work without JavaScript.

:mod:`gradnotes.widgets.static` stores every precomputed picture of an explorer
as an ``ipywidgets.Image`` in the page's embedded widget state, base64 inline
(ch9's HTML was 1.4 MB, 80 % pictures, 6 of 40 visible). When the build has
finished, for each page with a widget state this extension

* writes each picture once to ``_images/explorer-<sha256>.<ext>`` and turns its
  model into ``format="url"`` (the widget manager then sets ``<img src>`` to that
  file). A ``Stack`` renders only its selected child, so a picture is fetched
  when it is shown, and the browser caches it;
* gives every picture an alt text naming the settings it was drawn for (from the
  controls ``jslink``-ed to the stacks above it, and the fixed settings the
  note below the explorer lists), set by a small inline script as the widget
  manager renders each ``<img>``; the same script names each slider handle by
  its label and has it announce the value its readout shows, and makes the
  readout read-only (a typed value cannot pick a precomputed picture);
* shows the default picture of each explorer at once, as a plain ``<img>``
  beside its view (also what a reader without JavaScript sees), and loads the
  widget manager (1.8 MB) only when an explorer comes near the screen or is
  touched: the script tag myst-nb put in ``<head>`` is replaced by a small
  loader. The rendered explorer then takes its picture's place;
* a picture whose PNG records its panels (``gradnotes panels``) also gets the
  panels' windows of :mod:`gradnotes_panels`, shown one below the other on a
  phone: beside the default picture in the page, and added by the inline script
  after each picture the widget manager renders.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from pathlib import Path

from gradnotes_pages import png_facts
from gradnotes_panels import windows

STATE = re.compile(r'(<script type="application/vnd\.jupyter\.widget-state\+json">)(.*?)(</script>)', re.S)
VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
FORMATS = {"png": "png", "jpeg": "jpg", "gif": "gif", "svg+xml": "svg", "webp": "webp"}
FOLDER = "_images"
REF = "IPY_MODEL_"
ALT_ID, PANELS_ID = "gradnotes-explorer-alt", "gradnotes-explorer-panels"
#: As the widget manager renders an explorer: each picture's alt text (from the JSON beside it), and each
#: slider handle named by its label and read as the value its readout shows (not the option's index).
#: A picture of several panels also gets its panels' windows (gradnotes_panels) after it, shown on a phone.
ALT_SCRIPT = """<script>(function () {
  function read(id) { var data = document.getElementById(id); return data ? JSON.parse(data.textContent) : {}; }
  var alt = read("%s"), panels = read("%s");
  function set(element, name, value) {
    if (value && element.getAttribute(name) !== value) { element.setAttribute(name, value); }
  }
  function label() {
    document.querySelectorAll(".gradnotes-panels[data-for]").forEach(function (block) {
      var img = block.previousElementSibling;  // the widget manager replaced or re-pointed its picture
      if (!img || img.getAttribute("src") !== block.dataset.for) { block.remove(); }
    });
    document.querySelectorAll("img.widget-image").forEach(function (img) {
      var src = img.getAttribute("src"), next = img.nextElementSibling;
      set(img, "alt", alt[src]);
      if (panels[src] && !(next && next.dataset && next.dataset.for === src)) {
        img.classList.add("gradnotes-whole");
        img.insertAdjacentHTML("afterend", panels[src]);
        img.nextElementSibling.dataset.for = src;
      }
    });
    document.querySelectorAll(".gradnotes-static-explorer .widget-slider").forEach(function (slider) {
      var handle = slider.querySelector(".noUi-handle"), name = slider.querySelector(".widget-label"),
          readout = slider.querySelector(".widget-readout");
      if (!handle) { return; }
      set(handle, "aria-label", name && name.textContent.trim());
      set(handle, "aria-valuetext", readout && (readout.value || readout.textContent).trim());
      if (readout && readout.isContentEditable) { readout.contentEditable = "false"; }  // typing cannot work here
    });
  }
  new MutationObserver(label).observe(document.documentElement, {subtree: true, childList: true,
    characterData: true, attributes: true, attributeFilter: ["src", "aria-valuetext", "aria-valuenow"]});
})();</script>""" % (ALT_ID, PANELS_ID)


#: Loads the widget manager when an explorer nears the viewport or is touched; swaps placeholder for explorer.
LOADER = """<script>(function () {
  var src = %s, loaded = false, holders = document.querySelectorAll(".gradnotes-explorer-placeholder");
  function load() {
    if (loaded) { return; }
    loaded = true;
    var add = window.addEventListener;  // embed.js renders on window "load": after it, call it at once
    window.addEventListener = function (type, listener, options) {
      if (type === "load" && document.readyState === "complete") {
        window.addEventListener = add;
        return setTimeout(listener, 0);
      }
      return add.call(window, type, listener, options);
    };
    var script = document.createElement("script");
    script.src = src;
    script.onload = script.onerror = function () { window.addEventListener = add; };
    document.head.appendChild(script);
  }
  holders.forEach(function (holder) {
    ["pointerdown", "focusin", "keydown", "mouseenter"].forEach(function (kind) { holder.addEventListener(kind, load); });
  });
  if ("IntersectionObserver" in window) {
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); load(); }
    }, {rootMargin: "300px"});
    holders.forEach(function (holder) { seen.observe(holder); });
  } else { load(); }
  new MutationObserver(function () {
    holders.forEach(function (holder) {
      var view = holder.previousElementSibling, area = view && view.previousElementSibling;
      if (holder.isConnected && area && area.querySelector("img.widget-image")) { holder.remove(); }
    });
  }).observe(document.body, {subtree: true, childList: true});
})();</script>"""
MANAGER = re.compile(r'\s*<script defer="defer" src="([^"]*html-manager/embed\.js[^"]*)"></script>')


def _ref(value) -> str | None:
    return value[len(REF):] if isinstance(value, str) and value.startswith(REF) else None


def _format(model: dict) -> str:
    """An image model's format (``png``, the ImageModel default, when a saved state drops defaults)."""
    return model["state"].get("format", "png")


def _sanitize(text: str) -> str:
    """JSON safe inside ``<script>`` (as myst-nb writes it)."""
    return text.replace("</", "<\\/")


class Explorers:
    """The widget state of one page: its pictures, the stacks over them and the controls linked to those."""

    def __init__(self, state: dict):
        self.models = state["state"]
        # stack id -> control id, from the jslinks (control "index" -> stack "selected_index")
        self.control_of = {}
        for model in self.models.values():
            if model.get("model_name") == "LinkModel":
                source, target = model["state"].get("source"), model["state"].get("target")
                if source and target and target[1] == "selected_index" and source[1] == "index":
                    self.control_of[_ref(target[0])] = _ref(source[0])

    def images(self):
        """``(model id, model)`` of every picture stored inline."""
        for key, model in self.models.items():
            if model.get("model_name") == "ImageModel" and _format(model) in FORMATS:
                if any(b.get("path") == ["value"] for b in model.get("buffers", [])):
                    yield key, model

    def setting(self, stack: str, index: int) -> str | None:
        """``"depth 30"``: the control that switches ``stack``, at option ``index``."""
        control = self.models.get(self.control_of.get(stack, ""), {}).get("state", {})
        labels = control.get("_options_labels") or []
        if not labels or index is None or index >= len(labels):
            return None
        return f"{control.get('description') or 'option'} {labels[index]}".strip()

    def walk(self, key: str, settings: tuple = (), default_only: bool = False):
        """``(image id, settings)`` below model ``key``; every child of a stack, or only the selected one."""
        model = self.models.get(key)
        if model is None:
            return
        state, name = model["state"], model.get("model_name")
        if name == "ImageModel":
            yield key, settings
            return
        children = [_ref(c) for c in state.get("children") or []]
        if name == "StackModel":
            selected = state.get("selected_index")
            chosen = [selected] if default_only else range(len(children))
            for i in chosen:
                if i is not None and 0 <= i < len(children):
                    label = self.setting(key, i)
                    yield from self.walk(children[i], settings + ((label,) if label else ()), default_only)
            return
        for child in children:
            yield from self.walk(child, settings, default_only)

    def fixed(self, key: str) -> str:
        """The note below explorer ``key`` that names its fixed settings ("..., with gain 1, init ..."), if any."""
        for child in self.models[key]["state"].get("children") or []:
            model = self.models.get(_ref(child), {})
            if model.get("model_name") == "HTMLModel":
                text = html.unescape(re.sub(r"<[^>]+>", "", model["state"].get("value", "")))
                found = re.search(r", with (.*?)\. In JupyterLab", text)
                if found:
                    return found.group(1)
        return ""

    def alt_texts(self) -> dict:
        """Image id -> alt text, for every picture inside a box (an explorer)."""
        alts = {}
        for key, model in self.models.items():
            if model.get("model_name") not in ("VBoxModel", "BoxModel"):
                continue
            fixed = self.fixed(key)
            for image, settings in self.walk(key):
                if image in alts or not settings:
                    continue
                text = "Explorer picture for " + ", ".join(settings)
                alts[image] = text + (f" (fixed: {fixed})" if fixed else "") + "."
        return alts


def _default_picture(url: str, alt: str, panels: str | None) -> str:
    """An explorer's default picture as a plain ``<img>`` (with its panels' windows for a phone, if it has any)."""
    img = f'<img src="{html.escape(url)}" alt="{html.escape(alt)}" class="gradnotes-default-picture">'
    return img if panels is None else f'<span class="gradnotes-whole">{img}</span>{panels}'


def externalize(text: str, page: Path, outdir: Path) -> str:
    """``text`` (a page at ``page``) with its explorer pictures in files, alt texts, placeholders and loader."""
    found = STATE.search(text)
    if not found:
        return text
    state = json.loads(found.group(2))
    explorers = Explorers(state)
    alts = explorers.alt_texts()
    urls, alt_by_url, panels_by_url = {}, {}, {}
    folder = outdir / FOLDER
    folder.mkdir(exist_ok=True)
    for key, model in list(explorers.images()):
        buffer = next(b for b in model["buffers"] if b.get("path") == ["value"])
        data = base64.b64decode(buffer["data"])
        name = f"explorer-{hashlib.sha256(data).hexdigest()[:20]}.{FORMATS[_format(model)]}"
        if not (folder / name).exists():
            (folder / name).write_bytes(data)
        url = os.path.relpath(folder / name, page.parent).replace(os.sep, "/")
        stacked = windows(url, *png_facts(folder / name))  # a picture of several panels: windows for a phone
        if stacked:
            panels_by_url[url] = stacked
        buffer["data"] = base64.b64encode(url.encode("utf8")).decode("ascii")
        model["state"]["format"] = "url"
        urls[key] = url
        if key in alts:
            alt_by_url[url] = alts[key]
    if not urls:
        return text
    text = text[:found.start(2)] + _sanitize(json.dumps(state)) + text[found.end(2):]

    def with_placeholder(view: re.Match) -> str:
        try:
            root = _ref("IPY_MODEL_" + json.loads(view.group(1))["model_id"])
        except (ValueError, KeyError):
            return view.group(0)
        pictures = [image for image, _ in explorers.walk(root, default_only=True) if image in urls]
        if not pictures:
            return view.group(0)
        images = "".join(_default_picture(urls[i], alts.get(i, "Explorer picture"), panels_by_url.get(urls[i]))
                         for i in pictures)
        return view.group(0) + f'<div class="gradnotes-explorer-placeholder" tabindex="-1">{images}</div>'


    text = VIEW.sub(with_placeholder, text)
    alt_json, panels_json = _sanitize(json.dumps(alt_by_url)), _sanitize(json.dumps(panels_by_url))
    extra = (f'<script type="application/json" id="{ALT_ID}">{alt_json}</script>\n'
             f'<script type="application/json" id="{PANELS_ID}">{panels_json}</script>\n{ALT_SCRIPT}\n')
    manager = MANAGER.search(text)
    if manager:  # the widget manager comes when an explorer is near, not with the page
        text = text[:manager.start()] + text[manager.end():]
        extra += LOADER % json.dumps(html.unescape(manager.group(1))) + "\n"
    return text.replace("</body>", extra + "</body>", 1)


def rewrite_pages(app, exception) -> None:
    """After a successful HTML build, externalize the explorer pictures of every page."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf8")
        if "application/vnd.jupyter.widget-state+json" not in text:
            continue
        new = externalize(text, page, outdir)
        if new != text:
            page.write_text(new, encoding="utf8")


def setup(app):
    app.connect("build-finished", rewrite_pages, priority=940)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
