"""gradnotes.training._mlp: the MLP's forward and backward pass against a plain reference with
finite differences, against PyTorch autograd, the exact behaviour of dropout and batch-norm
statistics, and its parameter rules (the probe's bounds)."""

import numpy as np
import pytest
from scipy.special import logsumexp

from torch_reference import torch_activation

from gradnotes import ACTIVATIONS
from gradnotes.normalization import EPS
from gradnotes.training import MLP, cross_entropy, spirals

CASES = [
    dict(activation="tanh"),
    dict(activation="relu", init="he_normal"),
    dict(activation="sigmoid", residual=True),
    dict(activation="gelu", norm="layer", residual=True),  # phi' from the input, not the output
    dict(activation="tanh", norm="batch"),
    dict(activation="elu", norm="batch", residual=True, dropout=0.3),
    dict(activation="selu", init="lecun_normal", norm="layer", dropout=0.5),
    dict(activation="leaky_relu", bias=False, residual=True, dropout=0.2),
]
IDS = ["-".join(str(v) for v in c.values()) for c in CASES]


def make(case, depth=4, width=6, batch=10, seed=0):
    """A float64 network with non-zero biases, a batch of spiral points and dropout masks."""
    rng = np.random.default_rng(seed)
    net = MLP(2, 3, depth, width, dtype="float64", rng=rng, **case)
    for b in net.biases or []:
        b[...] = 0.3 * rng.standard_normal(b.shape)
    X, y = spirals(20, seed=seed)
    idx = rng.choice(len(y), batch, replace=False)
    masks = [(rng.random((batch, width)) >= net.dropout).astype(float) for _ in range(depth)]
    return net, X[idx], y[idx], masks


def reference_loss(net, weights, biases, X, y, masks):
    """The training-mode loss written out the plain way (independent of gradnotes.training.MLP)."""
    act = ACTIVATIONS[net.activation.name]
    h = X
    for l in range(net.depth):
        z = h @ weights[l] + (biases[l] if biases else 0)
        if net.norm == "batch":
            z = (z - z.mean(0)) / np.sqrt(z.var(0) + EPS)
        elif net.norm == "layer":
            z = (z - z.mean(1, keepdims=True)) / np.sqrt(z.var(1, keepdims=True) + EPS)
        a = act(z)
        if net.dropout:
            a = a * masks[l] / (1 - net.dropout)
        h = h + a if net.residual and l > 0 else a
    logits = h @ weights[-1] + (biases[-1] if biases else 0)
    return float(np.mean(logsumexp(logits, axis=1) - logits[np.arange(len(y)), y]))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences(case):
    net, X, y, masks = make(case)
    loss = net.loss_and_grad(X, y, masks=masks)
    Ws = [W.copy() for W in net.weights]
    bs = [b.copy() for b in net.biases] if net.bias else None
    assert loss == pytest.approx(reference_loss(net, Ws, bs, X, y, masks), rel=1e-13)
    rng = np.random.default_rng(1)
    eps = 1e-6

    def fd(arrays, l, index):
        plus = [a.copy() for a in arrays]
        minus = [a.copy() for a in arrays]
        plus[l][index] += eps
        minus[l][index] -= eps
        if arrays is Ws:
            return (reference_loss(net, plus, bs, X, y, masks) - reference_loss(net, minus, bs, X, y, masks)) / (2 * eps)
        return (reference_loss(net, Ws, plus, X, y, masks) - reference_loss(net, Ws, minus, X, y, masks)) / (2 * eps)

    for l in range(net.depth + 1):
        for _ in range(5):
            index = tuple(rng.integers(n) for n in Ws[l].shape)
            assert net.grad_weights[l][index] == pytest.approx(fd(Ws, l, index), rel=1e-5, abs=1e-9)
        if bs is not None:
            j = (rng.integers(bs[l].size),)
            assert net.grad_biases[l][j] == pytest.approx(fd(bs, l, j), rel=1e-5, abs=1e-9)


