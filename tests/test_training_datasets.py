"""gradnotes.training._datasets: shapes, labels, determinism, the spiral formula and bad input."""

import numpy as np
import pytest

from gradnotes.training import DATASETS, make_dataset, spirals


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_labels_and_determinism(name):
    X, y = DATASETS[name](n_per_class=30, seed=4)
    classes = int(y.max()) + 1
    assert X.shape == (30 * classes, 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [30] * classes
    X2, y2 = make_dataset(name, n_per_class=30, seed=4)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = DATASETS[name](n_per_class=30, seed=5)
    assert not np.array_equal(X, X3)


def test_spirals_without_noise_follow_the_formula():
    X, y = spirals(50, noise=0.0, classes=4)
    r = np.linspace(0, 1, 50)
    for j in range(4):
        t = np.linspace(4 * j, 4 * j + 4, 50)
        np.testing.assert_allclose(X[y == j], np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-15)
    np.testing.assert_allclose(np.hypot(*X.T), np.tile(r, 4), atol=1e-15)


def test_spiral_noise_is_in_the_angle():
    X0, _ = spirals(200, noise=0.0, seed=1)
    X1, _ = spirals(200, noise=0.3, seed=1)
    np.testing.assert_allclose(np.hypot(*X0.T), np.hypot(*X1.T), atol=1e-14)  # same radii
    dtheta = np.angle(np.exp(1j * (np.arctan2(*X1.T) - np.arctan2(*X0.T))))
    assert np.std(dtheta[np.hypot(*X0.T) > 0]) == pytest.approx(0.3, rel=0.1)


@pytest.mark.parametrize("call, exc, words", [
    (lambda: make_dataset("swirls"), ValueError, ["dataset='swirls'", "spirals", "moons"]),
    (lambda: spirals(1), ValueError, ["n_per_class=1", "[2, 100000]"]),
    (lambda: spirals(10, noise=-0.1), ValueError, ["noise=-0.1"]),
    (lambda: spirals(10, classes=1), ValueError, ["classes=1", "[2, 10]"]),
    (lambda: spirals(10, seed=0.5), TypeError, ["seed", "0.5", "integer"]),
    (lambda: make_dataset("circles", factor=0.0), ValueError, ["factor=0.0", "(0, 1]"]),
])
def test_bad_input(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)
