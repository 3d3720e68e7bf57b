// Activations and their facts against gradnotes.ACTIVATIONS, and derivatives against finite differences.
import test from "node:test";
import assert from "node:assert/strict";
import { ACTIVATIONS, getActivation, histogramEdges } from "../../book/engine/index.js";
import { assertClose, loadFixture } from "./helpers.mjs";

const CASES = loadFixture("activations.json");

test("every registered activation has a fixture", () => {
  const names = new Set(CASES.map((c) => c.name));
  assert.deepEqual([...names].sort(), Object.keys(ACTIVATIONS).sort());
});

for (const c of CASES) {
  const act = getActivation(c.name, c.params);
  const label = `${c.name} ${JSON.stringify(c.params)}`;

  test(`values and derivatives: ${label}`, () => {
    const x = Float64Array.from(c.x);
    // 1e-12 relative (Phi for x < 0 is 0.5 - 0.5 erf, ~1e-13 relative; Math.tanh and numpy's may differ
    // by an ulp, which 1 - tanh^2 turns into an absolute 1e-16).
    assertClose(act.forward(x, new Float64Array(x.length)), c.value, { rtol: 1e-12, atol: 1e-16, what: "phi" });
    assertClose(act.derivative(x, new Float64Array(x.length)), c.derivative, { rtol: 1e-12, atol: 1e-15, what: "phi'" });
    if (act.fromOutput) {
      const h = act.forward(x, new Float64Array(x.length));
      const fromOut = Array.from(h, act.fromOutput);
      assertClose(fromOut, c.derivative, { rtol: 1e-9, atol: 1e-12, what: "phi' from the output" });
    }
  });

  test(`facts: ${label}`, () => {
    assertClose([act.gain], [c.gain], { rtol: 1e-12, what: "gain" });
    assertClose([act.maxDerivative], [c.max_derivative], { rtol: 1e-13, what: "max_derivative" });
    assertClose(act.outputRange, c.output_range, { rtol: 1e-13, what: "output_range" });
    if (c.saturation_level === null) assert.equal(act.saturationLevel, null);
    else assertClose([act.saturationLevel], [c.saturation_level], { rtol: 1e-13, what: "saturation_level" });
    assertClose(histogramEdges(act), c.histogram_edges, { rtol: 1e-13, atol: 1e-15, what: "histogram_edges" });
  });

  test(`derivative by central differences: ${label}`, () => {
    const kinks = act.kinks;
    for (let x = -6.05; x < 6; x += 0.37) {
      if (kinks.some((k) => Math.abs(x - k) < 1e-3)) continue;
      const h = 1e-5;
      const fd = (act.f(x + h) - act.f(x - h)) / (2 * h);
      assert.ok(Math.abs(fd - act.d(x)) < 1e-8 * Math.max(1, Math.abs(fd)), `${label}: phi'(${x}) = ${act.d(x)}, differences give ${fd}`);
    }
  });
}

test("extreme inputs give finite values and derivatives", () => {
  for (const act of Object.values(ACTIVATIONS)) {
    for (const x of [-1e300, -1e4, 1e4, 1e300]) {
      assert.ok(Number.isFinite(act.d(x)), `${act.name}'(${x})`);
      if (Math.abs(x) < 1e5) assert.ok(Number.isFinite(act.f(x)), `${act.name}(${x})`);
    }
  }
});

test("parameters are checked", () => {
  assert.throws(() => getActivation("elu", { alpha: 5 }), /alpha=5 is out of range; allowed: \[0, 3\]/);
  assert.throws(() => getActivation("tanh", { alpha: 1 }), /parameter name="alpha" is not allowed/);
  assert.throws(() => getActivation("swish"), /activation="swish" is not allowed; choose one of linear/);
});
