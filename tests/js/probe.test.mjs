// The browser engine's probe against gradnotes.simulate(dtype="float64") on the same arrays.
import test from "node:test";
import assert from "node:assert/strict";
import { getActivation, getInitializer, networkSpec, run, theory } from "../../book/engine/index.js";
import { assertClose, flat, loadFixture } from "./helpers.mjs";

const CASES = loadFixture("probe.json");
const RTOL = 1e-9; // float64 arithmetic on both sides; only summation order differs

function caseName(c) {
  const k = c.config;
  return `${k.activation}${JSON.stringify(k.params)} ${k.init} gain=${k.gain} bias_std=${k.bias_std} `
    + `residual=${k.residual}(${k.residual_scale}) norm=${k.norm} depth=${k.depth} width=${k.width} batch=${k.batch}`;
}

function specOf(c) {
  return networkSpec({ ...c.config });
}

function arraysOf(c) {
  const { depth, width } = c.config;
  const w = flat(c.weights);
  const b = flat(c.biases);
  return {
    inputs: flat(c.noise.inputs),
    weights: Array.from({ length: depth }, (_, l) => w.slice(l * width * width, (l + 1) * width * width)),
    biases: Array.from({ length: depth }, (_, l) => b.slice(l * width, (l + 1) * width)),
    outputGrad: flat(c.output_grad),
  };
}

test("the fixtures cover every activation, initializer, norm and residual kind", () => {
  const seen = (key) => new Set(CASES.map((c) => String(c.config[key])));
  assert.ok(["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus"].every((a) => seen("activation").has(a)));
  assert.equal(seen("init").size, 10);
  assert.deepEqual([...seen("norm")].sort(), ["batch", "layer", "null"]);
  assert.deepEqual([...seen("residual")].sort(), ["null", "post", "pre"]);
});

for (const c of CASES) {
  const name = caseName(c);
  test(`initializer from the same draws: ${name}`, () => {
    const { depth, width, init, gain, bias_std } = c.config;
    const noiseW = flat(c.noise.weights);
    const expected = flat(c.weights);
    const initializer = getInitializer(init);
    for (let l = 0; l < depth; l++) {
      const w = initializer.fromNormal(noiseW.subarray(l * width * width, (l + 1) * width * width), width, width, gain);
      const e = expected.subarray(l * width * width, (l + 1) * width * width);
      const scale = Math.max(1e-300, ...Array.from(e, Math.abs));
      assertClose(w, e, { rtol: 1e-12, atol: 1e-12 * scale, what: `layer ${l + 1} weights` });
    }
    const b = flat(c.noise.biases).map((v) => v * bias_std);
    assertClose(b, flat(c.biases), { rtol: 1e-15, what: "biases" });
  });

  test(`probe: ${name}`, () => {
    const spec = specOf(c);
    const t = run(spec, arraysOf(c));
    const e = c.expected;
    for (const [key, js] of [
      ["grad_weight_norms", "gradWeightNorms"],
      ["grad_activation_norms", "gradActivationNorms"], ["grad_input_norm", "gradInputNorm"],
      ["activation_stds", "activationStds"], ["preactivation_second_moments", "preactivationSecondMoments"],
      ["histogram_edges", "histogramEdges"],
    ]) assertClose(t[js], e[key], { rtol: RTOL, what: key });
    // Batch norm makes dL/db exactly 0 up to rounding (delta sums to 0 over the batch): compared on
    // the scale of the layer's gradient instead.
    const gh = flat(e.grad_activation_norms);
    const couples = spec.norm === "batch";
    flat(e.grad_bias_norms).forEach((v, l) => assertClose([t.gradBiasNorms[l]], [v], { rtol: RTOL, atol: couples ? RTOL * gh[l] : 0, what: `grad_bias_norms[${l}]` }));
    // Means can be ~0 by cancellation: compared on the scale of the layer's spread.
    const stds = flat(e.activation_stds);
    flat(e.activation_means).forEach((m, l) => assertClose([t.activationMeans[l]], [m], { rtol: RTOL, atol: RTOL * stds[l], what: `activation_means[${l}]` }));
    assertClose([t.loss], [e.loss], { rtol: RTOL, atol: RTOL * Math.abs(flat(e.grad_activation_norms).at(-1)), what: "loss" });
    // Counts: a value within rounding of a threshold or a bin edge could move (none does in these fixtures).
    assertClose(t.saturation, e.saturation, { rtol: 0, atol: 1e-12, what: "saturation" });
    assertClose(t.deadUnits, e.dead_units, { rtol: 0, atol: 1e-12, what: "dead_units" });
    assertClose(t.activationHistograms, e.activation_histograms, { rtol: 0, atol: 1e-12, what: "activation_histograms" });
    assert.equal(t.overflowLayer, e.overflow_layer);
    // With keepGrads, dL/dW is formed instead of taking the Gram-matrix route to its norm.
    const kept = run(spec, { ...arraysOf(c), keepGrads: true });
    assertClose(kept.gradWeightNorms, e.grad_weight_norms, { rtol: RTOL, what: "grad_weight_norms (keepGrads)" });
  });

  test(`theory for the probed network: ${name}`, (tt) => {
    const spec = specOf(c);
    const t = run(spec, arraysOf(c));
    const e = c.expected;
    assertClose([spec.sigmaW], [e.sigma_w], { rtol: 1e-14, what: "sigma_w" });
    for (const [key, fn] of [["predicted_variance", theory.predictedVariance], ["predicted_grad_norms", theory.predictedGradNorms]]) {
      const value = e[key];
      if (value && value.error) {
        tt.diagnostic(`Python's ${key} failed: ${value.error}`);
        continue;
      }
      const got = fn(t);
      if (value === null) assert.equal(got, null, key);
      else assertClose(got, value, { rtol: 1e-8, what: key });
    }
    const summary = t.summary();
    if (e.chi1 === null) assert.equal(summary.chi1, null);
    else assertClose([summary.chi1], [e.chi1], { rtol: 1e-8, what: "chi1" });
    for (const key of ["overflow_layer", "overflowed_layers", "zero_gradient_layers", "float32_underflow_layers"]) {
      if (key in e.summary) assert.deepEqual(summary[key], e.summary[key], key);
    }
    if ("log10_grad_weight_norms" in e.summary) {
      assertClose(summary.log10_grad_weight_norms, e.summary.log10_grad_weight_norms, { rtol: 1e-10, atol: 1e-10, what: "log10_grad_weight_norms" });
    }
    assertClose([summary.first_last_ratio], [e.summary.first_last_ratio], { rtol: 1e-8, what: "first_last_ratio" });
  });
}

test("activation params reach the probe", () => {
  const c = CASES.find((k) => k.config.activation === "elu" && k.config.params.alpha === 2);
  assert.ok(c, "an elu alpha=2 case");
  assert.equal(getActivation("elu", { alpha: 2 }).params.alpha, 2);
});
