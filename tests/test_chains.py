import math

import numpy as np
import pytest

from gradnotes import ACTIVATIONS
from gradnotes.chains import chain_rule_factors, lyapunov_exponent, product_norms


def test_chain_derivative_matches_finite_differences():
    act = ACTIVATIONS["tanh"]

    def chain(x, depth, w=1.7):
        for _ in range(depth):
            x = w * float(act(np.array(x)))
        return x

    c = chain_rule_factors("tanh", depth=8, weight=1.7, x0=0.3)
    h = 1e-6
    for k in (1, 4, 8):
        fd = (chain(0.3 + h, k) - chain(0.3 - h, k)) / (2 * h)
        assert c.derivative[k - 1] == pytest.approx(fd, rel=1e-7)
    assert c.inputs[3] == pytest.approx(chain(0.3, 3))


def test_chain_factors_are_weight_times_derivative():
    c = chain_rule_factors("sigmoid", depth=20, weight=1.0, x0=0.0)
    sig = ACTIVATIONS["sigmoid"]
    np.testing.assert_allclose(c.factors, sig.derivative(c.inputs))
    assert np.all(c.factors <= 0.25)
    np.testing.assert_allclose(c.derivative, np.cumprod(c.factors))
    assert c.derivative[-1] < 0.25**20 * 1.0001


def test_lyapunov_exponent_closed_forms():
    # n = 2: ||Gx||^2 = chi2_2 / 2 and E[ln chi2_2] = ln 2 - gamma, so lambda = -gamma / 2
    assert lyapunov_exponent(2, 1.0) == pytest.approx(-0.5772156649015329 / 2, rel=1e-12)
    assert lyapunov_exponent(10, 2.0) == pytest.approx(math.log(2.0) + lyapunov_exponent(10, 1.0))
    assert lyapunov_exponent(100_000, 1.0) == pytest.approx(-1 / (2 * 100_000), rel=1e-3)


@pytest.mark.parametrize("n, scale", [(4, 1.0), (16, 1.2), (64, 0.8)])
def test_product_norms_follow_the_lyapunov_exponent(n, scale):
    r = product_norms(n, 400, scale, trials=50, seed=1)
    slope = r[:, -1].mean() / 400 * math.log(10)
    assert slope == pytest.approx(lyapunov_exponent(n, scale), abs=0.01)


def test_product_norms_deterministic_and_overflow_free():
    a = product_norms(8, 3000, 3.0, trials=3, seed=2)
    np.testing.assert_array_equal(a, product_norms(8, 3000, 3.0, trials=3, seed=2))
    assert np.all(np.isfinite(a)) and a[:, -1].mean() > 1000  # 10^1000 would overflow a float
