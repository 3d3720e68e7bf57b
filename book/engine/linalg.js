// The probe's three matrix products and a safe Frobenius norm.
//
// One kernel, C[m, n] = sum_k A[m, k] B[k, n], with A and B given by strides, so that the forward
// product (h W), the backward one (delta W^T) and the weight gradient (h^T delta) all read their
// operands in place, without transposed copies. The kernel computes 4 x 4 tiles of C with the 16
// sums in local variables: per step of k it loads 8 numbers and does 16 multiply-adds, where the
// naive triple loop loads 2 per multiply-add (about 1 GFLOP/s in Node 20 here; this runs at 4-6).
// Loops run over n-tiles outside m-tiles, so the 4 columns of B a tile needs stay in L1 cache.
//
// forwardProduct and backwardProduct, the two products of every layer, run as WebAssembly SIMD
// kernels (simd.js) where the shapes fit and the runtime has them; `kernels()` says which ran.

import { simdKernels } from "./simd.js";

let simd;  // undefined until the first product: importing this module compiles nothing
const simdOrNull = () => (simd === undefined ? (simd = simdKernels()) : simd);

/** "wasm-simd" or "javascript": what forwardProduct and backwardProduct use for shapes that fit. */
export function kernels() {
  return simdOrNull() ? "wasm-simd" : "javascript";
}

/**
 * C (M x N, row-major, overwritten) = A B with A[m, k] = A[m * sam + k * sak] and
 * B[k, n] = B[k * sbk + n * sbn].
 */
export function matmulStrided(A, sam, sak, B, sbk, sbn, C, M, K, N) {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let n = 0; n < N4; n += 4) {
    const b0 = n * sbn;
    const b1 = b0 + sbn;
    const b2 = b1 + sbn;
    const b3 = b2 + sbn;
    for (let m = 0; m < M4; m += 4) {
      let a0 = m * sam;
      let a1 = a0 + sam;
      let a2 = a1 + sam;
      let a3 = a2 + sam;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let kb = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0], x1 = A[a1], x2 = A[a2], x3 = A[a3];
        const y0 = B[kb + b0], y1 = B[kb + b1], y2 = B[kb + b2], y3 = B[kb + b3];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        a0 += sak; a1 += sak; a2 += sak; a3 += sak;
        kb += sbk;
      }
      store(C, m * N + n, N, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
    }
  }
  edges(A, sam, sak, B, sbk, sbn, C, M, K, N, M4, N4);
  return C;
}

function edge(A, sam, sak, B, sbk, sbn, C, m0, m1, n0, n1, K, N) {
  for (let m = m0; m < m1; m++) {
    for (let n = n0; n < n1; n++) {
      let s = 0;
      let a = m * sam;
      let b = n * sbn;
      for (let k = 0; k < K; k++) {
        s += A[a] * B[b];
        a += sak;
        b += sbk;
      }
      C[m * N + n] = s;
    }
  }
}

// The three products of the probe, specialized: with the strides fixed, each tile step needs fewer
// index updates than matmulStrided (10-15% faster in Node 20). Full 4 x 4 tiles here; the edges
// (a width or batch not divisible by 4) go through the generic `edge`.

/** Z (batch x width) = H (batch x width) W (width x width), all row-major. */
export function forwardProduct(H, W, Z, batch, width) {
  return simdOrNull()?.forward(H, W, Z, batch, width) ?? forwardProductScalar(H, W, Z, batch, width);
}

