"""Predictions for a probed network (gradnotes.theory._trace), read from ``trace.spec``; the cached chi_1."""

import time

import numpy as np
import pytest

from gradnotes import get_activation, simulate, theory


@pytest.mark.parametrize("act, init, gain, bias_std", [
    ("tanh", "xavier_normal", 1.3, 0.2), ("relu", "he_normal", 1.0, 0.0), ("selu", "lecun_normal", 1.0, 0.1),
    ("sigmoid", "xavier_uniform", 2.0, 0.0),
])
def test_predictions_follow_the_spec(act, init, gain, bias_std):
    t = simulate(12, 48, act, init, gain=gain, bias_std=bias_std, batch=16, seed=1)
    spec = t.spec
    q = theory.variance_profile(spec.activation, spec.sigma_w, spec.sigma_b, spec.depth)
    np.testing.assert_array_equal(theory.predicted_variance(t), q)
    profile = theory.weight_gradient_profile(spec.activation, spec.sigma_w, spec.sigma_b, spec.depth)
    pred = theory.predicted_grad_norms(t)
    np.testing.assert_allclose(pred, profile * t.grad_weight_norms[-1], rtol=1e-15)
    assert pred[-1] == pytest.approx(t.grad_weight_norms[-1], rel=1e-15)


def test_relu_with_xavier_halves_the_signal():
    t = simulate(6, 64, "relu", "xavier_normal", batch=8)
    np.testing.assert_allclose(theory.predicted_variance(t), 0.5 ** np.arange(6), rtol=1e-13)


def test_no_prediction_where_mean_field_does_not_apply():
    for kwargs in (dict(residual=True), dict(norm="layer")):
        t = simulate(5, 32, "tanh", batch=8, **kwargs)
        assert not t.spec.mean_field_applies
        assert theory.predicted_variance(t) is None
        assert theory.predicted_grad_norms(t) is None


def test_diverging_variance_is_inf_beyond_the_quadrature():
    t = simulate(60, 16, "relu", "he_normal", gain=20.0, batch=4, dtype="float64")
    q = theory.predicted_variance(t)
    assert np.isinf(q[-1]) and np.all(np.isfinite(q[:5]))


def test_weight_gradient_profile_is_cached_and_copied():
    a = theory.weight_gradient_profile("tanh", 1.1, 0.05, 30)
    a[:] = 0.0
    b = theory.weight_gradient_profile("tanh", 1.1, 0.05, 30)
    assert b[-1] == 1.0 and np.all(b > 0)


def test_cached_chi1_is_fast_and_right():
    t = simulate(5, 64, "tanh", "xavier_normal", gain=1.3, bias_std=0.2, batch=8)
    spec = t.spec
    first = theory.chi1(spec.activation, spec.sigma_w, spec.sigma_b)
    assert t.chi1 == first
    assert first == pytest.approx(theory.chi1(spec.activation, spec.sigma_w, spec.sigma_b,
                                              q=theory.fixed_point("tanh", spec.sigma_w, spec.sigma_b)), rel=1e-14)
    start = time.perf_counter()
    for _ in range(1000):
        theory.chi1(spec.activation, spec.sigma_w, spec.sigma_b)
    assert (time.perf_counter() - start) / 1000 < 1e-4   # a few microseconds; allow a busy machine


def test_chi1_cache_tells_parameters_apart():
    # a new Activation object on every call (with_params) still hits the cache, and
    # different parameters are different entries
    values = {a: theory.chi1(get_activation("elu", alpha=a), 1.2, 0.1) for a in (0.5, 1.0, 2.0)}
    assert len(set(values.values())) == 3
    assert theory.chi1(get_activation("elu", alpha=0.5), 1.2, 0.1) == values[0.5]


def test_one_layer_and_huge_scales_have_predictions():
    # found by the browser engine's cross-check: a depth-1 network and normal init at a large gain
    import gradnotes
    from gradnotes import theory

    np.testing.assert_array_equal(theory.weight_gradient_profile("tanh", 1.0, 0.0, 1), [1.0])
    one = gradnotes.simulate(1, 16, batch=4)
    np.testing.assert_allclose(theory.predicted_grad_norms(one), one.grad_weight_norms)
    big = gradnotes.simulate(5, 16, init="normal", gain=300.0, batch=4)  # sigma_w = 1200
    assert big.summary()["chi1"] == pytest.approx(theory.chi1("tanh", 1200.0, 0.0)) and big.chi1 > 1
