import math
import warnings

import numpy as np
import pytest
from torch_reference import torch_activation

from gradnotes import ACTIVATIONS, SATURATION_RATIO, get_activation
from gradnotes.activations import SELU_ALPHA, SELU_LAMBDA

NAMES = sorted(ACTIVATIONS)
REQUIRED = {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus"}


def test_registry_has_the_required_activations():
    assert REQUIRED <= set(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name, rng):
    act = ACTIVATIONS[name]
    x = rng.uniform(-6, 6, size=2000)
    x = x[np.abs(x) > 1e-3]  # keep away from the kink at 0
    h = 1e-6
    fd = (act(x + h) - act(x - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(x), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", [n for n in NAMES if ACTIVATIONS[n].has_derivative_from_output])
def test_derivative_from_output_agrees(name, rng):
    act = ACTIVATIONS[name]
    x = rng.normal(scale=3, size=1000)
    out = np.empty_like(x)
    np.testing.assert_allclose(act.derivative_from_output_into(act(x), out), act.derivative(x), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_are_finite_and_silent(name, dtype):
    act = ACTIVATIONS[name]
    x = np.array([-1e4, -100, -1, 0, 1, 100, 1e4, -3e38 if dtype == np.float32 else -1e300], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            y, d = act(x), act.derivative(x)
    assert y.dtype == dtype and d.dtype == dtype
    assert np.all(np.isfinite(d))
    assert np.all(np.isfinite(y[:-1]))


@pytest.mark.parametrize("name", NAMES)
def test_shape_is_preserved(name, rng):
    x = rng.normal(size=(2, 3, 4))
    assert ACTIVATIONS[name](x).shape == (2, 3, 4)
    assert ACTIVATIONS[name].derivative(x).shape == (2, 3, 4)


def test_exact_identities():
    a = ACTIVATIONS
    assert a["sigmoid"].derivative(np.array(0.0)) == 0.25
    assert a["tanh"].derivative(np.array(0.0)) == 1.0
    assert a["relu"].derivative(np.array(0.0)) == 0.0  # torch's convention at the kink
    assert a["gelu"](np.array(1.0)) == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))), rel=1e-15)
    assert a["selu"](np.array(1.0)) == pytest.approx(SELU_LAMBDA)
    assert a["selu"](np.array(-50.0)) == pytest.approx(-SELU_LAMBDA * SELU_ALPHA)
    assert a["softplus"](np.array(0.0)) == pytest.approx(math.log(2))
    assert a["sigmoid"](np.array(-30.0)) == pytest.approx(1 / (1 + math.exp(30)), rel=1e-12)


def test_selu_constants_are_the_papers():
    assert SELU_LAMBDA == pytest.approx(1.0507009873554804934193349852946, abs=0)
    assert SELU_ALPHA == pytest.approx(1.6732632423543772848170429916717, abs=0)


def test_selu_keeps_a_standard_normal_standard(rng):
    # Klambauer et al.: N(0, 1) through SELU has mean ~0 and variance ~1
    from gradnotes.theory import expect

    selu = ACTIVATIONS["selu"]
    mean = expect(selu, (0.0,))
    var = expect(lambda z: selu(z) ** 2, (0.0,)) - mean**2
    assert abs(mean) < 1e-8 and var == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    "name, params, expected",
    [
        ("linear", {}, 1.0),
        ("sigmoid", {}, 1.0),
        ("tanh", {}, 5 / 3),
        ("relu", {}, math.sqrt(2)),
        ("leaky_relu", {}, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", {"negative_slope": 0.2}, math.sqrt(2 / 1.04)),
        ("selu", {}, 0.75),
    ],
)
def test_gain_matches_torch_formula(name, params, expected):
    assert get_activation(name, **params).gain == pytest.approx(expected, rel=1e-14)


def test_gain_matches_torch_where_installed():
    torch = pytest.importorskip("torch")
    for name in ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert ACTIVATIONS[name].gain == pytest.approx(torch.nn.init.calculate_gain(name), rel=1e-12)
    slope = ACTIVATIONS["leaky_relu"].with_params(negative_slope=0.3)
    assert slope.gain == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.3))


