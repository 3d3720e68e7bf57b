"""The edge of chaos (gradnotes.theory._critical): closed forms, SELU's edge where q* leaves 0, GELU's jump."""

import math

import pytest

from gradnotes import get_activation, theory
from gradnotes.activations import SELU_ALPHA, SELU_LAMBDA
from gradnotes.theory import DiscontinuousEdgeError, EdgeOfChaos


def test_closed_forms():
    assert theory.critical_sigma_w("relu", 0.0) == pytest.approx(math.sqrt(2), rel=1e-9)
    assert theory.critical_sigma_w("linear", 0.7) == pytest.approx(1.0, rel=1e-9)
    a = 0.2  # leaky ReLU: E[phi'^2] = (1 + a^2) / 2 whatever q is
    leaky = get_activation("leaky_relu", negative_slope=a)
    assert theory.critical_sigma_w(leaky, 0.4) == pytest.approx(math.sqrt(2 / (1 + a**2)), rel=1e-9)
    assert theory.critical_sigma_w("tanh", 0.0) == pytest.approx(1.0, abs=1e-7)  # tanh'(0) = 1


def test_selu_edge_is_where_q_star_leaves_zero():
    # at q* = 0, chi_1 = sigma_w^2 lambda^2 (1 + alpha^2) / 2 = the slope of the length map at 0
    expected = math.sqrt(2 / (SELU_LAMBDA**2 * (1 + SELU_ALPHA**2)))
    assert expected == pytest.approx(0.6905, abs=5e-5)
    assert theory.critical_sigma_w("selu", 0) == pytest.approx(expected, rel=1e-9)
    edge = theory.edge_of_chaos("selu", 0.0)
    assert edge.continuous and edge.q_below == 0.0 and edge.q_above < 1e-6
    assert theory.chi1("selu", expected * 0.99, 0.0) < 1 < theory.chi1("selu", expected * 1.01, 0.0)
    assert theory.chi1("selu", 1.0, 0.0) == pytest.approx(1.0716, abs=5e-5)  # LeCun init: mildly chaotic


def test_gelu_chi1_jumps_across_one():
    with pytest.raises(DiscontinuousEdgeError) as info:
        theory.critical_sigma_w("gelu", 0.0)
    assert isinstance(info.value, ValueError)
    for part in ("activation='gelu'", "sigma_b=0", "jumps", "edge_of_chaos"):
        assert part in str(info.value)
    edge = info.value.edge
    assert isinstance(edge, EdgeOfChaos) and not edge.continuous
    sw2 = edge.sigma_w**2
    # q* jumps from 0 (GELU'(0) = 1/2: chi_1 = sigma_w^2 / 4) to inf (GELU' -> step: chi_1 = sigma_w^2 / 2)
    assert edge.q_below == 0.0 and edge.q_above == math.inf
    assert edge.chi1_below == pytest.approx(sw2 / 4, rel=1e-9)
    assert edge.chi1_above == pytest.approx(sw2 / 2, rel=1e-6)
    assert edge.chi1_below < 1 < edge.chi1_above
    # at the jump the input's q0 = 1 sits on the unstable fixed point of the length map
    assert theory.length_map("gelu", edge.sigma_w, 0.0, 1.0) == pytest.approx(1.0, rel=1e-10)
    assert edge.chi1_at_q0 == pytest.approx(theory.chi1("gelu", edge.sigma_w, 0.0, q=1.0), rel=1e-12)
    assert "jumps" in repr(edge)


def test_gelu_jump_persists_for_small_bias_and_heals_for_large():
    small = theory.edge_of_chaos("gelu", 0.1)
    assert not small.continuous and small.q_above == math.inf and small.q_below < 0.1
    large = theory.edge_of_chaos("gelu", 1.0)
    assert large.continuous
    assert theory.critical_sigma_w("gelu", 1.0) == pytest.approx(large.sigma_w)
    assert theory.chi1("gelu", large.sigma_w, 1.0) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name, sigma_b", [("tanh", 0.3), ("sigmoid", 0.0), ("elu", 0.2), ("softplus", 0.1)])
def test_continuous_edges_have_chi1_one(name, sigma_b):
    sw = theory.critical_sigma_w(name, sigma_b)
    assert theory.chi1(name, sw, sigma_b) == pytest.approx(1.0, abs=1e-5)
    assert theory.chi1(name, sw * 0.999, sigma_b) < 1 < theory.chi1(name, sw * 1.001, sigma_b)


def test_book_numbers():
    # chapter 9 myth 3: tanh is critical on a whole line
    for sigma_b, sw in [(0.1, 1.193), (0.3, 1.396), (1.0, 1.856)]:
        assert theory.critical_sigma_w("tanh", sigma_b) == pytest.approx(sw, abs=5e-4)
    assert theory.critical_sigma_w("sigmoid", 0.0) == pytest.approx(10.15, abs=5e-3)


def test_no_crossing_is_refused():
    with pytest.raises(ValueError, match="no critical sigma_w"):
        theory.critical_sigma_w("sigmoid", 1000.0)
