"""Property-based tests over random valid configurations (hypothesis)."""

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gradnotes import ACTIVATIONS, INITIALIZERS, simulate

configs = st.fixed_dictionaries(
    {
        "depth": st.integers(1, 40),
        "width": st.integers(2, 48),
        "activation": st.sampled_from(sorted(ACTIVATIONS)),
        "init": st.sampled_from(sorted(INITIALIZERS)),
        "gain": st.floats(0.0, 30.0),
        "bias_std": st.floats(0.0, 5.0),
        "batch": st.integers(2, 40),
        "residual": st.booleans(),
        "norm": st.sampled_from([None, "batch", "layer"]),
        "dtype": st.sampled_from(["float32", "float64"]),
        "seed": st.integers(0, 2**32),
    }
)


@given(configs)
def test_shapes_finiteness_and_determinism(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning may leak, whatever the configuration
        t = simulate(**config)
        again = simulate(**config)
    L, N, B = config["depth"], config["width"], config["batch"]
    assert len(t.weights) == L and t.weights[0].shape == (N, N)
    assert t.inputs.shape == (B, N) and t.output_grad.shape == (B, N)
    for name in ["grad_weight_norms", "grad_bias_norms", "grad_activation_norms", "activation_means",
                 "activation_stds", "preactivation_second_moments", "saturation", "dead_units", "overflowed"]:
        assert getattr(t, name).shape == (L,), name
    assert t.activation_histograms.shape == (L, t.histogram_edges.size - 1)
    assert t.weights[0].dtype == np.dtype(config["dtype"])
    # finite, or the overflow is reported for that layer
    finite = (np.isfinite(t.grad_weight_norms) & np.isfinite(t.activation_stds)
              & np.isfinite(t.grad_activation_norms))
    np.testing.assert_array_equal(~finite, t.overflowed)
    if t.overflow_layer is None:
        assert np.isfinite(t.activation_stds).all()
    else:
        assert t.overflowed[t.overflow_layer - 1:].all()
        assert not np.isfinite(t.activation_stds[t.overflow_layer - 1])
    # fractions are fractions
    assert np.all((t.saturation >= 0) & (t.saturation <= 1))
    assert np.all(t.dead_units <= t.saturation + 1e-12)
    hist_mass = t.activation_histograms.sum(axis=1)
    assert np.all(hist_mass <= 1 + 1e-9)
    np.testing.assert_allclose(hist_mass[~t.overflowed], 1.0)
    # same seed, identical trace
    for name in ["grad_weight_norms", "activation_stds", "activation_histograms", "saturation", "overflowed"]:
        np.testing.assert_array_equal(getattr(t, name), getattr(again, name))
    assert repr(t) == repr(again)


@given(configs.filter(lambda c: not c["residual"] and c["norm"] is None))
def test_grad_norms_are_scale_consistent(config):
    # the top gradient is the read-out: its norm is independent of the network
    t = simulate(**config)
    r = np.linalg.norm(t.output_grad.astype(np.float64))
    assert abs(t.grad_activation_norms[-1] - r) <= 1e-5 * r
