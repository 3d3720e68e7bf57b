"""The residual blocks ("pre", the standard one, and "post") against independent references.

A plain float64 forward pass written out here, central finite differences of it, and
PyTorch autograd check both blocks' gradients, with and without a norm and with a
residual scale != 1; the rescaled float32 pass agrees with float64; and the fact
chapter 7 teaches (post + ReLU + 1/sqrt(L) grows, pre stays bounded) is computed
over seeds.
"""

import math

import numpy as np
import pytest
from torch_reference import torch_activation

from gradnotes import ACTIVATIONS, NetworkSpec, draw_noise, propagate, simulate
from gradnotes.normalization import EPS
from gradnotes.probe import RESIDUALS, residual_kind

NORMALIZE = {
    None: lambda z: z,
    "batch": lambda z: (z - z.mean(0)) / np.sqrt(z.var(0) + EPS),
    "layer": lambda z: (z - z.mean(1, keepdims=True)) / np.sqrt(z.var(1, keepdims=True) + EPS),
}


def reference_output(x, weights, biases, act, residual, scale, norm):
    """h_L of the network, the plain way in float64 (independent of gradnotes.probe)."""
    N = NORMALIZE[norm]
    h = x
    for W, b in zip(weights, biases):
        if residual == "pre":
            h = h + scale * (act(N(h)) @ W + b)
        elif residual == "post":
            h = h + scale * act(N(h @ W + b))
        else:
            h = act(N(h @ W + b))
    return h


CASES = [
    dict(activation="relu", residual="pre", residual_scale=0.6),
    dict(activation="tanh", residual="pre", residual_scale=1.7, norm="layer"),
    dict(activation="gelu", residual="pre", residual_scale=0.4, norm="batch"),
    dict(activation="sigmoid", residual="pre", residual_scale=1.0),
    dict(activation="relu", residual="post", residual_scale=0.6),
    dict(activation="tanh", residual="post", residual_scale=1.7, norm="layer"),
    dict(activation="gelu", residual="post", residual_scale=0.4, norm="batch"),
]
IDS = ["-".join(str(v) for v in c.values()) for c in CASES]


def probed(case, **kwargs):
    return simulate(depth=4, width=6, batch=5, init="he_normal", dtype="float64", keep_grads=True, seed=7,
                    bias_std=0.3, **case, **kwargs)


