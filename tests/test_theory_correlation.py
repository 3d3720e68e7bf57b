"""gradnotes.theory._correlation: the c-map, c*, chi_c and the depth scales, against independent references.

References: ReLU's arc-cosine kernel (Cho & Saul 2009) in closed form; nested ``scipy.integrate.quad``
(``tests/theory_reference.py``, told where the kinks are); a 2-D Gauss-Hermite grid for the smooth tanh;
finite differences for the slopes.
"""

import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq

from gradnotes import ACTIVATIONS, theory
from gradnotes.theory._quadrature import gaussian_rule
from theory_reference import HARD_TANH, reference_expectation

SB = math.sqrt(0.05)


def arccos_map(sw2, sb2, q, c):
    """ReLU: E[relu(u1) relu(u2)] = q / (2 pi) (sqrt(1 - c^2) + (pi - arccos c) c)."""
    k = q / (2 * math.pi) * (np.sqrt(1 - c**2) + (math.pi - np.arccos(c)) * c)
    return (sw2 * k + sb2) / (sw2 * q / 2 + sb2)


def reference_pair(act, q, c, f=None):
    """E[f(u1) f(u2)] by nested scipy quad: outer over u1, inner over u2 | u1 ~ N(c u1, q (1 - c^2))."""
    f = f or act
    s2 = q * (1 - c * c)

    def inner(x1):
        a = c * float(x1)
        return reference_expectation(lambda x: f(a + x), s2, kinks=[k - a for k in act.kinks])

    return reference_expectation(lambda x1: f(x1) * inner(x1), q, act.kinks)


def test_relu_follows_the_arc_cosine_kernel():
    c = np.linspace(-1, 1, 41)
    for sw2, sb2, q in ((2.0, 0.0, 1.0), (1.5, 0.1, None), (3.0, 0.5, 2.5), (1.0, 0.0, 1e-3)):
        got = theory.correlation_map("relu", math.sqrt(sw2), math.sqrt(sb2), c, q=q)
        q_ = theory.fixed_point("relu", math.sqrt(sw2), math.sqrt(sb2)) if q is None else q
        np.testing.assert_allclose(got, arccos_map(sw2, sb2, q_, c), rtol=1e-9, atol=1e-12)


def test_relu_chi_c_is_the_arc_cosine_slope():
    # d/dc of the arc-cosine map at c = 1 is sw2 / 2 (times q / q' = 1 at q*): the ordered phase's chi_1
    for sw2, sb2 in ((1.0, 0.1), (1.5, 0.3), (1.9, 0.05)):
        assert theory.fixed_point_correlation("relu", math.sqrt(sw2), math.sqrt(sb2)) == 1.0
        assert theory.chi_c("relu", math.sqrt(sw2), math.sqrt(sb2)) == pytest.approx(sw2 / 2, rel=1e-10)
    assert theory.depth_scales("relu", math.sqrt(2), 0.0) == (math.inf, math.inf)


SETTINGS = [  # (activation, sigma_w, sigma_b, q, c), drawn once with a fixed seed
    (name, *np.round(np.random.default_rng(i).uniform([0.5, 0.0, 0.2, -0.95], [2.5, 0.8, 3.0, 0.99]), 3))
    for i, name in enumerate(("tanh", "relu", "sigmoid", "elu", "softplus", "leaky_relu", "gelu", "selu"))
]


@pytest.mark.parametrize("name, sigma_w, sigma_b, q, c", SETTINGS)
def test_the_c_map_and_its_slope_agree_with_nested_scipy_quad(name, sigma_w, sigma_b, q, c):
    act = ACTIVATIONS[name]
    sw2, sb2 = sigma_w**2, sigma_b**2
    expected = (sw2 * reference_pair(act, q, c) + sb2) / (sw2 * reference_expectation(
        lambda x: act(x) ** 2, q, act.kinks) + sb2)
    assert theory.correlation_map(act, sigma_w, sigma_b, c, q=q) == pytest.approx(expected, rel=1e-6)


def test_a_hard_tanh_kinked_away_from_zero_is_integrated_exactly():
    for q, c in ((0.7, 0.3), (4.0, 0.9), (2.0, -0.6)):
        expected = (reference_pair(HARD_TANH, q, c)) / reference_expectation(lambda x: HARD_TANH(x) ** 2, q,
                                                                            HARD_TANH.kinks)
        assert theory.correlation_map(HARD_TANH, 1.0, 0.0, c, q=q) == pytest.approx(expected, rel=1e-6)


_Z, _W = hermegauss(121)
_W = _W / _W.sum()
_Z1, _Z3 = np.meshgrid(_Z, _Z, indexing="ij")
_W2 = np.outer(_W, _W)


def tanh_reference(sw2, sb2):
    """(q*, c*, chi_c) for tanh on a 2-D Gauss-Hermite grid, c* by brentq on the plain c-map."""
    q = brentq(lambda q: sw2 * np.sum(_W * np.tanh(math.sqrt(q) * _Z) ** 2) + sb2 - q, 1e-3, 50, xtol=1e-15)
    u1 = math.sqrt(q) * _Z1

    def u2(c):
        return math.sqrt(q) * (c * _Z1 + math.sqrt(1 - c * c) * _Z3)

    def c_map(c):
        return (sw2 * np.sum(_W2 * np.tanh(u1) * np.tanh(u2(c))) + sb2) / q

    c_star = brentq(lambda c: c_map(c) - c, 0.0, 0.999, xtol=1e-15)
    return q, c_star, sw2 * np.sum(_W2 / np.cosh(u1) ** 2 / np.cosh(u2(c_star)) ** 2)


