"""NetworkSpec: one checked, frozen description of a probed network."""

import dataclasses

import numpy as np
import pytest

from gradnotes import INITIALIZERS, NetworkSpec, get_activation, simulate


def test_build_checks_and_converts():
    spec = NetworkSpec.build(5, 16, "relu", "he_normal", gain=2, bias_std=0, norm="none", seed=3)
    assert spec.depth == 5 and spec.width == 16 and spec.activation.name == "relu"
    assert isinstance(spec.gain, float) and spec.norm is None and spec.seed == 3
    with pytest.raises(ValueError, match="depth=0"):
        NetworkSpec.build(0, 16)
    with pytest.raises(ValueError, match=r"depth=31 is out of range; allowed: \[1, 30\]"):
        NetworkSpec.build(31, 16, max_depth=30)
    with pytest.raises(ValueError, match="batch=1 is too small for norm='batch'"):
        NetworkSpec.build(3, 16, batch=1, norm="batch")


def test_spec_is_frozen_and_replace_checks_again():
    spec = NetworkSpec.build(5, 16)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.depth = 6
    deeper = spec.replace(depth=50)
    assert deeper.depth == 50 and spec.depth == 5 and deeper.width == spec.width
    with pytest.raises(ValueError, match="width=0"):
        spec.replace(width=0)


@pytest.mark.parametrize("init", ["xavier_normal", "he_uniform", "lecun_normal", "normal", "orthogonal"])
def test_sigma_w_is_the_std_of_the_drawn_weights_times_sqrt_width(init):
    # independent of Initializer.sigma_w: measure the weights simulate draws
    spec = NetworkSpec.build(3, 256, "tanh", init, gain=1.3)
    t = simulate(**spec.arguments())
    measured = float(np.std(np.concatenate([w.ravel() for w in t.weights]))) * np.sqrt(256)
    assert spec.sigma_w == pytest.approx(measured, rel=0.02)
    assert spec.sigma_w == pytest.approx(INITIALIZERS[init].sigma_w(256, 256, 1.3))


def test_mean_field_applies_only_to_plain_networks():
    assert NetworkSpec.build(3, 8).mean_field_applies
    assert not NetworkSpec.build(3, 8, residual=True).mean_field_applies
    assert not NetworkSpec.build(3, 8, norm="layer").mean_field_applies


def test_config_is_read_only_and_plain():
    spec = NetworkSpec.build(4, 8, get_activation("leaky_relu", negative_slope=0.2))
    config = spec.config()
    assert config["activation"] == "leaky_relu" and config["activation_params"] == {"negative_slope": 0.2}
    with pytest.raises(TypeError):
        config["depth"] = 9
    with pytest.raises(TypeError):
        config["activation_params"]["negative_slope"] = 0.5


def test_arguments_rebuild_the_same_network():
    spec = NetworkSpec.build(6, 32, "gelu", "orthogonal", gain=0.9, bias_std=0.2, batch=8, seed=4)
    a, b = simulate(**spec.arguments()), simulate(6, 32, "gelu", "orthogonal", gain=0.9, bias_std=0.2, batch=8, seed=4)
    np.testing.assert_array_equal(a.grad_weight_norms, b.grad_weight_norms)
    assert a.spec == b.spec


def test_a_long_simulation_warns_first_with_its_estimate(monkeypatch):
    import gradnotes.probe._simulate as sim
    from gradnotes._checks import SlowComputationWarning

    assert sim.estimated_seconds(NetworkSpec.build(30, 4096)) > 10  # the learner's simulate(30, 4096)
    monkeypatch.setattr(sim, "_FLOPS_PER_SECOND", 1.0)  # make a tiny network look slow
    with pytest.warns(SlowComputationWarning, match=r"simulate\(depth=3, width=8, batch=4\) will take about \d+ s"):
        simulate(3, 8, batch=4)
    monkeypatch.undo()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        simulate(30, 256, batch=64)  # the book's sizes never warn