/** forwardProduct in plain JavaScript (bit for bit the SIMD kernel's result). */
export function forwardProductScalar(H, W, Z, batch, width) {
  const N = width, K = width;
  const M4 = batch - (batch % 4), N4 = N - (N % 4);
  for (let n = 0; n < N4; n += 4) {
    for (let m = 0; m < M4; m += 4) {
      const a0 = m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0, kb = n; k < K; k++, kb += N) {
        const x0 = H[a0 + k], x1 = H[a1 + k], x2 = H[a2 + k], x3 = H[a3 + k];
        const y0 = W[kb], y1 = W[kb + 1], y2 = W[kb + 2], y3 = W[kb + 3];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      store(Z, m * N + n, N, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
    }
  }
  edges(H, width, 1, W, width, 1, Z, batch, width, width, M4, N4);
  return Z;
}

/** G (batch x width) = D (batch x width) W^T. */
export function backwardProduct(D, W, G, batch, width) {
  return simdOrNull()?.backward(D, W, G, batch, width) ?? backwardProductScalar(D, W, G, batch, width);
}

/** backwardProduct in plain JavaScript. */
export function backwardProductScalar(D, W, G, batch, width) {
  const N = width, K = width;
  const M4 = batch - (batch % 4), N4 = N - (N % 4);
  for (let n = 0; n < N4; n += 4) {
    const b0 = n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
    for (let m = 0; m < M4; m += 4) {
      const a0 = m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = D[a0 + k], x1 = D[a1 + k], x2 = D[a2 + k], x3 = D[a3 + k];
        const y0 = W[b0 + k], y1 = W[b1 + k], y2 = W[b2 + k], y3 = W[b3 + k];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      store(G, m * N + n, N, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
    }
  }
  edges(D, width, 1, W, 1, width, G, batch, width, width, M4, N4);
  return G;
}

/** dW (width x width) = H^T D, H and D (batch x width). */
export function weightGradient(H, D, dW, batch, width) {
  const N = width, K = batch;
  const M4 = width - (width % 4), N4 = N - (N % 4);
  for (let n = 0; n < N4; n += 4) {
    for (let m = 0; m < M4; m += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0, row = 0; k < K; k++, row += N) {
        const a = row + m, b = row + n;
        const x0 = H[a], x1 = H[a + 1], x2 = H[a + 2], x3 = H[a + 3];
        const y0 = D[b], y1 = D[b + 1], y2 = D[b + 2], y3 = D[b + 3];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      store(dW, m * N + n, N, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
    }
  }
  edges(H, 1, width, D, width, 1, dW, width, batch, width, M4, N4);
  return dW;
}

function store(C, c, N, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33) {
  C[c] = c00; C[c + 1] = c01; C[c + 2] = c02; C[c + 3] = c03; c += N;
  C[c] = c10; C[c + 1] = c11; C[c + 2] = c12; C[c + 3] = c13; c += N;
  C[c] = c20; C[c + 1] = c21; C[c + 2] = c22; C[c + 3] = c23; c += N;
  C[c] = c30; C[c + 1] = c31; C[c + 2] = c32; C[c + 3] = c33;
}

// Rows M4..M of every column, and columns N4..N of the first M4 rows.
function edges(A, sam, sak, B, sbk, sbn, C, M, K, N, M4, N4) {
  edge(A, sam, sak, B, sbk, sbn, C, M4, M, 0, N, K, N);
  edge(A, sam, sak, B, sbk, sbn, C, 0, M4, N4, N, K, N);
}

/** G (rows x rows) = X X^T for X (rows x cols) row-major: 4 x 4 tiles on and above the diagonal, mirrored. */
export function gram(X, rows, cols, G) {
  const R4 = rows - (rows % 4);
  for (let n = 0; n < R4; n += 4) {
    const b0 = n * cols, b1 = b0 + cols, b2 = b1 + cols, b3 = b2 + cols;
    for (let m = 0; m <= n; m += 4) {
      const a0 = m * cols, a1 = a0 + cols, a2 = a1 + cols, a3 = a2 + cols;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < cols; k++) {
        const x0 = X[a0 + k], x1 = X[a1 + k], x2 = X[a2 + k], x3 = X[a3 + k];
        const y0 = X[b0 + k], y1 = X[b1 + k], y2 = X[b2 + k], y3 = X[b3 + k];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      // the tile and its mirror image, without an array per tile (this runs for every layer)
      store(G, m * rows + n, rows, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
      store(G, n * rows + m, rows, c00, c10, c20, c30, c01, c11, c21, c31, c02, c12, c22, c32, c03, c13, c23, c33);
    }
  }
  for (let m = 0; m < rows; m++) {
    for (let n = Math.max(m, R4); n < rows; n++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += X[m * cols + k] * X[n * cols + k];
      G[m * rows + n] = s;
      G[n * rows + m] = s;
    }
  }
  return G;
}

const EPSILON = 2.220446049250313e-16;
// Accept the Gram-form norm when its worst-case rounding error is below this (relative, squared norm).
const GRAM_TOLERANCE = 2e-10;

/**
 * ||H^T D||_F without forming H^T D, for batch < width: ||H^T D||^2 = sum_{b,b'} (H H^T)_{bb'} (D D^T)_{bb'},
 * two batch x batch Gram matrices (batch^2 width work instead of batch width^2).
 *
 * The signed sum can cancel (when the rows of D sum to ~0 and those of H are alike), so it is used only
 * when its rounding error bound, 3 width eps (sum_b ||h_b|| ||d_b||)^2, is below 2e-10 of the result;
 * otherwise (or on overflow and underflow) NaN is returned and the caller forms H^T D.
 */
export function weightGradientNormGram(H, D, batch, width, GH, GD) {
  gram(H, batch, width, GH);
  gram(D, batch, width, GD);
  let total = 0;
  let bound = 0;
  for (let b = 0; b < batch; b++) {
    bound += Math.sqrt(GH[b * batch + b] * GD[b * batch + b]);
    for (let c = 0; c < batch; c++) total += GH[b * batch + c] * GD[b * batch + c];
  }
  const ok = Number.isFinite(total) && total >= TINY_OVER_EPS * 1e6 && 3 * width * EPSILON * bound * bound <= GRAM_TOLERANCE * total;
  return ok ? Math.sqrt(total) : NaN;
}

const TINY_OVER_EPS = 2.2250738585072014e-308 / 2.220446049250313e-16;

/**
 * sqrt(sum x^2) over x[0..n): inf/nan only if x holds them, 0 only if all are 0. The fast sum is
 * redone with entries scaled by their largest magnitude when it overflows or may have underflowed
 * (as gradnotes._linalg.fro_norm).
 */
export function froNorm(x, n = x.length, offset = 0) {
  let s = 0;
  for (let i = offset; i < offset + n; i++) s += x[i] * x[i];
  if (Number.isFinite(s) && s >= TINY_OVER_EPS) return Math.sqrt(s);
  let m = 0;
  for (let i = offset; i < offset + n; i++) {
    const a = Math.abs(x[i]);
    if (a > m || a !== a) m = a;
    if (m !== m) break;
  }
  if (!Number.isFinite(m) || m === 0) return s !== s ? NaN : m;
  let t = 0;
  for (let i = offset; i < offset + n; i++) {
    const v = x[i] / m;
    t += v * v;
  }
  return m * Math.sqrt(t);
}
