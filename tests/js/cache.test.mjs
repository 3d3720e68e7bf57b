// What an explorer's updates reuse gives the numbers a fresh computation gives: the forward pass
// started above the layers a shallower pass left (only the depth moved), a released Probe, the
// theory's per-setting columns; and the page's batch (16) draws per-layer norms statistically the
// same as the notebook's (256).
import test from "node:test";
import assert from "node:assert/strict";
import { Probe, simulate, theory } from "../../book/engine/index.js";
import { secondMoment, derivativeMoment } from "../../book/engine/quadrature.js";
import { getActivation } from "../../book/engine/activations.js";

const NUMBERS = ["gradWeightNorms", "gradBiasNorms", "gradActivationNorms", "activationStds", "activationMeans",
  "preactivationSecondMoments", "saturation", "deadUnits"];

function assertSame(a, b, what) {
  for (const key of NUMBERS) assert.deepEqual(Array.from(a[key]), Array.from(b[key]), `${what}: ${key}`);
  assert.deepEqual(a.activationHistograms.map((h) => Array.from(h)), b.activationHistograms.map((h) => Array.from(h)), `${what}: histograms`);
  assert.equal(a.loss, b.loss, `${what}: loss`);
}

const NETWORKS = [
  { activation: "tanh", init: "xavier_normal", dtype: "float32" },
  { activation: "relu", init: "he_uniform", bias_std: 0.1, norm: "layer" },
  { activation: "gelu", init: "orthogonal", residual: "post", residual_scale: 0.5, norm: "batch" },
  { activation: "selu", init: "lecun_normal", residual: "pre", bias_std: 0.05 },
];

for (const net of NETWORKS) {
  test(`only the depth moves: the reused lower layers give a fresh pass's numbers exactly (${JSON.stringify(net)})`, () => {
    const probe = new Probe();
    for (const depth of [5, 9, 3, 9, 12, 1, 12]) {
      const settings = { depth, width: 12, batch: 6, seed: 3, ...net };
      assertSame(probe.simulate(settings), simulate(settings), `depth ${depth}`);
    }
    // and after a change that is not the depth, nothing stale is reused
    const settings = { depth: 12, width: 12, batch: 6, seed: 3, ...net, gain: 1.3 };
    assertSame(probe.simulate(settings), simulate(settings), "gain 1.3");
  });
}

test("a released Probe computes the same numbers again", () => {
  const probe = new Probe();
  const settings = { depth: 7, width: 16, batch: 8, activation: "sigmoid", init: "xavier_uniform", seed: 2 };
  const before = probe.simulate(settings);
  const kept = Array.from(before.gradWeightNorms);
  probe.release();
  assert.equal(probe.noise, null);
  assert.deepEqual(Array.from(probe.simulate(settings).gradWeightNorms), kept);
});

test("the theory's kept columns give the plain formulas' numbers, whatever depth was asked first", () => {
  const act = getActivation("elu");
  const [sw, sb] = [1.37, 0.21];
  const plainQ = [sw ** 2 + sb ** 2];
  for (let l = 1; l < 40; l++) plainQ.push(sw ** 2 * secondMoment(act, plainQ[l - 1]) + sb ** 2);
  for (const depth of [10, 40, 25]) assert.deepEqual(Array.from(theory.varianceProfile(act, sw, sb, depth)), plainQ.slice(0, depth));
  const g = theory.gradientProfile(act, sw, sb, 25);
  let logSq = 0;
  for (let l = 23; l >= 0; l--) {
    logSq += Math.log(sw ** 2 * derivativeMoment(act, plainQ[l + 1]));
    assert.equal(g[l], Math.exp(0.5 * logSq), `gradient profile, layer ${l + 1}`);
  }
  const chi = theory.chi1(act, sw, sb);
  assert.equal(theory.chi1(act, sw, sb), chi);
  assert.equal(chi, theory.chi1(act, sw, sb, theory.fixedPoint(act, sw, sb)));
});

// The page computes with batch 16, the notebook with 256. With the random read-out the examples'
// gradients are uncorrelated, so E ||dL/dW_l||^2 does not depend on the batch (batch norm, which
// couples the examples, is the exception the page's note names): the per-layer root mean squares over
// seeds must agree within 0.3 decades (tests/browser/test_live_book.py's BATCH_TOL, there against
// gradnotes) and their mean squares within 4.5 standard errors. The gradient explorer's default
// sizes in the page: depth 30, width 128.
const PAGE_BATCH = 16;
const NOTEBOOK_BATCH = 256;
const BATCH_TOL = 0.3;
const Z_MAX = 4.5;

function squares(settings, batch, seeds) {
  return Array.from({ length: seeds }, (_, s) => Array.from(
    new Probe().simulate({ ...settings, batch, seed: 100 * batch + s }).gradWeightNorms, (g) => g * g));
}

function meanSe(rows, l) {
  const x = rows.map((r) => r[l]);
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
  return [m, Math.sqrt(v / x.length)];
}

for (const net of [{ activation: "tanh", init: "xavier_normal" }, { activation: "relu", init: "he_normal" }]) {
  test(`the page's batch ${PAGE_BATCH} draws the notebook's (${NOTEBOOK_BATCH}) per-layer norms: ${net.activation} ${net.init}`, () => {
    const settings = { depth: 30, width: 128, dtype: "float32", ...net };
    const page = squares(settings, PAGE_BATCH, 48);
    const book = squares(settings, NOTEBOOK_BATCH, 8);
    for (let l = 0; l < settings.depth; l++) {
      const [a, sa] = meanSe(page, l);
      const [b, sb] = meanSe(book, l);
      const decades = Math.abs(0.5 * Math.log10(a / b));
      assert.ok(decades <= BATCH_TOL, `layer ${l + 1}: root mean squares differ by ${decades.toFixed(3)} decades`);
      assert.ok(Math.abs(a - b) <= Z_MAX * Math.hypot(sa, sb), `layer ${l + 1}: mean squares ${a} and ${b}, z > ${Z_MAX}`);
    }
  });
}
