"""gradnotes.training._recorder: the arrays a run records (update-to-data ratio, gradient norms,
dead and saturated units), checked by hand on small cases and against a plain forward pass."""

import math

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, SATURATION_RATIO
from gradnotes.training import MLP, Recorder, layer_saturation, spirals, train


@pytest.fixture(scope="module")
def data():
    return spirals(100, seed=0)


def hand_forward(model, X):
    """(phi'(z_l), h_l) for every hidden layer of a plain network (no norm, no skips), written out."""
    act = ACTIVATIONS[model.activation.name]
    h, derivs, hs = X.astype(np.float64), [], []
    for W, b in zip(model.weights[:-1], model.biases[:-1]):
        z = h @ W.astype(np.float64) + b
        derivs.append(act.derivative(z))
        h = act(z)
        hs.append(h)
    return derivs, hs


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_update_to_data_ratio_by_hand(data, optimizer):
    X, y = data
    lr = 0.1 if optimizer == "sgd" else 1e-3
    r = train(X, y, depth=4, width=32, optimizer=optimizer, lr=lr, steps=1, seed=2)
    before, after = r.initial_model, r.model
    for l in range(5):
        W0 = before.weights[l].astype(np.float64)
        dW = after.weights[l].astype(np.float64) - W0
        assert r.update_ratios[0, l] == pytest.approx(math.log10(dW.std() / W0.std()), abs=1e-4)
    if optimizer == "sgd":  # then it is Karpathy's log10(std(lr * grad) / std(W))
        net = before.copy()
        net.loss_and_grad(X, y)
        for l in range(5):
            expected = math.log10(np.std(lr * net.grad_weights[l]) / np.std(before.weights[l]))
            assert r.update_ratios[0, l] == pytest.approx(expected, abs=1e-4)
            assert r.grad_norms[0, l] == pytest.approx(np.linalg.norm(net.grad_weights[l]), rel=1e-5)
        assert r.grad_total_norms[0] == pytest.approx(np.linalg.norm(net.grads), rel=1e-5)
    else:  # Adam's first step moves every weight by about lr
        for l in range(5):
            dW = after.weights[l].astype(np.float64) - before.weights[l]
            np.testing.assert_allclose(np.abs(dW), lr, rtol=0.02)


def test_dead_relu_fraction_counts_units_with_zero_derivative_everywhere(data):
    X, y = data
    # a large SGD step kills most ReLUs
    r = train(X, y, depth=6, width=64, activation="relu", init="he_normal", optimizer="sgd", lr=1.0,
              steps=300, seed=0)
    for k, model in [(0, r.initial_model), (-1, r.model)]:
        derivs, _ = hand_forward(model, X)
        dead = [float(np.mean(np.all(d == 0, axis=0))) for d in derivs]
        zero = [float(np.mean(d == 0)) for d in derivs]
        np.testing.assert_allclose(r.dead_units[k], dead, atol=1e-12)
        np.testing.assert_allclose(r.saturation[k], zero, atol=1e-12)
    # with 2-D inputs some units are dead from the start (measured 0-22% per layer);
    # the large steps kill far more (measured 33-97%), and the network predicts one class
    assert r.dead_units[0].mean() < 0.15 and r.dead_units[-1].mean() > 0.5
    assert r.final_accuracy == pytest.approx(1 / 3)


def test_tanh_saturation_is_the_fraction_of_outputs_beyond_097(data):
    X, y = data
    r = train(X, y, depth=5, width=64, gain=3.0, steps=20, eval_every=10, seed=1)
    assert SATURATION_RATIO == pytest.approx(1 - 0.97**2)
    for k, model in [(0, r.initial_model), (-1, r.model)]:
        derivs, hs = hand_forward(model, X)
        np.testing.assert_allclose(r.activation_stds[k], [h.std() for h in hs], rtol=1e-5)
        # 1 - h**2 <= 1 - 0.97**2  <=>  |h| >= 0.97 (a float32 rounding at the boundary is allowed)
        expected = [np.mean(d <= SATURATION_RATIO) for d in derivs]
        np.testing.assert_allclose(r.saturation[k], expected, atol=2 / derivs[0].size)
    # gain 3 saturates tanh from the start, more in every layer (measured 0%, 1%, 15%, 27%, 36%)
    assert r.saturation[0, -1] > 0.3 and np.all(np.diff(r.saturation[0]) > 0)


