"""The one Gaussian quadrature (gradnotes.theory._quadrature) against scipy.integrate.quad and closed forms."""

import math

import numpy as np
import pytest
from theory_reference import HARD_TANH, normal_cdf, reference_chi1, reference_expectation, reference_length_map

from gradnotes import ACTIVATIONS, get_activation, theory
from gradnotes.theory import expect, gaussian_expectation
from gradnotes.theory._quadrature import gaussian_rule

KINKED = [HARD_TANH, get_activation("leaky_relu", negative_slope=0.3), get_activation("elu", alpha=2.5)]
ALL = [*ACTIVATIONS.values(), *KINKED]
QS = [1e-6, 1e-2, 0.37, 1.0, 1.0 + 1e-12, 5.0, 1e3, 1e8]


@pytest.mark.parametrize("act", ALL, ids=lambda a: a.display_name)
@pytest.mark.parametrize("q", QS)
def test_moments_match_scipy_quad(act, q):
    for f in (lambda x: act(x) ** 2, lambda x: act.derivative(x) ** 2):
        ref = reference_expectation(f, q, act.kinks)
        assert float(gaussian_expectation(f, q, act.kinks)) == pytest.approx(ref, rel=1e-9)


def test_random_settings_match_scipy_quad():
    rng = np.random.default_rng(11)
    for _ in range(40):
        act = ALL[rng.integers(len(ALL))]
        sw, sb = rng.uniform(0.2, 3.0), rng.choice([0.0, rng.uniform(0.0, 1.0)])
        q = float(rng.choice([1.0, 1.0 + 1e-15, 1.0 - 1e-9, 10 ** rng.uniform(-5, 6)]))
        assert theory.length_map(act, sw, sb, q) == pytest.approx(reference_length_map(act, sw, sb, q), rel=1e-6)
        assert theory.chi1(act, sw, sb, q=q) == pytest.approx(reference_chi1(act, sw, q), rel=1e-6)


@pytest.mark.parametrize("q", [1e-4, 0.5, 1.0, 2.0, 30.0, 1e6])
def test_hard_tanh_in_closed_form(q):
    # x = sqrt(q) z is clipped at +-1, i.e. at z = +-a with a = 1 / sqrt(q):
    # E[phi'^2] = P(|z| < a) and E[phi^2] = q E[z^2; |z| < a] + P(|z| > a),
    # with E[z^2; |z| < a] = P(chi^2_3 < a^2), the regularized lower incomplete gamma P(3/2, a^2/2)
    from scipy.special import gammainc

    a = 1 / math.sqrt(q)
    inside = 2 * normal_cdf(a) - 1
    m = q * gammainc(1.5, a * a / 2) + (1 - inside)
    assert theory.chi1(HARD_TANH, 1.3, 0.0, q=q) == pytest.approx(1.69 * inside, rel=1e-12)
    assert theory.length_map(HARD_TANH, 1.3, 0.2, q) == pytest.approx(1.69 * m + 0.04, rel=1e-12)


def test_kinks_matter():
    # the rule of the old theory module ignored kinks away from 0: a hard-tanh's chi_1 was 2.2% off
    q = 1.7  # the kinks at z = +-1/sqrt(q) fall on none of the rule's own cuts
    exact = 2 * normal_cdf(1 / math.sqrt(q)) - 1
    ignoring = float(gaussian_expectation(lambda x: HARD_TANH.derivative(x) ** 2, q))
    assert float(gaussian_expectation(lambda x: HARD_TANH.derivative(x) ** 2, q, HARD_TANH.kinks)) == pytest.approx(
        exact, rel=1e-13)
    assert abs(ignoring / exact - 1) > 1e-4


@pytest.mark.parametrize("q", [1e-200, 1e-30, 1.0, 1e12, 1e30])
def test_relu_moments_at_extreme_q(q):
    relu = ACTIVATIONS["relu"]
    assert theory.length_map(relu, 1.0, 0.0, q) == pytest.approx(q / 2, rel=1e-13)
    assert theory.chi1(relu, 1.0, 0.0, q=q) == pytest.approx(0.5, rel=1e-13)
    assert theory.chi1("linear", 0.7, 0.0, q=q) == pytest.approx(0.49, rel=1e-13)


def test_saturated_tanh_at_large_q():
    # E[sech^4(sqrt(q) z)] -> (4/3) / sqrt(2 pi q) as q -> inf (the integral of sech^4 is 4/3)
    q = 1e10
    expected = (4 / 3) / math.sqrt(2 * math.pi * q)
    assert theory.chi1("tanh", 1.0, 0.0, q=q) == pytest.approx(expected, rel=1e-6)


def test_rules_are_normalized_and_stack():
    z, w = gaussian_rule(np.array([[1e-8, 1.0], [7.0, 1e20]]), kinks=(-1.0, 1.0))
    assert z.shape == w.shape and z.shape[:2] == (2, 2)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose((w * z**2).sum(-1), 1.0, rtol=1e-13)


def test_expect_at_unit_q():
    assert expect(lambda z: z**4) == pytest.approx(3.0, rel=1e-14)
    assert expect(lambda z: np.abs(z), (0.0,)) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-14)
    assert expect(lambda z: (z > 0.3).astype(float), (0.3,)) == pytest.approx(1 - normal_cdf(0.3), rel=1e-13)
