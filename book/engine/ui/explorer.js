// What every live explorer in the page shares: controls from the config, at most one update per
// animation frame (a move answers at once when none ran in this frame; moves in the same frame, as
// while a slider is dragged, wait for the next one and the latest value wins), panels sized to the
// reader's screen, and the contract the tests read: el.gradnotes (settings and the numbers drawn,
// plain JSON) and a "gradnotes:update" event after every update.
//
// A kind (gradient.js, init.js, ...) gives: title, panels [{ id, draw(data, size) -> svg markup,
// alt(data) -> text }], compute(values, ctx), numbers(data) -> object, caption(data) -> html,
// optional context(config), prepare(controls, config), start(explorer), settings(values, config),
// relevant(values, controls) (beyond the rules in config.applies), onChange(name, explorer), note(config), release(ctx) (drop large buffers).

import { buildControls } from "./controls.js";
import { esc } from "./svg.js";
import { kernels } from "../linalg.js";

/** Typed arrays to arrays, non-finite numbers to null: data JSON.stringify keeps as it is. */
export function plain(x) {
  if (typeof x === "number") return Number.isFinite(x) ? x : null;
  if (ArrayBuffer.isView(x) || Array.isArray(x)) return Array.from(x, plain);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

export class LiveExplorer {
  constructor(element, config, kind) {
    this.el = element;
    this.config = config;
    this.kind = kind;
    this.ctx = kind.context ? kind.context(config) : {};
    this.controls = buildControls(config.controls, `gn-${config.kind}`);
    if (kind.prepare) kind.prepare(this.controls, config);
    this.frame = 0; // an update waiting for the next animation frame
    this.busy = 0; // an update ran in this frame: the next move waits for the next one
    this.drawn = null; // what the last drawing showed (settings and sizes), to skip a repeat
    this.dirty = false;
    this.updates = 0;
    this.data = null;
    this.build();
    for (const [name, control] of this.controls) {
      const react = () => {
        if (kind.onChange) kind.onChange(name, this);
        control.showValue();
        this.schedule(true, { now: true });
      };
      control.element.addEventListener("input", react);
      control.element.addEventListener("change", react);
    }
    if (kind.start) kind.start(this);
    // The panels' widths come from here (so an update never forces a layout to read them); a new
    // width redraws without recomputing.
    this.observer = new ResizeObserver((entries) => this.resized(entries));
    for (const p of this.panels) this.observer.observe(p.figure);
    this.schedule(true);
  }

  /**
   * Give back the large buffers (draws, weights, the pass's states) of an explorer far off the screen:
   * what is drawn stays, and the next update makes them again (ui/index.js calls this).
   */
  release() {
    if (this.kind.release) this.kind.release(this.ctx);
    if (this.data && this.data.trace) this.data.trace.hidden = null;
  }

  build() {
    const box = document.createElement("div");
    box.className = "gn-controls";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", `${this.kind.title}: controls`);
    for (const control of this.controls.values()) box.append(control.element);
    this.panelBox = document.createElement("div");
    this.panelBox.className = "gn-panels";
    this.panels = this.kind.panels.map((panel) => {
      const figure = document.createElement("figure");
      figure.className = `gn-panel gn-panel-${panel.id}`;
      figure.innerHTML = `<svg role="img" xmlns="http://www.w3.org/2000/svg"></svg>`;
      this.panelBox.append(figure);
      return { ...panel, figure, svg: figure.firstChild, width: 0, boxWidth: null, markup: null, label: null };
    });
    this.caption = document.createElement("p");
    this.caption.className = "gn-caption";
    this.caption.setAttribute("aria-live", "polite");
    const note = document.createElement("p");
    note.className = "gn-note";
    note.innerHTML = this.kind.note ? this.kind.note(this.config) : "";
    this.el.append(box, this.panelBox, this.caption, note);
    this.el.setAttribute("role", "region");
    this.el.setAttribute("aria-label", this.kind.title);
  }

  /** Every control's value, and the settings without a control (the sizes computed included). */
  values() {
    const values = {};
    for (const [name, control] of this.controls) values[name] = control.value();
    return this.kind.settings ? this.kind.settings(values, this.config) : { ...this.config.settings, ...values };
  }

  /**
   * Ask for an update. A control's move (`now`) updates at once when no update ran in this animation
   * frame: a key press or a choice in a menu does not wait for a frame (the update's drawing is in
   * the next one). Otherwise the update waits for the next frame, and any number of calls before it
   * make one update, with the latest values (a slider's moves while it is dragged).
   */
  schedule(recompute, { now = false } = {}) {
    this.dirty = this.dirty || recompute;
    if (this.frame) return;
    if (now && !this.busy) {
      this.run(false);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.run(true);
    });
  }

  /** One update now; no other starts at once before the next animation frame. */
  run(inFrame) {
    if (!this.busy) this.busy = requestAnimationFrame(() => { this.busy = 0; });
    const again = this.dirty;
    this.dirty = false;
    this.update(again, inFrame);
  }

  resized(entries) {
    for (const entry of entries) {
      const panel = this.panels.find((p) => p.figure === entry.target);
      if (panel) panel.boxWidth = entry.contentRect.width;
    }
    if (this.panels.some((p) => p.boxWidth !== null && panelSize(p.boxWidth).width !== p.width)) this.schedule(false);
  }

  /**
   * Compute (unless only the sizes changed) and draw. `inFrame`: called in an animation frame
   * callback (the benchmarks' timing reads it); such an update is skipped when the settings and
   * sizes are those drawn last (a menu's "change" after its "input" answered at once).
   */
  update(recompute = true, inFrame = true) {
    const values = this.values();
    applyRules(this.config.applies, values, this.controls);
    if (this.kind.relevant) this.kind.relevant(values, this.controls);
    // Only the first drawing reads the layout; later ones use the ResizeObserver's widths.
    const sizes = this.panels.map((p) => panelSize(p.boxWidth ?? p.figure.getBoundingClientRect().width));
    const drawn = JSON.stringify([values, sizes]);
    if (inFrame && drawn === this.drawn && this.data && !this.error) return;
    const t0 = performance.now();
    if (recompute || !this.data) {
      try {
        this.data = this.kind.compute(values, this.ctx);
        this.data.values = values;
        this.error = null;
      } catch (error) {
        this.error = error;
        this.caption.textContent = `Cannot compute this setting: ${error.message}`;
        this.captionHtml = null;
        return;
      }
    }
    const t1 = performance.now();
    this.panels.forEach((p, i) => {
      const { width, height } = sizes[i];
      if (width !== p.width) {
        p.width = width;
        p.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
        p.svg.setAttribute("width", width);
        p.svg.setAttribute("height", height);
      }
      // a panel the change does not touch (the phase diagram when the depth moves) is not rebuilt
      const markup = p.draw(this.data, sizes[i]);
      if (markup !== p.markup) p.svg.innerHTML = p.markup = markup;
      const label = p.alt(this.data);
      if (label !== p.label) p.svg.setAttribute("aria-label", p.label = label);
    });
    const caption = this.kind.caption(this.data);
    if (caption !== this.captionHtml) this.caption.innerHTML = this.captionHtml = caption;
    this.drawn = drawn;
    // for benchmarks: ms, which products ran ("wasm-simd" or "javascript"), and whether the update ran
    // in an animation frame callback (then that frame paints it; else the next frame does)
    this.el.gradnotesTiming = { compute: t1 - t0, draw: performance.now() - t1, kernels: kernels(), inFrame };
    this.updates += 1;
    this.el.gradnotes = plain({ kind: this.config.kind, updates: this.updates, settings: this.data.values,
      ...this.kind.numbers(this.data), alt: this.panels.map((p) => p.label) });
    this.el.dispatchEvent(new CustomEvent("gradnotes:update", { detail: this.el.gradnotes }));
  }
}

