"""gradnotes.training._trainability: the engine of Schoenholz et al.'s trainability figure, on tiny grids.

The depth scale xi_c is computed here independently of gradnotes.theory: our own length-map and
correlation-map iterations on a 2-D Gauss-Hermite grid (tanh is smooth, so 101 nodes are exact enough).
"""

import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq

import gradnotes
from gradnotes import theory
from gradnotes.training import TASKS, TrainabilityGrid, blobs, trainability_grid, train
from gradnotes.training import _trainability

_Z, _W = hermegauss(101)
_W = _W / _W.sum()
_Z1, _Z2 = np.meshgrid(_Z, _Z, indexing="ij")
_W2 = np.outer(_W, _W)


def xi_c(sigma_w2, sigma_b2=0.05):
    """Schoenholz et al.'s correlation depth scale for tanh: -1 / ln chi_c at the c-map's fixed point c*."""
    q = 1.0
    for _ in range(3000):  # the length map's fixed point q*
        q = sigma_w2 * np.sum(_W * np.tanh(math.sqrt(q) * _Z) ** 2) + sigma_b2
    u1 = math.sqrt(q) * _Z1

    def u2(c):
        return math.sqrt(q) * (c * _Z1 + math.sqrt(max(1 - c * c, 0.0)) * _Z2)

    def c_map(c):
        return (sigma_w2 * np.sum(_W2 * np.tanh(u1) * np.tanh(u2(c))) + sigma_b2) / q

    def slope(c):  # d c_map / dc = sigma_w^2 E[phi'(u1) phi'(u2)]
        return sigma_w2 * np.sum(_W2 / np.cosh(u1) ** 2 / np.cosh(u2(c)) ** 2)

    # c = 1 is a fixed point; it attracts while its slope chi_1 < 1, else c* < 1 is the root below it
    c_star = 1.0 if slope(1.0) < 1 else brentq(lambda c: c_map(c) - c, 0.0, 1 - 1e-7, xtol=1e-14)
    return -1 / math.log(slope(c_star))


def test_the_reference_depth_scale_is_chi1s_in_the_ordered_phase_and_finite_past_the_edge():
    for sw2 in (0.5, 1.0, 1.5):  # c* = 1 there, so chi_c = chi_1
        assert xi_c(sw2) == pytest.approx(-1 / math.log(theory.chi1("tanh", math.sqrt(sw2), math.sqrt(0.05))),
                                          rel=1e-6)
    assert xi_c(1.0) == pytest.approx(3.63, abs=0.01) and xi_c(1.7) > 50 and xi_c(2.5) == pytest.approx(11.8, abs=0.1)


FAST = dict(width=32, steps=100, optimizer="sgd", lr=0.05, progress=False)


@pytest.fixture(scope="module")
def tiny():
    """sigma_w2: deep in order, ordered, critical, chaotic; depth 2 and 30 (= 8.3 xi_c at 1.0, 0 at 1.76)."""
    return trainability_grid([0.5, 1.0, 1.76, 4.0], [2, 30], **FAST)


def test_shallow_networks_train_and_deep_ones_train_only_near_the_edge_of_chaos(tiny):
    acc = tiny.accuracy[..., 0]
    assert tiny.chance == 0.1 and acc.shape == (4, 2)
    assert (acc[:, 0] > 0.9).all()  # depth 2 learns the task at every scale
    assert acc[0, 1] < 0.12 and acc[1, 1] < 0.3  # 30 layers = 21 and 8 xi_c in the ordered phase: (near) chance
    assert acc[2, 1] > 0.8  # at the edge of chaos xi_c is huge: 30 layers train
    assert acc[3, 1] < 0.5  # chaotic: 30 layers = 4.3 xi_c, and not yet trained in 100 steps
    assert 30 / xi_c(1.0) > 6 > 30 / xi_c(1.76) and 30 / xi_c(0.5) > 20
    np.testing.assert_array_less(tiny.test_accuracy[:, 0], 1.0 + 1e-12)


def test_the_networks_are_the_mean_field_ones():
    settings = dict(width=256, steps=1, optimizer="sgd", lr=0.0, batch_size=None)
    X, y, _, _ = blobs(0)
    config = _trainability._config(X, y, {**settings, "sigma_b2": 0.05, "dtype": "float32"},
                                   gradnotes.get_activation("tanh"), 2.5, 3, 0)
    net = train(X, y, **config.arguments(), progress=False).initial_model
    for W in net.weights[1:-1]:  # Var[W] = sigma_w^2 / fan_in
        assert float(W.var()) * W.shape[0] == pytest.approx(2.5, rel=0.03)
    b = np.concatenate(net.biases[:-1])
    assert float(b.var()) == pytest.approx(0.05, rel=0.15) and float(net.weights[0].var()) * 32 == pytest.approx(
        2.5, rel=0.05)


