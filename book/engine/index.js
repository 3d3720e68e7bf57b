// gradnotes' browser engine: the probe, its statistics, the mean-field theory and the RNN gradient
// through time, in plain ES modules (no dependencies, no build step). Names follow gradnotes'
// Python API in camelCase; settings objects use the Python keyword names (bias_std, residual_scale).

export { ACTIVATIONS, Activation, getActivation, SATURATION_RATIO } from "./activations.js";
export { INITIALIZERS, Initializer, getInitializer } from "./initializers.js";
export { NORMS, EPS, getNorm } from "./norms.js";
export { Generator, Noise, STREAMS } from "./prng.js";
export { FLOAT32_TINY, RESIDUALS, Workspace, getResidual, propagate } from "./probe.js";
export { HISTOGRAM_BINS, HISTOGRAM_SAMPLE, histogramEdges, firstLastRatio } from "./stats.js";
export { Probe, networkSpec, readoutGradient, run, simulate, specConfig } from "./network.js";
export { rnnFromDraws, rnnGradients } from "./rnn.js";
export * as theory from "./theory.js";