@pytest.mark.parametrize("sw2", [2.0, 2.5, 4.0])
def test_the_chaotic_fixed_point_and_chi_c_agree_with_a_gauss_hermite_reference(sw2):
    q, c_star, chi = tanh_reference(sw2, 0.05)
    assert theory.fixed_point("tanh", math.sqrt(sw2), SB) == pytest.approx(q, rel=1e-7)  # Gauss-Hermite: 1e-8
    assert theory.fixed_point_correlation("tanh", math.sqrt(sw2), SB) == pytest.approx(c_star, rel=1e-6)
    assert theory.chi_c("tanh", math.sqrt(sw2), SB) == pytest.approx(chi, rel=1e-6)
    assert theory.depth_scales("tanh", math.sqrt(sw2), SB).xi_c == pytest.approx(-1 / math.log(chi), rel=1e-6)


@pytest.mark.parametrize("name, sigma_w, sigma_b", [("tanh", 1.2, SB), ("tanh", 0.8, 0.0), ("sigmoid", 1.0, 0.2),
                                                    ("relu", 1.2, 0.3), ("softplus", 1.0, 0.1)])
def test_chi_c_is_chi_1_where_the_inputs_become_alike(name, sigma_w, sigma_b):
    assert theory.fixed_point_correlation(name, sigma_w, sigma_b) == 1.0
    assert theory.chi_c(name, sigma_w, sigma_b) == theory.chi1(name, sigma_w, sigma_b) < 1


def test_chi_c_is_the_slope_of_the_c_map_at_its_fixed_point():
    for sigma_w, sigma_b in ((1.6, SB), (2.0, 0.3), (1.5, 0.0)):
        c = theory.fixed_point_correlation("tanh", sigma_w, sigma_b)
        assert theory.correlation_map("tanh", sigma_w, sigma_b, c) == pytest.approx(c, abs=1e-10)
        h = 1e-5
        slope = np.diff(theory.correlation_map("tanh", sigma_w, sigma_b, [c - h, c + h]))[0] / (2 * h)
        assert theory.chi_c("tanh", sigma_w, sigma_b) == pytest.approx(slope, rel=1e-6) and slope < 1
    assert theory.fixed_point_correlation("tanh", 1.5, 0.0) == pytest.approx(0.0, abs=1e-9)  # odd, no bias


def test_iterated_correlations_approach_c_star_at_the_rate_chi_c():
    sigma_w, sigma_b = math.sqrt(2.5), SB
    c_star, chi = theory.fixed_point_correlation("tanh", sigma_w, sigma_b), theory.chi_c("tanh", sigma_w, sigma_b)
    c = [0.1]
    for _ in range(60):
        c.append(theory.correlation_map("tanh", sigma_w, sigma_b, c[-1]))
    gaps = np.abs(np.array(c) - c_star)
    assert gaps[-1] < 0.1 * gaps[0] and gaps[-1] / gaps[-2] == pytest.approx(chi, rel=1e-3)


def test_xi_q_is_the_length_maps_slope_at_q_star():
    for name, sigma_w, sigma_b in (("tanh", 1.3, SB), ("tanh", 2.0, 0.5), ("sigmoid", 1.5, 0.1), ("relu", 1.2, 0.3)):
        q = theory.fixed_point(name, sigma_w, sigma_b)
        h = 1e-5 * q
        slope = (theory.length_map(name, sigma_w, sigma_b, q + h) - theory.length_map(name, sigma_w, sigma_b, q - h))
        assert theory.depth_scales(name, sigma_w, sigma_b).xi_q == pytest.approx(-1 / math.log(slope / (2 * h)),
                                                                               rel=1e-6)
    assert theory.depth_scales("tanh", 1.0, 0.0).xi_q == math.inf  # a neutral length map: q* = 0, slope 1


def test_xi_c_diverges_at_the_critical_line_and_xi_q_does_not():
    sw2_crit = theory.critical_sigma_w("tanh", SB) ** 2
    assert sw2_crit == pytest.approx(1.76, abs=0.01)
    near = [theory.depth_scales("tanh", math.sqrt(sw2_crit * (1 + s * e)), SB) for s in (-1, 1)
            for e in (1e-1, 1e-2, 1e-3)]
    below, above = [s.xi_c for s in near[:3]], [s.xi_c for s in near[3:]]
    assert below[0] < below[1] < below[2] and above[0] < above[1] < above[2] and min(below[2], above[2]) > 1000
    # xi_c ~ 1 / |chi_c - 1| grows like 1 / distance on both sides
    assert below[2] / below[1] == pytest.approx(10, rel=0.2) and above[2] / above[1] == pytest.approx(10, rel=0.3)
    assert all(1 < s.xi_q < 3 for s in near)


def test_the_per_entry_cuts_of_the_quadrature_rule_match_one_rule_per_entry():
    q, kinks = np.array([0.5, 2.0]), np.array([[0.0, 1.0], [-0.5, 3.0]])
    z, w = gaussian_rule(q, kinks)
    for i in range(2):
        zi, wi = gaussian_rule(q[i], tuple(kinks[i]))
        np.testing.assert_array_equal(z[i], zi) and np.testing.assert_array_equal(w[i], wi)


def test_bad_arguments_are_refused_with_the_parameter_and_what_is_allowed():
    with pytest.raises(ValueError, match=r"c=1\.5 is out of range; allowed: \[-1, 1\]"):
        theory.correlation_map("tanh", 1.0, 0.0, [0.5, 1.5])
    with pytest.raises(ValueError, match="q=-1"):
        theory.correlation_map("tanh", 1.0, 0.0, 0.5, q=-1.0)
    with pytest.raises(ValueError, match="sigma_w"):
        theory.chi_c("tanh", -1.0, 0.0)
