// Gradients through time in a vanilla RNN h_t = phi(h_{t-1} W + u_t), W = rho Q with Q orthogonal
// (mirrors gradnotes.recurrent.rnn_gradients): ||dL/dh_t|| for a loss on the last state.

import { getActivation } from "./activations.js";
import { INITIALIZERS } from "./initializers.js";
import { backwardProduct, forwardProduct, froNorm } from "./linalg.js";
import { Generator, STREAMS } from "./prng.js";

/**
 * The pass on given draws: W (width x width, already rho Q), inputs (steps x batch x width, flat,
 * already times input_std), readout (batch x width, unit Frobenius norm). Returns { gradNorms,
 * stateStds, saturation, overflowStep } per step t = 0..steps.
 */
export function rnnFromDraws({ W, inputs, readout, activation, steps, width, batch }) {
  const act = getActivation(activation);
  const size = batch * width;
  const h = [new Float64Array(size)];
  const d = [];
  const a = new Float64Array(size);
  for (let t = 0; t < steps; t++) {
    forwardProduct(h[t], W, a, batch, width);
    const off = t * size;
    for (let i = 0; i < size; i++) a[i] += inputs[off + i];
    const next = new Float64Array(size);
    const deriv = new Float64Array(size);
    act.forward(a, next, size);
    act.derivative(a, deriv, size);
    h.push(next);
    d.push(deriv);
  }
  const norms = new Float64Array(steps + 1);
  let g = Float64Array.from(readout);
  let gNext = new Float64Array(size);
  norms[steps] = froNorm(g);
  for (let t = steps; t > 0; t--) {
    const dt = d[t - 1];
    for (let i = 0; i < size; i++) g[i] *= dt[i];
    backwardProduct(g, W, gNext, batch, width);
    [g, gNext] = [gNext, g];
    norms[t - 1] = froNorm(g);
  }
  const stds = h.map((x) => {
    let s = 0;
    for (let i = 0; i < size; i++) s += x[i];
    const mean = s / size;
    let ss = 0;
    for (let i = 0; i < size; i++) ss += (x[i] - mean) ** 2;
    return Math.sqrt(ss / size);
  });
  const level = act.saturationLevel;
  const saturation = new Float64Array(steps + 1);
  if (level !== null) {
    for (let t = 0; t < steps; t++) {
      let c = 0;
      for (let i = 0; i < size; i++) if (Math.abs(d[t][i]) <= level) c++;
      saturation[t + 1] = c / size;
    }
  }
  let overflowStep = null;
  for (let k = 0; k <= steps; k++) {
    if (!Number.isFinite(norms[steps - k])) { overflowStep = steps - k; break; }
  }
  return { gradNorms: norms, stateStds: Float64Array.from(stds), saturation, overflowStep };
}

/** rnn_gradients(steps, spectral_radius, activation, {width, batch, input_std, seed}) with the engine's draws. */
export function rnnGradients(steps, spectralRadius, activation = "tanh", { width = 64, batch = 32, input_std = 1, seed = 0 } = {}) {
  if (!Number.isInteger(steps) || steps < 1 || steps > 10000) throw new RangeError(`steps=${steps} is out of range; allowed: [1, 10000]`);
  if (!(spectralRadius >= 0 && spectralRadius <= 100)) throw new RangeError(`spectral_radius=${spectralRadius} is out of range; allowed: [0, 100]`);
  const rng = new Generator(seed, STREAMS.rnn);
  const W = INITIALIZERS.orthogonal.fromNormal(rng.fillNormal(new Float64Array(width * width)), width, width, spectralRadius);
  const inputs = rng.fillNormal(new Float64Array(steps * batch * width)).map((v) => v * input_std);
  const readout = rng.fillNormal(new Float64Array(batch * width));
  const n = froNorm(readout);
  for (let i = 0; i < readout.length; i++) readout[i] /= n;
  return { ...rnnFromDraws({ W, inputs, readout, activation, steps, width, batch }), spectralRadius, activation: getActivation(activation).name };
}
