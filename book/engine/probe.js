// The probe's kernel: one forward and one backward pass on prepared arrays (mirrors
// gradnotes/probe/_kernel.py), with the residual block as a registry entry.
//
// Arrays are row-major Float64Arrays: inputs and outputGrad (batch x width), weights[l]
// (width x width, z = h W), biases[l] (width) or null. Everything is computed in float64; with
// dtype "float32" the forward values (z, phi(z), h) are rounded to float32 after each layer, so that
// they overflow to inf (and underflow) where gradnotes' default float32 probe does. (The sums are
// still accumulated in float64, so the digits differ from numpy's float32 ones at ~1e-7.)

import { backwardProduct, forwardProduct, froNorm, weightGradient, weightGradientNormGram } from "./linalg.js";
import { getNorm, normalize, normalizeBackward } from "./norms.js";

/**
 * How a layer maps h_{l-1} to h_l. Each kind has a forward and a backward step on the pass state
 * `s` (buffers below); adding a kind is one entry here.
 *
 * - none: h_l = phi(norm(h_{l-1} W_l + b_l))
 * - post: h_l = h_{l-1} + scale * phi(norm(h_{l-1} W_l + b_l))   (gradnotes' residual="post", or True)
 * - pre:  h_l = h_{l-1} + scale * (phi(norm(h_{l-1})) W_l + b_l)  (gradnotes' residual="pre", the standard
 *         pre-activation block; scale multiplies the whole branch, bias included. Its "pre-activation" is
 *         h_{l-1}, the input of norm and phi.)
 */
export const RESIDUALS = Object.freeze({
  none: { name: "none", forward: plainForward, backward: plainBackward },
  post: { name: "post", forward: plainForward, backward: plainBackward },
  pre: { name: "pre", forward: preForward, backward: preBackward },
});

/** The residual kind: null/false/"none" -> "none", true -> "post", or a RESIDUALS name. */
export function getResidual(residual) {
  if (residual === null || residual === undefined || residual === false || residual === "none") return RESIDUALS.none;
  if (residual === true) return RESIDUALS.post;
  if (!Object.hasOwn(RESIDUALS, residual)) {
    throw new RangeError(`residual=${JSON.stringify(residual)} is not allowed; choose one of ${Object.keys(RESIDUALS).join(", ")}, true, false`);
  }
  return RESIDUALS[residual];
}

function sumSquaresMean(z, size) {
  const n = froNorm(z, size);
  return (n * n) / size;
}

function toFloat32(x, size) {
  for (let i = 0; i < size; i++) x[i] = Math.fround(x[i]);
}

function addBias(z, b, batch, width) {
  if (b === null) return;
  for (let r = 0; r < batch; r++) {
    const o = r * width;
    for (let j = 0; j < width; j++) z[o + j] += b[j];
  }
}

// z = h W + b, normalized, phi; h_l = phi(z) or h_{l-1} + scale phi(z).
function plainForward(s, l) {
  const { batch, width, size } = s;
  const z = s.pre[l];
  forwardProduct(s.hidden[l], s.weights[l], z, batch, width);
  addBias(z, s.biases ? s.biases[l] : null, batch, width);
  if (s.float32) toFloat32(z, size);
  s.zsq[l] = sumSquaresMean(z, size);
  if (s.norm) normalize(z, batch, width, s.norm.axis, s.invStd[l]);
  const out = s.outs[l];
  s.activation.forward(z, out, size);
  if (s.float32) toFloat32(out, size);
  if (s.residual.name === "post") {
    const h = s.hidden[l + 1];
    const prev = s.hidden[l];
    const c = s.scale;
    for (let i = 0; i < size; i++) h[i] = out[i] * c + prev[i];
    if (s.float32) toFloat32(h, size);
  }
}

function plainBackward(s, l, g, gNext) {
  const { batch, width, size } = s;
  const delta = s.delta;
  localDerivative(s, s.outs[l], s.pre[l], delta);
  s.countSaturated(l, delta);
  for (let i = 0; i < size; i++) delta[i] *= g[i];
  const post = s.residual.name === "post";
  if (post && s.scale !== 1) for (let i = 0; i < size; i++) delta[i] *= s.scale;
  if (s.norm) normalizeBackward(delta, s.pre[l], s.invStd[l], batch, width, s.norm.axis);
  s.recordGrads(l, s.hidden[l], delta);
  backwardProduct(delta, s.weights[l], gNext, batch, width);
  if (post) for (let i = 0; i < size; i++) gNext[i] += g[i];
}

