"""Write the JSON fixtures that pin the browser engine (book/engine/) to the Python engine.

Usage: ``python tools/engine_fixtures.py [OUTDIR]`` (default ``_build/engine-fixtures``).

Everything is read through gradnotes' public API and run in float64:

* ``probe.json``: small networks covering every activation, initializer, norm and
  residual kind: the standard-normal draws (:func:`gradnotes.draw_noise`), the
  weights and biases :func:`gradnotes.simulate` built from them, the read-out
  gradient, and every per-layer number of the :class:`~gradnotes.Trace`, plus the
  mean-field predictions for it;
* ``activations.json``: values and derivatives on test points and each
  activation's facts (gain, range, saturation level, histogram edges);
* ``theory.json``: length map, fixed point, chi_1, profiles, critical sigma_w,
  phase diagram;
* ``rnn.json``: :func:`gradnotes.recurrent.rnn_gradients` with its draws;
* ``float32.json``: gradnotes' default float32 probe where it overflows: the layer it overflows at;
* ``statistics.json``, ``rnn_statistics.json``: per-layer (per-step) means and standard
  deviations of log-norms over seeds, for the statistical test of the engine's own draws.

Non-finite floats are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``
(JSON has no spelling for them). Sizes stay small (width <= 32, depth <= 12).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

import gradnotes
from gradnotes import ACTIVATIONS, INITIALIZERS, NORMS, draw_noise, get_activation, simulate, theory
from gradnotes.probe import histogram_edges
from gradnotes.recurrent import rnn_gradients

DEFAULT_OUT = Path("_build/engine-fixtures")

#: Activations with non-default parameters that get a case of their own.
PARAM_VARIANTS = [("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}), ("elu", {"alpha": 2.0})]


def plain(x):
    """JSON-able: arrays to (nested) lists, non-finite floats to strings."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return plain(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))
    return x


def activation_case(name, params):
    act = get_activation(name, **params)
    return {"name": name, "params": dict(act.params)}


# --- probe --------------------------------------------------------------------------------------

#: The engine's residual kinds as gradnotes.simulate spells them (False and True: the old spellings, kept).
RESIDUAL_ARG = {None: False, "post": True, "pre": "pre"}


def probe_configs():
    base = dict(depth=6, width=16, batch=8, bias_std=0.0, residual=None, norm=None, residual_scale=1.0)
    configs = []
    default_init = {"relu": "he_normal", "leaky_relu": "he_normal", "elu": "he_normal", "selu": "lecun_normal"}
    for i, name in enumerate(ACTIVATIONS):
        configs.append({**base, "activation": name, "params": {}, "init": default_init.get(name, "xavier_normal"),
                        "gain": 1.0, "bias_std": 0.1 * (i % 3), "seed": i})
    for j, (name, params) in enumerate(PARAM_VARIANTS):
        configs.append({**base, "activation": name, "params": params, "init": "he_uniform", "gain": 1.1,
                        "seed": 20 + j})
    for k, init in enumerate(INITIALIZERS):
        configs.append({**base, "activation": "tanh", "params": {}, "init": init, "gain": 1.3, "bias_std": 0.05,
                        "depth": 8, "width": 12, "batch": 6, "seed": 40 + k})
    configs.append({**base, "activation": "relu", "params": {}, "init": "orthogonal", "gain": 1.0, "seed": 60,
                    "width": 10, "batch": 20})  # wide batch, tall draws
    for k, norm in enumerate(NORMS):
        for a, act in enumerate(("tanh", "relu", "gelu")):
            configs.append({**base, "activation": act, "params": {}, "init": "xavier_uniform", "gain": 1.5,
                            "bias_std": 0.2, "norm": norm, "seed": 70 + 3 * k + a})
    residuals = [("post", 1.0, None), ("post", 0.5, None), ("post", 0.3, "layer"), ("post", 0.7, "batch"),
                 ("pre", 1.0, None), ("pre", 0.5, None), ("pre", 0.5, "layer"), ("pre", 0.7, "batch")]
    for k, (res, scale, norm) in enumerate(residuals):
        for a, act in enumerate(("tanh", "relu", "sigmoid")):
            configs.append({**base, "activation": act, "params": {}, "init": "he_normal", "gain": 1.0,
                            "bias_std": 0.1, "residual": res, "residual_scale": scale, "norm": norm,
                            "depth": 10, "seed": 90 + 3 * k + a})
    # deep-ish and a saturated/dead regime, small widths
    configs.append({**base, "activation": "tanh", "params": {}, "init": "normal", "gain": 0.4, "bias_std": 1.0,
                    "depth": 12, "width": 32, "batch": 16, "seed": 120})
    configs.append({**base, "activation": "relu", "params": {}, "init": "he_normal", "gain": 0.5, "bias_std": 0.5,
                    "depth": 12, "width": 24, "batch": 3, "seed": 121})
    configs.append({**base, "activation": "sigmoid", "params": {}, "init": "xavier_normal", "gain": 1.0,
                    "depth": 1, "width": 1, "batch": 1, "seed": 122})
    # dL/dW below float32's range (flagged as float32 underflow), and just above it
    for k, gain in enumerate((2e-4, 1e-3)):
        configs.append({**base, "activation": "linear", "params": {}, "init": "xavier_normal", "gain": gain,
                        "depth": 12, "width": 16, "batch": 4, "seed": 130 + k})
    # saturated to the last bit: phi' = 0 exactly, zero gradients, no prediction
    configs.append({**base, "activation": "tanh", "params": {}, "init": "normal", "gain": 300.0,
                    "depth": 4, "width": 8, "batch": 4, "seed": 123})
    configs.append({**base, "activation": "relu", "params": {}, "init": "zeros", "gain": 1.0, "bias_std": 0.0,
                    "depth": 3, "width": 8, "batch": 4, "seed": 124})
    return configs


