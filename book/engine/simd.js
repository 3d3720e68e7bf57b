// The two products every layer needs, as WebAssembly SIMD (f64x2) kernels, assembled here into 1.3
// KB: no toolchain, no binary file, nothing fetched. linalg.js uses them where the shapes
// fit and WebAssembly SIMD exists (Chromium 91+, Firefox 89+, Safari 16.4+, Node 16.4+), and its
// plain JavaScript kernels otherwise.
//
// forward(h, w, z, M, K, N):  Z (M x N) = H (M x K) W (K x N); 4 x 4 tiles of Z, each row two f64x2
//   accumulators, one splat of H per row and two loads of W per step of k. Every lane adds the same
//   products in the same order as linalg.js's forwardProduct, so the results are bit for bit equal.
// backward(d, w, g, M, K, N): G (M x N) = D (M x K) W^T, W (N x K); 2 x 4 tiles, k two at a time
//   (each output is the sum of its two lanes: rounding differs from the JavaScript kernel at ~1e-16).
// Arguments are byte offsets into the module's memory and counts; M and N must be multiples of 4
// (backward: M of 2, K of 2). Measured in Node 20 at 16 x 256 x 256: 3.5-4.5x the JavaScript kernels,
// copies in and out included.

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const I32 = 0x7f, V128 = 0x7b;
const simd = (code, ...rest) => [0xfd, ...uleb(code), ...rest];

// The instructions used (opcodes from the WebAssembly 2.0 spec; constants are small and non-negative).
const get = (i) => [0x20, i], set = (i) => [0x21, i], tee = (i) => [0x22, i];
const i32 = (c) => [0x41, ...uleb(c)];
const ADD = [0x6a], MUL = [0x6c], LT_U = [0x49], SHL = [0x74], EQZ = [0x45];
const F64_LOAD = [0x2b, 3, 0], F64_ADD = [0xa0], f64Store = (offset) => [0x39, 3, ...uleb(offset)];
const vLoad = (offset) => simd(0x00, 4, ...uleb(offset)), vStore = (offset) => simd(0x0b, 4, ...uleb(offset));
const ZERO = simd(0x0c, ...new Array(16).fill(0)), SPLAT = simd(0x14), V_ADD = simd(0xf0), V_MUL = simd(0xf2);
const lane = (i) => simd(0x21, i);
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = [0x0b], brIf = (d) => [0x0d, d], br = (d) => [0x0c, d];

const inc = (local, c) => [...get(local), ...i32(c), ...ADD, ...set(local)];
const incBy = (local, other) => [...get(local), ...get(other), ...ADD, ...set(local)];
const forLoop = (i, limit, step, body) => [...i32(0), ...set(i), ...BLOCK, ...LOOP, ...get(i), ...get(limit), ...LT_U,
  ...EQZ, ...brIf(1), ...body, ...inc(i, step), ...br(0), ...END, ...END];
const multiplyAdd = (acc, x, y) => [...get(acc), ...get(x), ...get(y), ...V_MUL, ...V_ADD, ...set(acc)];
// pointer = base + (row * cols + col) * 8
const address = (base, row, cols, col) => [...get(base), ...get(row), ...get(cols), ...MUL, ...get(col), ...ADD, ...i32(3), ...SHL, ...ADD];
// Parameters 0-5, then 11 i32 locals (6-16) and 11 v128 locals (17-27).
const LOCALS = vec([[11, I32], [11, V128]]);
const ACC = [17, 18, 19, 20, 21, 22, 23, 24];

function forwardBody() {
  const [h, w, z, M, K, N, n, m, k, pa0, pa1, pa2, pa3, pw, pz, rowK, rowN] = [...Array(17).keys()];
  const [w0, w1, x] = [25, 26, 27];
  const step = [...get(pw), ...vLoad(0), ...set(w0), ...get(pw), ...vLoad(16), ...set(w1)];
  [pa0, pa1, pa2, pa3].forEach((p, r) => step.push(...get(p), ...F64_LOAD, ...SPLAT, ...set(x),
    ...multiplyAdd(ACC[2 * r], x, w0), ...multiplyAdd(ACC[2 * r + 1], x, w1), ...inc(p, 8)));
  step.push(...incBy(pw, rowN));
  const tile = [...get(h), ...get(m), ...get(rowK), ...MUL, ...ADD, ...tee(pa0), ...get(rowK), ...ADD, ...tee(pa1),
    ...get(rowK), ...ADD, ...tee(pa2), ...get(rowK), ...ADD, ...set(pa3), ...get(w), ...get(n), ...i32(3), ...SHL, ...ADD, ...set(pw)];
  for (const a of ACC) tile.push(...ZERO, ...set(a));
  tile.push(...forLoop(k, K, 1, step), ...address(z, m, N, n), ...set(pz));
  for (let r = 0; r < 4; r++) {
    tile.push(...get(pz), ...get(ACC[2 * r]), ...vStore(0), ...get(pz), ...get(ACC[2 * r + 1]), ...vStore(16));
    if (r < 3) tile.push(...incBy(pz, rowN));
  }
  return [...LOCALS, ...get(K), ...i32(3), ...SHL, ...set(rowK), ...get(N), ...i32(3), ...SHL, ...set(rowN),
    ...forLoop(n, N, 4, forLoop(m, M, 4, tile)), ...END];
}

