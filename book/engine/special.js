// Special functions and small numerical tools the engine needs: the normal CDF, Gauss-Legendre
// nodes, numpy-style linspace. Written from their definitions (no tables copied from elsewhere).

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
export const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// erf(z) = 2/sqrt(pi) e^{-z^2} sum_n 2^n z^{2n+1} / (1 3 5 ... (2n+1)): positive terms, no
// cancellation, fast for the |z| < 2.5 where nearly all network inputs fall.
function erfSeries(z) {
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (2 * z2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
}

// erfc(z) for z >= 2.5 by its continued fraction (modified Lentz), full relative precision:
// erfc(z) = e^{-z^2}/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))).
function erfcFraction(z) {
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = z + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (Math.exp(-z * z) * INV_SQRT_PI) / f;
}

/** The standard normal CDF, Phi(x) (scipy.special.ndtr); relative accuracy ~1e-15 for x > -3.5. */
export function ndtr(x) {
  if (x !== x) return NaN;
  const z = Math.abs(x) * SQRT1_2;
  if (z < 2.5) {
    const e = erfSeries(z);
    return x >= 0 ? 0.5 + 0.5 * e : 0.5 - 0.5 * e;
  }
  if (z > 40) return x > 0 ? 1 : 0;
  const c = 0.5 * erfcFraction(z);
  return x > 0 ? 1 - c : c;
}

/** numpy.linspace(start, stop, num): start + i * step, the last value exactly stop. */
export function linspace(start, stop, num) {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** numpy.logspace(a, b, num) = 10 ** linspace(a, b, num). */
export function logspace(a, b, num) {
  const out = linspace(a, b, num);
  for (let i = 0; i < num; i++) out[i] = 10 ** out[i];
  return out;
}

/** Nodes and weights of the n-point Gauss-Legendre rule on [-1, 1] (ascending nodes), by Newton. */
export function gaussLegendre(n) {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    // Recompute P_n' at the converged node for the weight.
    let p0 = 1;
    let p1 = t;
    for (let k = 2; k <= n; k++) {
      const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = (n * (t * p1 - p0)) / (t * t - 1);
    const weight = 2 / ((1 - t * t) * dp * dp);
    x[i] = -t;
    x[n - 1 - i] = t;
    w[i] = weight;
    w[n - 1 - i] = weight;
  }
  if (n % 2 === 1) x[(n - 1) / 2] = 0;
  return { x, w };
}