def probe_case(cfg):
    act = get_activation(cfg["activation"], **cfg["params"])
    kwargs = dict(activation=act, init=cfg["init"], gain=cfg["gain"], bias_std=cfg["bias_std"],
                  batch=cfg["batch"], residual=RESIDUAL_ARG[cfg["residual"]], norm=cfg["norm"], dtype="float64",
                  seed=cfg["seed"], keep_grads=True, residual_scale=cfg["residual_scale"])
    t = simulate(cfg["depth"], cfg["width"], **kwargs)
    noise = draw_noise(cfg["depth"], cfg["width"], cfg["batch"], cfg["seed"])
    theory_out = {"predicted_variance": None, "predicted_grad_norms": None}
    with np.errstate(all="ignore"):
        for key in theory_out:
            try:
                value = getattr(theory, key)(t)
            except Exception as err:  # a failure of the Python side is recorded, and the test skips it
                theory_out[key] = {"error": f"{type(err).__name__}: {err}"}
                continue
            theory_out[key] = None if value is None else np.asarray(value, float)
    expected = {
        key: getattr(t, key) for key in (
            "loss", "grad_weight_norms", "grad_bias_norms", "grad_activation_norms", "grad_input_norm",
            "activation_means", "activation_stds", "preactivation_second_moments", "saturation", "dead_units",
            "histogram_edges", "activation_histograms", "overflow_layer")
    }
    expected["summary"] = t.summary()
    expected.update(sigma_w=t.sigma_w, sigma_b=t.sigma_b, chi1=t.chi1, **theory_out)
    return {
        "config": cfg,
        "noise": {"inputs": noise.inputs, "readout": noise.readout, "weights": noise.weights, "biases": noise.biases},
        "weights": np.stack(t.weights), "biases": np.stack(t.biases), "output_grad": t.output_grad,
        "expected": expected,
    }


