"""gradnotes.probe._jacobian: the input-output Jacobian, against finite differences and torch autograd,
and Pennington et al.'s dynamical isometry numbers."""

import math

import numpy as np
import pytest

from gradnotes import jacobian_singular_values, theory
from gradnotes.noise import draw_noise
from gradnotes.probe import input_output_jacobian, NetworkSpec
from gradnotes.probe._correlation import network_layers


def forward(spec, h):
    for W, b in network_layers(spec):
        h = spec.activation(h @ W + b)
    return h


@pytest.mark.parametrize("activation, init", [("tanh", "orthogonal"), ("relu", "he_normal"), ("sigmoid", "xavier_normal")])
def test_the_jacobian_matches_central_finite_differences(activation, init):
    depth, width = 4, 12
    J = input_output_jacobian(depth, width, activation, init, gain=1.3, bias_std=0.2, seed=5, q_input=0.5)
    spec = NetworkSpec.build(depth, width, activation, init, gain=1.3, bias_std=0.2, batch=1, dtype="float64",
                             seed=5)
    x = draw_noise(depth, width, 1, 5).inputs[0] * math.sqrt(0.5)
    h = 1e-6
    fd = np.stack([(forward(spec, x + h * e) - forward(spec, x - h * e)) / (2 * h) for e in np.eye(width)], axis=1)
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-8)


def test_the_jacobian_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    depth, width = 6, 10
    J = input_output_jacobian(depth, width, "tanh", "lecun_normal", gain=1.5, bias_std=0.3, seed=2)
    spec = NetworkSpec.build(depth, width, "tanh", "lecun_normal", gain=1.5, bias_std=0.3, batch=1,
                             dtype="float64", seed=2)
    layers = [(torch.tensor(W), torch.tensor(b)) for W, b in network_layers(spec)]

    def net(x):
        for W, b in layers:
            x = torch.tanh(x @ W + b)
        return x

    x = torch.tensor(draw_noise(depth, width, 1, 2).inputs[0])
    np.testing.assert_allclose(J, torch.autograd.functional.jacobian(net, x).numpy(), rtol=1e-12, atol=1e-14)


def test_a_linear_orthogonal_network_is_an_exact_isometry():
    s = jacobian_singular_values(10, 32, "linear", "orthogonal", gain=1.0)
    np.testing.assert_allclose(s, 1.0, rtol=1e-12)


# Pennington, Schoenholz & Ganguli (2017): critical tanh with a small q* (sigma_b^2 = 1e-4, inputs at q*)
SB2 = 1e-4


@pytest.fixture(scope="module")
def critical():
    sw = theory.critical_sigma_w("tanh", math.sqrt(SB2))
    q = theory.fixed_point("tanh", sw, math.sqrt(SB2))
    return dict(gain=sw, bias_std=math.sqrt(SB2), q_input=(q - SB2) / sw**2)


def pooled(init, activation="tanh", seeds=(0, 1, 2), **kw):
    return np.concatenate([jacobian_singular_values(32, 256, activation, init, seed=s, **kw) ** 2 for s in seeds])


def test_orthogonal_critical_tanh_is_dynamically_isometric(critical):
    s2 = pooled("orthogonal", **critical)
    lo, hi = np.percentile(s2, [5, 95])
    assert 0.15 < lo < 0.35 and 1.8 < hi < 2.6 and 2.2 < s2.max() < 3.5  # issue: 0.24-2.2, max 2.6
    assert s2.mean() == pytest.approx(1.0, abs=0.1)  # chi_1 = 1: the mean squared singular value stays 1


def test_gaussian_critical_tanh_loses_most_directions(critical):
    s2 = pooled("lecun_normal", **critical)
    assert np.percentile(s2, 5) < 1e-25 and 20 < s2.max() < 200  # issue: ~1e-32 (float64's floor), max ~46
    assert np.median(s2) < 1e-5


def test_orthogonal_relu_has_no_isometry():
    s2 = pooled("orthogonal", "relu", gain=math.sqrt(2.0))
    assert np.percentile(s2, 5) < 1e-20 and 25 < s2.max() < 300  # issue: max ~93