// x = norm(h_{l-1}), a = phi(x), h_l = h_{l-1} + scale (a W + b).
function preForward(s, l) {
  const { batch, width, size } = s;
  const x = s.pre[l];
  const prev = s.hidden[l];
  x.set(prev.subarray(0, size));
  s.zsq[l] = sumSquaresMean(x, size);
  if (s.norm) normalize(x, batch, width, s.norm.axis, s.invStd[l]);
  const a = s.outs[l];
  s.activation.forward(x, a, size);
  if (s.float32) toFloat32(a, size);
  const h = s.hidden[l + 1];
  forwardProduct(a, s.weights[l], h, batch, width);
  addBias(h, s.biases ? s.biases[l] : null, batch, width);
  const c = s.scale;
  for (let i = 0; i < size; i++) h[i] = h[i] * c + prev[i];
  if (s.float32) toFloat32(h, size);
}

function preBackward(s, l, g, gNext) {
  const { batch, width, size } = s;
  const delta = s.delta; // dL/d(a W + b) = scale g
  for (let i = 0; i < size; i++) delta[i] = g[i] * s.scale;
  s.recordGrads(l, s.outs[l], delta);
  backwardProduct(delta, s.weights[l], gNext, batch, width); // dL/da
  const d = s.delta;
  localDerivative(s, s.outs[l], s.pre[l], d);
  s.countSaturated(l, d);
  for (let i = 0; i < size; i++) d[i] *= gNext[i];
  if (s.norm) normalizeBackward(d, s.pre[l], s.invStd[l], batch, width, s.norm.axis);
  for (let i = 0; i < size; i++) gNext[i] = g[i] + d[i];
}

function localDerivative(s, out, pre, into) {
  const act = s.activation;
  if (act.fromOutput) {
    const f = act.fromOutput;
    for (let i = 0; i < s.size; i++) into[i] = f(out[i]);
  } else {
    act.derivative(pre, into, s.size);
  }
}

/** float32's smallest normal number, 2^-126: a dL/dW whose entries are all below it underflows float32. */
export const FLOAT32_TINY = 2 ** -126;

