"""gradnotes.training._loop: train() learns the spirals, is deterministic, and its clipping, weight
decay, L1 and divergence handling do what they claim; bad input gets a clear error."""

import math
import warnings

import numpy as np
import pytest

from gradnotes.training import spirals, train


@pytest.fixture(scope="module")
def data():
    return spirals(100, seed=0)


@pytest.fixture(scope="module")
def tanh_run(data):
    return train(*data, depth=6, width=64, activation="tanh", init="xavier_normal", optimizer="adam",
                 lr=1e-3, steps=300, seed=0)


def test_tanh_xavier_adam_learns_the_spirals(tanh_run):
    r = tanh_run
    assert r.final_accuracy >= 0.98  # measured: 99.3% after 300 full-batch steps
    assert r.final_loss < 0.05  # measured: 0.013
    assert r.losses[0] == pytest.approx(math.log(3), abs=0.05)  # measured 1.114 vs ln 3 = 1.099
    assert r.train_accuracy[0] < 0.5
    assert r.losses[-1] < 0.05 and np.all(np.isfinite(r.losses))
    assert r.diverged_step is None
    assert r.checkpoint_steps[0] == 0 and r.checkpoint_steps[-1] == 300 and len(r.checkpoint_steps) == 21
    assert r.grad_norms.shape == r.update_ratios.shape == (300, 7)
    assert r.saturation.shape == r.dead_units.shape == (21, 6)


def test_same_seed_gives_an_identical_run(data):
    kwargs = dict(depth=5, width=32, activation="relu", init="he_normal", norm="batch", residual=True,
                  dropout=0.2, optimizer="momentum", lr=0.05, clip="norm", clip_threshold=1.0,
                  batch_size=64, steps=60, seed=3)
    a, b, c = train(*data, **kwargs), train(*data, **kwargs), train(*data, **{**kwargs, "seed": 4})
    for name in ("losses", "grad_norms", "grad_total_norms", "update_ratios", "train_accuracy", "saturation",
                 "dead_units", "activation_stds", "checkpoint_losses"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.model.params, b.model.params)
    np.testing.assert_array_equal(a.model.running_var, b.model.running_var)
    assert repr(a) == repr(b)
    assert not np.array_equal(a.losses, c.losses)


def test_initial_loss_is_ln_c_with_small_outputs():
    X, y = spirals(60, classes=5, seed=1)
    r = train(X, y, depth=8, width=32, output_gain=0.01, steps=1)
    assert r.losses[0] == pytest.approx(math.log(5), abs=2e-3)
    assert r.checkpoint_losses[0] == pytest.approx(math.log(5), abs=2e-3)


def test_the_first_step_does_not_depend_on_how_long_the_run_is(data):
    one = train(*data, depth=3, width=16, steps=1, seed=5)
    ten = train(*data, depth=3, width=16, steps=10, seed=5)
    assert one.losses[0] == ten.losses[0]
    np.testing.assert_array_equal(one.update_ratios[0], ten.update_ratios[0])


def test_clipping_by_norm_inside_training(data):
    X, y = data
    lr, threshold = 0.1, 0.02
    r = train(X, y, depth=4, width=32, optimizer="sgd", lr=lr, clip="norm", clip_threshold=threshold, steps=1,
              dtype="float64")
    assert r.grad_total_norms[0] > 10 * threshold  # the raw gradient is far larger
    step = (r.initial_model.params.astype(np.float64) - r.model.params) / lr  # = the clipped gradient
    assert np.linalg.norm(step) == pytest.approx(threshold, rel=1e-3)
    net = r.initial_model.copy()
    net.loss_and_grad(X, y)
    raw = net.grads.astype(np.float64)
    np.testing.assert_allclose(step, raw * threshold / np.linalg.norm(raw), rtol=1e-3, atol=1e-7)
    # over many steps each update is at most lr * threshold long, so the total path is bounded
    r = train(X, y, depth=4, width=32, optimizer="sgd", lr=lr, clip="norm", clip_threshold=threshold, steps=30)
    assert np.linalg.norm(r.model.params.astype(np.float64) - r.initial_model.params) <= 30 * lr * threshold * 1.001


