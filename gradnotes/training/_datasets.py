"""Small 2-D classification datasets made in numpy, for training experiments.

``DATASETS`` maps a name to a function ``make(n_per_class, noise, seed) -> (X, y)``
with ``X`` of shape ``(n_points, 2)`` (float64) and ``y`` of shape ``(n_points,)``
(int64 class labels ``0..C-1``), points ordered class by class.

* ``"spirals"``: the CS231n spirals, ``classes`` arms that wind around the
  origin; no straight line separates any two of them, so a network must bend
  its decision boundary several times.
* ``"moons"``: two interleaving half circles (as ``sklearn.datasets.make_moons``).
* ``"circles"``: a ring inside a ring (as ``sklearn.datasets.make_circles``).
"""

from __future__ import annotations

import math
from types import MappingProxyType

import numpy as np

from .._checks import check_choice, check_float, check_int
from .._params import check

__all__ = ["DATASETS", "spirals", "moons", "circles", "make_dataset"]

MAX_POINTS_PER_CLASS = 100_000


def _check(n_per_class, noise, seed):
    n = check_int("n_per_class", n_per_class, low=2, high=MAX_POINTS_PER_CLASS)
    noise = check_float("noise", noise, low=0.0, high=10.0)
    return n, noise, np.random.default_rng(check("seed", seed))


def spirals(n_per_class: int = 100, noise: float = 0.2, seed: int = 0, *, classes: int = 3):
    """The CS231n spirals: ``classes`` arms, ``n_per_class`` points each.

    Arm ``j`` has radius ``r`` from 0 to 1 and angle ``4 j + 4 r`` (radians)
    plus Gaussian noise of standard deviation ``noise``; the point is
    ``(r sin t, r cos t)``. As in CS231n, every arm starts at the origin: those
    ``classes`` identical points carry different labels, so the best possible
    training accuracy is ``1 - (classes - 1) / (classes * n_per_class)``
    (99.33% for 3 x 100 points).

    Parameters
    ----------
    n_per_class : int
        Points per arm (2 to 100000).
    noise : float
        Standard deviation of the angle noise, in radians.
    seed : int
    classes : int
        Number of arms (2 to 10).

    Returns
    -------
    X : ndarray, shape (classes * n_per_class, 2)
    y : ndarray of int64, shape (classes * n_per_class,)

    Examples
    --------
    >>> X, y = spirals(100, seed=0)
    >>> X.shape, np.bincount(y).tolist(), bool(np.abs(X).max() <= 1.0)
    ((300, 2), [100, 100, 100], True)
    """
    n, noise, rng = _check(n_per_class, noise, seed)
    classes = check_int("classes", classes, low=2, high=10)
    r = np.linspace(0.0, 1.0, n)
    X = np.empty((classes * n, 2))
    for j in range(classes):
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n) + noise * rng.standard_normal(n)
        X[j * n:(j + 1) * n] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return X, np.repeat(np.arange(classes), n)


def moons(n_per_class: int = 100, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, plus Gaussian noise of std ``noise`` on each coordinate.

    Examples
    --------
    >>> X, y = moons(50, noise=0.0)
    >>> X.shape, np.round(X[[0, 50]], 3).tolist()
    ((100, 2), [[1.0, 0.0], [0.0, 0.5]])
    """
    n, noise, rng = _check(n_per_class, noise, seed)
    t = np.linspace(0.0, math.pi, n)
    outer = np.column_stack([np.cos(t), np.sin(t)])
    inner = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((2 * n, 2))
    return X, np.repeat(np.arange(2), n)


def circles(n_per_class: int = 100, noise: float = 0.05, seed: int = 0, *, factor: float = 0.5):
    """A unit circle (class 0) around a circle of radius ``factor`` (class 1), plus noise.

    Examples
    --------
    >>> X, y = circles(40, noise=0.0)
    >>> np.round(np.hypot(X[:, 0], X[:, 1])[[0, 40]], 3).tolist()
    [1.0, 0.5]
    """
    n, noise, rng = _check(n_per_class, noise, seed)
    factor = check_float("factor", factor, low=0.0, high=1.0, low_open=True)
    t = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    ring = np.column_stack([np.cos(t), np.sin(t)])
    X = np.concatenate([ring, factor * ring]) + noise * rng.standard_normal((2 * n, 2))
    return X, np.repeat(np.arange(2), n)


#: Name -> dataset function ``(n_per_class, noise, seed) -> (X, y)``.
DATASETS = MappingProxyType({"spirals": spirals, "moons": moons, "circles": circles})


def make_dataset(name: str = "spirals", **kwargs):
    """``DATASETS[name](**kwargs)``, with a clear error for an unknown name.

    Examples
    --------
    >>> X, y = make_dataset("moons", n_per_class=10)
    >>> X.shape
    (20, 2)
    """
    return DATASETS[check_choice("dataset", name, DATASETS)](**kwargs)