def torch_loss(torch, net, X, y, masks, train=True, running=None):
    """The same network in PyTorch's functional API; returns (loss, weights, biases)."""
    F = torch.nn.functional
    fn = torch_activation(torch, net.activation)
    Ws = [torch.tensor(W.copy(), requires_grad=True) for W in net.weights]
    bs = [torch.tensor(b.copy(), requires_grad=True) for b in net.biases] if net.bias else None
    h = torch.tensor(X)
    for l in range(net.depth):
        z = h @ Ws[l] + (bs[l] if bs else 0)
        if net.norm == "batch":
            rm, rv = running if running is not None else (None, None)
            z = F.batch_norm(z, rm[l] if rm else None, rv[l] if rv else None, training=train, momentum=0.1, eps=EPS)
        elif net.norm == "layer":
            z = F.layer_norm(z, (net.width,), eps=EPS)
        a = fn(z)
        if net.dropout and train:
            a = a * torch.tensor(masks[l]) / (1 - net.dropout)
        h = h + a if net.residual and l > 0 else a
    logits = h @ Ws[-1] + (bs[-1] if bs else 0)
    return F.cross_entropy(logits, torch.tensor(y)), Ws, bs


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    net, X, y, masks = make(case, depth=8, width=24, batch=48, seed=2)
    loss = net.loss_and_grad(X, y, masks=masks)
    tloss, Ws, bs = torch_loss(torch, net, X, y, masks)
    tloss.backward()
    assert loss == pytest.approx(float(tloss.detach()), rel=1e-12)
    for l in range(net.depth + 1):
        np.testing.assert_allclose(net.grad_weights[l], Ws[l].grad.numpy(), rtol=1e-9, atol=1e-14)
        if bs is not None:
            np.testing.assert_allclose(net.grad_biases[l], bs[l].grad.numpy(), rtol=1e-9, atol=1e-14)


def test_float32_gradients_match_float64():
    net64, X, y, masks = make(dict(activation="tanh", norm="batch", residual=True), depth=10, width=32, batch=60)
    net32 = MLP(2, 3, 10, 32, "tanh", norm="batch", residual=True, rng=np.random.default_rng(0))
    net32.params[...] = net64.params
    assert net32.params.dtype == np.float32
    net64.loss_and_grad(X, y)
    net32.loss_and_grad(X, y)
    assert net32.grads.dtype == np.float32
    scale = np.abs(net64.grads).max()
    np.testing.assert_allclose(net32.grads, net64.grads, rtol=2e-3, atol=2e-5 * scale)


def test_batch_norm_running_statistics_and_evaluation_match_torch():
    torch = pytest.importorskip("torch")
    net, _, _, _ = make(dict(activation="tanh", norm="batch", residual=True), depth=5, width=12, batch=8)
    X, y = spirals(40, seed=3)
    rm = [torch.zeros(12, dtype=torch.float64) for _ in range(5)]
    rv = [torch.ones(12, dtype=torch.float64) for _ in range(5)]
    for k in range(3):  # three training batches update the running statistics
        batch = slice(30 * k, 30 * k + 30)
        net.forward(X[batch], train=True)
        torch_loss(torch, net, X[batch], y[batch], None, train=True, running=(rm, rv))
    np.testing.assert_allclose(net.running_mean, torch.stack(rm).numpy(), rtol=1e-12)
    np.testing.assert_allclose(net.running_var, torch.stack(rv).numpy(), rtol=1e-12)
    # evaluation uses them, and its gradient (a fixed affine map per unit) matches too
    logits, cache = net.forward(X, train=False)
    loss, dlogits = cross_entropy(logits, y)
    net.backward(cache, dlogits)
    tloss, Ws, _ = torch_loss(torch, net, X, y, None, train=False, running=(rm, rv))
    tloss.backward()
    assert loss == pytest.approx(float(tloss.detach()), rel=1e-12)
    for l in range(net.depth + 1):
        np.testing.assert_allclose(net.grad_weights[l], Ws[l].grad.numpy(), rtol=1e-9, atol=1e-14)


def test_dropout_scales_kept_units_and_preserves_the_mean():
    p = 0.4
    net = MLP(2, 3, 1, 64, "relu", init="he_normal", dropout=p, rng=np.random.default_rng(0))
    X, _ = spirals(50, seed=0)
    rng = np.random.default_rng(1)
    draws = []
    for _ in range(400):
        _, cache = net.forward(X, train=True, rng=rng)
        a, h = cache.post[0], cache.hidden[1]
        kept = h != 0
        np.testing.assert_allclose(h[kept], a[kept] / (1 - p), rtol=1e-6)  # kept units scaled by 1/(1-p)
        draws.append(h)
    draws = np.array(draws)
    alive = a > 0
    assert np.mean(draws[:, alive] == 0) == pytest.approx(p, abs=0.005)
    # inverted dropout keeps every unit's expected value: E[h] = a
    mean = draws.mean(axis=0)
    rel = (mean[alive] - a[alive]) / a[alive]
    assert abs(rel.mean()) < 0.01 and rel.std() < 4 * np.sqrt(p / (1 - p) / 400)


