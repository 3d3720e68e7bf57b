// The activation explorer in the page (gradnotes.widgets.activation_explorer): phi and phi' over
// [-x_range, x_range], saturated regions shaded; the parameter slider follows the activation.

import { getActivation } from "../index.js"; // (index.js also installs the theory the gain needs)
import { browserNote } from "./explorer.js";
import { esc, fmt, frame, legend, line } from "./svg.js";

const SAMPLES = 601;

function steps(lo, hi, step) {
  const n = Math.round((hi - lo) / step);
  return Array.from({ length: n + 1 }, (_, k) => Number((lo + k * step).toFixed(10)));
}

/** The parameter control's spec for an activation (hidden when it has none). */
function parameterSpec(config, name, value) {
  const p = config.parameters[name];
  if (!p) return null;
  const values = steps(p.min, p.max, p.step);
  return { name: "parameter", label: p.label, kind: "range", values, labels: values.map((v) => `${p.label} = ${v}`),
    value: value ?? p.value };
}

function respecParameter(explorer) {
  const controls = explorer.controls;
  const name = controls.get("activation").value();
  const spec = parameterSpec(explorer.config, name, explorer.ctx.remembered[name]);
  const control = controls.get("parameter");
  if (spec) {
    control.respec(spec);
    control.set(spec.value);
  }
  control.state({ hidden: !spec });
}

function curvePanel({ width, height }, d, which) {
  const { x, y, shade } = d;
  const values = which === "phi" ? d.phi : d.dphi;
  let lo = Math.min(...values.filter(Number.isFinite));
  let hi = Math.max(...values.filter(Number.isFinite));
  const pad = Math.max(0.08 * (hi - lo), 0.05);
  lo -= pad;
  hi += pad;
  const f = frame({ width, height, title: which === "phi" ? `${d.act.displayName}: φ(x)` : "derivative φ′(x)",
    x: { lo: -x, hi: x, label: "x" }, y: { lo, hi, label: which === "phi" ? "φ(x)" : "φ′(x)" } });
  let out = f.markup;
  for (const [a, b] of shade) {
    out += `<rect class="gn-shade" x="${f.sx(a)}" y="${f.box.y0}" width="${Math.max(f.sx(b) - f.sx(a), 1)}" height="${f.box.y1 - f.box.y0}"/>`;
  }
  const pts = y.map((xi, i) => [xi, values[i]]);
  out += line(pts, f.sx, f.sy, which === "phi" ? "gn-line gn-activation" : "gn-line gn-derivative gn-dashed");
  if (which === "dphi") {
    const [px, py] = [f.sx(d.argmax), f.sy(d.maxInView)];
    out += `<circle class="gn-marker" cx="${px}" cy="${py}" r="4"/>`
      + `<text class="gn-point-label" x="${px}" y="${Math.max(py - 8, f.box.y0 + 12)}" text-anchor="middle">max ${esc(fmt(d.maxInView))}</text>`;
  }
  const items = [[which === "phi" ? "gn-line gn-activation" : "gn-line gn-derivative gn-dashed", "line", which === "phi" ? "φ" : "φ′"]];
  if (shade.length) items.push(["gn-shade-key", "line", "saturated"]);
  return out + legend(items, f.box, { left: true });
}

/** [start, end] x intervals where |phi'| <= the saturation level. */
function shaded(xs, dphi, level) {
  if (level === null) return [];
  const out = [];
  let start = null;
  xs.forEach((x, i) => {
    const sat = Math.abs(dphi[i]) <= level;
    if (sat && start === null) start = x;
    if ((!sat || i === xs.length - 1) && start !== null) { out.push([start, x]); start = null; }
  });
  return out;
}

export const activation = {
  title: "Activation explorer",
  context: () => ({ remembered: {} }),
  start: respecParameter,
  onChange(name, explorer) {
    const controls = explorer.controls;
    if (name === "activation") respecParameter(explorer);
    if (name === "parameter") explorer.ctx.remembered[controls.get("activation").value()] = controls.get("parameter").value();
  },
  settings(values, config) {
    const p = config.parameters[values.activation];
    return { ...values, parameter: p ? values.parameter : null };
  },
  compute(v) {
    const p = activationParams(v);
    const act = getActivation(v.activation, p);
    const xs = Array.from({ length: SAMPLES }, (_, i) => -v.x_range + (2 * v.x_range * i) / (SAMPLES - 1));
    const phi = xs.map((x) => act.f(x));
    const dphi = xs.map((x) => act.d(x));
    let k = 0;
    dphi.forEach((g, i) => { if (Math.abs(g) > Math.abs(dphi[k])) k = i; });
    return { act, x: v.x_range, y: xs, phi, dphi, argmax: xs[k], maxInView: dphi[k],
      shade: shaded(xs, dphi, act.saturationLevel) };
  },
  panels: [
    { id: "phi", draw: (d, size) => curvePanel(size, d, "phi"),
      alt: (d) => `${d.act.displayName} over x from ${fmt(-d.x)} to ${fmt(d.x)}: φ goes from ${fmt(d.phi[0])} to ${fmt(d.phi.at(-1))}`
        + (d.shade.length ? "; shaded where it saturates." : ".") },
    { id: "dphi", draw: (d, size) => curvePanel(size, d, "dphi"),
      alt: (d) => `Its derivative φ′: largest ${fmt(d.maxInView)} at x = ${fmt(d.argmax)}, ${fmt(d.dphi[0])} at x = ${fmt(-d.x)} `
        + `and ${fmt(d.dphi.at(-1))} at x = ${fmt(d.x)}.` },
  ],
  numbers(d) {
    const a = d.act;
    return { params: { ...a.params }, max_derivative: a.maxDerivative, max_derivative_in_view: d.maxInView,
      argmax_derivative: d.argmax, saturation_level: a.saturationLevel, gain: a.gain, output_range: a.outputRange,
      phi: d.phi, derivative: d.dphi };
  },
  caption(d) {
    const a = d.act;
    return `max |φ′| = ${fmt(a.maxDerivative)} · gain ${fmt(a.gain)} · output range [${fmt(a.outputRange[0])}, ${fmt(a.outputRange[1])}]`
      + (a.saturationLevel === null ? " · never saturates" : ` · saturated where |φ′| ≤ ${fmt(a.saturationLevel)}`);
  },
  note: () => browserNote([]),
};

function activationParams(v) {
  const entry = getActivation(v.activation);
  const keys = Object.keys(entry.params);
  return keys.length && v.parameter !== null ? { [keys[0]]: v.parameter } : {};
}
