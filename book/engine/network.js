// Describe a probed network once (checked), draw it with the engine's own PRNG, run the probe and
// summarize it: simulate() and the Probe cache an explorer's sliders call (mirrors gradnotes'
// NetworkSpec, simulate and ProbeCache). Bounds are gradnotes/_params.py's.

import { getActivation } from "./activations.js";
import { getInitializer } from "./initializers.js";
import { getNorm } from "./norms.js";
import { Noise } from "./prng.js";
import { getResidual, propagate, Workspace } from "./probe.js";
import { summarizePass, traceSummary } from "./stats.js";
import { meanField } from "./theory.js";

function checkInt(name, value, low, high) {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new RangeError(`${name}=${value} is out of range; allowed: [${low}, ${high}]`);
  }
  return value;
}

function checkReal(name, value, low, high) {
  if (typeof value !== "number" || !Number.isFinite(value) || value < low || value > high) {
    throw new RangeError(`${name}=${value} is out of range; allowed: [${low}, ${high}]`);
  }
  return value;
}

/**
 * A checked, frozen description of a network, from simulate()'s settings (Python keyword names):
 * depth, width, batch, activation (+ params), init, gain, bias_std, residual (null | "post" |
 * "pre" | true | false), residual_scale, norm (null | "none" | "batch" | "layer"), seed, dtype
 * ("float64", or "float32": forward values rounded to float32, overflowing where gradnotes' default does).
 */
export function networkSpec({
  depth, width, activation = "tanh", params = {}, init = "xavier_normal", gain = 1, bias_std = 0,
  batch = 256, residual = null, residual_scale = 1, norm = null, seed = 0, dtype = "float64",
}) {
  if (dtype !== "float64" && dtype !== "float32") {
    throw new RangeError(`dtype=${JSON.stringify(dtype)} is not allowed; choose one of float32, float64`);
  }
  checkInt("depth", depth, 1, 1000);
  checkInt("width", width, 1, 8192);
  checkInt("batch", batch, 1, 65536);
  checkInt("seed", seed, 0, Number.MAX_SAFE_INTEGER);
  const normInfo = getNorm(norm);
  if (normInfo) {
    const size = normInfo.over === "batch" ? batch : width;
    if (size < 2) throw new RangeError(`${normInfo.over}=${size} is too small for norm="${normInfo.name}"; allowed: ${normInfo.over} >= 2`);
  }
  const act = getActivation(activation, params);
  const initializer = getInitializer(init);
  const kind = getResidual(residual);
  gain = checkReal("gain", gain, 0, 1e3);
  return Object.freeze({
    depth, width, batch, seed, activation: act, init: initializer.name, gain,
    biasStd: checkReal("bias_std", bias_std, 0, 1e3),
    residual: kind.name === "none" ? null : kind.name,
    residualScale: checkReal("residual_scale", residual_scale, 0, 10),
    norm: normInfo ? normInfo.name : null, dtype,
    sigmaW: initializer.sigmaW(width, width, gain),
    get meanFieldApplies() { return this.residual === null && this.norm === null; },
  });
}

/** The settings of a spec as plain JSON-able values (gradnotes' Trace.config). */
export function specConfig(spec) {
  return {
    depth: spec.depth, width: spec.width, batch: spec.batch, activation: spec.activation.name,
    activation_params: { ...spec.activation.params }, init: spec.init, gain: spec.gain,
    bias_std: spec.biasStd, residual: spec.residual, norm: spec.norm, dtype: spec.dtype, seed: spec.seed,
    residual_scale: spec.residualScale,
  };
}

/** The probe on prepared arrays of spec's network, summarized (gradnotes.probe._simulate.run). */
export function run(spec, { inputs, weights, biases, outputGrad, keepGrads = false, workspace = null, forwardFrom = 0 }) {
  const pass = propagate({ workspace, forwardFrom,
    inputs, weights, biases, outputGrad, activation: spec.activation, batch: spec.batch, width: spec.width,
    residual: spec.residual, residualScale: spec.residualScale, norm: spec.norm, keepGrads, dtype: spec.dtype,
  });
  const trace = summarizePass(pass, { activation: spec.activation, batch: spec.batch, width: spec.width, outputGrad });
  return Object.assign(trace, {
    spec, config: specConfig(spec), hidden: pass.hidden, gradWeights: pass.gradWeights, gradBiases: pass.gradBiases,
    summary() { return traceSummary(this, meanField(spec)); },
  });
}

function scaleInto(x, c, out) {
  for (let i = 0; i < x.length; i++) out[i] = x[i] * c;
  return out;
}

/** dL/dh_L = r / sqrt(B N): the gradient the random read-out loss sends into the top layer. */
export function readoutGradient(readout, batch, width) {
  return scaleInto(readout, 1 / Math.sqrt(batch * width), new Float64Array(readout.length));
}

