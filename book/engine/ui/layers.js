// Panels over the layers of a probed network, shared by the gradient and init explorers: a per-layer
// quantity on a log axis with its mean-field prediction, the activation heat map, saturation.

import { colourBar, dots, edgeMarks, fmt, frame, heatImage, image, legend, line, logLimits } from "./svg.js";

const CRITICAL_RTOL = 1e-6; // gradnotes/widgets/_phase.py

/** "ordered", "critical" or "chaotic" (gradnotes.widgets._phase.phase). */
export function phase(chi1) {
  if (Math.abs(chi1 - 1) <= CRITICAL_RTOL) return "critical";
  return chi1 < 1 ? "ordered" : "chaotic";
}

/**
 * measured[l] for layers 1..depth (points), predicted (dashed line) or null, on a log y axis.
 * Overflowed layers (inf/NaN) are triangles on the top edge, exact zeros on the bottom edge.
 */
export function layerPanel({ width, height }, { measured, predicted, title, ylabel, cls, name }) {
  const depth = measured.length;
  const values = Array.from(measured);
  if (predicted) values.push(...predicted);
  const [lo, hi] = logLimits(values);
  const f = frame({ width, height, title, x: { lo: 0.5, hi: depth + 0.5, label: "layer l" },
    y: { lo, hi, log: true, label: ylabel } });
  const pts = Array.from(measured, (v, i) => [i + 1, v]);
  let out = f.markup;
  if (predicted) out += line(Array.from(predicted, (v, i) => [i + 1, v]), f.sx, f.sy, "gn-theory");
  out += line(pts, f.sx, f.sy, `gn-line ${cls}`);
  if (depth <= 60) out += dots(pts, f.sx, f.sy, `gn-dot ${cls}`);
  const over = pts.filter(([, v]) => !Number.isFinite(v)).map(([l]) => l);
  const zero = pts.filter(([, v]) => v === 0).map(([l]) => l);
  out += edgeMarks(over, f.sx, f.box, "gn-overflow") + edgeMarks(zero, f.sx, f.box, "gn-zero", false);
  const items = [[`gn-line ${cls}`, "line", name]];
  if (predicted) items.push(["gn-theory", "dash", "mean field"]);
  if (over.length) items.push(["gn-overflow", "dot", "overflow (inf/NaN)"]);
  return out + legend(items, f.box, { left: true });
}

/** The activation histograms per layer as a heat map (fraction of units, log colour 1e-4 .. 1). */
export function heatPanel({ width, height }, trace) {
  const depth = trace.activationHistograms.length;
  const edges = trace.histogramEdges;
  const bins = edges.length - 1;
  const f = frame({ width: width - 46, height, title: "Activations per layer",
    x: { lo: 0.5, hi: depth + 0.5, label: "layer l" }, y: { lo: edges[0], hi: edges[bins], label: "activation value" } });
  const href = heatImage(bins, depth, (r, c) => {
    const v = trace.activationHistograms[c][r];
    return v > 0 ? (Math.log10(v) + 4) / 4 : null;
  }, "viridis");
  const ticks = [[0, "10⁻⁴"], [0.5, "10⁻²"], [1, "1"]];
  const plot = f.markup.replace(/(<rect class="gn-plot"[^>]*\/>)/, `$1${image(href, f.box)}`);
  return plot + colourBar("viridis", f.box, ticks, "fraction of units");
}

/** Per-layer % of saturated and of dead units. */
export function saturationPanel({ width, height }, trace) {
  const depth = trace.saturation.length;
  const f = frame({ width, height, title: "Saturated and dead units",
    x: { lo: 0.5, hi: depth + 0.5, label: "layer l" }, y: { lo: 0, hi: 100, label: "% of units" } });
  const sat = Array.from(trace.saturation, (v, i) => [i + 1, 100 * v]);
  const dead = Array.from(trace.deadUnits, (v, i) => [i + 1, 100 * v]);
  let out = f.markup + line(dead, f.sx, f.sy, "gn-line gn-dead gn-dashed") + line(sat, f.sx, f.sy, "gn-line gn-saturation");
  if (depth <= 60) out += dots(sat, f.sx, f.sy, "gn-dot gn-saturation");
  return out + legend([["gn-line gn-saturation", "line", "saturated"], ["gn-line gn-dead gn-dashed", "line", "dead"]], f.box);
}

/** "from A at layer L to B at layer 1" for a per-layer array. */
export function fromTopToBottom(values) {
  const n = values.length;
  const a = values[n - 1];
  const b = values[0];
  const verb = !(Number.isFinite(a) && Number.isFinite(b)) ? "goes" : b < a ? "falls" : b > a ? "grows" : "stays";
  return `${verb} from ${fmt(a)} at layer ${n} to ${fmt(b)} at layer 1`;
}

export function percent(x) {
  return `${Math.round(100 * x)}%`;
}

export function heatAlt(trace) {
  const s = trace.activationStds;
  return `Heat map of the activation values in each layer: their spread (standard deviation) is ${fmt(s[0])} at layer 1 `
    + `and ${fmt(s[s.length - 1])} at layer ${s.length}.`;
}

export function saturationAlt(trace) {
  const n = trace.saturation.length;
  return `Saturated units: ${percent(trace.saturation[0])} at layer 1, ${percent(trace.saturation[n - 1])} at layer ${n}; `
    + `dead units: ${percent(trace.deadUnits[0])} at layer 1, ${percent(trace.deadUnits[n - 1])} at layer ${n}.`;
}
