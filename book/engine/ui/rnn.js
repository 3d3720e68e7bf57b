// The RNN explorer in the page (gradnotes.widgets.rnn_explorer): ||dL/dh_t|| against steps back,
// with Pascanu et al.'s bound (rho max|phi'|)^k.

import { Generator, getActivation, INITIALIZERS, rnnFromDraws, STREAMS } from "../index.js";
import { froNorm } from "../linalg.js";
import { browserNote } from "./explorer.js";
import { edgeMarks, fmt, frame, legend, line, logLimits } from "./svg.js";

function panel({ width, height }, d) {
  const g = d.back;
  const k = g.map((_, i) => i);
  const bound = k.map((i) => Math.min(d.factor ** i, 1e100));
  const [lo, hi] = logLimits([...g, ...bound.filter((b) => b > 0)], -100, 100);
  const f = frame({ width, height, title: "Gradient flowing back through time",
    x: { lo: 0, hi: g.length - 1, label: "steps back from the loss (T − t)" }, y: { lo, hi, log: true, label: "‖∂L/∂h_t‖ (log)" } });
  let out = f.markup + line(k.map((i) => [i, bound[i]]), f.sx, f.sy, "gn-theory");
  out += line(k.map((i) => [i, Number.isFinite(g[i]) ? Math.min(g[i], 1e100) : NaN]), f.sx, f.sy, "gn-line gn-gradient");
  out += edgeMarks(k.filter((i) => !Number.isFinite(g[i])), f.sx, f.box, "gn-overflow");
  return out + legend([["gn-line gn-gradient", "line", "measured"], ["gn-theory", "dash", "bound (ρ·max|φ′|)^k"]], f.box, { left: true });
}

export const rnn = {
  title: "RNN explorer",
  settings: (values, config) => ({ ...values, width: config.settings.width,
    batch: Math.min(config.settings.batch, config.browser.batch), seed: config.settings.seed ?? 0 }),
  context: () => ({ key: null }),
  release: (ctx) => Object.assign(ctx, { key: null, normal: null, inputs: null, readout: null }),
  compute(v, ctx) {
    const key = `${v.steps}|${v.width}|${v.batch}|${v.seed}`;
    if (ctx.key !== key) { // the draws of rnnGradients (same stream, same order), kept while only rho or phi move
      const rng = new Generator(v.seed, STREAMS.rnn);
      const normal = rng.fillNormal(new Float64Array(v.width * v.width));
      const inputs = rng.fillNormal(new Float64Array(v.steps * v.batch * v.width));
      const readout = rng.fillNormal(new Float64Array(v.batch * v.width));
      const n = froNorm(readout);
      for (let i = 0; i < readout.length; i++) readout[i] /= n;
      Object.assign(ctx, { key, normal, inputs, readout, scaled: new Float64Array(inputs.length), inputStd: NaN });
    }
    const inputStd = v.input_std ?? 1;
    if (ctx.inputStd !== inputStd) { // u_t = input_std * N(0, 1), as rnn_gradients draws them
      for (let i = 0; i < ctx.inputs.length; i++) ctx.scaled[i] = ctx.inputs[i] * inputStd;
      ctx.inputStd = inputStd;
    }
    const W = INITIALIZERS.orthogonal.fromNormal(ctx.normal, v.width, v.width, v.spectral_radius);
    const pass = rnnFromDraws({ W, inputs: ctx.scaled, readout: ctx.readout, activation: v.activation,
      steps: v.steps, width: v.width, batch: v.batch });
    const trace = { ...pass, activation: getActivation(v.activation).name, spectralRadius: v.spectral_radius };
    const gamma = getActivation(v.activation).maxDerivative;
    return { trace, gamma, factor: v.spectral_radius * gamma, back: Array.from(trace.gradNorms).reverse() };
  },
  panels: [{ id: "rnn", draw: (d, size) => panel(size, d),
    alt: (d) => `Gradient norm through time for a ${d.trace.activation} RNN with spectral radius ${fmt(d.values.spectral_radius)}`
      + ` and input std ${fmt(d.values.input_std ?? 1)}: `
      + `${d.back.length - 1} steps back it is ${fmt(d.back.at(-1) / d.back[0])} times the last step's; the bound is ${fmt(d.factor)}^k.` }],
  numbers(d) {
    const g = d.trace.gradNorms;
    return { grad_norms: g, first_over_last: g[0] / g[g.length - 1], overflow_step: d.trace.overflowStep, pascanu_gamma: d.gamma };
  },
  caption(d) {
    const verdict = d.factor < 1 ? "vanishing is guaranteed (ρ·max|φ′| < 1)" : "exploding is possible, not guaranteed (ρ·max|φ′| ≥ 1)";
    const g = d.trace.gradNorms;
    return `ρ = ${d.values.spectral_radius.toFixed(2)}, max|φ′| = ${fmt(d.gamma)}: ${verdict}. `
      + `Gradient at the first step: ${fmt(g[0] / g[g.length - 1], 2)} × the last.`;
  },
  note: (config) => browserNote(config.settings.batch > config.browser.batch ? [`batch ${config.browser.batch}`] : []),
};
