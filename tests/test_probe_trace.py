"""Trace: the numbers the chapters ask of a probe, computed once."""

import math

import numpy as np
import pytest

from gradnotes import simulate, theory


def test_first_last_ratio_and_per_layer_factor():
    t = simulate(12, 64, "sigmoid", batch=16)
    g = t.grad_weight_norms
    assert t.first_last_ratio() == g[0] / g[-1]
    h = t.grad_activation_norms
    assert t.first_last_ratio("grad_activation_norms") == h[0] / h[-1]
    assert t.per_layer_factor() == pytest.approx((g[0] / g[-1]) ** (1 / 11), rel=1e-12)
    # a linear network at sigma_w = 0.5: each layer halves the gradient of the activations
    lin = simulate(10, 512, "linear", gain=0.5, batch=64)
    assert lin.per_layer_factor("grad_activation_norms") == pytest.approx(0.5, rel=0.05)
    assert math.isnan(simulate(1, 8).per_layer_factor())
    with pytest.raises(ValueError, match="of='loss' is not a per-layer quantity"):
        t.first_last_ratio("loss")


def test_ratio_with_a_zero_top():
    # zero weights: h_l = tanh(0) = 0 above the input and dL/dh_l = 0 below the top, so every dL/dW_l is 0
    zeros = simulate(5, 16, init="zeros", batch=4)
    assert not zeros.grad_weight_norms.any() and math.isnan(zeros.first_last_ratio())
    assert zeros.first_last_ratio("grad_activation_norms") == 0.0  # only the top receives a gradient


def test_mean_field_description():
    t = simulate(5, 64, "tanh", "xavier_normal", gain=1.2, bias_std=0.3, batch=8)
    assert t.sigma_w == pytest.approx(1.2) and t.sigma_b == 0.3
    assert t.chi1 == pytest.approx(theory.chi1("tanh", 1.2, 0.3), rel=1e-12)
    assert simulate(5, 16, residual=True, batch=4).chi1 is None
    assert simulate(5, 16, norm="batch", batch=4).chi1 is None


def test_summary_is_plain_data_matching_the_arrays():
    t = simulate(10, 32, "tanh", batch=8)
    s = t.summary()
    assert s["grad_weight_norms"] == t.grad_weight_norms.tolist()
    assert s["first_last_ratio"] == t.first_last_ratio()
    assert s["chi1"] == pytest.approx(1.0, abs=1e-6) and s["sigma_w"] == pytest.approx(1.0)
    assert all(isinstance(v, (int, float, list, type(None))) for v in s.values())
    assert simulate(5, 16, residual=True, batch=4).summary()["sigma_w"] is None


def test_config_cannot_be_changed():
    t = simulate(3, 8, batch=2)
    with pytest.raises(TypeError):
        t.config["depth"] = 4
    assert t.config["depth"] == 3 == t.spec.depth
    with pytest.raises(ValueError):
        t.grad_weight_norms[0] = 1.0


def test_overflow_is_reported_not_hidden():
    t = simulate(60, 64, "relu", "normal", batch=8)  # N(0, 1) weights: x sqrt(64/2) per layer
    assert t.overflow and t.overflow_layer is not None
    s = t.summary()
    assert s["overflow_layer"] == t.overflow_layer and s["overflowed_layers"][0] <= t.overflow_layer
    assert np.isinf(t.activation_stds[-1]) or np.isnan(t.activation_stds[-1])
