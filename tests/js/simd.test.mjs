// The WebAssembly SIMD products (book/engine/simd.js) against the plain JavaScript kernels and a
// naive triple loop, for shapes the SIMD kernels take and shapes that fall back.
import test from "node:test";
import assert from "node:assert/strict";
import { backwardProduct, backwardProductScalar, forwardProduct, forwardProductScalar, kernels } from "../../book/engine/linalg.js";
import { moduleBytes, simdKernels } from "../../book/engine/simd.js";
import { Generator } from "../../book/engine/index.js";

const SHAPES = [[16, 256], [16, 128], [4, 4], [8, 12], [32, 64], [6, 20], [5, 16], [16, 10], [3, 7], [64, 48]];

function draws(batch, width, seed) {
  const rng = new Generator(seed);
  return { H: rng.fillNormal(new Float64Array(batch * width)), W: rng.fillNormal(new Float64Array(width * width)) };
}

// sum_k A[m, k] B[k, n] with B[k, n] = W[k * width + n] (forward) or W[n * width + k] (backward)
function naive(H, W, batch, width, transposed) {
  const out = new Float64Array(batch * width);
  for (let m = 0; m < batch; m++) {
    for (let n = 0; n < width; n++) {
      let s = 0;
      for (let k = 0; k < width; k++) s += H[m * width + k] * (transposed ? W[n * width + k] : W[k * width + n]);
      out[m * width + n] = s;
    }
  }
  return out;
}

function assertNear(actual, expected, scale, what) {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-13 * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test("Node 20 has WebAssembly SIMD, and the module validates", () => {
  assert.ok(WebAssembly.validate(moduleBytes()));
  assert.equal(kernels(), "wasm-simd");
});

test("forwardProduct equals the JavaScript kernel bit for bit, and a naive loop", () => {
  SHAPES.forEach(([batch, width], i) => {
    const { H, W } = draws(batch, width, i);
    const fast = forwardProduct(H, W, new Float64Array(batch * width), batch, width);
    const plain = forwardProductScalar(H, W, new Float64Array(batch * width), batch, width);
    assert.deepEqual(fast, plain, `${batch} x ${width}`);
    assertNear(fast, naive(H, W, batch, width, false), width, `forward ${batch} x ${width}`);
  });
});

test("backwardProduct agrees with the JavaScript kernel and a naive loop to rounding", () => {
  SHAPES.forEach(([batch, width], i) => {
    const { H, W } = draws(batch, width, 100 + i);
    const fast = backwardProduct(H, W, new Float64Array(batch * width), batch, width);
    const plain = backwardProductScalar(H, W, new Float64Array(batch * width), batch, width);
    const ref = naive(H, W, batch, width, true);
    assertNear(fast, ref, width, `backward ${batch} x ${width}`);
    assertNear(plain, ref, width, `backward (JavaScript) ${batch} x ${width}`);
  });
});

test("the SIMD kernels decline shapes they do not tile, and grow their memory for large ones", () => {
  const k = simdKernels();
  const z = new Float64Array(6 * 20);
  assert.equal(k.forward(new Float64Array(6 * 20), new Float64Array(400), z, 6, 20), null);  // batch 6: not a multiple of 4
  assert.equal(k.backward(new Float64Array(5 * 16), new Float64Array(256), new Float64Array(80), 5, 16), null);
  // 64 x 512: 1.3 million numbers, far beyond the first 64 KB page
  const { H, W } = draws(64, 512, 7);
  const fast = k.forward(H, W, new Float64Array(64 * 512), 64, 512);
  assert.deepEqual(fast, forwardProductScalar(H, W, new Float64Array(64 * 512), 64, 512));
  // inputs longer than the operand (a buffer reused for a smaller layer) are read only as far as needed
  const long = new Float64Array(16 * 256 + 10).fill(1);
  const out = k.forward(long, new Float64Array(16 * 16).fill(2), new Float64Array(16 * 16), 16, 16);
  assert.ok(out.every((v) => v === 32));
});

test("GRADNOTES_NO_SIMD turns the kernels off", () => {
  globalThis.GRADNOTES_NO_SIMD = true;
  try {
    assert.equal(simdKernels(), null);
  } finally {
    delete globalThis.GRADNOTES_NO_SIMD;
  }
});
