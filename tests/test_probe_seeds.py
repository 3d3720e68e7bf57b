"""simulate_seeds: the probe over several seeds, checked against single runs and against exact statistics."""

import math

import numpy as np
import pytest
from scipy.special import digamma, polygamma

import gradnotes
from gradnotes.probe import SeedSpread, simulate_seeds


def test_values_are_the_single_seed_runs():
    spread = simulate_seeds(12, 32, "tanh", "xavier_normal", gain=1.5, seeds=[5, 1, 9])
    singles = [gradnotes.simulate(12, 32, "tanh", "xavier_normal", gain=1.5, seed=s).first_last_ratio()
               for s in (5, 1, 9)]
    assert spread.seeds == (5, 1, 9)
    np.testing.assert_array_equal(spread.values, singles)
    assert spread.measure == "first_last_ratio"


@pytest.mark.parametrize("measure", ["grad_activation_norms", lambda t: t.grad_activation_norms])
def test_attribute_and_function_give_profiles(measure):
    spread = simulate_seeds(6, 16, "relu", "he_normal", measure=measure, seeds=4)
    assert spread.values.shape == (4, 6)
    assert spread.median.shape == (6,) and spread.quartiles[0].shape == (6,)
    assert np.all(spread.low <= spread.median) and np.all(spread.median <= spread.high)
    assert not spread.values.flags.writeable


def test_statistics_against_numpy():
    v = np.array([3.0, 1.0, 10.0, 2.0, 5.0])
    s = SeedSpread(v, range(5), "x")
    assert s.median == 3.0 and s.mean == pytest.approx(4.2)
    assert s.std == pytest.approx(np.std(v, ddof=1))
    assert s.quartiles == (2.0, 5.0)
    assert s.describe(".1f") == "median 3.0 (quartiles 2.0 to 5.0, 5 seeds)"
    assert "over 5 seeds" in repr(s)


def test_linear_network_log_norm_matches_the_exact_lyapunov_statistics():
    # batch 1, linear, Var W = 1/n: ||z_l||^2 / ||z_{l-1}||^2 is chi-square(n)/n at every layer, independently,
    # so ln sqrt(q_L / q_1) has mean (L-1)/2 (psi(n/2) + ln(2/n)) and variance (L-1) psi'(n/2) / 4.
    depth, n, seeds = 20, 16, 256
    spread = simulate_seeds(depth, n, "linear", "lecun_normal", batch=1, dtype="float64", seeds=seeds,
                            measure=lambda t: 0.5 * math.log(t.preactivation_second_moments[-1]
                                                             / t.preactivation_second_moments[0]))
    steps = depth - 1
    mean = steps * 0.5 * (digamma(n / 2) + math.log(2 / n))
    var = steps * polygamma(1, n / 2) / 4
    assert abs(spread.mean - mean) < 4 * math.sqrt(var / seeds)
    assert spread.std**2 == pytest.approx(var, rel=0.25)


def test_errors_name_the_parameter():
    with pytest.raises(ValueError, match=r"seeds=0 is out of range"):
        simulate_seeds(3, 4, seeds=0)
    with pytest.raises(TypeError, match="seeds must be a count or a sequence"):
        simulate_seeds(3, 4, seeds="abc")
    with pytest.raises(TypeError, match="takes no 'seed'"):
        simulate_seeds(3, 4, seed=1)
    with pytest.raises(TypeError, match="measure must be"):
        simulate_seeds(3, 4, measure=3)
    with pytest.raises(ValueError, match="one value"):
        SeedSpread(np.ones(3), (0, 1))


def test_several_measures_share_the_networks():
    both = simulate_seeds(8, 16, "tanh", seeds=[2, 7], measure={"ratio": "first_last_ratio",
                                                                "profile": "grad_weight_norms"})
    alone = simulate_seeds(8, 16, "tanh", seeds=[2, 7], measure="grad_weight_norms")
    np.testing.assert_array_equal(both["profile"].values, alone.values)
    assert both["ratio"].measure == "ratio" and both["ratio"].values.shape == (2,)
