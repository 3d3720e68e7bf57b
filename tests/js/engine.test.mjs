// The engine's own pieces against independent references: PRNG moments, initializer statistics and
// orthogonality, the depth-extension property of the draws, and the probe's gradients by central
// finite differences for every residual kind.
import test from "node:test";
import assert from "node:assert/strict";
import {
  ACTIVATIONS, Generator, INITIALIZERS, Noise, Probe, RESIDUALS, getActivation, propagate, simulate,
} from "../../book/engine/index.js";
import { assertClose, loadFixture } from "./helpers.mjs";

test("the generator is deterministic, per seed and stream", () => {
  const a = new Generator(7, 2);
  const b = new Generator(7, 2);
  const c = new Generator(7, 3);
  const xs = Array.from({ length: 5 }, () => a.uniform());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.uniform()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.uniform()));
  assert.throws(() => new Generator(-1), /seed=-1 is out of range/);
});

test("uniforms and normals have the right moments", () => {
  const g = new Generator(12345);
  const n = 400000;
  let su = 0, sz = 0, sz2 = 0, sz4 = 0, tail = 0;
  for (let i = 0; i < n; i++) {
    const u = g.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = g.normal();
    sz += z; sz2 += z * z; sz4 += z ** 4;
    if (Math.abs(z) > 1.959963984540054) tail++;
  }
  const tol = (sd) => 5 * sd / Math.sqrt(n);
  assert.ok(Math.abs(su / n - 0.5) < tol(Math.sqrt(1 / 12)), "uniform mean");
  assert.ok(Math.abs(sz / n) < tol(1), "normal mean");
  assert.ok(Math.abs(sz2 / n - 1) < tol(Math.SQRT2), "normal variance");
  assert.ok(Math.abs(sz4 / n - 3) < tol(Math.sqrt(96)), "normal fourth moment");
  assert.ok(Math.abs(tail / n - 0.05) < tol(Math.sqrt(0.05 * 0.95)), "normal 5% tails");
});

test("a deeper network shares the lower layers' draws", () => {
  const a = new Noise(8, 4, 3).extend(2);
  const b = new Noise(8, 4, 3).extend(5);
  assert.deepEqual(a.weights(1), b.weights(1));
  assert.deepEqual(a.inputs, b.inputs);
  const t5 = simulate({ depth: 5, width: 8, batch: 4, seed: 3 });
  const t2 = simulate({ depth: 2, width: 8, batch: 4, seed: 3 });
  assertClose(t2.preactivationSecondMoments, t5.preactivationSecondMoments.slice(0, 2), { rtol: 1e-15 });
});

test("initializers: weight std matches the formula; orthogonal gives W^T W = gain^2 I", () => {
  const g = new Generator(5);
  const [fanIn, fanOut] = [200, 150];
  const normal = g.fillNormal(new Float64Array(fanIn * fanOut));
  for (const init of Object.values(INITIALIZERS)) {
    const w = init.fromNormal(normal, fanIn, fanOut, 1.3);
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    assertClose([std], [init.weightStd(fanIn, fanOut, 1.3)], { rtol: 0.02, what: `${init.name} std` });
  }
  for (const [rows, cols] of [[12, 7], [7, 12], [9, 9]]) {
    const w = INITIALIZERS.orthogonal.fromNormal(g.fillNormal(new Float64Array(rows * cols)), rows, cols, 2);
    const n = Math.min(rows, cols);
    const tall = rows >= cols;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < (tall ? rows : cols); k++) dot += tall ? w[k * cols + i] * w[k * cols + j] : w[i * cols + k] * w[j * cols + k];
        assert.ok(Math.abs(dot - (i === j ? 4 : 0)) < 1e-12, `orthogonal ${rows}x${cols}: entry (${i}, ${j}) = ${dot}`);
      }
    }
  }
});

function lossOf(args) {
  const pass = propagate(args);
  const top = pass.hidden[args.weights.length];
  return top.reduce((a, v, i) => a + v * args.outputGrad[i], 0);
}

