"""simulate/propagate against independent references: a naive forward pass with
finite differences, PyTorch autograd, and exact facts about the trace."""

import warnings

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, draw_noise, simulate
from gradnotes.normalization import EPS


def reference_loss(trace, weights, biases):
    """The probe's loss, written out the plain way in float64 (independent of gradnotes.probe)."""
    c = trace.config
    act = ACTIVATIONS[c["activation"]]
    h = trace.inputs.astype(np.float64)
    for W, b in zip(weights, biases):
        z = h @ W + b
        if c["norm"] == "batch":
            z = (z - z.mean(0)) / np.sqrt(z.var(0) + EPS)
        elif c["norm"] == "layer":
            z = (z - z.mean(1, keepdims=True)) / np.sqrt(z.var(1, keepdims=True) + EPS)
        h = h + c.get("residual_scale", 1.0) * act(z) if c["residual"] else act(z)
    return float(np.sum(trace.output_grad * h))


CASES = [
    dict(activation="tanh"),
    dict(activation="sigmoid", bias_std=0.5),
    dict(activation="relu", init="he_normal", bias_std=0.1),
    dict(activation="gelu", residual=True, gain=0.5),
    dict(activation="silu", norm="batch", bias_std=0.3),
    dict(activation="elu", norm="layer", residual=True),
    dict(activation="selu", init="lecun_normal", norm="layer"),
    dict(activation="softplus", init="orthogonal", residual=True, bias_std=0.2),
    dict(activation="leaky_relu", init="xavier_uniform", norm="batch", residual=True),
    dict(activation="tanh", residual=True, residual_scale=0.3, bias_std=0.1),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_gradients_match_finite_differences(case):
    t = simulate(depth=4, width=6, batch=5, dtype="float64", keep_grads=True, seed=3,
                 bias_std=case.pop("bias_std", 0.0) or 1e-12, **case)
    assert t.loss == pytest.approx(reference_loss(t, t.weights, t.biases), rel=1e-12)
    rng = np.random.default_rng(0)
    eps = 1e-6
    for l in range(t.depth):
        for _ in range(6):
            i, j = rng.integers(6, size=2)
            Wp = [w.copy() for w in t.weights]
            Wm = [w.copy() for w in t.weights]
            Wp[l][i, j] += eps
            Wm[l][i, j] -= eps
            fd = (reference_loss(t, Wp, t.biases) - reference_loss(t, Wm, t.biases)) / (2 * eps)
            assert t.grad_weights[l][i, j] == pytest.approx(fd, rel=1e-5, abs=1e-9)
        j = rng.integers(6)
        bp = [b.copy() for b in t.biases]
        bm = [b.copy() for b in t.biases]
        bp[l][j] += eps
        bm[l][j] -= eps
        fd = (reference_loss(t, t.weights, bp) - reference_loss(t, t.weights, bm)) / (2 * eps)
        assert t.grad_biases[l][j] == pytest.approx(fd, rel=1e-5, abs=1e-9)
    # the norms the trace reports are the norms of those gradients
    np.testing.assert_allclose(t.grad_weight_norms, [np.linalg.norm(g) for g in t.grad_weights], rtol=1e-12)
    np.testing.assert_allclose(t.grad_bias_norms, [np.linalg.norm(g) for g in t.grad_biases], rtol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 2e-4)])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_gradients_match_torch_autograd(case, dtype, rtol):
    torch = pytest.importorskip("torch")
    case = dict(case)
    t = simulate(depth=12, width=32, batch=16, dtype=dtype, keep_grads=True, seed=5, **case)
    F = torch.nn.functional
    fn = {
        "linear": lambda x: x, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.01), "elu": F.elu, "selu": F.selu,
        "gelu": F.gelu, "silu": F.silu,
        # F.softplus switches to x above x = 20 (an approximation); logaddexp is exact
        "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),
    }[t.config["activation"]]
    Ws = [torch.tensor(w, requires_grad=True) for w in t.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in t.biases]
    h = torch.tensor(t.inputs)
    hs = []
    for W, b in zip(Ws, bs):
        z = h @ W + b
        if t.config["norm"] == "batch":
            z = F.batch_norm(z, None, None, training=True, eps=EPS)
        elif t.config["norm"] == "layer":
            z = F.layer_norm(z, z.shape[1:], eps=EPS)
        h = h + t.config["residual_scale"] * fn(z) if t.config["residual"] else fn(z)
        h.retain_grad()
        hs.append(h)
    loss = (torch.tensor(t.output_grad) * h).sum()
    loss.backward()
    assert t.loss == pytest.approx(loss.item(), rel=rtol, abs=1e-6)
    for l in range(t.depth):
        np.testing.assert_allclose(t.grad_weights[l], Ws[l].grad.numpy(), rtol=rtol, atol=rtol * 0.1 * float(Ws[l].grad.abs().max()))
        assert t.grad_weight_norms[l] == pytest.approx(float(Ws[l].grad.norm()), rel=rtol)
        assert t.grad_activation_norms[l] == pytest.approx(float(hs[l].grad.norm()), rel=rtol)
        # with batch norm the bias gradient is exactly 0 in exact arithmetic: compare on the weights' scale
        assert t.grad_bias_norms[l] == pytest.approx(float(bs[l].grad.norm()), rel=rtol, abs=rtol * t.grad_weight_norms[l])


