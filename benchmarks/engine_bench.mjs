// Micro-benchmark of the browser engine (book/engine/) in Node: `node benchmarks/engine_bench.mjs [--quick]`.
//
// Prints, per size, the median and p90 of one probe pass (forward, backward, statistics; weights
// prepared by the Probe cache, as an explorer's slider sees it), the same for the naive
// triple-loop pass of shared/notes/static-book-and-browser.md run in this process (tanh, three
// products per layer), their ratio, the kernel's GFLOP/s; then theory and RNN timings and the
// engine's size (raw and gzip). The machine is shared: compare the ratio, not only the times.

import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Probe, propagate, getActivation, rnnGradients, theory, Generator } from "../book/engine/index.js";
import { kernels } from "../book/engine/linalg.js";

const QUICK = process.argv.includes("--quick");
// --no-simd: the plain JavaScript kernels only (linalg.js reads this at its first product)
if (process.argv.includes("--no-simd")) globalThis.GRADNOTES_NO_SIMD = true;
const ENGINE = join(dirname(fileURLToPath(import.meta.url)), "..", "book", "engine");

// Wall-clock median and p90, and the median CPU time of this process (steadier on a shared machine).
function time(fn, { repeats, warmup = 2 }) {
  for (let i = 0; i < warmup; i++) fn();
  const t = [];
  const cpu = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const start = performance.now();
    fn();
    t.push(performance.now() - start);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const q = (a, p) => a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)];
  return { median: q(t, 0.5), p90: q(t, 0.9), cpu: q(cpu, 0.5) };
}

// The naive pass the notes measured: h W, then delta W^T and h^T delta by triple loops.
function naivePass(depth, width, batch, weights, inputs, outputGrad) {
  const hs = [inputs];
  for (let l = 0; l < depth; l++) {
    const h = hs[l], W = weights[l], z = new Float64Array(batch * width);
    for (let b = 0; b < batch; b++) for (let j = 0; j < width; j++) {
      let s = 0;
      for (let i = 0; i < width; i++) s += h[b * width + i] * W[i * width + j];
      z[b * width + j] = Math.tanh(s);
    }
    hs.push(z);
  }
  let g = outputGrad;
  const dW = new Float64Array(width * width);
  for (let l = depth - 1; l >= 0; l--) {
    const h = hs[l + 1], W = weights[l], d = new Float64Array(batch * width), gn = new Float64Array(batch * width);
    for (let k = 0; k < d.length; k++) d[k] = (1 - h[k] * h[k]) * g[k];
    for (let i = 0; i < width; i++) for (let j = 0; j < width; j++) {
      let s = 0;
      for (let b = 0; b < batch; b++) s += hs[l][b * width + i] * d[b * width + j];
      dW[i * width + j] = s;
    }
    for (let b = 0; b < batch; b++) for (let i = 0; i < width; i++) {
      let s = 0;
      for (let j = 0; j < width; j++) s += d[b * width + j] * W[i * width + j];
      gn[b * width + i] = s;
    }
    g = gn;
  }
  return g;
}

// The notes' three sizes, the Python explorers' defaults (gradient: 30/256/256, init: 50/256/256)
// and smaller batches an explorer in the page may use.
const SIZES = [
  { depth: 10, width: 64, batch: 32 },
  { depth: 50, width: 64, batch: 32 },
  { depth: 30, width: 128, batch: 64 },
  { depth: 30, width: 128, batch: 32 },
  { depth: 30, width: 256, batch: 32 },
  { depth: 30, width: 256, batch: 256 },
  { depth: 50, width: 256, batch: 32 },
  { depth: 100, width: 256, batch: 32 },
  { depth: 100, width: 256, batch: 64 },
];

console.log(`Node ${process.version}, kernels: ${kernels()}; wall-clock medians (p90) and CPU-time medians in ms${QUICK ? " (--quick)" : ""}`);
console.log("size (depth/width/batch)  engine wall (p90)  engine CPU  naive wall (p90)    naive CPU  speed-up (CPU)  GFLOP/s (CPU)");
for (const size of SIZES) {
  const { depth, width, batch } = size;
  const big = depth * width * width * batch > 5e7;
  const repeats = QUICK ? 3 : big ? 5 : 21;
  const probe = new Probe();
  const settings = { ...size, activation: "tanh", init: "xavier_normal", seed: 1 };
  const arrays = probe.arrays(probe.simulate(settings).spec);
  const act = getActivation("tanh");
  const engine = time(() => propagate({ ...arrays, activation: act, batch, width }), { repeats });
  const naive = time(() => naivePass(depth, width, batch, arrays.weights, arrays.inputs, arrays.outputGrad),
    { repeats: big ? 3 : repeats, warmup: 1 });
  // FLOPs of the three products of a plain pass (what the naive loop does), per CPU second
  const gflops = (6 * depth * width * width * batch) / (engine.cpu * 1e6);
  const fmt = (t) => `${t.median.toFixed(1).padStart(7)} (${t.p90.toFixed(1)})`.padEnd(19) + `${t.cpu.toFixed(1).padStart(8)}    `;
  console.log(`${`${depth}/${width}/${batch}`.padEnd(26)}${fmt(engine)}${fmt(naive)}${(naive.cpu / engine.cpu).toFixed(1).padStart(8)}x     ${gflops.toFixed(2).padStart(8)}`);
}

const probe = new Probe();
const slider = time(() => probe.simulate({ depth: 50, width: 64, batch: 32, activation: "relu", init: "he_normal", gain: 1.1 + Math.random() * 0.1 }), { repeats: 21 });
console.log(`\nslider update (Probe.simulate, cached draws, new gain) 50/64/32: ${slider.median.toFixed(1)} ms (p90 ${slider.p90.toFixed(1)}, CPU ${slider.cpu.toFixed(1)})`);
const grid = Array.from({ length: 40 }, (_, i) => 0.1 + i * 0.1);
const sbGrid = Array.from({ length: 30 }, (_, i) => i * 0.05);
const rows = [
  ["theory.phaseGrid tanh 40 x 30 (tables built)", () => theory.phaseGrid("tanh", grid, sbGrid)],
  ["theory.phaseDiagram tanh 40 x 30 (exact)", () => theory.phaseDiagram("tanh", grid, sbGrid)],
  ["theory.weightGradientProfile gelu depth 100 (uncached)", () => theory.weightGradientProfile("gelu", 1.3 + Math.random() * 1e-3, 0.1, 100)],
  ["theory.chi1 tanh (fixed point)", () => theory.chi1("tanh", 1.5, 0.3)],
  ["rnnGradients tanh 100 steps, width 64, batch 32", () => rnnGradients(100, 1.1, "tanh", { width: 64, batch: 32 })],
  ["Generator.normal x 1e6", () => { const g = new Generator(1); for (let i = 0; i < 1e6; i++) g.normal(); }],
];
for (const [name, fn] of rows) {
  const t = time(fn, { repeats: QUICK ? 3 : 7, warmup: 1 });
  console.log(`${name.padEnd(52)}${t.median.toFixed(1).padStart(8)} ms (p90 ${t.p90.toFixed(1)}, CPU ${t.cpu.toFixed(1)})`);
}

const files = readdirSync(ENGINE).filter((f) => f.endsWith(".js"));
const sources = files.map((f) => readFileSync(join(ENGINE, f)));
const raw = sources.reduce((a, b) => a + b.length, 0);
const gzip = sources.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0);
const together = gzipSync(Buffer.concat(sources), { level: 9 }).length;
console.log(`\nengine size: ${files.length} modules, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip per file (${(together / 1024).toFixed(1)} KB as one stream)`);
