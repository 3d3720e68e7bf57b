// The engine's mean-field theory against gradnotes.theory (float64 quadrature on both sides).
import test from "node:test";
import assert from "node:assert/strict";
import { getActivation, theory } from "../../book/engine/index.js";
import { assertClose, loadFixture } from "./helpers.mjs";

const CASES = loadFixture("theory.json");
const RTOL = 1e-8;

for (const c of CASES) {
  const act = getActivation(c.name, c.params);
  const label = `${c.name} ${JSON.stringify(c.params)}`;

  test(`length map, fixed point, chi_1 and profiles: ${label}`, () => {
    for (const p of c.points) {
      const at = `${label} sigma_w=${p.sigma_w} sigma_b=${p.sigma_b}`;
      assertClose(c.q.map((q) => theory.lengthMap(act, p.sigma_w, p.sigma_b, q)), p.length_map, { rtol: RTOL, what: `length_map ${at}` });
      assertClose(c.q.map((q) => theory.chi1(act, p.sigma_w, p.sigma_b, q)), p.chi1_at_q, { rtol: RTOL, what: `chi1(q) ${at}` });
      assertClose([theory.fixedPoint(act, p.sigma_w, p.sigma_b)], [p.fixed_point], { rtol: RTOL, what: `fixed_point ${at}` });
      assertClose([theory.chi1(act, p.sigma_w, p.sigma_b)], [p.chi1], { rtol: RTOL, what: `chi1 ${at}` });
      assertClose(theory.varianceProfile(act, p.sigma_w, p.sigma_b, 10), p.variance_profile, { rtol: RTOL, what: `variance_profile ${at}` });
      assertClose(theory.gradientProfile(act, p.sigma_w, p.sigma_b, 10), p.gradient_profile, { rtol: RTOL, what: `gradient_profile ${at}` });
      assertClose(theory.weightGradientProfile(act, p.sigma_w, p.sigma_b, 10), p.weight_gradient_profile, { rtol: RTOL, what: `weight_gradient_profile ${at}` });
    }
  });

  test(`critical sigma_w: ${label}`, () => {
    for (const [sb, expected] of Object.entries(c.critical_sigma_w)) {
      if (expected === null) assert.throws(() => theory.criticalSigmaW(act, Number(sb)), RangeError);
      else assertClose([theory.criticalSigmaW(act, Number(sb))], [expected], { rtol: RTOL, what: `critical_sigma_w(sigma_b=${sb})` });
    }
  });

  test(`phase diagram: ${label}`, () => {
    const { sigma_w: sw, sigma_b: sb, chi1 } = c.phase;
    assertClose(theory.phaseDiagram(act, sw, sb), chi1, { rtol: RTOL, what: "phase_diagram" });
    // The tabulated grid agrees with the exact one to ~1e-3 (gradnotes' stated accuracy), away from a jump.
    if (!["gelu", "silu"].includes(c.name)) assertClose(theory.phaseGrid(act, sw, sb), chi1, { rtol: 2e-3, what: "phase_grid" });
  });
}

test("exact identities", () => {
  assertClose([theory.chi1("relu", Math.SQRT2, 0)], [1], { rtol: 1e-12 });
  assertClose([theory.lengthMap("relu", Math.SQRT2, 0, 3)], [3], { rtol: 1e-12 });
  assertClose(theory.varianceProfile("relu", 1, 0, 4), [1, 0.5, 0.25, 0.125], { rtol: 1e-12 });
  assertClose(theory.gradientProfile("linear", 0.5, 0, 3), [0.25, 0.5, 1], { rtol: 1e-12 });
  assertClose(theory.weightGradientProfile("linear", 0.5, 0, 3), [1, 1, 1], { rtol: 1e-12 });
  assert.equal(theory.fixedPoint("tanh", 0.9, 0), 0);
  assert.equal(theory.fixedPoint("relu", 2, 0), Infinity);
  assertClose([theory.criticalSigmaW("tanh", 0)], [1], { rtol: 1e-9 });
  assert.equal(theory.edgeOfChaos("gelu").continuous, false);
});
