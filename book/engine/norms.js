// Batch and layer normalization without learned scale or shift (mirrors gradnotes/normalization.py).
//
// zhat = (z - mean) / sqrt(var + EPS); backward dz = inv_std (dzhat - mean(dzhat) - zhat mean(dzhat zhat)),
// means over the same axis: axis 0 (each unit over the batch) for batch norm, axis 1 for layer norm.

export const EPS = 1e-5; // as torch.nn.BatchNorm1d / LayerNorm

/** Name -> { name, axis, over, couplesExamples }; null is no normalization. */
export const NORMS = Object.freeze({
  batch: Object.freeze({ name: "batch", axis: 0, over: "batch", couplesExamples: true }),
  layer: Object.freeze({ name: "layer", axis: 1, over: "width", couplesExamples: false }),
});

/** null for null/undefined/"none"; the Norm for a registry name; throws otherwise. */
export function getNorm(norm) {
  if (norm === null || norm === undefined || norm === "none") return null;
  if (!Object.hasOwn(NORMS, norm)) {
    throw new RangeError(`norm=${JSON.stringify(norm)} is not allowed; choose one of ${Object.keys(NORMS).join(", ")} (or None for none)`);
  }
  return NORMS[norm];
}

// A (batch, width) row-major array seen along `axis`: `groups` groups of `size` entries, entry k of
// group g at g * gs + k * ks.
function layout(axis, batch, width) {
  return axis === 0
    ? { groups: width, size: batch, gs: 1, ks: width }
    : { groups: batch, size: width, gs: width, ks: 1 };
}

/** Normalize z (batch x width) in place along `axis`; fill invStd (one per group); returns invStd. */
export function normalize(z, batch, width, axis, invStd) {
  const { groups, size, gs, ks } = layout(axis, batch, width);
  for (let g = 0; g < groups; g++) {
    const base = g * gs;
    let mean = 0;
    for (let k = 0; k < size; k++) mean += z[base + k * ks];
    mean /= size;
    let varSum = 0;
    for (let k = 0; k < size; k++) {
      const c = z[base + k * ks] - mean;
      z[base + k * ks] = c;
      varSum += c * c;
    }
    const inv = 1 / Math.sqrt(varSum / size + EPS);
    invStd[g] = inv;
    for (let k = 0; k < size; k++) z[base + k * ks] *= inv;
  }
  return invStd;
}

/** The gradient w.r.t. z from the gradient `grad` w.r.t. zhat, in place. */
export function normalizeBackward(grad, zhat, invStd, batch, width, axis) {
  const { groups, size, gs, ks } = layout(axis, batch, width);
  for (let g = 0; g < groups; g++) {
    const base = g * gs;
    let mg = 0;
    let mgz = 0;
    for (let k = 0; k < size; k++) {
      const i = base + k * ks;
      mg += grad[i];
      mgz += grad[i] * zhat[i];
    }
    mg /= size;
    mgz /= size;
    const inv = invStd[g];
    for (let k = 0; k < size; k++) {
      const i = base + k * ks;
      grad[i] = (grad[i] - mg - zhat[i] * mgz) * inv;
    }
  }
  return grad;
}
