// Activation functions and their derivatives, in one registry (mirrors gradnotes/activations.py).
//
// Each entry has phi(x, p) and its derivative d(x, p) with respect to x (p: the parameters), and,
// where gradnotes has one, the derivative from the output h = phi(x) (the probe uses it, as the
// Python probe does, so both compute phi' from the same numbers). At a kink the derivative takes
// PyTorch's convention: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha.

import { INV_SQRT_2PI, linspace, ndtr } from "./special.js";

/** A unit is saturated when |phi'| <= SATURATION_RATIO * max |phi'| (tanh: |h| > 0.97). */
export const SATURATION_RATIO = 1 - 0.97 ** 2;
export const SELU_LAMBDA = 1.0507009873554804934193349852946;
export const SELU_ALPHA = 1.6732632423543772848170429916717;

function sigmoid(x) {
  // exp(-|x|) never overflows; 1/(1+e) and e/(1+e) keep full relative precision.
  const e = Math.exp(-Math.abs(x));
  const r = 1 / (1 + e);
  return x >= 0 ? r : e * r;
}

function eluValue(x, alpha) {
  return x > 0 ? x : alpha * Math.expm1(Math.min(x, 0));
}

function eluDerivative(x, alpha) {
  return x > 0 ? 1 : alpha * Math.exp(Math.min(x, 0));
}

const ENTRIES = [
  {
    name: "linear", label: "Linear", saturates: "never", torchGain: () => 1,
    f: (x) => x, d: () => 1, fromOutput: () => 1,
  },
  {
    name: "sigmoid", label: "Sigmoid", bounded: [true, true], torchGain: () => 1,
    f: sigmoid, d: (x) => { const s = sigmoid(x); return s * (1 - s); }, fromOutput: (h) => h * (1 - h),
  },
  {
    name: "tanh", label: "Tanh", bounded: [true, true], torchGain: () => 5 / 3,
    f: Math.tanh, d: (x) => { const t = Math.tanh(x); return 1 - t * t; }, fromOutput: (h) => 1 - h * h,
  },
  {
    name: "relu", label: "ReLU", saturates: "dead", kinks: [0], bounded: [true, false],
    torchGain: () => Math.SQRT2,
    f: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x), d: (x) => (x > 0 ? 1 : 0), fromOutput: (h) => (h > 0 ? 1 : 0),
  },
  {
    name: "leaky_relu", label: "Leaky ReLU", saturates: "never", kinks: [0],
    params: { negative_slope: 0.01 }, ranges: { negative_slope: [0, 1] },
    torchGain: (p) => Math.sqrt(2 / (1 + p.negative_slope ** 2)),
    f: (x, p) => (x > 0 ? x : x * p.negative_slope), d: (x, p) => (x > 0 ? 1 : p.negative_slope),
    fromOutput: (h, p) => (h > 0 ? 1 : p.negative_slope),
  },
  {
    name: "elu", label: "ELU", kinks: [0], bounded: [true, false], params: { alpha: 1 }, ranges: { alpha: [0, 3] },
    f: (x, p) => eluValue(x, p.alpha), d: (x, p) => eluDerivative(x, p.alpha),
    fromOutput: (h, p) => (h > 0 ? 1 : h + p.alpha),
  },
  {
    name: "selu", label: "SELU", kinks: [0], bounded: [true, false], torchGain: () => 0.75,
    f: (x) => SELU_LAMBDA * eluValue(x, SELU_ALPHA), d: (x) => SELU_LAMBDA * eluDerivative(x, SELU_ALPHA),
    fromOutput: (h) => (h > 0 ? SELU_LAMBDA : h + SELU_LAMBDA * SELU_ALPHA),
  },
  {
    name: "gelu", label: "GELU", bounded: [true, false],
    f: (x) => x * ndtr(x),
    d: (x) => { const c = Math.min(Math.max(x, -40), 40); return ndtr(x) + c * Math.exp(-0.5 * c * c) * INV_SQRT_2PI; },
  },
  {
    name: "silu", label: "SiLU (swish)", bounded: [true, false],
    f: (x) => x * sigmoid(x), d: (x) => { const s = sigmoid(x); return s * (1 + x * (1 - s)); },
  },
  {
    name: "softplus", label: "Softplus", bounded: [true, false],
    f: (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0), d: sigmoid,
    fromOutput: (h) => -Math.expm1(-h),
  },
];

const GRID = linspace(-50, 50, 200001); // where gradnotes reads max |phi'| and the output range