/** How many initializers' gain-1 weights a Probe keeps (each is depth x width^2 numbers). */
const KEPT_INITS = 2;

// Weights of layer l at `gain` into `out`: a "normal" scheme is its draws times a scale, computed on the
// fly as (z std) gain, the numbers init.fromNormal(z) * gain gives; the others come from the kept ones.
function layerWeights(probe, init, noise, l, n, gain, out) {
  if (init.shape === "normal") {
    const z = noise.weights(l);
    const std = init.weightStd(n, n, 1);
    for (let i = 0; i < z.length; i++) out[i] = (z[i] * std) * gain;
    return out;
  }
  return scaleInto(probe._unit(init, noise, l + 1, n)[l], gain, out);
}

/**
 * Draws and prepared weights of networks that differ one setting at a time (an explorer's sliders):
 * the noise is drawn once per (width, batch, seed); the weights of a uniform or orthogonal init at
 * gain 1 once per layer (an orthogonal QR is the costly part) for the last two inits, then scaled by
 * the gain into buffers that are reused (a normal init scales the draws themselves), as are the
 * pass's own buffers. When only the depth changes, the forward pass starts above the layers the last
 * pass computed. So a trace's `hidden` arrays are valid until the next simulate() on the same Probe
 * (its per-layer numbers are its own). `release()` drops everything (it is made again when needed).
 */
export class Probe {
  constructor() {
    this.release();
  }

  /** Drop the draws, weights and buffers (an explorer far off the screen gives its memory back). */
  release() {
    this.noise = null;
    this.unit = new Map();
    this.scaled = { key: null, valid: 0, weights: [], biases: [] };
    this.workspace = new Workspace();
    this.forward = { key: null, layers: 0 };
    this.outputGrad = null;
  }

  _noise(spec) {
    const n = this.noise;
    if (!n || n.width !== spec.width || n.batch !== spec.batch || n.seed !== spec.seed) {
      this.release();
      this.noise = new Noise(spec.width, spec.batch, spec.seed);
      this.outputGrad = readoutGradient(this.noise.readout, spec.batch, spec.width);
    }
    return this.noise.extend(spec.depth);
  }

  _unit(init, noise, depth, n) {
    if (!this.unit.has(init.name)) {
      if (this.unit.size >= KEPT_INITS) this.unit.delete(this.unit.keys().next().value);
      this.unit.set(init.name, []);
    }
    const unit = this.unit.get(init.name);
    while (unit.length < depth) unit.push(init.fromNormal(noise.weights(unit.length), n, n, 1));
    return unit;
  }

  /** The arrays simulate() runs on, for a spec. */
  arrays(spec) {
    const noise = this._noise(spec);
    const n = spec.width;
    const init = getInitializer(spec.init);
    // Gain-scaled copies in buffers kept across updates; `valid` layers match the current key.
    const key = `${spec.init}|${spec.gain}|${spec.biasStd}`;
    const cache = this.scaled;
    if (cache.key !== key) {
      cache.key = key;
      cache.valid = 0;
    }
    for (let l = cache.valid; l < spec.depth; l++) {
      if (l === cache.weights.length) {
        cache.weights.push(new Float64Array(n * n));
        cache.biases.push(new Float64Array(n));
      }
      layerWeights(this, init, noise, l, n, spec.gain, cache.weights[l]);
      scaleInto(noise.biases(l), spec.biasStd, cache.biases[l]);
    }
    cache.valid = Math.max(cache.valid, spec.depth);
    return {
      inputs: noise.inputs,
      weights: cache.weights.slice(0, spec.depth),
      biases: spec.biasStd > 0 ? cache.biases.slice(0, spec.depth) : null,
      outputGrad: this.outputGrad,
    };
  }

  /** Run the probe for the given settings (see networkSpec). */
  simulate(settings, { keepGrads = false } = {}) {
    const spec = networkSpec(settings);
    const arrays = this.arrays(spec);
    // Everything but the depth: the same key means the workspace holds this network's lower layers.
    const key = JSON.stringify({ ...specConfig(spec), depth: null });
    const kept = key === this.forward.key ? this.forward.layers : 0;
    this.forward = { key: null, layers: 0 }; // until the pass is done
    const trace = run(spec, { ...arrays, keepGrads, workspace: this.workspace, forwardFrom: Math.min(kept, spec.depth) });
    this.forward = { key, layers: Math.max(kept, spec.depth) }; // a shallower pass leaves the layers above it as they were
    return trace;
  }
}

/** Measure activations and gradients layer by layer in a deep random network (gradnotes.simulate). */
export function simulate(settings, options = {}) {
  return new Probe().simulate(settings, options);
}
