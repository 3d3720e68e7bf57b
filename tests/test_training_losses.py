"""gradnotes.training._losses: softmax cross-entropy against scipy's logsumexp and finite differences."""

import numpy as np
import pytest
from scipy.special import logsumexp

from gradnotes.training import cross_entropy


def test_cross_entropy_gradient_and_uniform_loss():
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((5, 4)) * 3, np.array([0, 3, 1, 1, 2])
    loss, d = cross_entropy(logits, y)
    assert loss == pytest.approx(np.mean(logsumexp(logits, axis=1) - logits[np.arange(5), y]), rel=1e-14)
    eps = 1e-6
    for i, j in [(0, 0), (2, 3), (4, 2)]:
        lp, lm = logits.copy(), logits.copy()
        lp[i, j] += eps
        lm[i, j] -= eps
        assert d[i, j] == pytest.approx((cross_entropy(lp, y)[0] - cross_entropy(lm, y)[0]) / (2 * eps), rel=1e-6)
    assert cross_entropy(np.zeros((3, 10)), np.array([1, 2, 3]))[0] == pytest.approx(np.log(10))
    # huge logits: no overflow, finite loss
    assert np.isfinite(cross_entropy(np.array([[1e4, -1e4, 0.0]]), np.array([1]))[0])
