"""gradnotes.theory._dual: the c-map as a power series agrees with the exact 2-D quadrature and the closed forms."""

import math

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, theory

SETTINGS = [(1.2, 0.3), (1.6, 0.2), (2.2, 0.05)]


def _arccos_map(c):  # ReLU at He init: Cho and Saul's arc-cosine kernel
    return (np.sqrt(1 - c**2) + (math.pi - np.arccos(c)) * c) / math.pi


def test_relu_series_is_the_arc_cosine_kernel():
    c = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(theory.c_map_series("relu", 2 ** 0.5, 0.0)(c), _arccos_map(c), atol=1e-4)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("sw, sb", SETTINGS)
def test_the_series_map_is_the_exact_map(name, sw, sb):
    q = theory.fixed_point(name, sw, sb)
    if not math.isfinite(q):
        pytest.skip("the length map diverges: no c-map at q*")
    c = np.linspace(-0.9, 1.0, 9)
    exact = theory.correlation_map(name, sw, sb, c)
    np.testing.assert_allclose(theory.c_map_series(name, sw, sb)(c), exact, atol=1e-3)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "selu", "elu", "gelu", "softplus"])
def test_the_grid_has_the_exact_fixed_point_slope_and_depth_scale(name):
    sw, sb = np.array([0.9, 1.3, 1.7, 2.2]), np.array([0.05, 0.3, 0.6])
    grid = theory.correlation_grid(name, sw, sb)
    assert grid.xi_c.shape == (3, 4) and not grid.xi_c.flags.writeable
    for i, b in enumerate(sb):
        for j, w in enumerate(sw):
            if not math.isfinite(grid.q_star[i, j]):
                assert math.isnan(grid.xi_c[i, j])
                continue
            assert grid.c_star[i, j] == pytest.approx(theory.fixed_point_correlation(name, w, b), abs=1e-3)
            assert grid.chi_c[i, j] == pytest.approx(theory.chi_c(name, w, b), rel=1e-3)
            assert grid.chi1[i, j] == pytest.approx(theory.chi1(name, w, b), rel=1e-9)
            xi_c = theory.depth_scales(name, w, b).xi_c
            assert grid.xi_c[i, j] == pytest.approx(xi_c, rel=2e-2) or xi_c > 1e3


def test_the_grid_is_critical_on_the_edge_and_nan_where_the_signal_diverges():
    edge = theory.critical_sigma_w("tanh", 0.0)  # tanh without bias: sigma_w = 1, c* = 1, chi_c = 1
    assert theory.correlation_grid("tanh", [edge], [0.0]).xi_c[0, 0] == math.inf
    relu = theory.correlation_grid("relu", [1.0, 2.0], [0.1])  # ordered, and chaotic with q* = inf
    assert relu.xi_c[0, 0] == pytest.approx(-1 / math.log(0.5)) and math.isnan(relu.xi_c[0, 1])
    assert "1 diverged" in repr(relu)


@pytest.mark.parametrize("name", ["tanh", "relu", "selu"])
def test_the_fast_profile_is_the_exact_profile(name):
    fast = theory.fast_correlation_profile(name, 1.3, 0.3, depth=12, c_input=0.4)
    np.testing.assert_allclose(fast, theory.correlation_profile(name, 1.3, 0.3, 12, c_input=0.4), atol=1e-3)


def test_the_series_refuses_bad_scales():
    with pytest.raises(ValueError, match="sigma_w"):
        theory.c_map_series("tanh", -1.0, 0.0)
    with pytest.raises(ValueError, match="sigma_w and sigma_b"):
        theory.c_map_series("tanh", np.array([1.0, np.nan]), 0.0)