function maxAbs(x) {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

// Whether every one of `count` entries with Frobenius norm `norm` is below `limit` (and some is not 0),
// looking at the entries (`max()`) only when the norm leaves it open (gradnotes' entries_below).
function entriesBelow(norm, count, max, limit) {
  if (!(norm > 0 && Number.isFinite(norm))) return false;
  if (norm < limit) return true;
  if (norm / Math.sqrt(count) >= limit) return false;
  return max() < limit;
}

/**
 * A pass's buffers, kept between passes: `list(role, count, length)` returns the same arrays for a
 * role each pass (layer l's hidden state, pre-activation, ... always in the same one), so repeated
 * updates allocate nothing large, and a pass may start from the forward state of a previous one
 * (`propagate`'s `forwardFrom`). New ones when the batch x width size changes; `release()` drops them.
 */
export class Workspace {
  constructor() {
    this.release();
  }

  /** Drop every buffer (they are made again when needed). */
  release() {
    this.size = 0;
    this.roles = new Map();
    this.zsq = new Float64Array(0);
  }

  /** Per-layer second moments of the pre-activations, layers 1..depth (kept, as the buffers are). */
  moments(depth) {
    if (this.zsq.length < depth) {
      const grown = new Float64Array(Math.max(depth, 2 * this.zsq.length));
      grown.set(this.zsq);
      this.zsq = grown;
    }
    return this.zsq.subarray(0, depth);
  }

  /** The first `count` buffers of `role`, `length` numbers each (made as needed). */
  list(role, count, size, length = size) {
    if (size !== this.size) {
      this.release();
      this.size = size;
    }
    if (!this.roles.has(role)) this.roles.set(role, []);
    const have = this.roles.get(role);
    while (have.length < count) have.push(new Float64Array(length));
    return have.slice(0, count);
  }
}

/**
 * Forward and backward pass. Returns { hidden, preactivationSecondMoments, gradWeightNorms,
 * gradBiasNorms, gradActivationNorms, gradInputNorm, saturation, deadUnits, float32Underflow,
 * gradWeights, gradBiases } (per-layer arrays input side first; gradWeights/gradBiases only with keepGrads).
 *
 * With a `workspace`, `forwardFrom` = k > 0 says that its buffers already hold the forward state of
 * layers 1..k for these very inputs and layers (the previous pass on it was the same network, maybe
 * less deep): the forward pass starts at layer k + 1. (A residual kind's backward step must not
 * write the forward buffers: hidden, pre, outs, invStd.)
 */
export function propagate({
  inputs, weights, biases = null, outputGrad, activation, batch, width,
  residual = null, residualScale = 1, norm = null, keepGrads = false, stats = true, dtype = "float64",
  workspace = null, forwardFrom = 0,
}) {
  if (dtype !== "float64" && dtype !== "float32") {
    throw new RangeError(`dtype=${JSON.stringify(dtype)} is not allowed; choose one of float32, float64`);
  }
  const depth = weights.length;
  const size = batch * width;
  const kind = getResidual(residual);
  const normInfo = getNorm(norm);
  // Buffers come from `workspace` when one is given (a Probe's), so repeated updates allocate nothing
  // large; a pass's hidden states then stay valid only until the next pass on that workspace.
  const list = workspace ? (role, count, length = size) => workspace.list(role, count, size, length)
    : (role, count, length = size) => Array.from({ length: count }, () => new Float64Array(length));
  const separateOuts = kind.name !== "none";
  const hidden = list("hidden", depth + 1);
  const groups = normInfo ? (normInfo.axis === 0 ? width : batch) : 0;
  const [delta, g0, g1] = list("scratch", 3);
  const s = {
    batch, width, size, weights, biases, activation, residual: kind, norm: normInfo,
    scale: kind.name === "none" ? 1 : residualScale,
    hidden, float32: dtype === "float32",
    pre: list("pre", depth),
    outs: separateOuts ? list("outs", depth) : hidden.slice(1),
    invStd: normInfo ? list(`invStd${groups}`, depth, groups) : new Array(depth).fill(null),
    zsq: workspace ? workspace.moments(depth) : new Float64Array(depth),
    delta,
  };
  const start = workspace ? Math.min(Math.max(forwardFrom, 0), depth) : 0;
  if (start === 0) hidden[0].set(inputs);
  for (let l = start; l < depth; l++) kind.forward(s, l);

  const gradW = new Float64Array(depth);
  const gradB = new Float64Array(depth);
  const gradH = new Float64Array(depth);
  const saturation = new Float64Array(depth);
  const dead = new Float64Array(depth);
  const underflow = new Array(depth).fill(false);
  const keptW = keepGrads ? new Array(depth) : null;
  const keptB = keepGrads ? new Array(depth) : null;
  const level = stats ? activation.saturationLevel : null;
  let dW = null; // allocated only when dL/dW is formed
  const db = new Float64Array(width);
  const deadMask = new Uint8Array(width);
  s.countSaturated = (l, deriv) => {
    if (level === null) return;
    let count = 0;
    deadMask.fill(1);
    for (let r = 0; r < batch; r++) {
      const o = r * width;
      for (let j = 0; j < width; j++) {
        if (Math.abs(deriv[o + j]) <= level) count++;
        else deadMask[j] = 0;
      }
    }
    let deadCount = 0;
    for (let j = 0; j < width; j++) deadCount += deadMask[j];
    saturation[l] = count / size;
    dead[l] = deadCount / width;
  };
  // Only the norm of dL/dW is needed: for a batch below half the width the Gram form is cheaper.
  const useGram = !keepGrads && 2 * batch <= width;
  const GH = useGram ? new Float64Array(batch * batch) : null;
  const GD = useGram ? new Float64Array(batch * batch) : null;
  // dL/dW_l = input^T delta; dL/db_l = column sums of `biasGrad` (delta unless given).
  s.recordGrads = (l, input, delta, biasGrad = delta) => {
    const fast = useGram ? weightGradientNormGram(input, delta, batch, width, GH, GD) : NaN;
    let target = null;
    const formGradient = () => {
      if (!keepGrads && dW === null) dW = new Float64Array(width * width);
      target = keepGrads ? new Float64Array(width * width) : dW;
      weightGradient(input, delta, target, batch, width);
      return target;
    };
    gradW[l] = fast === fast ? fast : froNorm(formGradient());
    if (keepGrads) keptW[l] = target;
    underflow[l] = entriesBelow(gradW[l], width * width, () => maxAbs(target || formGradient()), FLOAT32_TINY);
    const bias = keepGrads ? new Float64Array(width) : db;
    bias.fill(0);
    for (let r = 0; r < batch; r++) {
      const o = r * width;
      for (let j = 0; j < width; j++) bias[j] += biasGrad[o + j];
    }
    gradB[l] = froNorm(bias);
    if (keepGrads) keptB[l] = bias;
  };
  let g = g0;
  g.set(outputGrad);
  let gNext = g1;
  for (let l = depth - 1; l >= 0; l--) {
    gradH[l] = froNorm(g);
    kind.backward(s, l, g, gNext);
    [g, gNext] = [gNext, g];
  }
  return {
    hidden, preactivationSecondMoments: Float64Array.from(s.zsq), gradWeightNorms: gradW, gradBiasNorms: gradB,
    gradActivationNorms: gradH, gradInputNorm: froNorm(g), saturation, deadUnits: dead, float32Underflow: underflow,
    gradWeights: keptW, gradBiases: keptB,
  };
}
