"""The rescaled kernel against a plain float32 pass, the float64 pass, PyTorch autograd and exact identities.

No timing here: that the rescaled pass costs what a healthy one does is measured by ``make bench``.
"""

import math
import warnings

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, INITIALIZERS, draw_noise, simulate
from gradnotes.probe import propagate
from gradnotes.probe._forward import tangent_at_zero
from gradnotes.probe._kernel import FLOAT32_TINY_LOG2

# (depth, width, batch, activation, init, gain): each takes some gradient (and, where phi(0) = 0 and
# gain < 1, the forward signal too) far below float32's range.
VANISHING = [
    (100, 64, 64, "sigmoid", "xavier_normal", 1.0),
    (100, 64, 32, "softplus", "xavier_normal", 0.5),
    (100, 64, 32, "tanh", "xavier_normal", 0.3),
    (200, 64, 32, "linear", "xavier_normal", 0.5),
    (100, 64, 32, "gelu", "xavier_normal", 0.5),
    (100, 64, 32, "elu", "xavier_normal", 0.4),
    (100, 64, 32, "leaky_relu", "he_normal", 0.4),
    (100, 64, 32, "silu", "xavier_normal", 1.0),
    (80, 64, 32, "selu", "lecun_normal", 0.4),
]
# ReLU is left out of the float64 comparisons: deep ReLU networks differ between float32 and float64 by
# ~1% whatever the scale (a rounding flips a unit on or off); test_homogeneous_... checks it exactly.
IDS = [f"{c[3]}-{c[0]}-gain{c[5]}" for c in VANISHING]


def network(depth, width, batch, activation, init, gain, dtype, seed=0):
    """The arrays simulate() prepares, in ``dtype``."""
    noise = draw_noise(depth, width, batch, seed)
    weights = [INITIALIZERS[init].from_normal(w, gain).astype(dtype) for w in noise.weights]
    output_grad = (noise.readout / math.sqrt(batch * width)).astype(dtype)
    return noise.inputs.astype(dtype), weights, None, output_grad, ACTIVATIONS[activation]


def run(case, dtype, seed=0, **kw):
    with np.errstate(all="ignore"):
        return propagate(*network(*case, dtype, seed), **kw)


def true_hidden(p):
    return np.ldexp(p.hidden.astype(np.float64), p.hidden_log2_scales[:, None, None])