for (const residual of Object.keys(RESIDUALS)) {
  for (const norm of [null, "batch", "layer"]) {
    for (const name of ["tanh", "gelu", "softplus"]) {
      test(`gradients by central differences: ${name}, residual=${residual}, norm=${norm}`, () => {
        const [depth, width, batch] = [3, 5, 4];
        const g = new Generator(99);
        const draw = (n, s = 1) => g.fillNormal(new Float64Array(n)).map((v) => v * s);
        const args = {
          inputs: draw(batch * width), outputGrad: draw(batch * width),
          weights: Array.from({ length: depth }, () => draw(width * width, 0.6)),
          biases: Array.from({ length: depth }, () => draw(width, 0.2)),
          activation: getActivation(name), batch, width, residual, residualScale: 0.7, norm, keepGrads: true,
        };
        const pass = propagate(args);
        const h = 1e-6;
        for (let l = 0; l < depth; l++) {
          for (const [arrays, grads, what] of [[args.weights, pass.gradWeights, "W"], [args.biases, pass.gradBiases, "b"]]) {
            for (const i of [0, 3, arrays[l].length - 1]) {
              const keep = arrays[l][i];
              arrays[l][i] = keep + h;
              const up = lossOf(args);
              arrays[l][i] = keep - h;
              const down = lossOf(args);
              arrays[l][i] = keep;
              const fd = (up - down) / (2 * h);
              assert.ok(Math.abs(fd - grads[l][i]) < 1e-6 * Math.max(1, Math.abs(fd)), `dL/d${what}_${l + 1}[${i}]: ${grads[l][i]} vs ${fd}`);
            }
          }
        }
      });
    }
  }
}

test("the probe cache gives the same numbers as a fresh simulate, whatever the order of changes", () => {
  const probe = new Probe();
  const base = { depth: 6, width: 12, batch: 5, activation: "relu", init: "orthogonal", gain: 1.4, bias_std: 0.1, seed: 4 };
  const steps = [{}, { gain: 1 }, { depth: 9 }, { init: "he_uniform" }, { depth: 3 }, { init: "xavier_normal" },
    { init: "orthogonal", depth: 8 }, { bias_std: 0 }, { bias_std: 0.3, gain: 0.7 }, { width: 8 }, { seed: 5, norm: "layer" }];
  let settings = base;
  for (const change of steps) {
    settings = { ...settings, ...change };
    const cached = probe.simulate(settings);
    const fresh = simulate(settings);
    assertClose(cached.gradWeightNorms, fresh.gradWeightNorms, { rtol: 1e-14, what: JSON.stringify(change) });
    assertClose(cached.activationStds, fresh.activationStds, { rtol: 1e-14, what: JSON.stringify(change) });
  }
});

test("settings are checked with gradnotes' messages", () => {
  assert.throws(() => simulate({ depth: 0, width: 4 }), /depth=0 is out of range; allowed: \[1, 1000\]/);
  assert.throws(() => simulate({ depth: 2, width: 4, norm: "group" }), /norm="group" is not allowed/);
  assert.throws(() => simulate({ depth: 2, width: 4, batch: 1, norm: "batch" }), /batch=1 is too small for norm="batch"/);
  assert.throws(() => simulate({ depth: 2, width: 4, init: "glorot" }), /init="glorot" is not allowed/);
  assert.throws(() => simulate({ depth: 2, width: 4, residual: "skip" }), /residual="skip" is not allowed/);
  assert.equal(simulate({ depth: 2, width: 4, norm: "none" }).spec.norm, null);
  assert.ok(Object.keys(ACTIVATIONS).length === 10);
});

// float32 mode: the forward pass overflows at the layer gradnotes' default float32 probe does.
for (const c of loadFixture("float32.json")) {
  const k = c.config;
  test(`float32 range: ${k.activation} ${k.init} gain=${k.gain}: forward overflow at layer ${c.expected.overflow_layer}`, () => {
    const t = simulate({ ...k, dtype: "float32", seed: k.seed });
    // The engine's own draws differ from numpy's, so only the overflow layer and, without any
    // overflow, the size of the activations (float32 rounding aside) are compared.
    if (c.expected.overflow_layer === null) {
      assert.equal(t.overflowLayer, null);
      const f64 = simulate({ ...k, dtype: "float64" });
      assertClose(t.activationStds, f64.activationStds, { rtol: 1e-5, what: "activation_stds float32 vs float64" });
    } else {
      assert.ok(Math.abs(t.overflowLayer - c.expected.overflow_layer) <= 1, `overflow at ${t.overflowLayer}`);
      assert.equal(simulate({ ...k, dtype: "float64" }).overflowLayer, null, "float64 does not overflow");
    }
  });
}

test("mean field beyond theory's sigma_w range gives no prediction instead of an error", () => {
  const t = simulate({ depth: 3, width: 64, batch: 4, init: "normal", gain: 500 }); // sigma_w = 4000
  assert.equal(t.summary().chi1, null);
  assert.equal(t.summary().sigma_w, null);
});
