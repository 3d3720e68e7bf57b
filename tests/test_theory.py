"""Mean-field theory: the papers' numbers, closed forms, and agreement with the probe."""

import math

import numpy as np
import pytest

from gradnotes import INITIALIZERS, simulate, theory
from gradnotes.theory import expect


def test_tanh_numbers_from_the_papers():
    # shared/notes/papers.md (Poole 2016, Schoenholz 2017), recomputed
    assert theory.fixed_point("tanh", math.sqrt(2), 0.0) == pytest.approx(0.618, abs=5e-4)
    assert theory.chi1("tanh", math.sqrt(2), 0.0) == pytest.approx(1.106, abs=5e-4)
    assert theory.chi1("tanh", 5 / 3, 0.0) == pytest.approx(1.21, abs=5e-3)
    assert theory.critical_sigma_w("tanh", math.sqrt(0.05)) ** 2 == pytest.approx(1.76, abs=5e-3)


@pytest.mark.parametrize("sigma_w", [0.3, 0.7, 1.0])
def test_tanh_without_bias_is_ordered_below_one(sigma_w):
    assert theory.fixed_point("tanh", sigma_w, 0.0) == pytest.approx(0.0, abs=1e-12)
    assert theory.chi1("tanh", sigma_w, 0.0) == pytest.approx(sigma_w**2, rel=1e-12)


def test_critical_points_in_closed_form():
    assert theory.critical_sigma_w("tanh", 0.0) == pytest.approx(1.0, abs=1e-7)
    assert theory.critical_sigma_w("relu", 0.0) == pytest.approx(math.sqrt(2), rel=1e-9)
    assert theory.critical_sigma_w("relu", 0.5) == pytest.approx(math.sqrt(2), rel=1e-9)
    assert theory.critical_sigma_w("linear", 0.3) == pytest.approx(1.0, rel=1e-9)
    a = 0.2  # leaky ReLU: E[phi'^2] = (1 + a^2) / 2
    assert theory.critical_sigma_w("leaky_relu", 0.0) == pytest.approx(math.sqrt(2 / (1 + 0.01**2)), rel=1e-9)


@pytest.mark.parametrize("sigma_w, sigma_b", [(1.0, 0.0), (1.2, 0.3), (0.8, 0.5)])
def test_relu_length_map_in_closed_form(sigma_w, sigma_b):
    # E[relu(sqrt(q) z)^2] = q / 2, so q* = sigma_b^2 / (1 - sigma_w^2 / 2)
    assert theory.length_map("relu", sigma_w, sigma_b, 3.0) == pytest.approx(sigma_w**2 * 1.5 + sigma_b**2, rel=1e-12)
    expected = sigma_b**2 / (1 - sigma_w**2 / 2)
    assert theory.fixed_point("relu", sigma_w, sigma_b) == pytest.approx(expected, rel=1e-10, abs=1e-30)
    assert theory.chi1("relu", sigma_w, sigma_b) == pytest.approx(sigma_w**2 / 2, rel=1e-12)


def test_diverging_and_marginal_length_maps():
    assert theory.fixed_point("relu", 1.6, 0.0) == math.inf
    assert theory.fixed_point("relu", math.sqrt(2), 0.0, q0=3.0) == pytest.approx(3.0)
    assert theory.fixed_point("linear", 1.01, 0.0) == math.inf


def test_selu_fixed_point_is_one_with_lecun_init():
    # Klambauer et al.: mean 0, variance 1 is a fixed point for Var[W] = 1/n
    assert theory.fixed_point("selu", 1.0, 0.0) == pytest.approx(1.0, abs=1e-6)


def test_quadrature_against_monte_carlo():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(4_000_000)
    from gradnotes import ACTIVATIONS

    for name in ["tanh", "gelu", "elu", "selu", "softplus", "sigmoid"]:
        act = ACTIVATIONS[name]
        q = 1.7
        mc = 1.3**2 * np.mean(act.derivative(math.sqrt(q) * z) ** 2)
        assert theory.chi1(name, 1.3, 0.2, q=q) == pytest.approx(mc, rel=3e-3)