@pytest.mark.parametrize("case", VANISHING, ids=IDS)
def test_rescaled_float32_equals_the_float64_pass(case):
    r32, r64 = run(case, np.float32), run(case, np.float64, rescale=False)
    assert np.all(r64.grad_weight_norms > 0) and np.all(r64.grad_weight_norms < 1e300)
    for name in ["grad_weight_norms", "grad_activation_norms", "grad_bias_norms", "preactivation_second_moments"]:
        np.testing.assert_allclose(getattr(r32, name), getattr(r64, name), rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(r32.log10_grad_weight_norms, np.log10(r64.grad_weight_norms), rtol=0, atol=1e-5)
    # the forward pass too, where the signal vanished below float32's range (tangent regime)
    def rms(h):
        return np.sqrt(np.mean(h**2, axis=(1, 2)))

    np.testing.assert_allclose(rms(true_hidden(r32)), rms(r64.hidden), rtol=1e-5)
    # in float64 (which holds all of these) the rescaled pass is the plain one to rounding
    r64s = run(case, np.float64)
    for name in ["grad_weight_norms", "grad_activation_norms", "preactivation_second_moments"]:
        np.testing.assert_allclose(getattr(r64s, name), getattr(r64, name), rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(rms(true_hidden(r64s)), rms(r64.hidden), rtol=1e-12)


@pytest.mark.parametrize("case", [c for c in VANISHING if c[3] in ("sigmoid", "softplus", "tanh", "linear", "gelu")],
                         ids=lambda c: f"{c[3]}-{c[0]}")
@pytest.mark.parametrize("seed", [0, 1])
def test_rescaled_pass_finds_every_gradient_a_plain_pass_flushes_to_zero(case, seed):
    plain = run(case, np.float32, seed, rescale=False)
    r32, r64 = run(case, np.float32, seed), run(case, np.float64, seed, rescale=False)
    flushed = (plain.grad_weight_norms == 0) & (r64.grad_weight_norms > 0)
    assert flushed.any(), "the case should make a plain float32 pass flush gradients to zero"
    np.testing.assert_allclose(r32.grad_weight_norms[flushed], r64.grad_weight_norms[flushed], rtol=1e-5)
    assert np.all(r32.grad_weight_norms[flushed] < 2.0**FLOAT32_TINY_LOG2)
    assert r32.float32_underflow[flushed].all()


@pytest.mark.parametrize("case", VANISHING[:5], ids=IDS[:5])
def test_float32_underflow_marks_where_a_plain_float32_pass_underflows(case):
    plain = run(case, np.float32, rescale=False, keep_grads=True)
    r64 = run(case, np.float64, rescale=False)
    below_normal = np.array([float(np.abs(g).max()) < 2.0**FLOAT32_TINY_LOG2 for g in plain.grad_weights])
    np.testing.assert_array_equal(run(case, np.float32).float32_underflow, below_normal & (r64.grad_weight_norms > 0))
    # the mask does not depend on the dtype the network was run in
    np.testing.assert_array_equal(run(case, np.float64).float32_underflow, below_normal)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("setting", [{}, {"residual": True, "bias_std": 0.2}, {"norm": "layer"},
                                     {"norm": "batch", "residual": True}], ids=["plain", "residual", "layer", "batch"])
def test_where_nothing_vanishes_the_rescaled_pass_is_the_plain_pass_bit_for_bit(name, setting):
    from gradnotes.probe import NetworkSpec
    from gradnotes.probe._simulate import readout_gradient

    spec = NetworkSpec.build(12, 24, name, "xavier_normal", batch=10, **setting)
    noise = draw_noise(12, 24, 10, 0)
    ws = [spec.initializer.from_normal(w).astype(np.float32) for w in noise.weights]
    bs = [(b * spec.bias_std).astype(np.float32) for b in noise.biases] if spec.bias_std else None
    args = (noise.inputs.astype(np.float32), ws, bs, readout_gradient(noise, np.float32), spec.activation)
    kw = {"residual": spec.residual, "norm": spec.norm, "keep_grads": True}
    a, b = propagate(*args, **kw), propagate(*args, rescale=False, **kw)
    for field in ["grad_weight_norms", "grad_bias_norms", "grad_activation_norms", "preactivation_second_moments",
                  "saturation", "dead_units", "hidden"]:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    for ga, gb in zip(a.grad_weights + a.grad_biases, b.grad_weights + b.grad_biases):
        np.testing.assert_array_equal(ga, gb)
    assert not a.hidden_log2_scales.any() and not a.float32_underflow.any()


@pytest.mark.parametrize("activation, init", [("relu", "he_normal"), ("linear", "xavier_normal"),
                                              ("leaky_relu", "he_normal")])
def test_homogeneous_networks_scale_exactly_even_beyond_float64(activation, init):
    # phi(c z) = c phi(z): with gain 2**-4 (an exact factor) every h_l is 2**(-4 l) times the gain-1 network's
    # and every dL/dW_l 2**(-4 (depth - 1)) times its: about 1e-722, beyond float64 as well.
    depth, gain = 600, 2.0**-4
    ref = simulate(depth, 16, activation, init, batch=8, seed=1)
    t = simulate(depth, 16, activation, init, batch=8, seed=1, gain=gain)
    shift = (depth - 1) * math.log10(gain)
    assert t.log10_grad_weight_norms[0] < -700 and t.grad_weight_norms[0] == 0.0  # float64 has no such number
    # exact but for the rounding of the norms' sums (the tiny ones are summed in float64): 1e-6 relative
    np.testing.assert_allclose(t.log10_grad_weight_norms, ref.log10_grad_weight_norms + shift, rtol=0, atol=5e-7)
    layers = np.arange(1, depth + 1)
    shift_h = (depth - layers) * math.log10(gain)  # dL/dh_l passes through the depth - l layers above it
    np.testing.assert_allclose(t.log10_grad_activation_norms, ref.log10_grad_activation_norms + shift_h, atol=5e-7)
    assert t.float32_underflow.all() and not ref.float32_underflow.any()
    held = layers * 4 < 1000  # where float64 still holds 2**(-4 l)
    np.testing.assert_allclose(t.activation_stds[held], ref.activation_stds[held] * gain ** layers[held], rtol=1e-12)


def test_keep_grads_are_the_true_gradients_where_float32_holds_them():
    case = (100, 32, 32, "sigmoid", "xavier_normal", 1.0)
    r32, r64 = run(case, np.float32, keep_grads=True), run(case, np.float64, rescale=False, keep_grads=True)
    tiny = 2.0**FLOAT32_TINY_LOG2
    for g32, g64 in zip(r32.grad_weights, r64.grad_weights):
        normal = np.abs(g64) >= tiny
        np.testing.assert_allclose(g32[normal], g64[normal], rtol=2e-4, atol=1e-5 * float(np.abs(g64).max()))
        assert np.all(g32[np.abs(g64) < 2.0**-150] == 0)  # beyond float32: the nearest float32 is 0
    assert r32.float32_underflow[0] and np.all(r32.grad_weights[0] == 0)


def test_tangent_at_zero_is_the_derivative_on_either_side_of_zero():
    for name, act in ACTIVATIONS.items():
        slopes = tangent_at_zero(act)
        if float(act(np.array(0.0))) != 0:
            assert slopes is None, name
            continue
        expected = act.derivative(np.array([-1e-30, 1e-30]))
        np.testing.assert_allclose(slopes, expected, rtol=1e-12, err_msg=name)
    elu = ACTIVATIONS["elu"].with_params(alpha=0.5)
    assert tangent_at_zero(elu) == (0.5, 1.0)


def test_vanishing_forward_signal_is_reported_at_its_true_size():
    # tanh with gain 0.3 shrinks h about 0.3x per layer: 1e-52 at layer 100, where float32 has only 0
    kw = {"activation": "tanh", "init": "xavier_normal", "gain": 0.3, "batch": 32, "seed": 0}
    t, ref = simulate(100, 64, **kw), simulate(100, 64, dtype="float64", **kw)
    assert t.activation_stds[-1] < 1e-45
    np.testing.assert_allclose(t.activation_stds, ref.activation_stds, rtol=1e-5)
    np.testing.assert_allclose(t.preactivation_second_moments, ref.preactivation_second_moments, rtol=1e-5)
    np.testing.assert_array_equal(t.activation_histograms, ref.activation_histograms)
    assert t.loss == pytest.approx(ref.loss, rel=1e-5)


def test_trace_reports_true_norms_and_where_float32_underflows():
    t = simulate(100, 128, "sigmoid", "xavier_normal", batch=64, seed=0)
    assert np.all(t.grad_weight_norms > 0)  # a plain float32 pass gives exactly 0 in the lowest ~30 layers
    under = np.flatnonzero(t.float32_underflow) + 1
    assert under.size and under[0] == 1 and np.all(np.diff(under) == 1) and under[-1] < 60
    np.testing.assert_allclose(t.log10_grad_weight_norms, np.log10(t.grad_weight_norms), atol=1e-12)
    s = t.summary()
    assert s["float32_underflow_layers"] == under.tolist() and s["zero_gradient_layers"] == []
    assert f"{t.first_last_ratio():.0e}" in ("1e-62", "2e-62", "3e-62")


def test_exact_zeros_are_zeros_not_underflow():
    t = simulate(5, 16, "tanh", "zeros", seed=0)
    assert np.all(np.isneginf(t.log10_grad_weight_norms))
    assert not t.float32_underflow.any() and t.summary()["zero_gradient_layers"] == [1, 2, 3, 4, 5]


def test_chapter_4_overflow_is_still_float32s():
    # the forward pass is not rescaled where it grows: the notebook's numbers stay
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = simulate(100, 256, "linear", "xavier_normal", gain=4.0, seed=0)
    assert t.overflow_layer == 63 and int(t.overflowed.sum()) == 100


@pytest.mark.parametrize("case", [VANISHING[0], VANISHING[2]], ids=["sigmoid", "tanh-gain0.3"])
def test_rescaled_norms_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    x, ws, _, r, act = network(*case, np.float32)
    fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}[case[3]]

    def norms(dtype):
        Ws = [torch.tensor(w, dtype=dtype, requires_grad=True) for w in ws]
        h = torch.tensor(x, dtype=dtype)
        for W in Ws:
            h = fn(h @ W)
        (torch.tensor(r, dtype=dtype) * h).sum().backward()
        return [W.grad for W in Ws]

    with np.errstate(all="ignore"):
        p = propagate(x, ws, None, r, act)
    g32, g64 = norms(torch.float32), norms(torch.float64)
    t64 = np.array([float(g.norm()) for g in g64])
    np.testing.assert_allclose(p.grad_weight_norms, t64, rtol=1e-5)  # float64 autograd holds them all
    # where float32 holds the gradient comfortably, float32 autograd agrees (norms taken in float64:
    # torch's float32 norm squares the entries, which underflow below 1e-19)
    t32 = np.array([float(g.double().norm()) for g in g32])
    held = p.grad_weight_norms > 1e-30  # the upper ~40 sigmoid layers; no tanh layer (all about 1e-51)
    np.testing.assert_allclose(p.grad_weight_norms[held], t32[held], rtol=1e-5)
    # and where float32 cannot hold it, float32 autograd underflows too
    assert all(float(g32[l].abs().max()) < 2.0**FLOAT32_TINY_LOG2 for l in np.flatnonzero(p.float32_underflow))


@pytest.mark.parametrize("setting", [{"activation": "tanh"}, {"activation": "gelu", "residual": True, "norm": "layer"},
                                     {"activation": "relu", "init": "he_normal", "gain": 0.25},
                                     {"activation": "sigmoid", "bias_std": 0.3}],
                         ids=["tanh", "gelu-residual-layer", "relu-vanishing", "sigmoid-bias"])
def test_a_resumed_forward_pass_gives_the_trace_simulate_gives(setting):
    from gradnotes.probe import ProbeCache

    cache = ProbeCache(max_depth=90, adapt_threads=False)
    for depth in (10, 25, 5, 90, 60, 90):  # deeper, shallower, past the kept capacity, and back
        a = cache.trace(depth, 32, batch=16, **setting)
        b = simulate(depth, 32, batch=16, **setting)
        for name in ["grad_weight_norms", "grad_activation_norms", "log10_grad_weight_norms", "activation_stds",
                     "preactivation_second_moments", "activation_histograms", "saturation", "float32_underflow"]:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{name} at depth {depth}")
    assert "layers=90" in repr(cache._entry(32, 16, 0).forward)


def test_a_forward_state_is_not_reused_for_other_weights():
    from gradnotes.probe import ForwardState

    x, ws, _, r, act = network(20, 16, 8, "tanh", "xavier_normal", 1.0, np.float32)
    state = ForwardState()
    propagate(x, ws, None, r, act, forward=state)
    other = [w * np.float32(1.5) for w in ws[:10]] + ws[10:]
    np.testing.assert_array_equal(propagate(x, other, None, r, act, forward=state).grad_weight_norms,
                                  propagate(x, other, None, r, act).grad_weight_norms)
    np.testing.assert_array_equal(propagate(x, ws, None, r, act, forward=state, norm="layer").grad_weight_norms,
                                  propagate(x, ws, None, r, act, norm="layer").grad_weight_norms)