# -- the Recorder on its own -------------------------------------------------------------


def small_net(**kwargs):
    return MLP(2, 3, depth=2, width=4, rng=np.random.default_rng(0), **kwargs)


def test_gradient_norms_per_layer_and_in_total_by_hand():
    net = small_net()
    rec = Recorder(net, steps=2)
    rng = np.random.default_rng(1)
    net.grads[...] = rng.standard_normal(net.grads.shape)
    assert rec.gradient(0, 0.7, net.grads)
    expected = [np.linalg.norm(g) for g in net.grad_weights]  # biases are left out, per layer
    np.testing.assert_allclose(rec.grad_norms[0], expected, rtol=1e-6)
    assert rec.grad_total_norms[0] == pytest.approx(np.linalg.norm(net.grads.astype(float)), rel=1e-6)
    assert rec.losses[0] == 0.7 and np.isnan(rec.losses[1]) and np.isnan(rec.grad_norms[1]).all()


@pytest.mark.parametrize("loss, bad", [(math.inf, None), (0.5, np.nan), (0.5, np.inf)])
def test_a_non_finite_loss_or_gradient_is_reported(loss, bad):
    net = small_net()
    rec = Recorder(net, steps=1)
    if bad is not None:
        net.grads[3] = bad
    with np.errstate(all="ignore"):
        assert not rec.gradient(0, loss, net.grads)


def test_update_ratio_is_the_log_std_of_the_change_over_the_weights():
    net = small_net(bias=True)
    rec = Recorder(net, steps=1)
    before = [W.astype(float).copy() for W in net.weights]
    rec.before_update(net.params)
    rng = np.random.default_rng(2)
    for W in net.weights:
        W += 1e-3 * rng.standard_normal(W.shape)
    for b in net.biases:
        b += 1.0  # biases do not enter the ratio
    rec.after_update(0, net.params)
    expected = [math.log10(np.std(W.astype(float) - W0) / np.std(W0)) for W, W0 in zip(net.weights, before)]
    np.testing.assert_allclose(rec.update_ratios[0], expected, atol=1e-4)
    # a bias-free network has weight segments only
    net = small_net(bias=False)
    rec = Recorder(net, steps=1)
    rec.before_update(net.params)
    net.params *= 1.01
    rec.after_update(0, net.params)
    np.testing.assert_allclose(rec.update_ratios[0], math.log10(0.01), atol=1e-4)


def test_finish_freezes_the_arrays_and_the_networks(data):
    X, y = data
    run = train(X, y, depth=2, width=4, steps=2, eval_every=1)
    for name in ("losses", "grad_norms", "grad_total_norms", "update_ratios", "checkpoint_steps",
                 "train_accuracy", "saturation", "dead_units", "activation_stds"):
        assert not getattr(run, name).flags.writeable, name
    assert not run.model.params.flags.writeable and not run.initial_model.params.flags.writeable
    assert run.checkpoint_steps.tolist() == [0, 1, 2] and run.saturation.shape == (3, 2)


def test_layer_saturation_of_relu_units_by_hand():
    net = MLP(2, 3, depth=1, width=3, activation="relu", rng=np.random.default_rng(0))
    net.weights[0][...] = [[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]
    net.biases[0][...] = 0.0
    X = np.array([[1.0, 1.0], [2.0, -1.0]])  # z = [[1, -1, 1], [2, -2, -1]]
    _, cache = net.forward(X)
    saturation, dead = layer_saturation(net, cache)
    assert saturation.tolist() == [0.5] and dead.tolist() == [pytest.approx(1 / 3)]
    identity = MLP(2, 3, depth=1, width=3, activation="linear", rng=np.random.default_rng(0))
    _, cache = identity.forward(X)
    assert [a.tolist() for a in layer_saturation(identity, cache)] == [[0.0], [0.0]]  # never saturates
