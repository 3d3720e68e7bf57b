"""ProbeCache: simulate for networks that differ in one setting at a time."""

import numpy as np
import pytest

from gradnotes import NetworkSpec, simulate
from gradnotes.probe import ProbeCache


def test_probe_cache_is_simulate():
    cache = ProbeCache(max_depth=30)
    for kw in (dict(), dict(activation="relu", init="he_uniform", bias_std=0.3),
               dict(activation="gelu", init="orthogonal", norm="layer", residual=True),
               dict(activation="tanh", residual=True, residual_scale=0.2)):
        a = cache.trace(20, 32, batch=8, **kw)
        b = simulate(20, 32, batch=8, **kw)
        np.testing.assert_array_equal(a.grad_weight_norms, b.grad_weight_norms)  # gain 1: same numbers
        np.testing.assert_array_equal(a.activation_histograms, b.activation_histograms)
        assert a.config == b.config and a.spec == b.spec
    a = cache.trace(15, 32, "tanh", gain=1.7, batch=8)  # a rescale of the cached weights
    b = simulate(15, 32, "tanh", gain=1.7, batch=8)
    np.testing.assert_allclose(a.grad_weight_norms, b.grad_weight_norms, rtol=1e-4)
    assert repr(cache).startswith("ProbeCache(max_depth=30")
    with pytest.raises(ValueError, match="depth=31"):
        cache.trace(31, 32)


def test_run_takes_a_spec_and_refuses_float64():
    cache = ProbeCache(max_depth=10)
    spec = NetworkSpec.build(8, 16, "relu", "he_normal", batch=4)
    np.testing.assert_array_equal(cache.run(spec).grad_weight_norms, simulate(**spec.arguments()).grad_weight_norms)
    with pytest.raises(ValueError, match="dtype='float64'"):
        cache.run(spec.replace(dtype="float64"))
    with pytest.raises(ValueError, match=r"depth=20 is out of range; allowed: \[1, 10\]"):
        cache.run(spec.replace(depth=20))


def test_a_deeper_network_shares_its_lower_layers():
    cache = ProbeCache(max_depth=40)
    shallow, deep = cache.trace(10, 32, batch=8), cache.trace(40, 32, batch=8)
    for a, b in zip(shallow.weights, deep.weights):
        np.testing.assert_array_equal(a, b)


def test_keep_bounds_the_draws_kept():
    cache = ProbeCache(max_depth=5, keep=2)
    for seed in range(4):
        cache.trace(5, 8, batch=2, seed=seed)
    assert repr(cache).count("seed=") == 2 and "seed=3" in repr(cache) and "seed=0" not in repr(cache)


def test_thread_chooser_drops_a_choice_after_one_slow_run_and_keeps_one_thread_when_cores_are_busy():
    from gradnotes.probe._cache import _ThreadChooser

    load = [0.2]
    chooser = _ThreadChooser(load=lambda: load[0])
    chooser.options, chooser.times = (1, 2), {1: [], 2: []}  # as _setup finds them with two BLAS threads
    assert [chooser.pick(), chooser.pick()] == [1, 1]  # untried options first; 1 until it has a time
    chooser.record(1, 1.0)
    assert chooser.pick() == 2
    chooser.record(2, 0.5)
    assert chooser.pick() == 2
    chooser.record(2, 0.4)
    chooser.record(2, 10.0)  # the machine got busy: one slow run is enough
    assert chooser.pick() == 1
    chooser.record(2, 0.1)
    load[0] = 1.5  # another process keeps a core busy: do not even try two threads
    assert {chooser.pick() for _ in range(40)} == {1}
