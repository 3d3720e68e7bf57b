// Per-layer statistics of a pass, as gradnotes' Trace.from_pass computes them: activation means and
// standard deviations, histograms with gradnotes' edges, the loss, overflow flags, and summary().

import { linspace } from "./special.js";

/** Bins of the per-layer activation histograms. */
export const HISTOGRAM_BINS = 48;
/** About this many values per layer (whole rows of the batch) feed the histograms. */
export const HISTOGRAM_SAMPLE = 4096;
/** Histogram range of an activation that is unbounded on that side. */
export const UNBOUNDED_EDGE = 4;

/** Round mantissas the data-following edges are rounded up to (Python: NICE_MANTISSAS). */
export const NICE_MANTISSAS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
/** No edge goes beyond this (Python: MAX_EDGE). */
export const MAX_EDGE = 4e307;

/** The smallest m * 10**k >= x with m in NICE_MANTISSAS (x > 0), parsed from decimal text as Python does. */
function niceCeil(x) {
  const k = Math.floor(Math.log10(x));
  for (const m of NICE_MANTISSAS) {
    const edge = Number(`${m}e${k}`);
    if (edge >= x) return edge;
  }
  return Number(`1e${k + 2}`);
}

/**
 * Bin edges of the activation histograms, as gradnotes.probe.histogram_edges: the activation's output
 * range, or the data's where it goes further. `sample` is a list of arrays (each read up to `n` values)
 * or null (then the output range, +-4 where unbounded).
 */
export function histogramEdges(activation, bins = HISTOGRAM_BINS, sample = null, n = Infinity) {
  let [low, high] = activation.outputRange;
  let below = 0;
  let above = 0;
  if (sample) {
    let min = Infinity;
    let max = -Infinity;
    for (const values of sample) {
      const end = Math.min(n, values.length);
      for (let i = 0; i < end; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (min <= max) {
      below = Math.min(Math.max(-min, 0), MAX_EDGE);
      above = Math.min(Math.max(max, 0), MAX_EDGE);
    }
  }
  const freeLow = !Number.isFinite(low) || -below < low;
  const freeHigh = !Number.isFinite(high) || above > high;
  if (freeLow && freeHigh && !Number.isFinite(low) && !Number.isFinite(high)) below = above = Math.max(below, above);
  if (freeLow) low = below > 0 ? -niceCeil(below) : !Number.isFinite(low) ? -UNBOUNDED_EDGE : low;
  if (freeHigh) high = above > 0 ? niceCeil(above) : !Number.isFinite(high) ? UNBOUNDED_EDGE : high;
  return linspace(low, high, bins + 1);
}

/** Fraction of x[0..n) in each bin; values beyond the edges count in the end bins, non-finite in none. */
export function histogram(x, n, edges) {
  const bins = edges.length - 1;
  const e0 = edges[0];
  const factor = bins / (edges[bins] - e0);
  const counts = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    const scaled = (v - e0) * factor;
    const idx = scaled <= 0 ? 0 : scaled >= bins - 1 ? bins - 1 : Math.trunc(scaled);
    counts[idx] += 1;
  }
  for (let b = 0; b < bins; b++) counts[b] /= n;
  return counts;
}

// [mean, std, all finite]: a finite sum means every value is finite (one inf or NaN makes it inf or
// NaN), so the values are looked at one by one only when the sum is not.
function meanStd(x) {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const finite = Number.isFinite(sum) || allFinite(x);
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const c = x[i] - mean;
    ss += c * c;
  }
  return [mean, Math.sqrt(ss / n), finite];
}

function allFinite(x) {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * The Trace numbers of a pass (from probe.propagate). `spec` is carried along (depth, width, batch,
 * activation, ...); `outputGrad` is dL/dh_L. Per-layer arrays are plain Float64Arrays, layer 1 first.
 */
export function summarizePass(pass, { activation, batch, width, outputGrad }) {
  const layers = pass.hidden.slice(1);
  const depth = layers.length;
  const means = new Float64Array(depth);
  const stds = new Float64Array(depth);
  const overflowed = new Array(depth);
  const rows = Math.min(batch, Math.ceil(HISTOGRAM_SAMPLE / width));
  const edges = histogramEdges(activation, HISTOGRAM_BINS, layers, rows * width);
  const histograms = [];
  let overflowLayer = null;
  for (let l = 0; l < depth; l++) {
    const [mean, std, finiteForward] = meanStd(layers[l]);
    means[l] = mean;
    stds[l] = std;
    if (!finiteForward && overflowLayer === null) overflowLayer = l + 1;
    const gradsOk = Number.isFinite(pass.gradWeightNorms[l]) && Number.isFinite(pass.gradActivationNorms[l]);
    overflowed[l] = !(finiteForward && gradsOk);
    histograms.push(histogram(layers[l], rows * width, edges));
  }
  const top = pass.hidden[depth];
  let loss = 0;
  for (let i = 0; i < top.length; i++) loss += outputGrad[i] * top[i];
  return {
    loss,
    gradWeightNorms: pass.gradWeightNorms,
    gradBiasNorms: pass.gradBiasNorms,
    gradActivationNorms: pass.gradActivationNorms,
    gradInputNorm: pass.gradInputNorm,
    activationMeans: means,
    activationStds: stds,
    preactivationSecondMoments: pass.preactivationSecondMoments,
    saturation: pass.saturation,
    deadUnits: pass.deadUnits,
    log10GradWeightNorms: pass.gradWeightNorms.map(Math.log10),
    log10GradActivationNorms: pass.gradActivationNorms.map(Math.log10),
    float32Underflow: pass.float32Underflow,
    histogramEdges: edges,
    activationHistograms: histograms,
    overflowed,
    overflowLayer,
  };
}

/** ||dL/dW_1|| / ||dL/dW_L|| (inf when only the top is 0, nan when both are), as Trace.first_last_ratio. */
export function firstLastRatio(values) {
  const first = values[0];
  const last = values[values.length - 1];
  if (last === 0) return first === 0 || first !== first ? NaN : Infinity;
  return first / last;
}

/** Trace.summary(): plain JSON-able numbers (non-finite values stay numbers; JSON turns them into null). */
export function traceSummary(trace, meanField) {
  const g = trace.gradWeightNorms;
  const layersWhere = (test) => Array.from(g, (_, i) => i).filter(test).map((i) => i + 1);
  return {
    grad_weight_norms: Array.from(g),
    first_last_ratio: firstLastRatio(g),
    overflow_layer: trace.overflowLayer,
    overflowed_layers: layersWhere((i) => trace.overflowed[i]),
    zero_gradient_layers: layersWhere((i) => g[i] === 0),
    float32_underflow_layers: layersWhere((i) => trace.float32Underflow[i]),
    log10_grad_weight_norms: Array.from(trace.log10GradWeightNorms),
    saturation: Array.from(trace.saturation),
    dead_units: Array.from(trace.deadUnits),
    preactivation_second_moments: Array.from(trace.preactivationSecondMoments),
    sigma_w: meanField ? meanField.sigmaW : null,
    sigma_b: meanField ? meanField.sigmaB : null,
    chi1: meanField ? meanField.chi1 : null,
  };
}