function backwardBody() {
  const [d, w, g, M, K, N, n, m, k, pd0, pd1, pw0, pw1, pw2, pw3, pg, rowK] = [...Array(17).keys()];
  const [d0, d1, y] = [25, 26, 27];
  const step = [...get(pd0), ...vLoad(0), ...set(d0), ...get(pd1), ...vLoad(0), ...set(d1)];
  [pw0, pw1, pw2, pw3].forEach((p, j) => step.push(...get(p), ...vLoad(0), ...set(y),
    ...multiplyAdd(ACC[j], d0, y), ...multiplyAdd(ACC[4 + j], d1, y), ...inc(p, 16)));
  step.push(...inc(pd0, 16), ...inc(pd1, 16));
  const tile = [...get(d), ...get(m), ...get(rowK), ...MUL, ...ADD, ...tee(pd0), ...get(rowK), ...ADD, ...set(pd1),
    ...get(w), ...get(n), ...get(rowK), ...MUL, ...ADD, ...tee(pw0), ...get(rowK), ...ADD, ...tee(pw1),
    ...get(rowK), ...ADD, ...tee(pw2), ...get(rowK), ...ADD, ...set(pw3)];
  for (const a of ACC) tile.push(...ZERO, ...set(a));
  tile.push(...forLoop(k, K, 2, step), ...address(g, m, N, n), ...set(pg));
  for (let r = 0; r < 2; r++) {
    for (let j = 0; j < 4; j++) {
      const a = ACC[4 * r + j];
      tile.push(...get(pg), ...get(a), ...lane(0), ...get(a), ...lane(1), ...F64_ADD, ...f64Store(8 * j));
    }
    if (r === 0) tile.push(...get(pg), ...get(N), ...i32(3), ...SHL, ...ADD, ...set(pg));
  }
  return [...LOCALS, ...get(K), ...i32(3), ...SHL, ...set(rowK), ...forLoop(n, N, 4, forLoop(m, M, 2, tile)), ...END];
}

/** The module's bytes: one memory (exported, grown by the caller) and the two kernels. */
export function moduleBytes() {
  const name = (s) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  const bodies = [forwardBody(), backwardBody()].map((b) => [...uleb(b.length), ...b]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32, I32]), 0]])),  // type: (i32 x 6) -> ()
    ...section(3, vec([[0], [0]])),                                            // two functions of that type
    ...section(5, vec([[0x00, 1]])),                                           // memory: 1 page to start
    ...section(7, vec([[...name("memory"), 2, 0], [...name("forward"), 0, 0], [...name("backward"), 0, 1]])),
    ...section(10, vec(bodies))]);
}

/**
 * The kernels, or null where WebAssembly SIMD is missing (or `globalThis.GRADNOTES_NO_SIMD` is set,
 * for tests and comparisons). Operands are copied into the module's memory and the result out of it.
 */
export function simdKernels() {
  if (globalThis.GRADNOTES_NO_SIMD || typeof WebAssembly !== "object") return null;
  const bytes = moduleBytes();
  if (!WebAssembly.validate(bytes)) return null;
  const { memory, forward, backward } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  let heap = new Float64Array(memory.buffer);
  const reserve = (count) => {
    if (count > heap.length) {
      memory.grow(Math.ceil((count * 8 - memory.buffer.byteLength) / 65536));
      heap = new Float64Array(memory.buffer);
    }
    return heap;
  };
  // run(kernel, A (M x K), B (its size), C (M x N)): A at 0, B after it, C after B.
  const run = (kernel, A, sizeA, B, sizeB, C, M, K, N) => {
    const f = reserve(sizeA + sizeB + M * N);
    f.set(A.subarray(0, sizeA), 0);
    f.set(B.subarray(0, sizeB), sizeA);
    kernel(0, sizeA * 8, (sizeA + sizeB) * 8, M, K, N);
    C.set(f.subarray(sizeA + sizeB, sizeA + sizeB + M * N));
    return C;
  };
  return {
    /** Z = H W (batch x width); null when the shape does not fit (the caller uses JavaScript). */
    forward(H, W, Z, batch, width) {
      if (batch % 4 || width % 4) return null;
      return run(forward, H, batch * width, W, width * width, Z, batch, width, width);
    },
    /** G = D W^T (batch x width); null when the shape does not fit. */
    backward(D, W, G, batch, width) {
      if (batch % 2 || width % 4) return null;
      return run(backward, D, batch * width, W, width * width, G, batch, width, width);
    },
  };
}
