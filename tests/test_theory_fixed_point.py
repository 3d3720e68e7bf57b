"""The one fixed-point solver (gradnotes.theory._fixed_point): closed forms, marginal points, both length maps."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from theory_reference import HARD_TANH, reference_chi1, reference_length_map

from gradnotes import ACTIVATIONS, theory
from gradnotes.activations import SELU_ALPHA, SELU_LAMBDA
from gradnotes.theory._fixed_point import Q_MAX, stable_fixed_point


def relu_map(sw2, sb2):
    return lambda q, i: sw2.ravel()[i] * q / 2 + sb2.ravel()[i]


def test_solver_on_the_relu_map_in_closed_form():
    sw2, sb2 = np.meshgrid([0.5, 1.0, 1.9, 2.0, 2.5], [0.0, 0.3, 1.0])
    q = stable_fixed_point(relu_map(sw2, sb2), sw2.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(sw2 < 2, sb2 / (1 - sw2 / 2), np.inf)
    expected[0, 3] = 1.0  # sw2 = 2 without bias: every q is fixed, the answer is q0
    np.testing.assert_allclose(q, expected, rtol=1e-13)


@pytest.mark.parametrize("q0", [1e-6, 0.3, 1.0, 7.0, 1e9])
def test_neutral_maps_keep_q0(q0):
    assert float(stable_fixed_point(lambda q, i: q * (1 + 1e-15), (), q0)) == q0
    assert theory.fixed_point("relu", math.sqrt(2), 0.0, q0=q0) == pytest.approx(q0, rel=1e-14)
    assert theory.fixed_point("linear", 1.0, 0.0, q0=q0) == pytest.approx(q0, rel=1e-14)


def test_slow_divergence_is_not_neutral():
    assert theory.fixed_point("relu", math.sqrt(2 * (1 + 1e-9)), 0.0) == math.inf
    assert theory.fixed_point("relu", math.sqrt(2 * (1 - 1e-9)), 0.0) == 0.0
    assert float(stable_fixed_point(lambda q, i: 1.5 * q, ())) == math.inf
    assert float(stable_fixed_point(lambda q, i: 0.5 * q, ())) == 0.0


def test_solver_asks_only_for_unsolved_settings():
    asked = []

    def length(q, i):
        asked.append(len(i))
        return np.where(i == 0, 0.5 * q + 0.5, 0.9 * q)  # setting 0: q* = 1 at q0; setting 1: collapses

    q = stable_fixed_point(length, (2,))
    assert q[0] == pytest.approx(1.0, rel=1e-14) and q[1] == 0.0
    assert asked[:3] == [2, 2, 2] and max(asked[3:]) == 1


# --- issue 12 item 1: fixed points at and next to q0 = 1 ----------------------------------------


def test_the_issue_cases():
    assert theory.chi1("selu", 1.0000000000000004, 0) == pytest.approx(1.0716, abs=5e-5)
    assert theory.chi1("tanh", 1.5191838743970012, 0.3) == pytest.approx(1.0718, abs=5e-5)
    assert theory.fixed_point("tanh", 1.5191838743970012, 0.3) == pytest.approx(1.0, rel=1e-12)
    assert theory.fixed_point("selu", 1.0000000000000004, 0) == pytest.approx(1.0, rel=1e-9)
    assert theory.chi1("selu", 1.0, 0.0) == pytest.approx(1.0716, abs=5e-5)


def _sigma_w_for_unit_fixed_point(act, sigma_b):
    """The sigma_w whose length map has q = 1 as a fixed point at this sigma_b (reference quadrature)."""
    return math.sqrt((1 - sigma_b**2) / reference_length_map(act, 1.0, 0.0, 1.0))


def _stable_at_one(act, sigma_w, sigma_b):
    g = lambda q: reference_length_map(act, sigma_w, sigma_b, q) - q  # noqa: E731
    return g(0.99) > 0 > g(1.01)


@pytest.mark.parametrize("name", ["sigmoid", "gelu", "relu", "tanh", "selu", "elu", "softplus", "silu"])
def test_points_at_and_next_to_unit_fixed_point(name):
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    checked = 0
    for sigma_b in [0.0, *rng.uniform(0.05, 0.95, 3)]:
        sw_exact = _sigma_w_for_unit_fixed_point(act, sigma_b)
        if sw_exact > 1e3 or not _stable_at_one(act, sw_exact, sigma_b):
            continue  # q = 1 is not the attracting fixed point here (e.g. GELU's unstable one)
        for sigma_w in (sw_exact, *(sw_exact * (1 + d) for d in (-1e-9, -4e-16, 4e-16, 1e-12))):
            g = lambda q: reference_length_map(act, sigma_w, sigma_b, q) - q  # noqa: E731
            q_ref = brentq(g, 0.9, 1.1, xtol=1e-15, rtol=1e-14)
            q = theory.fixed_point(act, sigma_w, sigma_b)
            assert q == pytest.approx(q_ref, rel=1e-6), (sigma_w, sigma_b)
            assert theory.chi1(act, sigma_w, sigma_b) == pytest.approx(reference_chi1(act, sigma_w, q_ref), rel=1e-6)
            checked += 1
    assert checked >= 5  # at least one sigma_b per activation had q* = 1 as its attracting point


def test_random_settings_fixed_points_against_reference():
    rng = np.random.default_rng(5)
    acts = [*ACTIVATIONS.values(), HARD_TANH]
    for _ in range(30):
        act = acts[rng.integers(len(acts))]
        sw, sb = rng.uniform(0.3, 2.5), rng.choice([0.0, rng.uniform(0.0, 1.0)])
        q = theory.fixed_point(act, sw, sb)
        chi = theory.chi1(act, sw, sb)
        if q == 0.0:   # the signal dies: no q > 0 is fixed below q0 = 1, and chi_1 is the q -> 0 limit
            assert reference_length_map(act, sw, sb, 1e-6) < 1e-6
            assert chi == pytest.approx(reference_chi1(act, sw, 1e-12), rel=1e-5)
        elif q == math.inf:
            assert reference_length_map(act, sw, sb, Q_MAX) > Q_MAX
        else:          # a fixed point, and attracting
            assert reference_length_map(act, sw, sb, q) == pytest.approx(q, rel=1e-9)
            assert reference_length_map(act, sw, sb, 0.999 * q) > 0.999 * q
            assert reference_length_map(act, sw, sb, 1.001 * q) < 1.001 * q
            assert chi == pytest.approx(reference_chi1(act, sw, q), rel=1e-6)


def test_selu_fixed_point_leaves_zero_where_the_slope_at_zero_is_one():
    # E[selu(sqrt(q) z)^2] ~ lambda^2 (1 + alpha^2) q / 2 for small q
    edge = math.sqrt(2 / (SELU_LAMBDA**2 * (1 + SELU_ALPHA**2)))
    assert theory.fixed_point("selu", edge * (1 - 1e-6), 0.0) == 0.0
    assert 0 < theory.fixed_point("selu", edge * (1 + 1e-3), 0.0) < 1e-2


def test_phase_grid_uses_the_same_rules():
    # the marginal points of issue 12 are right in the tabulated grid too
    grid = theory.phase_grid("selu", [1.0, 1.0000000000000004], [0.0])
    np.testing.assert_allclose(grid, 1.0716, atol=2e-4)
    grid = theory.phase_grid("tanh", [1.5191838743970012], [0.3])
    np.testing.assert_allclose(grid, 1.0718, atol=2e-4)
    # the neutral ReLU map and divergence
    np.testing.assert_allclose(theory.phase_grid("relu", [2 ** 0.5, 1.5], [0.0]), [[1.0, 1.125]], rtol=1e-12)