def float32_cases():
    """gradnotes' default float32 probe where it overflows (or nearly): the layer it overflows at."""
    out = []
    for act, init, gain, seed in [("linear", "normal", 1000.0, 3), ("relu", "normal", 1000.0, 3),
                                  ("relu", "he_normal", 150.0, 4), ("tanh", "normal", 1000.0, 5),
                                  ("sigmoid", "xavier_normal", 1.0, 6), ("elu", "normal", 700.0, 7)]:
        cfg = dict(depth=12, width=32, batch=8, activation=act, params={}, init=init, gain=gain, bias_std=0.0,
                   residual=None, residual_scale=1.0, norm=None, seed=seed)
        t = simulate(12, 32, act, init, gain=gain, batch=8, seed=seed)  # float32, the explorers' dtype
        out.append({"config": cfg, "expected": {"overflow_layer": t.overflow_layer,
                                                "overflowed": t.overflowed,
                                                "grad_weight_norms": t.grad_weight_norms.astype(float),
                                                "activation_stds": t.activation_stds}})
    return out


# --- activations ----------------------------------------------------------------------------------

POINTS = [-1e4, -60.0, -30.0, -8.0, -3.0, -1.5, -1.0, -0.5, -1e-3, -1e-300, 0.0, 1e-300, 1e-3, 0.3, 0.5, 1.0,
          1.7, 2.5, 4.0, 8.0, 20.0, 40.0, 1e4]


def activation_cases():
    out = []
    cases = [(name, {}) for name in ACTIVATIONS] + PARAM_VARIANTS
    x = np.array(POINTS)
    rng = np.random.default_rng(1)
    x = np.concatenate((x, rng.standard_normal(40) * 3))
    for name, params in cases:
        act = get_activation(name, **params)
        out.append({
            **activation_case(name, params),
            "x": x, "value": act(x), "derivative": act.derivative(x),
            "gain": act.gain, "max_derivative": act.max_derivative, "output_range": act.output_range,
            "saturation_level": act.saturation_level, "histogram_edges": histogram_edges(act),
        })
    return out


# --- theory ---------------------------------------------------------------------------------------

THEORY_POINTS = [(1.0, 0.0), (1.5, 0.0), (0.8, 0.3), (1.3, 0.05), (2.0, 0.5), (0.5, 1.0), (3.0, 0.1)]
Q_POINTS = [1e-8, 0.01, 0.3, 1.0, 2.5, 10.0, 1e3, 1e6]


def theory_cases():
    cases = [(name, {}) for name in ACTIVATIONS] + PARAM_VARIANTS
    out = []
    with np.errstate(all="ignore"):
        for name, params in cases:
            act = get_activation(name, **params)
            points = []
            for sw, sb in THEORY_POINTS:
                points.append({
                    "sigma_w": sw, "sigma_b": sb,
                    "length_map": [float(theory.length_map(act, sw, sb, q)) for q in Q_POINTS],
                    "chi1_at_q": [theory.chi1(act, sw, sb, q=q) for q in Q_POINTS],
                    "fixed_point": theory.fixed_point(act, sw, sb),
                    "chi1": theory.chi1(act, sw, sb),
                    "variance_profile": theory.variance_profile(act, sw, sb, 10),
                    "gradient_profile": theory.gradient_profile(act, sw, sb, 10),
                    "weight_gradient_profile": theory.weight_gradient_profile(act, sw, sb, 10),
                })
            critical = {}
            for sb in (0.0, 0.3):
                try:
                    critical[str(sb)] = theory.critical_sigma_w(act, sb)
                except ValueError:
                    critical[str(sb)] = None
            grid_w, grid_b = np.linspace(0.5, 3.0, 6), np.array([0.0, 0.2, 0.7, 1.5])
            out.append({
                **activation_case(name, params), "q": Q_POINTS, "points": points,
                "critical_sigma_w": critical,
                "phase": {"sigma_w": grid_w, "sigma_b": grid_b,
                          "chi1": theory.phase_diagram(act, grid_w, grid_b)},
            })
    return out


# --- RNN ------------------------------------------------------------------------------------------