def loss_of(t, weights, biases):
    c = t.config
    h = reference_output(t.inputs.astype(np.float64), weights, biases, ACTIVATIONS[c["activation"]],
                         c["residual"], c["residual_scale"], c["norm"])
    return float(np.sum(t.output_grad * h))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_central_differences(case):
    t = probed(case)
    assert t.loss == pytest.approx(loss_of(t, t.weights, t.biases), rel=1e-12)
    rng = np.random.default_rng(1)
    eps = 1e-6
    for l in range(t.depth):
        for arrays, grads in ((t.weights, t.grad_weights), (t.biases, t.grad_biases)):
            for _ in range(4):
                index = tuple(rng.integers(6, size=arrays[l].ndim))
                up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
                up[l][index] += eps
                down[l][index] -= eps
                pair = (up, t.biases) if arrays is t.weights else (t.weights, up)
                pair_down = (down, t.biases) if arrays is t.weights else (t.weights, down)
                fd = (loss_of(t, *pair) - loss_of(t, *pair_down)) / (2 * eps)
                assert grads[l][index] == pytest.approx(fd, rel=1e-5, abs=1e-9), (l, index)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    t = probed(case)
    c = t.config
    phi = torch_activation(torch, ACTIVATIONS[c["activation"]])
    axis = {"batch": 0, "layer": 1}.get(c["norm"])

    def N(z):
        if axis is None:
            return z
        return (z - z.mean(axis, keepdim=True)) / torch.sqrt(z.var(axis, unbiased=False, keepdim=True) + EPS)

    Ws = [torch.tensor(w, requires_grad=True) for w in t.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in t.biases]
    h = torch.tensor(t.inputs, dtype=torch.float64)
    s = c["residual_scale"]
    for W, b in zip(Ws, bs):
        h = h + s * (phi(N(h)) @ W + b) if c["residual"] == "pre" else h + s * phi(N(h @ W + b))
    (h * torch.tensor(t.output_grad)).sum().backward()
    for l in range(t.depth):
        np.testing.assert_allclose(t.grad_weights[l], Ws[l].grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(t.grad_biases[l], bs[l].grad.numpy(), rtol=1e-9, atol=1e-12)
    assert t.grad_input_norm == pytest.approx(float(np.linalg.norm(_input_grad(torch, t, phi, N))), rel=1e-9)


def _input_grad(torch, t, phi, N):
    x = torch.tensor(t.inputs, dtype=torch.float64, requires_grad=True)
    h, s = x, t.config["residual_scale"]
    for W, b in zip(t.weights, t.biases):
        W, b = torch.tensor(W), torch.tensor(b)
        h = h + s * (phi(N(h)) @ W + b) if t.config["residual"] == "pre" else h + s * phi(N(h @ W + b))
    (h * torch.tensor(t.output_grad)).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("setting", [dict(activation="relu", residual_scale=2.0, depth=60),
                                     dict(activation="tanh", residual_scale=0.3, depth=80, norm="layer"),
                                     dict(activation="sigmoid", residual_scale=1.0, depth=40, bias_std=0.2),
                                     dict(activation="gelu", residual_scale=0.1, depth=100, norm="batch")],
                         ids=["relu-growing", "tanh-layer", "sigmoid-bias", "gelu-batch"])
def test_rescaled_float32_pre_pass_equals_float64(setting):
    """The same float32 arrays through the rescaled float32 kernel and upcast through float64: 1e-5 relative."""
    setting = dict(setting)
    depth, bias_std = setting.pop("depth"), setting.pop("bias_std", 0.0)
    spec = NetworkSpec.build(depth, 64, init="he_normal", batch=32, residual="pre", bias_std=bias_std, **setting)
    noise = draw_noise(depth, 64, 32, seed=5)
    ws = [spec.initializer.from_normal(w, spec.gain).astype(np.float32) for w in noise.weights]
    bs = None if bias_std == 0 else list((noise.biases * bias_std).astype(np.float32))
    x, r = noise.inputs.astype(np.float32), (noise.readout / math.sqrt(noise.readout.size)).astype(np.float32)
    kw = dict(residual="pre", residual_scale=spec.residual_scale, norm=spec.norm)
    with np.errstate(all="ignore"):
        p32 = propagate(x, ws, bs, r, spec.activation, **kw)
        p64 = propagate(x.astype(np.float64), [w.astype(np.float64) for w in ws],
                        None if bs is None else [b.astype(np.float64) for b in bs], r.astype(np.float64),
                        spec.activation, **kw)
    for key in ("grad_weight_norms", "grad_bias_norms", "grad_activation_norms", "preactivation_second_moments"):
        a, b = getattr(p32, key), getattr(p64, key)
        if key == "grad_bias_norms" and spec.norm == "batch":
            continue  # exactly 0 up to rounding with batch norm
        np.testing.assert_allclose(a, b, rtol=1e-5, err_msg=key)
    assert p32.grad_input_norm == pytest.approx(p64.grad_input_norm, rel=1e-5)
    assert not p32.grad_overflow.any() and not p32.float32_underflow.any()
    if setting["activation"] == "relu":  # the gradient left the band: the rescaling was used
        assert np.log2(p64.grad_activation_norms).max() > 32


def test_pre_block_is_the_formula_in_the_registry():
    """h_L of the probe's "pre" block is the documented formula (the bias is scaled with the branch)."""
    t = simulate(5, 8, "tanh", "he_normal", batch=4, bias_std=0.5, residual="pre", residual_scale=0.3,
                 dtype="float64", seed=2)
    h = reference_output(t.inputs, t.weights, t.biases, ACTIVATIONS["tanh"], "pre", 0.3, None)
    np.testing.assert_allclose(t.activation_stds[-1], h.std(), rtol=1e-12)
    assert "s * (phi(norm(h_{l-1})) W_l + b_l)" in RESIDUALS["pre"].formula


def test_true_means_post_and_false_means_no_skip():
    kw = dict(batch=8, seed=4, dtype="float64")
    assert simulate(6, 16, "relu", residual=True, **kw).grad_weight_norms.tolist() == \
        simulate(6, 16, "relu", residual="post", **kw).grad_weight_norms.tolist()
    for no_skip in (False, None, "none"):
        assert simulate(6, 16, "relu", residual=no_skip, **kw).config["residual"] is None
    assert [residual_kind(v) for v in (np.True_, np.False_)] == ["post", None]


@pytest.mark.parametrize("bad, error, words", [("yes", ValueError, ["residual='yes'", "'pre'", "'post'", "True"]),
                                               ("Pre", ValueError, ["did you mean 'pre'"]),
                                               (1, TypeError, ["residual", "1", "int", "None / False"])])
def test_bad_residual_values_say_what_is_allowed(bad, error, words):
    with pytest.raises(error) as info:
        NetworkSpec.build(3, 8, residual=bad)
    assert all(w in str(info.value) for w in words), str(info.value)


STREAM_DEPTHS = (10, 50, 100, 200)


def stream_stds(residual, seeds=range(3)):
    """std of h_L (seeds x depths), ReLU with He's init, branches scaled by 1/sqrt(L)."""
    return np.array([[simulate(L, 128, "relu", "he_normal", batch=64, residual=residual,
                               residual_scale=1 / math.sqrt(L), seed=s).activation_stds[-1]
                      for L in STREAM_DEPTHS] for s in seeds])


def test_post_relu_stream_grows_with_depth_while_pre_stays_bounded():
    post, pre = stream_stds("post"), stream_stds("pre")
    # post: every seed grows at every step in depth, by two orders of magnitude from 10 to 200 layers
    assert (np.diff(post, axis=1) > 0).all(), post
    assert (post[:, -1] > 30 * post[:, 0]).all(), post
    # pre: Var h_L = (1 + 1/L)^L Var h_0 <= e at infinite width; at width 128 within 25% of sqrt(e)
    assert (pre < 1.25 * math.sqrt(math.e)).all() and (pre > 0.75).all(), pre
    assert (post[:, 1:] > 3 * pre[:, 1:]).all()
