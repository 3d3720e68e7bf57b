// The initialization explorer in the page (gradnotes.widgets.init_explorer): measured q^l and
// ||dL/dW_l|| against mean field, and the phase diagram with the reader's (sigma_w, sigma_b).

import { Probe, theory } from "../index.js";
import { browserNote } from "./explorer.js";
import { probeSettings } from "./gradient.js";
import { fromTopToBottom, layerPanel, phase } from "./layers.js";
import { colourBar, esc, fmt, frame, heatImage, image, line } from "./svg.js";

/** chi_1 over the phase grid (theory.phaseGrid), and where it crosses 1 in each row, per activation. */
function phaseMap(ctx, activation, grid) {
  if (!ctx.phase.has(activation)) {
    const chi = theory.phaseGrid(activation, grid.sigma_w, grid.sigma_b);
    const edge = [];
    chi.forEach((row, j) => {
      for (let i = 1; i < row.length; i++) {
        const [a, b] = [Math.log(row[i - 1]), Math.log(row[i])];
        if ((a < 0) !== (b < 0) && Number.isFinite(a) && Number.isFinite(b)) {
          const t = a / (a - b);
          edge.push([grid.sigma_w[i - 1] + t * (grid.sigma_w[i] - grid.sigma_w[i - 1]), grid.sigma_b[j]]);
          break;
        }
      }
    });
    ctx.phase.set(activation, { chi, edge, href: null });
  }
  return ctx.phase.get(activation);
}

function phasePanel({ width, height }, d) {
  const grid = d.grid;
  const map = d.phase;
  const sw = grid.sigma_w;
  const sb = grid.sigma_b;
  const f = frame({ width: width - 50, height, title: "Phase diagram: χ₁",
    x: { lo: sw[0], hi: sw[sw.length - 1], label: "σ_w" }, y: { lo: sb[0], hi: sb[sb.length - 1], label: "σ_b" } });
  if (!map.href) {
    map.href = heatImage(sb.length, sw.length, (r, c) => {
      const v = map.chi[r][c];
      return Number.isFinite(v) && v > 0 ? (Math.min(Math.max(Math.log10(v), -1), 1) + 1) / 2 : 1;
    }, "diverging");
  }
  let out = f.markup.replace(/(<rect class="gn-plot"[^>]*\/>)/, `$1${image(map.href, f.box)}`);
  out += line(map.edge, f.sx, f.sy, "gn-edge");
  const [x, y] = d.point;
  const inside = x <= sw[sw.length - 1];
  const px = Math.min(f.sx(x), f.box.x1);
  const py = Math.min(Math.max(f.sy(y), f.box.y0), f.box.y1);
  out += inside ? `<path class="gn-point" d="M${px},${py - 7} L${px + 2},${py - 2} L${px + 7},${py - 2} L${px + 3},${py + 1} L${px + 5},${py + 7} L${px},${py + 3} L${px - 5},${py + 7} L${px - 3},${py + 1} L${px - 7},${py - 2} L${px - 2},${py - 2} Z"/>`
    : `<path class="gn-point" d="M${px},${py} l-9,-6 l0,12 Z"/>`;
  const label = inside ? `χ₁ = ${fmt(d.summary.chi1)}` : `σ_w = ${fmt(x)} →`;
  const lx = px > (f.box.x0 + f.box.x1) / 2 ? px - 10 : px + 10;
  out += `<text class="gn-point-label" x="${lx}" y="${Math.max(py - 10, f.box.y0 + 12)}" text-anchor="${lx < px ? "end" : "start"}">${esc(label)}</text>`;
  return out + colourBar("diverging", f.box, [[0, "0.1"], [0.5, "1"], [1, "10"]], "χ₁ (log)");
}

function phaseAlt(d) {
  const s = d.summary;
  return `Phase diagram of χ₁ over σ_w from ${d.grid.sigma_w[0]} to ${d.grid.sigma_w.at(-1)} and σ_b from 0 to `
    + `${d.grid.sigma_b.at(-1)}, blue where gradients vanish, red where they explode; the point σ_w = ${fmt(s.sigma_w)}, `
    + `σ_b = ${fmt(s.sigma_b)} has χ₁ = ${fmt(s.chi1)} (${phase(s.chi1)}).`;
}

export const init = {
  title: "Initialization explorer",
  context: (config) => ({ probe: new Probe(), phase: new Map(), grid: config.phase_grid }),
  release: (ctx) => ctx.probe.release(),
  settings: (values, config) => ({
    ...values, width: Math.min(config.settings.width, config.browser.max_width),
    batch: config.browser.batch, seed: config.settings.seed ?? 0, residual: false, norm: null,
  }),
  compute(v, ctx) {
    const trace = ctx.probe.simulate(probeSettings(v));
    const summary = trace.summary();
    const grid = ctx.grid;
    return { trace, summary, grid, phase: phaseMap(ctx, v.activation, grid), point: [summary.sigma_w, summary.sigma_b],
      variance: theory.predictedVariance(trace), predicted: theory.predictedGradNorms(trace) };
  },
  panels: [
    { id: "variance",
      alt: (d) => `Pre-activation variance q per layer ${fromTopToBottom(d.trace.preactivationSecondMoments)}`
        + (d.variance ? `; mean field predicts ${fmt(d.variance[0])} at layer 1.` : "."),
      draw: (d, size) => layerPanel(size, { measured: d.trace.preactivationSecondMoments, predicted: d.variance,
        cls: "gn-variance", title: "Pre-activation variance", ylabel: "q_l = mean(z_l²) (log)", name: "measured" }) },
    { id: "grads",
      alt: (d) => `Gradient norm ‖∂L/∂W‖ per layer ${fromTopToBottom(d.trace.gradWeightNorms)}`
        + (d.predicted ? `; mean field predicts ${fmt(d.predicted[0])} at layer 1.` : "."),
      draw: (d, size) => layerPanel(size, { measured: d.trace.gradWeightNorms, predicted: d.predicted,
        cls: "gn-gradient", title: "Weight gradient per layer", ylabel: "‖∂L/∂W_l‖ (log)", name: "measured" }) },
    { id: "phase", alt: phaseAlt, draw: (d, size) => phasePanel(size, d) },
  ],
  numbers(d) {
    const s = d.summary;
    return { grad_weight_norms: s.grad_weight_norms, predicted: d.predicted,
      preactivation_second_moments: s.preactivation_second_moments, predicted_variance: d.variance,
      sigma_w: s.sigma_w, sigma_b: s.sigma_b, chi1: s.chi1, phase: phase(s.chi1), point: d.point,
      first_last_ratio: s.first_last_ratio, overflow_layer: s.overflow_layer };
  },
  caption(d) {
    const s = d.summary;
    const words = { ordered: "ordered: gradients vanish", chaotic: "chaotic: gradients explode",
      critical: "critical: gradients keep their size" }[phase(s.chi1)];
    return `σ<sub>w</sub> = ${fmt(s.sigma_w)}, σ<sub>b</sub> = ${fmt(s.sigma_b)}, χ<sub>1</sub> = ${fmt(s.chi1)} (${words})`;
  },
  note: (config) => browserNote([`width ${Math.min(config.settings.width, config.browser.max_width)} and batch `
    + `${config.browser.batch}; the notebook's are ${config.settings.width} and ${config.settings.batch}`]),
};