def rnn_cases():
    out = []
    for k, (act, rho, steps, width, batch, input_std) in enumerate([
        ("linear", 0.9, 20, 8, 3, 1.0), ("tanh", 1.2, 25, 16, 4, 0.5), ("relu", 1.0, 15, 12, 2, 1.0),
        ("sigmoid", 3.0, 10, 6, 5, 1.0), ("gelu", 1.1, 12, 10, 3, 2.0),
    ]):
        seed = 200 + k
        r = rnn_gradients(steps, rho, act, width=width, batch=batch, input_std=input_std, seed=seed)
        # The draws, in rnn_gradients' documented order: W = rho * orthogonal, inputs u, read-out.
        rng = np.random.default_rng(seed)
        W = INITIALIZERS["orthogonal"](width, width, rng, gain=rho)
        u = rng.standard_normal((steps, batch, width)) * input_std
        readout = rng.standard_normal((batch, width))
        readout /= np.linalg.norm(readout)
        out.append({
            "config": {"activation": act, "spectral_radius": rho, "steps": steps, "width": width, "batch": batch,
                       "input_std": input_std, "seed": seed},
            "W": W, "inputs": u, "readout": readout,
            "expected": {"grad_norms": r.grad_norms, "state_stds": r.state_stds, "saturation": r.saturation,
                         "overflow_step": r.overflow_step},
        })
    return out


# --- statistics over seeds ------------------------------------------------------------------------

STAT_SEEDS = range(32)


def statistics_cases():
    out = []
    for cfg in [
        dict(activation="tanh", init="xavier_normal", gain=1.0, bias_std=0.0, norm=None, residual=False),
        dict(activation="relu", init="he_normal", gain=1.0, bias_std=0.1, norm=None, residual=False),
        dict(activation="sigmoid", init="xavier_uniform", gain=1.0, bias_std=0.0, norm=None, residual=False),
        dict(activation="tanh", init="orthogonal", gain=1.2, bias_std=0.0, norm="layer", residual=False),
        dict(activation="relu", init="he_normal", gain=1.0, bias_std=0.0, norm=None, residual=True,
             residual_scale=0.3),
        dict(activation="relu", init="he_normal", gain=1.0, bias_std=0.1, norm=None, residual="pre",
             residual_scale=0.3),
    ]:
        depth, width, batch = 12, 32, 16
        logs = {"grad_weight_norms": [], "grad_activation_norms": [], "preactivation_second_moments": []}
        for seed in STAT_SEEDS:
            t = simulate(depth, width, batch=batch, dtype="float64", seed=seed, **cfg)
            for key in logs:
                logs[key].append(np.log(getattr(t, key)))
        stats = {k: {"mean": np.mean(v, 0), "std": np.std(v, 0, ddof=1)} for k, v in logs.items()}
        out.append({"config": {**cfg, "residual": gradnotes.probe.residual_kind(cfg["residual"]),
                               "residual_scale": cfg.get("residual_scale", 1.0),
                               "depth": depth, "width": width, "batch": batch, "params": {}},
                    "seeds": len(STAT_SEEDS), "log": stats})
    return out


def rnn_statistics_cases():
    out = []
    for act, rho in [("tanh", 1.0), ("tanh", 1.5), ("relu", 0.9)]:
        steps, width, batch = 30, 32, 8
        logs = np.array([np.log(rnn_gradients(steps, rho, act, width=width, batch=batch, seed=s).grad_norms)
                         for s in STAT_SEEDS])
        out.append({"config": {"activation": act, "spectral_radius": rho, "steps": steps, "width": width,
                               "batch": batch, "input_std": 1.0},
                    "seeds": len(STAT_SEEDS), "log": {"grad_norms": {"mean": logs.mean(0), "std": logs.std(0, ddof=1)}}})
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "probe.json": [probe_case(c) for c in probe_configs()],
        "activations.json": activation_cases(),
        "theory.json": theory_cases(),
        "rnn.json": rnn_cases(),
        "float32.json": float32_cases(),
        "statistics.json": statistics_cases(),
        "rnn_statistics.json": rnn_statistics_cases(),
    }
    for name, data in files.items():
        (out / name).write_text(json.dumps(plain(data), allow_nan=False))
    sizes = ", ".join(f"{n} {(out / n).stat().st_size / 1024:.0f} KB" for n in files)
    print(f"engine fixtures in {out}: {sizes}")


if __name__ == "__main__":
    main()
