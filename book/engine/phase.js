// chi_1 over a grid of (sigma_w, sigma_b), exact and tabulated, and the edge of chaos (mirrors
// gradnotes/theory/_phase.py and _critical.py).

import { getActivation } from "./activations.js";
import { derivativeMoment, exactFixedPoint, Q_EVAL_MAX, Q_ZERO, secondMoment, stableFixedPoint } from "./quadrature.js";
import { logspace } from "./special.js";

export const JUMP_TOL = 1e-4; // gradnotes.theory._critical.JUMP_TOL

function checkSigmaB(value) {
  if (!(typeof value === "number" && value >= 0 && value <= 1e3)) {
    throw new RangeError(`sigma_b=${value} is out of range; allowed: [0, 1000]`);
  }
  return value;
}

/** chi_1 on a grid, exact: rows follow sigmaB, columns sigmaW; an array of Float64Array rows. */
export function phaseDiagram(activation, sigmaW, sigmaB) {
  const act = getActivation(activation);
  return Array.from(sigmaB, (sb) => Float64Array.from(sigmaW, (sw) => {
    const q = exactFixedPoint(act, sw * sw, sb * sb);
    return sw * sw * derivativeMoment(act, q);
  }));
}

const Q_TABLE = logspace(Math.log10(Q_ZERO) - 2, Math.log10(Q_EVAL_MAX), 20 * 62 + 1);
const LOG_Q_TABLE = Q_TABLE.map(Math.log);
const TABLES = new Map();

function momentTables(act) {
  const key = `${act.name}:${JSON.stringify(act.params)}`;
  if (!TABLES.has(key)) {
    const tiny = 2.2250738585072014e-308;
    TABLES.set(key, {
      logM: Q_TABLE.map((q) => Math.log(Math.max(secondMoment(act, q), tiny))),
      logD: Q_TABLE.map((q) => Math.log(Math.max(derivativeMoment(act, q), tiny))),
    });
  }
  return TABLES.get(key);
}

function interpLogLog(q, table) {
  const n = Q_TABLE.length;
  const x = Math.log(Math.min(Math.max(q, Q_TABLE[0]), Q_TABLE[n - 1]));
  if (x <= LOG_Q_TABLE[0]) return Math.exp(table[0]);
  if (x >= LOG_Q_TABLE[n - 1]) return Math.exp(table[n - 1]);
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (LOG_Q_TABLE[mid] <= x) lo = mid; else hi = mid;
  }
  const t = (x - LOG_Q_TABLE[lo]) / (LOG_Q_TABLE[hi] - LOG_Q_TABLE[lo]);
  return Math.exp(table[lo] + t * (table[hi] - table[lo]));
}

/** chi_1 on a grid from tabulated moments (theory.phase_grid): fast enough for a slider, ~1e-3 relative. */
export function phaseGrid(activation, sigmaW, sigmaB) {
  const act = getActivation(activation);
  const { logM, logD } = momentTables(act);
  return Array.from(sigmaB, (sb) => Float64Array.from(sigmaW, (sw) => {
    const sw2 = sw * sw;
    const sb2 = sb * sb;
    const q = stableFixedPoint((x) => sw2 * interpLogLog(x, logM) + sb2);
    return sw2 * interpLogLog(q, logD);
  }));
}

/** Where chi_1 crosses 1 as sigma_w grows at fixed sigma_b (in [0.01, 100]): continuous or a jump. */
export function edgeOfChaos(activation, sigmaB = 0) {
  const act = getActivation(activation);
  const sb2 = checkSigmaB(sigmaB) ** 2;
  const at = (logSw) => {
    const sw2 = Math.exp(2 * logSw);
    const q = exactFixedPoint(act, sw2, sb2);
    return [sw2 * derivativeMoment(act, q), q];
  };
  let lo = Math.log(1e-2);
  let hi = Math.log(1e2);
  if (at(lo)[0] > 1 || at(hi)[0] < 1) {
    throw new RangeError(`activation=${JSON.stringify(act.name)} with sigma_b=${sigmaB} has no critical sigma_w in [0.01, 100]`);
  }
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    if (at(mid)[0] < 1) lo = mid; else hi = mid;
    if (hi - lo < 1e-13) break;
  }
  const [chiLo, qLo] = at(lo);
  const [chiHi, qHi] = at(hi);
  const sigmaW = Math.exp(0.5 * (lo + hi));
  return {
    activation: act.displayName, sigmaB, sigmaW, chi1Below: chiLo, chi1Above: chiHi, qBelow: qLo, qAbove: qHi,
    chi1AtQ0: sigmaW ** 2 * derivativeMoment(act, 1), continuous: Math.abs(chiHi - chiLo) <= JUMP_TOL,
  };
}

/** The sigma_w with chi_1 = 1; throws (with .edge) where chi_1 jumps across 1 instead. */
export function criticalSigmaW(activation, sigmaB = 0) {
  const edge = edgeOfChaos(activation, sigmaB);
  if (!edge.continuous) {
    const err = new RangeError(`activation=${JSON.stringify(getActivation(activation).name)} with sigma_b=${sigmaB} has no critical sigma_w: chi_1 jumps from ${edge.chi1Below.toPrecision(4)} to ${edge.chi1Above.toPrecision(4)} at sigma_w=${edge.sigmaW.toPrecision(6)}`);
    err.edge = edge;
    throw err;
  }
  return edge.sigmaW;
}
