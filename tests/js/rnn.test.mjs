// RNN gradients through time against gradnotes.recurrent.rnn_gradients on the same draws.
import test from "node:test";
import assert from "node:assert/strict";
import { rnnFromDraws, rnnGradients } from "../../book/engine/index.js";
import { assertClose, flat, loadFixture } from "./helpers.mjs";

for (const c of loadFixture("rnn.json")) {
  const k = c.config;
  test(`rnn ${k.activation} rho=${k.spectral_radius} steps=${k.steps}`, () => {
    const r = rnnFromDraws({ W: flat(c.W), inputs: flat(c.inputs), readout: flat(c.readout), activation: k.activation,
      steps: k.steps, width: k.width, batch: k.batch });
    assertClose(r.gradNorms, c.expected.grad_norms, { rtol: 1e-9, what: "grad_norms" });
    assertClose(r.stateStds, c.expected.state_stds, { rtol: 1e-9, what: "state_stds" });
    assertClose(r.saturation, c.expected.saturation, { rtol: 0, atol: 1e-12, what: "saturation" });
    assert.equal(r.overflowStep, c.expected.overflow_step);
  });
}

test("a linear RNN's gradient is exactly rho^(T - t)", () => {
  const r = rnnGradients(50, 0.9, "linear", { width: 16, batch: 4, seed: 3 });
  assertClose([r.gradNorms[0]], [0.9 ** 50], { rtol: 1e-10 });
  assertClose([r.gradNorms[25]], [0.9 ** 25], { rtol: 1e-10 });
});
