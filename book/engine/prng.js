// The engine's own seeded random numbers: xoshiro128** streams, 53-bit uniforms, polar-method normals.
//
// Why not numpy's PCG64 + ziggurat: the fixtures carry Python's draws, so the engine only has to be
// a good generator of its own, small and fast. xoshiro128** (Blackman & Vigna 2018) has 2^128 - 1
// period, passes BigCrush, and needs only 32-bit integer operations (Math.imul), which JavaScript
// does natively. Its 128-bit state is filled from (seed, stream) by splitmix32, so every kind of draw
// (inputs, read-out, weights, biases) has its own stream of the seed, as gradnotes.noise does with
// SeedSequence.spawn: a deeper network shares its lower layers' weights, and a change of width or
// batch does not reshuffle the other kinds.
//
// uniform(): (a * 2^21 + b) / 2^53 from two outputs, a in [0, 2^32), b's top 21 bits: in [0, 1).
// normal(): Marsaglia's polar method on 2u - 1; both values of a pair are used, in order.

const TWO_POW_32 = 4294967296;
const TWO_POW_53_INV = 1 / 9007199254740992;

function splitmix32(state) {
  // One step of Vigna's splitmix32: returns [next state, output]; an integer hash of the state.
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

/** A xoshiro128** generator for stream `stream` of `seed` (non-negative integers below 2^53). */
export class Generator {
  constructor(seed = 0, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed=${seed} is out of range; allowed: an integer in [0, 2^53)`);
    }
    // Mix the seed's two 32-bit halves and the stream into the splitmix state, then draw 4 words.
    let s = (Math.floor(seed / TWO_POW_32) * 0x632be5ab) ^ (seed >>> 0);
    let out;
    [s] = splitmix32(s ^ Math.imul(stream + 1, 0x2545f491));
    const words = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      [s, out] = splitmix32(s);
      words[i] = out;
    }
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1; // the all-zero state is fixed
    this.s = words;
    this.spare = NaN;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32() {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform() {
    const a = this.nextUint32();
    const b = this.nextUint32() >>> 11;
    return (a * 2097152 + b) * TWO_POW_53_INV;
  }

  /** A standard-normal double. */
  normal() {
    if (this.spare === this.spare) { // not NaN: the second value of the last pair
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    let u, v, r;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      r = u * u + v * v;
    } while (r >= 1 || r === 0);
    const f = Math.sqrt(-2 * Math.log(r) / r);
    this.spare = v * f;
    return u * f;
  }

  /** Fill `out` (a Float64Array) with standard-normal draws; returns it. */
  fillNormal(out) {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }
}

function rotl(x, k) {
  return (x << k) | (x >>> (32 - k));
}

/** The stream numbers of the probe's draws (one stream per kind, as in gradnotes.noise). */
export const STREAMS = Object.freeze({ inputs: 0, readout: 1, weights: 2, biases: 3, rnn: 4 });

/**
 * Standard-normal draws behind one network, extended on demand: `weights(l)` is the same
 * width x width block whatever depth is asked for, so a depth slider adds layers on top.
 */
export class Noise {
  constructor(width, batch, seed = 0) {
    this.width = width;
    this.batch = batch;
    this.seed = seed;
    this.inputs = new Generator(seed, STREAMS.inputs).fillNormal(new Float64Array(batch * width));
    this.readout = new Generator(seed, STREAMS.readout).fillNormal(new Float64Array(batch * width));
    this._w = new Generator(seed, STREAMS.weights);
    this._b = new Generator(seed, STREAMS.biases);
    this._weights = [];
    this._biases = [];
  }

  get depth() {
    return this._weights.length;
  }

  /** Make sure the first `depth` layers are drawn. */
  extend(depth) {
    const n = this.width;
    while (this._weights.length < depth) {
      this._weights.push(this._w.fillNormal(new Float64Array(n * n)));
      this._biases.push(this._b.fillNormal(new Float64Array(n)));
    }
    return this;
  }

  /** N(0, 1) draws of layer l's weights (0-based), row-major (fan_in, fan_out). */
  weights(l) {
    this.extend(l + 1);
    return this._weights[l];
  }

  /** N(0, 1) draws of layer l's biases (0-based). */
  biases(l) {
    this.extend(l + 1);
    return this._biases[l];
  }
}
