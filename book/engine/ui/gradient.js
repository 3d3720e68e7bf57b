// The gradient explorer in the page (gradnotes.widgets.gradient_explorer): per-layer ||dL/dW_l|| with
// the mean-field prediction, the activation heat map and saturation, for every control of the notebook.

import { Probe, theory } from "../index.js";
import { browserNote } from "./explorer.js";
import { fmt } from "./svg.js";
import { fromTopToBottom, heatAlt, heatPanel, layerPanel, phase, saturationAlt, saturationPanel } from "./layers.js";

/** The largest width offered that is at most `max` (the page starts there; wider is one move away). */
export function capWidth(control, max) {
  if (!control || control.value() <= max) return;
  const fits = control.spec.values.filter((v) => v <= max);
  if (fits.length) control.set(fits[fits.length - 1]);
}

/** The probe's settings from the controls (Python keywords; residual: null, "pre" or "post", true meaning "post"). */
export function probeSettings(v) {
  return {
    depth: v.depth, width: v.width, batch: v.batch, activation: v.activation, init: v.init, gain: v.gain,
    bias_std: v.bias_std, residual: v.residual || null, norm: v.norm, seed: v.seed, dtype: "float32",
  };
}

function gradAlt(data) {
  const g = data.trace.gradWeightNorms;
  const p = data.predicted;
  return `Gradient norm ‖∂L/∂W‖ per layer ${fromTopToBottom(g)}`
    + (p ? `; mean field predicts ${fmt(p[0])} at layer 1.` : "; no mean-field prediction for this network.");
}

/** A Probe per width, the last two: moving the width back and forth redraws nothing twice. */
export function probeFor(ctx, width) {
  if (!ctx.probes.has(width)) {
    if (ctx.probes.size >= 2) ctx.probes.delete(ctx.probes.keys().next().value);
    ctx.probes.set(width, new Probe());
  }
  return ctx.probes.get(width);
}

export const gradient = {
  title: "Gradient explorer",
  context: () => ({ probes: new Map() }),
  release: (ctx) => ctx.probes.clear(),
  prepare(controls, config) { capWidth(controls.get("width"), config.browser.max_width); },
  settings: (values, config) => ({ ...values, batch: config.browser.batch, seed: config.settings.seed ?? 0 }),
  compute(v, ctx) {
    const trace = probeFor(ctx, v.width).simulate(probeSettings(v));
    return { trace, summary: trace.summary(), predicted: theory.predictedGradNorms(trace) };
  },
  panels: [
    { id: "grads", alt: gradAlt,
      draw: (d, size) => layerPanel(size, { measured: d.trace.gradWeightNorms, predicted: d.predicted, cls: "gn-gradient",
        title: "Weight gradient per layer", ylabel: "‖∂L/∂W_l‖ (log)", name: "measured" }) },
    { id: "heat", alt: (d) => heatAlt(d.trace), draw: (d, size) => heatPanel(size, d.trace) },
    { id: "saturation", alt: (d) => saturationAlt(d.trace), draw: (d, size) => saturationPanel(size, d.trace) },
  ],
  numbers(d) {
    const s = d.summary;
    return {
      grad_weight_norms: s.grad_weight_norms, predicted: d.predicted, first_last_ratio: s.first_last_ratio,
      sigma_w: s.sigma_w, sigma_b: s.sigma_b, chi1: s.chi1, overflow_layer: s.overflow_layer,
      overflowed_layers: s.overflowed_layers, zero_gradient_layers: s.zero_gradient_layers,
      saturation: s.saturation, dead_units: s.dead_units, activation_stds: d.trace.activationStds,
      activation_histograms: d.trace.activationHistograms, histogram_edges: d.trace.histogramEdges,
    };
  },
  caption(d) {
    const s = d.summary;
    const parts = [`‖∂L/∂W<sub>1</sub>‖ / ‖∂L/∂W<sub>${d.trace.spec.depth}</sub>‖ = ${fmt(s.first_last_ratio)}`];
    if (s.chi1 !== null) parts.push(`σ<sub>w</sub> = ${fmt(s.sigma_w)}, χ<sub>1</sub> = ${fmt(s.chi1)} (${phase(s.chi1)})`);
    else parts.push("mean-field prediction: not for residual or normalized networks");
    if (s.overflowed_layers.length) parts.push(`<b class="gn-warn">overflow in ${s.overflowed_layers.length} layers</b>`);
    if (s.zero_gradient_layers.length) parts.push(`zero gradient in ${s.zero_gradient_layers.length} layers`);
    return parts.join(" · ");
  },
  note(config) {
    const parts = [`batch ${config.browser.batch}; the notebook's is ${config.settings.batch}`];
    const width = config.controls.find((c) => c.name === "width");
    if (width && width.value > config.browser.max_width) {
      parts.push(`it starts at width ${config.browser.max_width}, the notebook cell at ${width.value}`);
    }
    return browserNote(parts);
  },
};