def test_dropout_is_the_identity_in_evaluation():
    rng = np.random.default_rng(0)
    a = MLP(2, 3, 5, 32, "tanh", dropout=0.5, residual=True, rng=rng)
    b = a.copy()
    b.dropout = 0.0
    X, _ = spirals(30)
    np.testing.assert_array_equal(a.forward(X, train=False)[0], b.forward(X, train=False)[0])
    np.testing.assert_array_equal(a.forward(X, train=False)[0], b.forward(X, train=True)[0])


def test_copy_is_independent_and_frozen_copy_is_read_only():
    net = MLP(2, 3, 3, 8, rng=np.random.default_rng(0))
    frozen = net.copy(frozen=True)
    before = float(net.weights[0][0, 0])
    net.weights[0][0, 0] = 5.0
    assert net.params[0] == 5.0 and frozen.weights[0][0, 0] == before
    with pytest.raises(ValueError):
        frozen.weights[0][0, 0] = 0.0
    np.testing.assert_array_equal(frozen.params[:16], frozen.weights[0].ravel())


# -- parameter rules: one bound per concept, shared with the probe -------------------------------


def test_depth_and_width_follow_the_probe_bounds():
    rng = np.random.default_rng(0)
    assert MLP(2, 3, depth=201, width=2, rng=rng).depth == 201  # the MLP allowed 200 before
    assert MLP(2, 3, depth=1, width=4097, rng=rng).width == 4097  # and width 4096
    assert MLP(2, 3, depth=2, width=4, norm="none", rng=rng).norm is None


BAD = [
    (dict(depth=0), ValueError, ["depth=0", "[1, 1000]"]),
    (dict(depth=1001), ValueError, ["depth=1001", "[1, 1000]"]),
    (dict(width=8193), ValueError, ["width=8193", "[1, 8192]"]),
    (dict(width=2.5), TypeError, ["width", "2.5", "integer"]),
    (dict(gain=-1.0), ValueError, ["gain=-1.0", "[0, 1000]"]),
    (dict(output_gain=float("inf")), ValueError, ["output_gain=inf", "finite"]),
    (dict(norm="group"), ValueError, ["norm='group'", "batch", "layer", "None"]),
    (dict(width=1, norm="layer"), ValueError, ["width=1", "norm='layer'", "width >= 2"]),
    (dict(dropout=1.0), ValueError, ["dropout=1.0", "[0, 1)"]),
    (dict(bias=1), TypeError, ["bias", "True or False"]),
    (dict(dtype="float16"), ValueError, ["dtype='float16'", "float32", "float64"]),
    (dict(n_classes=1), ValueError, ["n_classes=1", "[2, 4096]"]),
    (dict(rng=0), TypeError, ["rng", "Generator"]),
]


@pytest.mark.parametrize("change, exc, words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_arguments_name_the_parameter(change, exc, words):
    kwargs = dict(n_in=2, n_classes=3, depth=2, width=4, rng=np.random.default_rng(0))
    with pytest.raises(exc) as info:
        MLP(**{**kwargs, **change})
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


def test_bias_std_draws_the_hidden_biases_after_the_weights():
    zero = MLP(2, 3, depth=3, width=512, rng=np.random.default_rng(0))
    drawn = MLP(2, 3, depth=3, width=512, bias_std=0.5, rng=np.random.default_rng(0))
    for W0, W1 in zip(zero.weights, drawn.weights):  # the same weights: bias_std changes only the biases
        np.testing.assert_array_equal(W0, W1)
    hidden = np.concatenate(drawn.biases[:-1])
    assert abs(float(hidden.std()) - 0.5) < 0.03 and abs(float(hidden.mean())) < 0.05
    assert not drawn.biases[-1].any() and not any(b.any() for b in zero.biases)


def test_bias_std_is_checked_and_needs_biases():
    with pytest.raises(ValueError, match=r"bias_std=0.1 needs bias=True"):
        MLP(2, 3, 2, 4, bias=False, bias_std=0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"bias_std=-1.0"):
        MLP(2, 3, 2, 4, bias_std=-1.0, rng=np.random.default_rng(0))


def test_train_passes_bias_std_on_and_names_it():
    from gradnotes.training import train

    X, y = spirals(20, seed=0)
    run = train(X, y, depth=2, width=8, bias_std=0.2, steps=2, progress=False)
    assert run.config.bias_std == 0.2 and "bias_std=0.2" in repr(run).splitlines()[0]
    assert np.concatenate(run.initial_model.biases[:-1]).std() > 0.1
    np.testing.assert_array_equal(train(X, y, **run.config.arguments()).model.params, run.model.params)
    assert "bias_std" not in repr(train(X, y, depth=2, width=8, steps=2))
