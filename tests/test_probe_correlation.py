"""gradnotes.probe._correlation: measured correlations of two inputs against the iterated c-map."""

import math

import numpy as np
import pytest

import gradnotes
from gradnotes import measure_correlations, simulate, theory
from gradnotes.noise import draw_noise
from gradnotes.probe import NetworkSpec
from gradnotes.probe._correlation import input_pair, network_layers

SB = math.sqrt(0.05)


def test_the_input_pair_has_the_asked_cosine_and_equal_norms():
    noise = draw_noise(1, 64, 2, 3)
    for c in (-1.0, -0.3, 0.0, 0.7, 1.0):
        a, b = input_pair(noise, c)
        assert a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) == pytest.approx(c, abs=1e-12)
        assert np.linalg.norm(a) == pytest.approx(np.linalg.norm(b), rel=1e-12)


def test_the_layers_are_the_probes_layers():
    # the same draws, init and gain as simulate: layer-1 pre-activation second moment matches the Trace's
    spec = NetworkSpec.build(3, 32, "tanh", "he_normal", gain=0.8, bias_std=0.1, batch=2, dtype="float64")
    (W, b), *_ = network_layers(spec)
    trace = simulate(3, 32, "tanh", "he_normal", gain=0.8, bias_std=0.1, batch=2, dtype="float64")
    noise = draw_noise(3, 32, 2, 0)
    z = noise.inputs @ W + b
    assert float(np.mean(z**2)) == pytest.approx(float(trace.preactivation_second_moments[0]), rel=1e-12)


def test_an_independent_plain_loop_gives_the_same_correlations():
    m = measure_correlations(5, 16, "relu", "he_normal", bias_std=0.2, c_input=0.3, seeds=(4,))
    noise = draw_noise(5, 16, 2, 4)
    rng_free = noise.inputs[:2].copy()
    a = rng_free[0]
    r = rng_free[1] - (rng_free[1] @ a) / (a @ a) * a
    b = np.linalg.norm(a) * (0.3 * a / np.linalg.norm(a) + math.sqrt(1 - 0.09) * r / np.linalg.norm(r))
    h = np.stack([a, b])
    for l in range(5):
        z = h @ (noise.weights[l] * math.sqrt(2 / 16)) + 0.2 * noise.biases[l]
        assert m.values[0, l] == pytest.approx(z[0] @ z[1] / np.linalg.norm(z[0]) / np.linalg.norm(z[1]), rel=1e-12)
        h = np.maximum(z, 0)


@pytest.mark.parametrize("sw2, c_input", [(1.2, 0.2), (1.76, 0.5), (3.0, 0.95)])  # ordered, critical, chaotic
def test_wide_networks_follow_the_iterated_c_map(sw2, c_input):
    depth = 15
    m = measure_correlations(depth, 1024, "tanh", gain=math.sqrt(sw2), bias_std=SB, c_input=c_input,
                             seeds=range(6))
    predicted = theory.correlation_profile("tanh", math.sqrt(sw2), SB, depth, c_input)
    # one network's c^l fluctuates by ~0.03-0.05 at width 1024 (mostly its one bias draw): 6 seeds average it
    np.testing.assert_allclose(m.mean, predicted, atol=0.035)
    assert np.max(np.abs(m.values - predicted)) < 0.15
    q = theory.variance_profile("tanh", math.sqrt(sw2), SB, depth)
    np.testing.assert_allclose(m.second_moments.mean(axis=0), q, rtol=0.1)


def test_in_the_ordered_phase_inputs_become_alike_and_in_the_chaotic_phase_they_do_not():
    ordered = measure_correlations(40, 256, "tanh", gain=1.0, bias_std=SB, c_input=0.0)
    chaotic = measure_correlations(40, 1024, "tanh", gain=2.0, bias_std=SB, c_input=0.99, seeds=range(3))
    assert ordered.mean[-1] > 0.99
    c_star = theory.fixed_point_correlation("tanh", 2.0, SB)
    assert abs(chaotic.mean[-1] - c_star) < 0.06 and c_star < 0.6


def test_result_is_readonly_and_reprs_and_refuses_bad_arguments():
    m = measure_correlations(3, 8, seeds=[0, 1])
    assert m.values.shape == (2, 3) and not m.values.flags.writeable and m.seeds == (0, 1)
    assert "Correlations(tanh" in repr(m) and gradnotes.measure_correlations is measure_correlations
    with pytest.raises(ValueError, match=r"c_input=2\.0 is out of range"):
        measure_correlations(3, 8, c_input=2.0)
    with pytest.raises(ValueError, match="seeds must be"):
        measure_correlations(3, 8, seeds=(1, 1))
    with pytest.raises(ValueError, match="depth=0"):
        measure_correlations(0, 8)