def test_trace_statistics_are_what_they_say(rng):
    t = simulate(depth=5, width=64, batch=32, activation="tanh", dtype="float64", seed=1, bias_std=0.2)
    # recompute the forward pass by hand from the stored weights
    h = t.inputs
    for l in range(5):
        z = h @ t.weights[l] + t.biases[l]
        h = np.tanh(z)
        assert t.preactivation_second_moments[l] == pytest.approx(np.mean(z**2), rel=1e-12)
        assert t.activation_means[l] == pytest.approx(h.mean(), abs=1e-12)
        assert t.activation_stds[l] == pytest.approx(h.std(), rel=1e-12)
        assert t.saturation[l] == pytest.approx(np.mean(np.abs(h) > 0.97))
        sample = h[: -(-4096 // 64)].ravel()
        counts, _ = np.histogram(np.clip(sample, -1, 1), bins=t.histogram_edges)
        np.testing.assert_allclose(t.activation_histograms[l], counts / sample.size)
    assert t.grad_activation_norms[-1] == pytest.approx(np.linalg.norm(t.output_grad))
    assert np.linalg.norm(t.output_grad) == pytest.approx(1.0, abs=0.05)  # the loss is scaled so


def test_relu_dead_units_are_exact_zeros():
    t = simulate(depth=3, width=50, batch=40, activation="relu", init="he_normal", bias_std=0.0, seed=2, dtype="float64")
    h = t.inputs
    for l in range(3):
        z = h @ t.weights[l]
        h = np.maximum(z, 0)
        assert t.saturation[l] == np.mean(z <= 0)
        assert t.dead_units[l] == np.mean(np.all(z <= 0, axis=0))


def test_a_strongly_negative_bias_kills_every_relu_unit():
    # biases of std 100 against weights of std ~0.1: about half the units never fire
    t = simulate(depth=6, width=128, activation="relu", init="he_normal", bias_std=100.0, seed=0)
    assert 0.35 < t.dead_units[0] < 0.65
    assert np.all(t.dead_units >= 0.35)


def test_sigmoid_gradients_vanish_at_the_classic_rate():
    # sigma'(z) <= 1/4 and sigma_w = 1: the gradient shrinks ~4x per layer
    t = simulate(depth=30, width=256, activation="sigmoid", init="xavier_normal", seed=0)
    per_layer = (t.grad_activation_norms[0] / t.grad_activation_norms[-1]) ** (1 / 29)
    assert 0.2 < per_layer <= 0.25


def test_he_init_keeps_relu_gradients_flat_and_xavier_lets_them_vanish():
    he = simulate(depth=30, width=512, activation="relu", init="he_normal", seed=0)
    xa = simulate(depth=30, width=512, activation="relu", init="xavier_normal", seed=0)
    assert 0.3 < he.grad_activation_norms[0] / he.grad_activation_norms[-1] < 3
    # He et al.: with Var = 1/n the second moment halves per layer: 2^-29 over 29 steps for squared norms
    assert xa.preactivation_second_moments[-1] / xa.preactivation_second_moments[0] == pytest.approx(2.0**-29, rel=0.3)


def test_same_seed_same_trace_and_different_seed_differs():
    a = simulate(10, 32, "gelu", seed=4, bias_std=0.1)
    b = simulate(10, 32, "gelu", seed=4, bias_std=0.1)
    c = simulate(10, 32, "gelu", seed=5, bias_std=0.1)
    for name in ["grad_weight_norms", "activation_stds", "activation_histograms", "saturation"]:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.grad_weight_norms, c.grad_weight_norms)
    assert repr(a) == repr(b)


def test_deeper_network_shares_its_lower_layers():
    a = simulate(5, 16, seed=1)
    b = simulate(9, 16, seed=1)
    np.testing.assert_array_equal(a.activation_stds, b.activation_stds[:5])


def test_reused_noise_gives_the_same_trace():
    noise = draw_noise(20, 32, 16, seed=9)
    a = simulate(12, 32, batch=16, noise=noise, init="he_uniform", gain=1.3)
    b = simulate(12, 32, batch=16, seed=9, init="he_uniform", gain=1.3)
    np.testing.assert_array_equal(a.grad_weight_norms, b.grad_weight_norms)
    assert a.config["seed"] == 9


def test_gain_rescales_a_linear_network_exactly():
    a = simulate(6, 32, "linear", gain=1.0, dtype="float64", seed=0)
    b = simulate(6, 32, "linear", gain=2.0, dtype="float64", seed=0)
    # h_L scales by 2^6; dL/dW_l = h_{l-1}^T delta_l scales by 2^(l-1) * 2^(6-l) = 2^5
    np.testing.assert_allclose(b.grad_weight_norms / a.grad_weight_norms, 2.0**5, rtol=1e-12)
    np.testing.assert_allclose(b.activation_stds / a.activation_stds, 2.0 ** np.arange(1, 7), rtol=1e-12)


def test_exploding_network_reports_overflow_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = simulate(depth=100, width=64, activation="linear", init="xavier_normal", gain=10.0, seed=0)
    assert t.overflow
    assert t.overflow_layer is not None and 30 < t.overflow_layer < 45  # 10^38 is float32's limit
    assert np.all(t.overflowed[t.overflow_layer - 1:])
    assert np.isfinite(t.activation_stds[: t.overflow_layer - 1]).all()
    assert not np.isfinite(t.activation_stds[t.overflow_layer - 1])
    # the gradient grows 10x per layer going down as well: a plain float32 pass overflows in the lowest
    # layers, and `overflowed` says so; the rescaled backward pass still has the true norm (about 1e100)
    # where it depends only on finite numbers (a linear network's derivative is 1 even past the overflow)
    assert t.overflowed.all()
    ref = simulate(depth=100, width=64, activation="linear", init="xavier_normal", gain=10.0, seed=0, dtype="float64")
    assert t.grad_weight_norms[0] > 1e90 and t.grad_weight_norms[0] == pytest.approx(ref.grad_weight_norms[0], rel=1e-3)
    assert "overflow" in repr(t) and f"from layer {t.overflow_layer}" in repr(t)


def test_gradient_overflow_without_forward_overflow():
    # tanh bounds the forward pass; a large gain makes only the backward pass explode
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = simulate(depth=200, width=64, activation="tanh", gain=10.0, seed=0)
    assert t.overflow_layer is None
    assert t.overflow
    assert t.overflowed[0] and not t.overflowed[-1]


def test_float64_does_not_overflow_where_float32_does():
    t = simulate(depth=60, width=32, activation="linear", gain=10.0, dtype="float64", seed=0)
    assert not t.overflow


def test_trace_is_immutable():
    t = simulate(3, 8)
    with pytest.raises(Exception):
        t.grad_weight_norms[0] = 1.0
    with pytest.raises(Exception):
        t.weights[0][0, 0] = 1.0
    with pytest.raises(Exception):
        t.loss = 0.0


def test_repr_is_readable():
    r = repr(simulate(3, 8, "relu", "he_normal", seed=0))
    assert r.startswith("Trace(depth=3, width=8, batch=256, activation='relu', init='he_normal'")
    assert "0x" not in r and "overflow   none" in r


def test_zero_init_gives_zero_weight_gradients_below_the_top():
    t = simulate(5, 16, "tanh", "zeros", seed=0)
    assert np.all(t.grad_weight_norms[:-1] == 0)
    assert t.grad_weight_norms[-1] == 0  # tanh(0) = 0 feeds the last layer
    s = simulate(5, 16, "sigmoid", "zeros", seed=0)
    assert s.grad_weight_norms[-1] > 0 and np.all(s.grad_weight_norms[:-1] == 0)