@pytest.mark.parametrize("name", [n for n in NAMES if ACTIVATIONS[n].gain_source == "second moment"])
def test_computed_gains_normalize_the_second_moment(name, rng):
    act = ACTIVATIONS[name]
    z = rng.standard_normal(2_000_000)
    assert np.mean((act.gain * act(z)) ** 2) == pytest.approx(1.0, abs=5e-3)


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch_functional(name, rng):
    torch = pytest.importorskip("torch")
    # beyond softplus's and sigmoid's switch points (|x| > 20) and into saturation, not only N(0, 4^2)
    x = np.concatenate((rng.normal(scale=4, size=5000), [-60.0, -35.0, -20.5, 20.5, 35.0, 60.0, 0.0]))
    for act in (ACTIVATIONS[name], *_with_other_params(name)):
        t = torch.tensor(x, requires_grad=True)
        y = torch_activation(torch, act)(t)
        y.sum().backward()
        np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(act.derivative(x), t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_torch_reference_table_covers_the_registry():
    torch = pytest.importorskip("torch")
    for act in ACTIVATIONS.values():
        assert callable(torch_activation(torch, act)), act.name


def _with_other_params(name):
    act = ACTIVATIONS[name]
    return [act.with_params(**{k: 0.3 for k in act.params})] if act.params else []


def test_float32_close_to_float64(rng):
    x = rng.normal(scale=5, size=10000)
    for act in ACTIVATIONS.values():
        np.testing.assert_allclose(act(x.astype(np.float32)), act(x), rtol=2e-6, atol=1e-6)


def test_params_change_the_function():
    leaky = get_activation("leaky_relu", negative_slope=0.2)
    assert leaky(np.array(-1.0)) == pytest.approx(-0.2)
    assert leaky.derivative(np.array(-1.0)) == pytest.approx(0.2)
    elu = get_activation("elu", alpha=0.5)
    assert elu(np.array(-50.0)) == pytest.approx(-0.5)
    assert ACTIVATIONS["elu"].params["alpha"] == 1.0  # the registry entry is unchanged


def test_saturation_level_reproduces_karpathys_tanh_threshold():
    tanh = ACTIVATIONS["tanh"]
    level = tanh.saturation_level
    assert level == pytest.approx(SATURATION_RATIO)
    # |tanh(x)| > 0.97 exactly when tanh'(x) < level
    x = np.linspace(-4, 4, 100_001)
    np.testing.assert_array_equal(np.abs(tanh(x)) > 0.97, tanh.derivative(x) < level)
    assert ACTIVATIONS["relu"].saturation_level == 0.0
    assert ACTIVATIONS["leaky_relu"].saturation_level is None


@pytest.mark.parametrize(
    "name, expected",
    [("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0), ("selu", SELU_LAMBDA * SELU_ALPHA), ("gelu", 1.1289)],
)
def test_max_derivative(name, expected):
    assert ACTIVATIONS[name].max_derivative == pytest.approx(expected, rel=1e-4)


def test_every_activation_has_text_for_plots():
    for act in ACTIVATIONS.values():
        assert act.label and "\\" in act.formula + act.derivative_formula or act.name == "linear"
        assert act.name in repr(act)


def test_properties_table_against_closed_forms():
    from gradnotes.activations import activation_properties

    relu = activation_properties("relu")
    assert relu["mean_output"] == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-10)  # E[max(z, 0)]
    assert relu["zero_gradient_fraction"] == pytest.approx(0.5, abs=1e-10)
    assert relu["range"] == (0.0, math.inf)
    sig = activation_properties("sigmoid")
    assert sig["range"] == (0.0, 1.0) and sig["value_at_0"] == 0.5 and sig["mean_output"] == pytest.approx(0.5)
    assert abs(activation_properties("selu")["mean_output"]) < 1e-10
    assert activation_properties("softplus")["value_at_0"] == pytest.approx(math.log(2))
    assert activation_properties("leaky_relu")["zero_gradient_fraction"] == 0.0
    assert activation_properties("elu")["range"][0] == pytest.approx(-1.0)
