// Mean-field theory of signal and gradient propagation (mirrors gradnotes/theory/): the length map
// q -> sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2, its stable fixed point q*, chi_1 =
// sigma_w^2 E[phi'(sqrt(q*) z)^2], the layer profiles and the predictions for a probed network;
// the phase diagram and the edge of chaos come from phase.js, re-exported here (one namespace).

import { getActivation } from "./activations.js";
import { derivativeMoment, exactFixedPoint, Q_EVAL_MAX, secondMoment } from "./quadrature.js";

export {
  derivativeMoment, exactFixedPoint, gaussianExpectation, gaussianRule, secondMoment, stableFixedPoint,
  NEUTRAL_TOL, Q_EVAL_MAX, Q_EVAL_MIN, Q_MAX, Q_ZERO,
} from "./quadrature.js";
export { criticalSigmaW, edgeOfChaos, JUMP_TOL, phaseDiagram, phaseGrid } from "./phase.js";

function checkScale(name, value) {
  if (!(typeof value === "number" && value >= 0 && value <= 1e3)) {
    throw new RangeError(`${name}=${value} is out of range; allowed: [0, 1000]`);
  }
  return value;
}

/** One step of the length map. */
export function lengthMap(activation, sigmaW, sigmaB, q) {
  const act = getActivation(activation);
  return checkScale("sigma_w", sigmaW) ** 2 * secondMoment(act, q) + checkScale("sigma_b", sigmaB) ** 2;
}


/** q* reached from q0: Infinity when the map diverges, 0 when the signal dies, q0 when every q is fixed. */
export function fixedPoint(activation, sigmaW, sigmaB, q0 = 1) {
  const act = getActivation(activation);
  return exactFixedPoint(act, checkScale("sigma_w", sigmaW) ** 2, checkScale("sigma_b", sigmaB) ** 2, q0);
}

/**
 * The mean-field quantities of one (activation, sigma_w, sigma_b), layer by layer from an input of
 * second moment 1, kept between calls: q^l, m(q^l) = E[phi^2] and d(q^l) = E[phi'^2], extended when
 * a deeper network is asked for (a depth slider adds layers on top), and chi_1 at q*. An explorer
 * asks for the same few settings again and again; each quadrature is done once. The numbers are
 * those of the plain formulas, computed in the same order.
 */
const COLUMNS = new Map();
const KEPT_COLUMNS = 64;

function column(act, sigmaW, sigmaB) {
  const key = `${act.name}|${JSON.stringify(act.params)}|${sigmaW}|${sigmaB}`;
  let c = COLUMNS.get(key);
  if (c === undefined) {
    if (COLUMNS.size >= KEPT_COLUMNS) COLUMNS.delete(COLUMNS.keys().next().value);
    c = { act, sw2: sigmaW ** 2, sb2: sigmaB ** 2, q: [], m: [], d: [], chi1: null };
    COLUMNS.set(key, c);
  }
  return c;
}

// q, m and d of the first `depth` layers of column c.
function extend(c, depth) {
  const { act, sw2, sb2, q, m, d } = c;
  while (q.length < depth) {
    const l = q.length;
    q.push(l === 0 ? sw2 * 1 + sb2 : sw2 * m[l - 1] + sb2);
    m.push(secondMoment(act, q[l]));
    d.push(derivativeMoment(act, q[l]));
  }
  return c;
}

/** chi_1 = sigma_w^2 E[phi'(sqrt(q) z)^2] at q = q* (or the given q). */
export function chi1(activation, sigmaW, sigmaB, q = null) {
  const act = getActivation(activation);
  const sw2 = checkScale("sigma_w", sigmaW) ** 2;
  const sb2 = checkScale("sigma_b", sigmaB) ** 2;
  if (q !== null) return sw2 * derivativeMoment(act, q);
  const c = column(act, sigmaW, sigmaB);
  if (c.chi1 === null) c.chi1 = sw2 * derivativeMoment(act, exactFixedPoint(act, sw2, sb2));
  return c.chi1;
}