/** A panel's drawing size for the width of its box: at least 240 px wide, height ~0.72 of it (230-340). */
function panelSize(boxWidth) {
  const width = Math.max(240, Math.round(boxWidth));
  return { width, height: Math.round(Math.min(340, Math.max(230, width * 0.72))) };
}

/** "computed in your browser" line under an explorer, naming the sizes that differ from the notebook's. */
export function browserNote(parts) {
  return `Computed in your browser${parts.length ? ` (${parts.map(esc).join("; ")})` : ""}. `
    + '<span class="gradnotes-interactive-only">The notebook draws the same explorer with Python: '
    + "download it or launch it from the top of this page.</span>";
}

/** A rule of gradnotes.widgets._applies as data: does control ``rule.when`` have a value where the control matters? */
function holds(rule, values) {
  const raw = values[rule.when] ?? null;
  const value = raw === "none" ? null : raw; // the package's "none" is null, in the rules too
  return rule.among ? rule.among.includes(value) : !rule.unless.includes(value);
}

/** Disable each control whose rules (declared once in Python, sent in the config) say it changes nothing now. */
export function applyRules(applies, values, controls) {
  for (const [name, rules] of Object.entries(applies ?? {})) {
    const control = controls.get(name);
    if (!control) continue;
    const failed = rules.find((rule) => !holds(rule, values));
    control.state({ hidden: control.element.hidden, disabled: Boolean(failed) });
    control.element.title = failed ? failed.reason : "";
  }
}
