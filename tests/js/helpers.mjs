// Shared by the engine tests: fixture loading and tolerant comparisons.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = process.env.GRADNOTES_ENGINE_FIXTURES || join(ROOT, "_build", "engine-fixtures");

const NON_FINITE = { inf: Infinity, "-inf": -Infinity, nan: NaN };

/** A fixture file, with "inf"/"-inf"/"nan" strings turned back into numbers. */
export function loadFixture(name) {
  let text;
  try {
    text = readFileSync(join(FIXTURES, name), "utf8");
  } catch (err) {
    throw new Error(`fixture ${name} is missing in ${FIXTURES}: run 'make test-js' (or .venv/bin/python tools/engine_fixtures.py) first`);
  }
  return JSON.parse(text, (key, value) => (typeof value === "string" && value in NON_FINITE ? NON_FINITE[value] : value));
}

/** Nested arrays flattened into a Float64Array. */
export function flat(x) {
  if (ArrayBuffer.isView(x)) return Float64Array.from(x);
  return Float64Array.from(Array.isArray(x) ? x.flat(Infinity) : [x]);
}

/**
 * Assert |a - e| <= rtol * |e| + atol entry by entry (equal non-finite values pass), with a
 * message naming the quantity and the worst entry.
 */
export function assertClose(actual, expected, { rtol = 1e-9, atol = 0, what = "value" } = {}) {
  const a = flat(plainArray(actual));
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: length ${a.length} != ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (!Number.isFinite(e[i]) || !Number.isFinite(a[i])) {
      if (a[i] !== e[i]) { worst = i; worstExcess = Infinity; break; }
      continue;
    }
    const excess = Math.abs(a[i] - e[i]) - (rtol * Math.abs(e[i]) + atol);
    if (excess > worstExcess) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) {
    const rel = Math.abs(a[worst] - e[worst]) / Math.abs(e[worst]);
    assert.fail(`${what}[${worst}]: got ${a[worst]}, expected ${e[worst]} (relative error ${rel.toExponential(2)}, allowed rtol=${rtol}, atol=${atol})`);
  }
}

function plainArray(x) {
  if (Array.isArray(x)) return x.map((v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));
  if (ArrayBuffer.isView(x)) return Array.from(x);
  return x;
}