/** An activation with its parameters bound: phi, phi', facts (cached), and array loops. */
export class Activation {
  constructor(entry, params) {
    this.entry = entry;
    this.name = entry.name;
    this.label = entry.label;
    this.params = Object.freeze({ ...(entry.params || {}), ...params });
    this.saturates = entry.saturates || "gradient";
    this.kinks = entry.kinks || [];
    this.bounded = entry.bounded || [false, false];
    const p = this.params;
    const { f, d, fromOutput } = entry;
    this.f = (x) => f(x, p);
    this.d = (x) => d(x, p);
    this.fromOutput = fromOutput ? (h) => fromOutput(h, p) : null;
    this._facts = null;
  }

  /** A copy with some parameters changed, each checked against its range. */
  withParams(params = {}) {
    const ranges = this.entry.ranges || {};
    for (const [key, value] of Object.entries(params)) {
      if (!(key in ranges)) {
        const allowed = Object.keys(ranges).join(", ") || "(none)";
        throw new RangeError(`parameter name=${JSON.stringify(key)} is not allowed; choose one of ${allowed}`);
      }
      const [low, high] = ranges[key];
      if (!(typeof value === "number" && value >= low && value <= high)) {
        throw new RangeError(`${key}=${value} is out of range; allowed: [${low}, ${high}]`);
      }
    }
    return new Activation(this.entry, { ...this.params, ...params });
  }

  /** phi applied to x[0..n) into out (may be x itself). */
  forward(x, out, n = x.length) {
    const f = this.f;
    for (let i = 0; i < n; i++) out[i] = f(x[i]);
    return out;
  }

  /** phi' applied to x[0..n) into out. */
  derivative(x, out, n = x.length) {
    const d = this.d;
    for (let i = 0; i < n; i++) out[i] = d(x[i]);
    return out;
  }

  _computeFacts() {
    let maxD = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < GRID.length; i++) {
      const y = this.f(GRID[i]);
      const dy = Math.abs(this.d(GRID[i]));
      if (dy > maxD) maxD = dy;
      if (y < low) low = y;
      if (y > high) high = y;
    }
    const snap = (v) => (Number.isFinite(v) && Math.abs(v - Math.round(v)) < 1e-12 ? Math.round(v) : v);
    const range = [this.bounded[0] ? snap(low) : -Infinity, this.bounded[1] ? snap(high) : Infinity];
    const levels = { gradient: SATURATION_RATIO * maxD, dead: 0, never: null };
    return { maxDerivative: maxD, outputRange: range, saturationLevel: levels[this.saturates] };
  }

  get facts() {
    if (this._facts === null) this._facts = this._computeFacts();
    return this._facts;
  }

  /** sup |phi'| on a grid over [-50, 50] (as gradnotes). */
  get maxDerivative() { return this.facts.maxDerivative; }

  /** [inf phi, sup phi], -Infinity/Infinity where unbounded. */
  get outputRange() { return this.facts.outputRange; }

  /** |phi'| at or below this counts as saturated (dead for ReLU); null if it never saturates. */
  get saturationLevel() { return this.facts.saturationLevel; }

  /** The Kaiming gain: torch's where torch defines one, else 1 / sqrt(E[phi(z)^2]) (set by theory.js). */
  get gain() {
    if (this.entry.torchGain) return this.entry.torchGain(this.params);
    return 1 / Math.sqrt(Activation.secondMoment(this, 1));
  }

  get displayName() {
    const keys = Object.keys(this.params);
    if (!keys.length) return this.label;
    return `${this.label} (${keys.map((k) => `${k}=${this.params[k]}`).join(", ")})`;
  }
}

// theory.js installs the Gaussian second moment here, so activations.js needs no import of it.
Activation.secondMoment = () => { throw new Error("import theory.js to compute a gain"); };

/** Name -> Activation with default parameters. Dropdown options come from these keys. */
export const ACTIVATIONS = Object.freeze(
  Object.fromEntries(ENTRIES.map((e) => [e.name, new Activation(e, {})])),
);

/** An Activation from a registry name (or an Activation), with `params` applied. */
export function getActivation(activation, params = {}) {
  if (activation instanceof Activation) return Object.keys(params).length ? activation.withParams(params) : activation;
  if (!Object.hasOwn(ACTIVATIONS, activation)) {
    throw new RangeError(`activation=${JSON.stringify(activation)} is not allowed; choose one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  const act = ACTIVATIONS[activation];
  return Object.keys(params).length ? act.withParams(params) : act;
}
