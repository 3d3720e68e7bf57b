// Native controls built from the Python explorer's own control specs (gradnotes/widgets/_live.py):
// <select> for options, <input type=range> for numbers (over the exact values offered, by index,
// where Python offers a list), checkboxes; each with a <label> named after the Python keyword and a
// read-only <output> showing the value. Keyboard, focus and screen readers come with the elements.

import { esc } from "./svg.js";

let counter = 0;

function labelOf(spec, value) {
  if (spec.kind === "range" && spec.values) {
    const i = spec.values.indexOf(value);
    return i >= 0 ? spec.labels[i] : String(value);
  }
  return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
}

/** One control: { name, spec, element (its wrapper), input, value(), set(value), respec(spec) }. */
export class Control {
  constructor(spec, prefix) {
    this.name = spec.name;
    const id = `${prefix}-${spec.name}-${++counter}`;
    this.element = document.createElement("div");
    this.element.className = `gn-control gn-${spec.kind}`;
    this.element.dataset.name = spec.name;
    this.id = id;
    this.respec(spec);
  }

  /** Build (or rebuild) the element for a spec; keeps the value if the spec allows it. */
  respec(spec) {
    const old = this.spec ? this.value() : undefined;
    this.spec = spec;
    const { id } = this;
    const name = esc(spec.name);
    const title = spec.label && spec.label !== spec.name ? ` title="${esc(spec.label)}"` : "";
    if (spec.kind === "select") {
      const options = spec.options.map(([label, value]) => `<option value="${esc(value)}">${esc(label)}</option>`).join("");
      this.element.innerHTML = `<label for="${id}"${title}>${name}</label><select id="${id}" name="${name}">${options}</select>`;
    } else if (spec.kind === "checkbox") {
      this.element.innerHTML = `<input type="checkbox" id="${id}" name="${name}"><label for="${id}"${title}>${name}</label>`;
    } else {
      const [min, max, step] = spec.values ? [0, spec.values.length - 1, 1] : [spec.min, spec.max, spec.step];
      const values = spec.values ? ` data-values="${esc(JSON.stringify(spec.values))}"` : "";
      this.element.innerHTML = `<label for="${id}"${title}>${name}</label>`
        + `<input type="range" id="${id}" name="${name}" min="${min}" max="${max}" step="${step}"${values}>`
        + `<output for="${id}" aria-hidden="true"></output>`;
    }
    this.input = this.element.querySelector("input, select");
    this.output = this.element.querySelector("output");
    this.set(old !== undefined && this.accepts(old) ? old : spec.value);
  }

  /** Whether `value` is one this control can show. */
  accepts(value) {
    const s = this.spec;
    if (s.kind === "select") return s.options.some(([, v]) => v === (value === null ? "none" : value));
    if (s.kind === "checkbox") return typeof value === "boolean";
    if (s.values) return s.values.includes(value);
    return typeof value === "number" && value >= s.min && value <= s.max;
  }

  /** The value in the package's spelling: registry names, numbers, booleans, null for "none". */
  value() {
    const s = this.spec;
    if (s.kind === "checkbox") return this.input.checked;
    if (s.kind === "select") return this.input.value === "none" ? null : this.input.value;
    const v = Number(this.input.value);
    return s.values ? s.values[Math.round(v)] : v;
  }

  set(value) {
    const s = this.spec;
    if (s.kind === "checkbox") this.input.checked = Boolean(value);
    else if (s.kind === "select") this.input.value = value === null ? "none" : value;
    else if (s.values) {
      let i = s.values.indexOf(value);
      if (i < 0) i = s.values.reduce((best, v, k) => (Math.abs(v - value) < Math.abs(s.values[best] - value) ? k : best), 0);
      this.input.value = String(i);
    } else this.input.value = String(value);
    this.showValue();
  }

  /** Update the readout and the value a screen reader announces. */
  showValue() {
    if (!this.output) return;
    const text = this.spec.format ? this.spec.format(this.value()) : labelOf(this.spec, this.value());
    this.output.textContent = text;
    this.input.setAttribute("aria-valuetext", text);
  }

  /** Hide a control that means nothing for the current choice, or disable one that changes nothing. */
  state({ hidden = false, disabled = false } = {}) {
    this.element.hidden = hidden;
    this.input.disabled = disabled;
    this.element.classList.toggle("gn-disabled", disabled);
  }
}

/** Controls for a config's specs, in order: a Map name -> Control. */
export function buildControls(specs, prefix) {
  return new Map(specs.map((spec) => [spec.name, new Control(spec, prefix)]));
}
