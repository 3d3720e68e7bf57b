// Weight initializers, in one registry (mirrors gradnotes/initializers.py).
//
// Each scheme is a transform of one standard-normal (fan_in, fan_out) matrix, row-major so that a
// layer computes z = h W: uniform draws come from it through the normal CDF (2 Phi(z) - 1),
// orthogonal ones through a QR factorization with the sign fix that makes Q Haar-distributed.
// `gain` multiplies the textbook scale, so the same draws underlie every scheme and every gain.

import { ndtr } from "./special.js";

const SHAPES = {
  zeros: (z) => new Float64Array(z.length),
  normal: (z, fanIn, fanOut, std) => z.map((v) => v * std),
  // U(-a, a) has std a / sqrt(3)
  uniform: (z, fanIn, fanOut, std) => {
    const a = std * Math.sqrt(3);
    return z.map((v) => (ndtr(v) * 2 - 1) * a);
  },
  // orthonormal columns (rows, if wide) have entries of variance 1 / max(fan_in, fan_out):
  // scaling by std * sqrt(max) = gain gives W^T W = gain^2 I.
  orthogonal: (z, fanIn, fanOut, std) => {
    const q = orthogonalFromNormal(z, fanIn, fanOut);
    const s = std * Math.sqrt(Math.max(fanIn, fanOut));
    for (let i = 0; i < q.length; i++) q[i] *= s;
    return q;
  },
};

const ENTRIES = [
  ["zeros", "Zeros", () => 0, "zeros"],
  ["normal", "Normal N(0, 1)", () => 1, "normal"],
  ["standard_uniform", "Glorot & Bengio's 'standard' U[-1/sqrt(n), 1/sqrt(n)]", (i) => 1 / Math.sqrt(3 * i), "uniform"],
  ["lecun_normal", "LeCun normal", (i) => 1 / Math.sqrt(i), "normal"],
  ["lecun_uniform", "LeCun uniform", (i) => 1 / Math.sqrt(i), "uniform"],
  ["xavier_normal", "Xavier (Glorot) normal", (i, o) => Math.sqrt(2 / (i + o)), "normal"],
  ["xavier_uniform", "Xavier (Glorot) uniform", (i, o) => Math.sqrt(2 / (i + o)), "uniform"],
  ["he_normal", "He (Kaiming) normal", (i) => Math.sqrt(2 / i), "normal"],
  ["he_uniform", "He (Kaiming) uniform", (i) => Math.sqrt(2 / i), "uniform"],
  ["orthogonal", "Orthogonal (Saxe et al.)", (i, o) => 1 / Math.sqrt(Math.max(i, o)), "orthogonal"],
];

/** A weight initialization scheme. */
export class Initializer {
  constructor(name, label, std, shape) {
    Object.assign(this, { name, label, std, shape });
    Object.freeze(this);
  }

  /** The standard deviation of one weight: gain times the textbook value. */
  weightStd(fanIn, fanOut, gain = 1) {
    return gain * this.std(fanIn, fanOut);
  }

  /** The mean-field sigma_w, defined by Var[W] = sigma_w^2 / fan_in. */
  sigmaW(fanIn, fanOut, gain = 1) {
    return this.weightStd(fanIn, fanOut, gain) * Math.sqrt(fanIn);
  }

  /** Apply the scheme to standard-normal draws (row-major fan_in x fan_out); a new Float64Array. */
  fromNormal(normal, fanIn, fanOut, gain = 1) {
    if (normal.length !== fanIn * fanOut) {
      throw new RangeError(`normal has ${normal.length} entries; allowed: fan_in * fan_out = ${fanIn * fanOut}`);
    }
    return SHAPES[this.shape](Float64Array.from(normal), fanIn, fanOut, this.weightStd(fanIn, fanOut, gain));
  }
}

/** Name -> Initializer. */
export const INITIALIZERS = Object.freeze(
  Object.fromEntries(ENTRIES.map(([name, label, std, shape]) => [name, new Initializer(name, label, std, shape)])),
);

/** An Initializer from a registry name (or an Initializer). */
export function getInitializer(init) {
  if (init instanceof Initializer) return init;
  if (!Object.hasOwn(INITIALIZERS, init)) {
    throw new RangeError(`init=${JSON.stringify(init)} is not allowed; choose one of ${Object.keys(INITIALIZERS).join(", ")}`);
  }
  return INITIALIZERS[init];
}

/**
 * Orthonormal columns of a tall matrix (rows of a wide one) from its QR factorization, columns
 * multiplied by sign(diag R) (Mezzadri 2007), as gradnotes does with numpy.linalg.qr.
 */
export function orthogonalFromNormal(z, rows, cols) {
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  // a: m x n column-major copy of the tall matrix (columns contiguous for Householder).
  const a = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (tall) a[j * m + i] = z[i * cols + j];
      else a[i * m + j] = z[i * cols + j];
    }
  }
  const vs = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const col = k * m;
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, a[col + i]);
    const alpha = a[col + k] > 0 ? -norm : norm; // R_kk = alpha
    signs[k] = alpha > 0 ? 1 : alpha < 0 ? -1 : 0;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = a[col + i];
    v[0] -= alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    vs.push(vv > 0 ? v.map((x) => x * Math.sqrt(2 / vv)) : null);
    const u = vs[k];
    if (u) {
      for (let j = k; j < n; j++) {
        const cj = j * m;
        let dot = 0;
        for (let i = k; i < m; i++) dot += u[i - k] * a[cj + i];
        for (let i = k; i < m; i++) a[cj + i] -= dot * u[i - k];
      }
    }
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity (column-major m x n).
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const u = vs[k];
    if (!u) continue;
    for (let j = 0; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += u[i - k] * q[cj + i];
      for (let i = k; i < m; i++) q[cj + i] -= dot * u[i - k];
    }
  }
  // numpy's sign fix uses sign(diag R) with sign(0) = 0; a zero column stays zero.
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < n; j++) {
    const s = signs[j];
    for (let i = 0; i < m; i++) {
      const value = q[j * m + i] * s;
      if (tall) out[i * cols + j] = value;
      else out[j * cols + i] = value;
    }
  }
  return out;
}
