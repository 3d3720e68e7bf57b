// The engine's own draws against Python's, statistically: over seeds, the per-layer mean of
// log ||dL/dW_l||, log ||dL/dh_l|| and log q^l from the engine agrees with gradnotes.simulate's,
// and the per-step mean of log ||dL/dh_t|| with gradnotes.recurrent.rnn_gradients'.
//
// Tolerance: for every layer and quantity, the two-sample statistic
//   z = (mean_js - mean_py) / (sd * sqrt(1 / n_js + 1 / n_py)),   sd = max(sd_js, sd_py)
// is within 4.5 (32 Python and 48 engine seeds; the larger spread guards against a sample spread
// that happens to be small), and the spreads agree within a factor of 2.5.
import test from "node:test";
import assert from "node:assert/strict";
import { Probe, rnnGradients } from "../../book/engine/index.js";
import { loadFixture } from "./helpers.mjs";

const JS_SEEDS = 48;
const Z_MAX = 4.5;
const SPREAD_RATIO = 2.5;
const KEYS = { grad_weight_norms: "gradWeightNorms", grad_activation_norms: "gradActivationNorms",
  preactivation_second_moments: "preactivationSecondMoments" };

function assertSameMeans(what, runs, py, pySeeds) {
  const n = runs.length;
  for (let l = 0; l < py.mean.length; l++) {
    const values = runs.map((r) => r[l]);
    const mean = values.reduce((a, b) => a + b) / n;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    const se = Math.max(sd, py.std[l]) * Math.sqrt(1 / n + 1 / pySeeds);
    const z = se > 0 ? (mean - py.mean[l]) / se : mean - py.mean[l];
    const where = `${what} ${l + 1}: engine ${mean.toFixed(4)} +- ${sd.toFixed(4)}, Python ${py.mean[l].toFixed(4)} +- ${py.std[l].toFixed(4)}`;
    assert.ok(Math.abs(z) <= Z_MAX, `${where} (z = ${z.toFixed(2)}, allowed |z| <= ${Z_MAX})`);
    if (py.std[l] > 1e-6) {
      const ratio = sd / py.std[l];
      assert.ok(ratio <= SPREAD_RATIO && ratio >= 1 / SPREAD_RATIO, `${where}: spreads differ ${ratio.toFixed(2)}x`);
    }
  }
}

for (const c of loadFixture("rnn_statistics.json")) {
  const k = c.config;
  test(`RNN log gradient norms per step over seeds: ${k.activation} rho=${k.spectral_radius}`, () => {
    const runs = [];
    for (let seed = 1000; seed < 1000 + JS_SEEDS; seed++) {
      const r = rnnGradients(k.steps, k.spectral_radius, k.activation, { width: k.width, batch: k.batch, input_std: k.input_std, seed });
      runs.push(Array.from(r.gradNorms, Math.log));
    }
    assertSameMeans("grad_norms step", runs, c.log.grad_norms, c.seeds);
  });
}

for (const c of loadFixture("statistics.json")) {
  const k = c.config;
  test(`per-layer log-norms over seeds: ${k.activation} ${k.init} gain=${k.gain} bias_std=${k.bias_std} norm=${k.norm} residual=${k.residual}`, () => {
    const probe = new Probe();
    const logs = Object.fromEntries(Object.keys(KEYS).map((key) => [key, []]));
    for (let seed = 1000; seed < 1000 + JS_SEEDS; seed++) {
      const t = probe.simulate({ ...k, seed });
      for (const [key, js] of Object.entries(KEYS)) logs[key].push(Array.from(t[js], Math.log));
    }
    for (const [key, runs] of Object.entries(logs)) assertSameMeans(`${key} layer`, runs, c.log[key], c.seeds);
  });
}
