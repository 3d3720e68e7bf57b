// The Gaussian quadrature and the fixed-point solver behind the mean-field theory (mirrors
// gradnotes/theory/_quadrature.py and _fixed_point.py).
//
// The quadrature is gradnotes' one rule: |z| <= 40 cut at 0, +-1, +-3, +-8, at +-{0.5, 2, 6, 15}/sqrt(q)
// and at the kinks / sqrt(q), a 20-point Gauss-Legendre rule on every piece. The fixed-point solver
// follows gradnotes.theory._fixed_point step by step (neutral maps, climb, descend, bisection).

import { Activation } from "./activations.js";
import { gaussLegendre, INV_SQRT_2PI } from "./special.js";

export const Q_EVAL_MIN = 1e-200;
export const Q_EVAL_MAX = 1e30;
export const Q_MAX = 1e12;
export const Q_ZERO = 1e-30;
export const NEUTRAL_TOL = 1e-12;
const TAIL = 40;
const FIXED_CUTS = [-TAIL, -8, -3, -1, 0, 1, 3, 8, TAIL];
const SCALED_CUTS = [-15, -6, -2, -0.5, 0.5, 2, 6, 15];
const LEG = gaussLegendre(20);
const BISECTIONS = 60;

const clipQ = (q) => (q < Q_EVAL_MIN ? Q_EVAL_MIN : q > Q_EVAL_MAX ? Q_EVAL_MAX : q); // NaN stays NaN

/** Nodes z and weights w with sum(w f(sqrt(q) z)) ~= E[f(sqrt(q) z)], z ~ N(0, 1). */
export function gaussianRule(q, kinks = []) {
  q = clipQ(q);
  const root = Math.sqrt(q);
  const cuts = FIXED_CUTS.slice();
  for (const c of SCALED_CUTS.concat(kinks)) cuts.push(Math.min(Math.max(c / root, -TAIL), TAIL));
  cuts.sort((a, b) => a - b);
  const n = LEG.x.length;
  const z = new Float64Array((cuts.length - 1) * n);
  const w = new Float64Array(z.length);
  for (let p = 0; p < cuts.length - 1; p++) {
    const half = 0.5 * (cuts[p + 1] - cuts[p]);
    const mid = 0.5 * (cuts[p] + cuts[p + 1]);
    for (let i = 0; i < n; i++) {
      const zi = mid + half * LEG.x[i];
      z[p * n + i] = zi;
      w[p * n + i] = half * LEG.w[i] * Math.exp(-0.5 * zi * zi) * INV_SQRT_2PI;
    }
  }
  return { z, w };
}

/** E[f(sqrt(q) z)] for z ~ N(0, 1); `kinks` are the inputs x where f or f' jumps. */
export function gaussianExpectation(f, q, kinks = []) {
  q = clipQ(q);
  const { z, w } = gaussianRule(q, kinks);
  const root = Math.sqrt(q);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += f(root * z[i]) * w[i];
  return s;
}

/** m(q) = E[phi(sqrt(q) z)^2]. */
export function secondMoment(act, q) {
  const f = act.f;
  return gaussianExpectation((x) => { const y = f(x); return y * y; }, q, act.kinks);
}

/** d(q) = E[phi'(sqrt(q) z)^2]. */
export function derivativeMoment(act, q) {
  const d = act.d;
  return gaussianExpectation((x) => { const y = d(x); return y * y; }, q, act.kinks);
}

Activation.secondMoment = secondMoment; // the gains of ELU, GELU, SiLU, softplus

/** The stable fixed point reached from q0 of the map V (a function q -> V(q)); 0 or Infinity at the ends. */
export function stableFixedPoint(V, q0 = 1) {
  const g = (q) => V(q) - q;
  const gMid = g(q0);
  const gUp = g(2 * q0);
  const gDown = g(q0 / 2);
  const neutral = Math.abs(gMid) <= NEUTRAL_TOL * q0 && Math.abs(gUp) <= NEUTRAL_TOL * 2 * q0
    && Math.abs(gDown) <= NEUTRAL_TOL * (q0 / 2);
  if (neutral) return q0;
  const up = gMid > 0;
  let lo = up ? q0 : q0 / 2;
  let hi = 2 * lo;
  let gLo = up ? gMid : gDown;
  let gHi = up ? gUp : gMid;
  if (up && gHi > 0) {
    do { lo = hi; gLo = gHi; hi *= 2; gHi = g(hi); } while (gHi > 0 && hi < Q_MAX);
  }
  if (!up && gLo < 0) {
    do { hi = lo; gHi = gLo; lo /= 2; gLo = g(lo); } while (gLo < 0 && lo > Q_ZERO);
  }
  if (gHi > 0) return Infinity;
  if (gLo < 0) return 0;
  for (let i = 0; i < BISECTIONS; i++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) >= 0) lo = mid; else hi = mid;
    if (!(hi - lo > 1e-14 * hi)) break;
  }
  return 0.5 * (lo + hi);
}

/** q* of the length map with sw2 = sigma_w^2, sb2 = sigma_b^2 (no checks). */
export function exactFixedPoint(act, sw2, sb2, q0 = 1) {
  return stableFixedPoint((q) => sw2 * secondMoment(act, q) + sb2, q0);
}