def test_clipping_by_value_inside_training(data):
    X, y = data
    lr, threshold = 0.1, 1e-3
    r = train(X, y, depth=4, width=32, optimizer="sgd", lr=lr, clip="value", clip_threshold=threshold, steps=1,
              dtype="float64")
    step = (r.initial_model.params.astype(np.float64) - r.model.params) / lr
    assert np.abs(step).max() == pytest.approx(threshold, rel=1e-3)
    net = r.initial_model.copy()
    net.loss_and_grad(X, y)
    np.testing.assert_allclose(step, np.clip(net.grads, -threshold, threshold), rtol=1e-3, atol=1e-9)


def test_weight_decay_shrinks_weights(data):
    plain = train(*data, depth=4, width=32, optimizer="sgd", lr=0.05, steps=100, seed=0)
    decayed = train(*data, depth=4, width=32, optimizer="sgd", lr=0.05, weight_decay=0.05, steps=100, seed=0)
    assert np.linalg.norm(decayed.model.params) < np.linalg.norm(plain.model.params)


def test_l1_step_is_sign_of_weights_and_spares_biases(data):
    X, y = data
    lr, l1 = 0.01, 0.3
    r = train(X, y, depth=3, width=8, optimizer="sgd", lr=lr, l1=l1, steps=1, dtype="float64", seed=2)
    net = r.initial_model.copy()
    net.loss_and_grad(X, y)
    # hand-computed: p <- p - lr * (dL/dp + l1 * sign(p)) on weights, p - lr * dL/dp on biases
    expected_w = [W - lr * (g + l1 * np.sign(W)) for W, g in zip(net.weights, net.grad_weights)]
    for got, want in zip(r.model.weights, expected_w):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    for got, b, g in zip(r.model.biases, net.biases, net.grad_biases):
        np.testing.assert_allclose(got, b - lr * g, rtol=1e-12, atol=1e-14)


def test_l1_drives_weights_to_exact_sparsity(data):
    plain = train(*data, depth=3, width=16, optimizer="adam", lr=0.01, steps=200, seed=0)
    sparse = train(*data, depth=3, width=16, optimizer="adam", lr=0.01, l1=0.05, steps=200, seed=0)
    small = lambda run: np.mean(np.abs(run.model.weights[1]) < 1e-3)  # noqa: E731
    assert small(sparse) > 0.5 > small(plain)
    assert "l1=0.05" in repr(sparse)