def test_seeds_are_a_third_axis_and_the_same_settings_give_the_same_grid():
    a = trainability_grid([1.76], [3], seeds=(0, 1), **{**FAST, "steps": 20})
    b = trainability_grid([1.76], [3], seeds=(0, 1), **{**FAST, "steps": 20})
    assert a.accuracy.shape == (1, 1, 2) and a.accuracy[0, 0, 0] != a.accuracy[0, 0, 1]
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    assert not a.accuracy.flags.writeable and a.seeds == (0, 1)


def test_the_cache_is_read_back_and_keyed_by_every_setting_and_the_version(tmp_path, monkeypatch):
    args = dict(sigma_w2=[1.76], depths=[2], cache_dir=tmp_path, **{**FAST, "steps": 10})
    first = trainability_grid(**args)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and not first.from_cache
    second = trainability_grid(**args)
    assert second.from_cache and second.seconds == first.seconds
    np.testing.assert_array_equal(second.accuracy, first.accuracy)
    np.testing.assert_array_equal(second.test_accuracy, first.test_accuracy)
    assert dict(second.settings) == dict(first.settings) and repr(second) == repr(first)
    trainability_grid(**{**args, "lr": 2e-3})
    monkeypatch.setattr(gradnotes, "__version__", "0.0.0-test")
    trainability_grid(**args)
    assert len(list(tmp_path.iterdir())) == 3  # a new learning rate, a new version: new files


def test_an_unreadable_cache_file_is_computed_again(tmp_path):
    args = dict(sigma_w2=[1.76], depths=[2], cache_dir=tmp_path, **{**FAST, "steps": 5})
    trainability_grid(**args)
    (path,) = tmp_path.iterdir()
    path.write_bytes(b"not a cache")
    again = trainability_grid(**args)
    assert not again.from_cache and trainability_grid(**args).from_cache


def test_without_a_cache_dir_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    trainability_grid([1.0], [2], **{**FAST, "steps": 5})
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_stops_the_grid_and_caches_nothing(tmp_path, monkeypatch):
    real = _trainability.train
    calls = []

    def interrupted_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            kwargs["progress"] = lambda p: (_ for _ in ()).throw(KeyboardInterrupt)
        return real(*args, **kwargs)

    monkeypatch.setattr(_trainability, "train", interrupted_second)
    with pytest.raises(KeyboardInterrupt):
        trainability_grid([1.0, 2.0], [2], cache_dir=tmp_path, **{**FAST, "steps": 5})
    assert len(calls) == 2 and list(tmp_path.iterdir()) == []


def test_the_trainable_depth_interpolates_the_crossing():
    acc = np.array([[0.9, 0.7, 0.3], [0.2, 0.1, 0.1], [0.9, 0.9, 0.8]])[..., None]
    g = TrainabilityGrid(np.array([1.0, 2.0, 3.0]), np.array([10, 20, 40]), (0,), acc, acc, 0.1, {})
    np.testing.assert_allclose(g.trainable_depth(0.5), [30.0, np.nan, np.inf])
    assert g.trainable_depth()[0] == pytest.approx(20 + (0.7 - 0.55) / 0.4 * 20)  # default: halfway to 100%


def test_arrays_can_be_the_dataset():
    X, y, Xt, yt = blobs(1, n_train=64, n_test=32, classes=2)
    g = trainability_grid([1.76], [2], dataset=(X, y, Xt, yt), **{**FAST, "steps": 30})
    assert g.chance == 0.5 and g.settings["dataset"].startswith("arrays:") and g.accuracy[0, 0, 0] > 0.9
    assert list(TASKS) == ["blobs"]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(depths=[30, 2]), ValueError, ["depths", "increasing", "[30, 2]"]),
    (dict(sigma_w2=[0.0]), ValueError, ["sigma_w2=0.0"]),
    (dict(seeds=()), ValueError, ["seeds", "non-empty"]),
    (dict(seeds=(1, 1)), ValueError, ["seeds", "distinct", "[1, 1]"]),
    (dict(sigma_b2=-1.0), ValueError, ["sigma_b2=-1.0"]),
    (dict(depths=[0]), ValueError, ["depth=0", "[1, 1000]"]),
    (dict(dataset="mnist"), ValueError, ["dataset='mnist'", "blobs"]),
    (dict(dataset=np.zeros(3)), TypeError, ["dataset", "tuple"]),
    (dict(optimizer="lbfgs"), ValueError, ["optimizer='lbfgs'"]),
    (dict(width=0), ValueError, ["width=0"]),
    (dict(progress="loud"), ValueError, ["progress='loud'"]),
])
def test_bad_settings_are_refused_before_any_training(kwargs, error, words):
    args = {"sigma_w2": [1.0], "depths": [2], **FAST, **kwargs}
    with pytest.raises(error) as info:
        trainability_grid(**args)
    for word in words:
        assert word in str(info.value)


def test_the_repr_says_what_was_measured(tiny):
    text = repr(tiny)
    assert text.startswith("TrainabilityGrid(activation='tanh', sigma_b2=0.05, dataset='blobs', width=32, ")
    assert "4 values in [0.5, 4]" in text and "2 values in [2, 30]" in text and "chance 10.0%" in text