def test_kinked_quadrature_is_exact():
    assert expect(lambda z: (z > 0).astype(float), (0.0,)) == pytest.approx(0.5, abs=1e-12)
    assert expect(lambda z: np.maximum(z, 0) ** 2, (0.0,)) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(
    "act, init, gain, sigma_b",
    [("tanh", "xavier_normal", 1.5, 0.3), ("relu", "he_normal", 0.8, 0.5), ("selu", "lecun_normal", 1.0, 0.0),
     ("sigmoid", "xavier_normal", 2.0, 0.0)],
)
def test_variance_profile_matches_the_probe(act, init, gain, sigma_b):
    # A finite width makes each layer's gain fluctuate by ~sqrt(2/N) (4% at N = 1024) once the
    # examples have become correlated, and the fluctuations compound over layers: average a few
    # networks, allow 10% per layer, and demand the layers' average ratio be within 3%.
    qs = [simulate(20, 1024, act, init, gain=gain, bias_std=sigma_b, batch=64, seed=s).preactivation_second_moments
          for s in range(4)]
    sw = INITIALIZERS[init].sigma_w(1024, 1024, gain)
    q = theory.variance_profile(act, sw, sigma_b, 20)
    measured = np.mean(qs, axis=0)
    np.testing.assert_allclose(measured, q, rtol=0.10)
    assert np.mean(measured / q) == pytest.approx(1.0, abs=0.03)


def measured_factor(trace, skip=5):
    """Geometric mean of ||dL/dh_{l-1}||^2 / ||dL/dh_l||^2 over layers where q has converged."""
    g = trace.grad_activation_norms
    ratios = (g[:-1] / g[1:]) ** 2
    return float(np.exp(np.mean(np.log(ratios[skip:]))))


@pytest.mark.parametrize(
    "activation, sigma_w, sigma_b",
    [
        ("tanh", 0.8, 0.0),   # ordered
        ("tanh", 1.0, 0.4),   # ordered, with bias
        ("tanh", 2.0, 0.1),   # chaotic
        ("tanh", 2.5, 0.0),   # chaotic
        ("relu", 1.2, 0.2),   # ordered
        ("relu", 1.6, 0.0),   # chaotic (q diverges; chi1 = sigma_w^2 / 2)
        ("gelu", 1.8, 0.1),
    ],
)
def test_measured_gradient_factor_matches_chi1(activation, sigma_w, sigma_b):
    width = 1000
    t = simulate(30, width, activation, "lecun_normal", gain=sigma_w, bias_std=sigma_b, batch=128, seed=2, dtype="float64")
    predicted = theory.chi1(activation, sigma_w, sigma_b)
    assert measured_factor(t) == pytest.approx(predicted, rel=0.10)
    assert (predicted < 1) == (measured_factor(t) < 1) or abs(predicted - 1) < 0.05


def test_gradient_profile_matches_the_probe():
    t = simulate(25, 1000, "tanh", "xavier_normal", gain=1.3, bias_std=0.2, batch=128, seed=3)
    predicted = theory.gradient_profile("tanh", 1.3, 0.2, 25)
    measured = t.grad_activation_norms / t.grad_activation_norms[-1]
    np.testing.assert_allclose(measured, predicted, rtol=0.15)
    assert predicted[-1] == 1.0


def test_phase_diagram_separates_the_phases():
    sw = np.array([0.5, 1.0, 1.5, 2.5])
    sb = np.array([0.0, 0.3])
    chi = theory.phase_diagram("tanh", sw, sb)
    assert chi.shape == (2, 4)
    assert chi[0, 0] == pytest.approx(0.25) and chi[0, 1] == pytest.approx(1.0)
    assert chi[0, 3] > 1 and chi[1, 0] < 1
    for i, b in enumerate(sb):
        for j, w in enumerate(sw):
            assert chi[i, j] == pytest.approx(theory.chi1("tanh", w, b), rel=1e-9)