def test_degenerate_runs_raise_no_warnings(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zeros = train(*data, depth=3, width=8, init="zeros", steps=5)  # 0/0 ratios
        lost = train(*data, depth=20, width=16, activation="sigmoid", optimizer="sgd", lr=0.1, steps=3)
        text = repr(zeros) + repr(lost)
    # all-zero weights get exactly zero gradients (only the output bias learns): ratio 0/0
    assert np.isnan(zeros.update_ratios).all() and not zeros.model.params[: 2 * 8].any()
    assert zeros.final_accuracy == pytest.approx(1 / 3)
    # sigmoid at depth 20: layer 1's update is below float32 resolution, so the weights do not move
    assert lost.grad_norms[0, 0] < 1e-9 and lost.update_ratios[0, 0] == -np.inf
    np.testing.assert_array_equal(lost.model.weights[0], lost.initial_model.weights[0])
    assert "-inf" in text and "nan" in text


def test_layer_norm_of_a_constant_vector_blows_up_the_gradient(data):
    X, y = data
    # every spiral arm starts at the origin; with zero biases that point's z is 0 in every unit,
    # layer norm divides by sqrt(EPS), and 20 such layers overflow float32 (torch does the same)
    assert train(X, y, depth=20, width=32, norm="layer", steps=3).diverged_step == 0
    assert train(X, y, depth=20, width=32, norm="layer", steps=3, dtype="float64").diverged_step is None
    away = np.hypot(*X.T) > 0
    assert train(X[away], y[away], depth=20, width=32, norm="layer", steps=3).diverged_step is None


def test_the_spirals_cannot_be_fitted_beyond_298_of_300(tanh_run):
    assert tanh_run.final_accuracy == pytest.approx(298 / 300)  # three identical origin points


def test_a_diverging_run_stops_and_reports_the_step_without_warnings(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = train(*data, depth=6, width=64, activation="relu", init="normal", optimizer="sgd", lr=1.0, steps=50)
    t = r.diverged_step
    assert r.diverged and t is not None and 0 < t < 50
    assert not (math.isfinite(r.losses[t]) and math.isfinite(r.grad_total_norms[t]))
    assert np.all(np.isfinite(r.losses[:t])) and np.all(np.isnan(r.losses[t + 1:]))
    assert np.all(np.isnan(r.update_ratios[t:]))
    assert math.isnan(r.final_loss) and math.isnan(r.final_accuracy)
    assert f"diverged   at step {t}" in repr(r)


# -- bad input ---------------------------------------------------------------------------

X0, Y0 = spirals(10)
BAD = [
    (lambda: train(X0, Y0, depth=0), ValueError, ["depth=0", "[1, 1000]"]),  # the probe's bound
    (lambda: train(X0, Y0, depth=1001), ValueError, ["depth=1001", "[1, 1000]"]),
    (lambda: train(X0, Y0, width=8193), ValueError, ["width=8193", "[1, 8192]"]),
    (lambda: train(X0, Y0, gain=-0.5), ValueError, ["gain=-0.5", "[0, 1000]"]),
    (lambda: train(X0, Y0, width=2.5), TypeError, ["width", "2.5", "integer"]),
    (lambda: train(X0, Y0, activation="tahn"), ValueError, ["activation='tahn'", "tanh"]),
    (lambda: train(X0, Y0, init="kaiming"), ValueError, ["init='kaiming'", "he_normal"]),
    (lambda: train(X0, Y0, optimizer="adamm"), ValueError, ["optimizer='adamm'", "adam", "sgd"]),
    (lambda: train(X0, Y0, optimizer_options={"momentm": 0.9}), ValueError, ["'momentm'", "betas"]),
    (lambda: train(X0, Y0, optimizer_options=[("lr", 1)]), TypeError, ["optimizer_options", "dict"]),
    (lambda: train(X0, Y0, lr=-1.0), ValueError, ["lr=-1.0", "[0, inf]"]),
    (lambda: train(X0, Y0, weight_decay=-0.1), ValueError, ["weight_decay=-0.1"]),
    (lambda: train(X0, Y0, l1=-1.0), ValueError, ["l1=-1"]),
    (lambda: train(X0, Y0, clip="l2"), ValueError, ["clip='l2'", "norm", "value"]),
    (lambda: train(X0, Y0, clip="norm", clip_threshold=0.0), ValueError, ["clip_threshold=0.0", "(0, inf]"]),
    (lambda: train(X0, Y0, dropout=1.0), ValueError, ["dropout=1.0", "[0, 1)"]),
    (lambda: train(X0, Y0, norm="group"), ValueError, ["norm='group'", "batch", "layer"]),
    (lambda: train(X0, Y0, steps=0), ValueError, ["steps=0", "[1, 100000]"]),
    (lambda: train(X0, Y0, batch_size=0), ValueError, ["batch_size=0", "[1, 30]"]),
    (lambda: train(X0, Y0, batch_size=1, norm="batch"), ValueError, ["batch_size=1", "norm='batch'", ">= 2"]),
    (lambda: train(X0, Y0, width=1, norm="layer"), ValueError, ["width=1", "norm='layer'", "width >= 2"]),
    (lambda: train(X0, Y0, clip=0), TypeError, ["clip", "0", "string"]),
    (lambda: train(X0, Y0, dtype="float16"), ValueError, ["dtype='float16'", "float32"]),
    (lambda: train(X0, Y0, seed=-1), ValueError, ["seed=-1"]),
    (lambda: train(X0, Y0, eval_every=0), ValueError, ["eval_every=0"]),
    (lambda: train(X0[:, 0], Y0), ValueError, ["X must be a 2-D", "(30,)"]),
    (lambda: train(X0, Y0[:-1]), ValueError, ["y must be a 1-D integer array of 30 labels", "(29,)"]),
    (lambda: train(X0, Y0.astype(float)), ValueError, ["y must be", "float64"]),
    (lambda: train(X0, np.zeros(30, dtype=int)), ValueError, ["C >= 2", "0 to 0"]),
    (lambda: train(X0 * np.nan, Y0), ValueError, ["X must be finite"]),
]


@pytest.mark.parametrize("call, exc, words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_input_gets_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "gradnotes" in info.traceback[-1].path.as_posix()