/** Predicted q^l = E[z_l^2], l = 1..depth; the input has second moment qInput. */
export function varianceProfile(activation, sigmaW, sigmaB, depth, qInput = 1) {
  const act = getActivation(activation);
  const sw2 = checkScale("sigma_w", sigmaW) ** 2;
  const sb2 = checkScale("sigma_b", sigmaB) ** 2;
  if (qInput === 1) return Float64Array.from(extend(column(act, sigmaW, sigmaB), depth).q.slice(0, depth));
  const q = new Float64Array(depth);
  q[0] = sw2 * qInput + sb2;
  for (let l = 1; l < depth; l++) q[l] = sw2 * secondMoment(act, q[l - 1]) + sb2;
  return q;
}

/** Predicted ||dL/dh_l|| / ||dL/dh_L||, l = 1..depth. */
export function gradientProfile(activation, sigmaW, sigmaB, depth, qInput = 1) {
  const act = getActivation(activation);
  const q = varianceProfile(act, sigmaW, sigmaB, depth, qInput);
  const c = qInput === 1 ? column(act, sigmaW, sigmaB) : null;
  const sw2 = sigmaW ** 2;
  const out = new Float64Array(depth);
  let logSq = 0; // log chi^(l+1) + ... + log chi^(L), summed from the top as numpy's cumsum
  out[depth - 1] = 1;
  for (let l = depth - 2; l >= 0; l--) {
    logSq += Math.log(sw2 * (c ? c.d[l + 1] : derivativeMoment(act, q[l + 1])));
    out[l] = Math.exp(0.5 * logSq);
  }
  return out;
}

/**
 * Predicted ||dL/dW_l|| / ||dL/dW_L||: sqrt(m_{l-1} d_l / (m_{L-1} d_L)) times the gradient profile
 * (m = E[phi^2], d = E[phi'^2] at the layer's q, m_0 = 1). A fresh array.
 */
export function weightGradientProfile(activation, sigmaW, sigmaB, depth) {
  const act = getActivation(activation);
  const gradH = gradientProfile(act, sigmaW, sigmaB, depth);
  const { q, m, d } = extend(column(act, sigmaW, sigmaB), depth);
  // a NaN q (0 * inf) is read as an infinite one, as gradnotes does
  const moment = (values, l, f) => (q[l] !== q[l] ? f(act, Infinity) : values[l]);
  const size = new Float64Array(depth);
  for (let l = 0; l < depth; l++) {
    size[l] = (l === 0 ? 1 : moment(m, l - 1, secondMoment)) * moment(d, l, derivativeMoment);
  }
  const top = size[depth - 1];
  return gradH.map((g, l) => Math.sqrt(size[l] / top) * g);
}

// Mean field describes plain networks, and theory takes sigma_w, sigma_b in [0, 1000] (a "normal"
// init with a large gain on a wide layer has sigma_w = gain sqrt(width) beyond that): null otherwise.
function applies(spec) {
  return !spec.residual && !spec.norm && spec.sigmaW <= 1e3 && spec.biasStd <= 1e3;
}

/** The mean-field description of a network spec, or null where it does not apply (see `applies`). */
export function meanField(spec) {
  if (!applies(spec)) return null;
  const sigmaW = spec.sigmaW;
  const sigmaB = spec.biasStd;
  return { activation: spec.activation, sigmaW, sigmaB, chi1: chi1(spec.activation, sigmaW, sigmaB) };
}

/** theory.predicted_variance: the variance profile for a trace (null where mean field does not apply). */
export function predictedVariance(trace) {
  const spec = trace.spec;
  if (!applies(spec)) return null;
  return varianceProfile(spec.activation, spec.sigmaW, spec.biasStd, spec.depth).map((q) => (q < Q_EVAL_MAX ? q : Infinity));
}

/** theory.predicted_grad_norms: the weight-gradient profile times the measured top layer, or null. */
export function predictedGradNorms(trace) {
  const spec = trace.spec;
  const top = trace.gradWeightNorms[spec.depth - 1];
  if (!applies(spec) || !(Number.isFinite(top) && top > 0)) return null;
  const pred = weightGradientProfile(spec.activation, spec.sigmaW, spec.biasStd, spec.depth).map((p) => p * top);
  return pred.some((p) => Number.isFinite(p) && p > 0) ? pred : null;
}

