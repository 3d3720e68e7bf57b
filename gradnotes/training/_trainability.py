"""How deep a network can still be trained, over the phase diagram: :func:`trainability_grid`.

Schoenholz et al. (2017, "Deep Information Propagation") trained random tanh
networks of many depths ``L`` and weight scales ``sigma_w^2`` (``sigma_b^2 = 0.05``)
for a fixed number of steps and found that they train only while
``L`` is below about ``6 xi_c``, where ``xi_c = -1 / ln chi_c`` is the depth over
which two inputs' correlation approaches its fixed point. ``xi_c`` diverges at the
edge of chaos (``sigma_w^2 ~ 1.76`` here), so the trainable region is a wedge around it.

This module measures that picture with :func:`~gradnotes.training.train`: one
mean-field network per cell (``init="lecun_normal", gain=sigma_w, bias_std=sigma_b``,
that is ``W ~ N(0, sigma_w^2 / fan_in)`` and ``b ~ N(0, sigma_b^2)`` in every hidden
layer), the accuracy after ``steps`` updates on the training set (trainability, as in
the paper) and on held-out points. A grid takes minutes, so it can be cached on disk.

The task, ``"blobs"``: ten Gaussian clusters in 32 dimensions, standardized so that
every input has ``|x|^2 / 32 ~ 1`` (the inputs the mean-field theory assumes). A
one-layer network learns it in a few dozen steps, so a deep network that fails,
fails because its signal or its gradient did not cross its depth: what the
experiment is about. Schoenholz et al. found the same ``6 xi_c`` boundary on MNIST
and CIFAR-10, two very different data sets; the boundary belongs to the network.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from .._arrays import readonly
from .._checks import check_choice
from .._params import Real, check
from ..activations import get_activation
from . import _diskcache
from ._config import TrainingConfig, check_data
from ._loop import DEFAULTS, train
from ._progress import Progress, check_progress, estimate_seconds, reporter

__all__ = ["trainability_grid", "TrainabilityGrid", "TASKS", "blobs", "TRAINABILITY_GRID"]

#: The chapter's grid: 16 weight variances across the edge of chaos (1.76) by 10 depths up to 128.
#: With the defaults (width 48, 400 SGD steps of lr 0.01, batches of 64) it costs about 215 s of
#: one core's CPU time; ``trainability_grid(**TRAINABILITY_GRID, cache_dir=...)`` pays it once.
TRAINABILITY_GRID = MappingProxyType({
    "sigma_w2": tuple(round(1.0 + 0.2 * i, 1) for i in range(16)),
    "depths": (4, 8, 12, 16, 24, 32, 48, 64, 96, 128),
})


def blobs(seed: int = 0, *, n_train: int = 1024, n_test: int = 1024, n_features: int = 32, classes: int = 10,
          noise: float = 1.0):
    """Gaussian clusters: ``x = (mu_y + noise * eps) / sqrt(1 + noise^2)``, ``mu_c, eps ~ N(0, I)``.

    Returns ``(X_train, y_train, X_test, y_test)``; labels cycle through the classes,
    so every class has the same number of points (up to one).

    Examples
    --------
    >>> X, y, X_test, y_test = blobs(0)
    >>> X.shape, X_test.shape, np.bincount(y).tolist()[:3], round(float(np.mean(X ** 2)), 2)
    ((1024, 32), (1024, 32), [103, 103, 103], 1.0)
    """
    rng = np.random.default_rng(check("seed", seed))
    centres = rng.standard_normal((classes, n_features))
    scale = 1 / math.sqrt(1 + noise ** 2)

    def draw(n):
        y = np.arange(n) % classes
        return scale * (centres[y] + noise * rng.standard_normal((n, n_features))), y

    return (*draw(n_train), *draw(n_test))


#: Name -> task ``(seed) -> (X_train, y_train, X_test, y_test)``.
TASKS = MappingProxyType({"blobs": blobs})

_SIGMA_W2 = Real(0.0, 1e6, low_open=True)
_SIGMA_B2 = Real(0.0, 1e6)


@dataclass(frozen=True, eq=False)
class TrainabilityGrid:
    """Accuracy after a fixed training, over ``sigma_w2 x depths x seeds``.

    Attributes
    ----------
    sigma_w2 : ndarray (n,)
    depths : ndarray of int (m,)
    seeds : tuple of int
    accuracy : ndarray (n, m, len(seeds))
        On the training set after ``settings["steps"]`` updates (trainability).
        A run that diverged is scored by its last finite network, non-finite outputs as wrong.
    test_accuracy : ndarray (n, m, len(seeds))
        On held-out points of the same task.
    chance : float
        ``1 / classes``.
    settings : mapping
        Everything that made the grid (the cache key), read-only.
    seconds : float
        Wall time of the computation (from the cache: of the original one).
    from_cache : bool
    """

    sigma_w2: np.ndarray
    depths: np.ndarray
    seeds: tuple
    accuracy: np.ndarray
    test_accuracy: np.ndarray
    chance: float
    settings: Mapping
    seconds: float = field(repr=False, default=math.nan)
    from_cache: bool = field(repr=False, default=False)

    def trainable_depth(self, level: float | None = None, *, test: bool = False) -> np.ndarray:
        """Per ``sigma_w2``: the depth at which the seed-mean accuracy first falls below ``level``.

        Linear interpolation between the two grid depths around the crossing;
        NaN where even the shallowest network is below ``level``, ``inf`` where
        the deepest is still above. ``level`` defaults to halfway between chance and 100%.

        Examples
        --------
        >>> g = TrainabilityGrid(np.array([1.0]), np.array([10, 20]), (0,), np.array([[[0.9], [0.1]]]),
        ...                      np.array([[[0.9], [0.1]]]), 0.1, {})
        >>> g.trainable_depth(0.5).tolist()
        [15.0]
        """
        level = (self.chance + 1) / 2 if level is None else level
        acc = (self.test_accuracy if test else self.accuracy).mean(axis=2)
        out = np.full(len(self.sigma_w2), np.inf)
        d = self.depths.astype(float)
        for i, a in enumerate(acc):
            below = np.flatnonzero(a < level)
            if below.size and below[0] == 0:
                out[i] = np.nan
            elif below.size:
                j = below[0]
                out[i] = d[j - 1] + (a[j - 1] - level) / (a[j - 1] - a[j]) * (d[j] - d[j - 1])
        return out

    def __repr__(self) -> str:
        s = self.settings
        head = (f"TrainabilityGrid(activation={s['activation']!r}, sigma_b2={s['sigma_b2']:g}, "
                f"dataset={s['dataset']!r}, width={s['width']}, optimizer={s['optimizer']!r}, lr={s['lr']:g}, "
                f"steps={s['steps']}, batch_size={s['batch_size']})")
        level = (self.chance + 1) / 2
        depth = self.trainable_depth(level)
        best = int(np.nanargmax(np.where(np.isnan(depth), -1, depth)))
        return "\n".join([
            head,
            f"  grid       sigma_w2: {len(self.sigma_w2)} values in [{self.sigma_w2[0]:g}, {self.sigma_w2[-1]:g}];  "
            f"depth: {len(self.depths)} values in [{self.depths[0]}, {self.depths[-1]}];  seeds {self.seeds}",
            f"  accuracy   chance {self.chance:.1%};  best {np.max(self.accuracy.mean(axis=2)):.1%} (training set), "
            f"{np.max(self.test_accuracy.mean(axis=2)):.1%} (held out)",
            f"  trainable  depth where accuracy falls below {level:.0%}: {depth[0]:.3g} at sigma_w2 = "
            f"{self.sigma_w2[0]:g}, {depth[best]:.3g} at {self.sigma_w2[best]:g}, {depth[-1]:.3g} at "
            f"{self.sigma_w2[-1]:g}",
        ])


def trainability_grid(sigma_w2, depths, *, activation="tanh", sigma_b2: float = 0.05, dataset="blobs",
                      width: int = 48, steps: int = 400, lr: float = 0.01, optimizer: str = "sgd",
                      batch_size: int | None = 64, seeds=(0,), dtype: str = "float32", cache_dir=None,
                      progress=False) -> TrainabilityGrid:
    """Train a mean-field network at every ``(sigma_w2, depth, seed)`` and record its accuracy.

    Parameters
    ----------
    sigma_w2 : sequence of float, shape (n,)
        Weight variances ``sigma_w^2`` (``W ~ N(0, sigma_w^2 / fan_in)``), increasing.
    depths : sequence of int, shape (m,)
        Numbers of hidden layers, increasing.
    activation : str or Activation
    sigma_b2 : float
        Bias variance ``sigma_b^2``.
    dataset : str or tuple
        A name in :data:`TASKS` (drawn with seed 0), or ``(X_train, y_train, X_test, y_test)``.
    width, steps, lr, optimizer, batch_size, dtype
        As in :func:`~gradnotes.training.train`.
    seeds : sequence of int
        One network (weights and batch order) per seed.
    cache_dir : str or path, optional
        Keep the result in this folder (made if needed), keyed by every setting
        above and the package version; a second call with the same settings reads
        it instead of training. ``None``: compute, write nothing.
    progress : {False, "auto", True, "bar", "line"} or callable
        As in :func:`~gradnotes.training.train`, counting runs (each run itself is
        silent). The default is ``False`` here: a notebook checked by nbval must
        print the same whether or not the cache already holds the grid.

    Returns
    -------
    TrainabilityGrid

    Raises
    ------
    KeyboardInterrupt
        When interrupted: nothing is cached, the partial grid is dropped.

    Examples
    --------
    Far in the ordered phase a deep network stays at chance; a shallow one learns.

    >>> g = trainability_grid([0.5], [2, 30], width=32, steps=100, lr=0.05, progress=False)
    >>> g.accuracy.shape, bool(g.accuracy[0, 0, 0] > 0.9), bool(g.accuracy[0, 1, 0] < 0.12), g.chance
    ((1, 2, 1), True, True, 0.1)
    """
    act = get_activation(activation)
    sw2 = np.array([check("sigma_w2", v, _SIGMA_W2) for v in np.atleast_1d(sigma_w2).tolist()])
    ds = np.array([check("depth", d) for d in np.atleast_1d(depths).tolist()])
    seeds = tuple(check("seed", s) for s in np.atleast_1d(seeds).tolist())
    for name, a in (("sigma_w2", sw2), ("depths", ds)):
        if a.size == 0 or np.any(np.diff(a) <= 0):
            raise ValueError(f"{name} must be a non-empty increasing sequence; got {a.tolist()}")
    if not seeds or len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds must be a non-empty sequence of distinct seeds; got {list(seeds)}")
    sigma_b2 = check("sigma_b2", sigma_b2, _SIGMA_B2)
    X, y, X_test, y_test, data_key = _task(dataset)
    progress = check_progress(progress)
    settings = {
        "activation": act.name, "activation_params": dict(act.params), "sigma_w2": sw2.tolist(),
        "depths": ds.tolist(), "seeds": list(seeds), "sigma_b2": sigma_b2, "dataset": data_key, "width": width,
        "steps": steps, "lr": lr, "optimizer": optimizer, "batch_size": batch_size, "dtype": dtype,
    }
    first = _config(X, y, settings, act, sw2[0], ds[0], seeds[0])  # checks the settings, before any training
    settings.update({k: first[k] for k in ("width", "steps", "lr", "optimizer", "batch_size", "dtype")})
    configs = {(i, j, k): _config(X, y, settings, act, sw2[i], ds[j], seed)
               for i in range(len(sw2)) for j in range(len(ds)) for k, seed in enumerate(seeds)}
    path = _diskcache.cache_path(cache_dir, "trainability", settings)
    cached = _diskcache.load(path, settings)
    if cached is not None:
        return TrainabilityGrid(readonly(sw2), readonly(ds), seeds, readonly(cached["accuracy"]),
                                readonly(cached["test_accuracy"]), float(cached["chance"]),
                                MappingProxyType(settings), float(cached["seconds"]), from_cache=True)
    chance = 1 / (int(max(y.max(), y_test.max())) + 1)
    accuracy = np.full((len(sw2), len(ds), len(seeds)), np.nan)
    test_accuracy = np.full_like(accuracy, np.nan)
    report = reporter(progress, next(iter(configs.values())), steps=len(configs), label="trainability",
                      seconds=sum(estimate_seconds(c) for c in configs.values()))
    start = time.perf_counter()
    for n, (cell, config) in enumerate(configs.items(), 1):
        run = train(X, y, **config.arguments(), progress=False)
        if run.interrupted:  # train stops cleanly on Ctrl-C; the grid stops with it
            if report is not None:
                report(Progress(n - 1, len(configs), math.nan, time.perf_counter() - start, finished=True,
                                interrupted=True, unit="run"))
            raise KeyboardInterrupt
        accuracy[cell] = _accuracy(run.model, X, y)
        test_accuracy[cell] = _accuracy(run.model, X_test, y_test)
        if report is not None:
            report(Progress(n, len(configs), math.nan, time.perf_counter() - start, finished=n == len(configs),
                            unit="run"))
    grid = TrainabilityGrid(readonly(sw2), readonly(ds), seeds, readonly(accuracy), readonly(test_accuracy),
                            chance, MappingProxyType(settings), time.perf_counter() - start)
    if path is not None:
        _diskcache.save(path, settings, accuracy=accuracy, test_accuracy=test_accuracy, chance=chance,
                        seconds=grid.seconds)
    return grid


def _task(dataset):
    """``(X, y, X_test, y_test, key)`` for a task name or a tuple of four arrays."""
    if isinstance(dataset, str):
        X, y, X_test, y_test = TASKS[check_choice("dataset", dataset, TASKS)](0)
        key = dataset
    elif isinstance(dataset, (tuple, list)) and len(dataset) == 4:
        X, y, X_test, y_test = dataset
        digest = hashlib.sha256()
        for a in dataset:
            a = np.ascontiguousarray(a)
            digest.update(f"{a.dtype}{a.shape}".encode())
            digest.update(a.tobytes())
        key = "arrays:" + digest.hexdigest()[:16]
    else:
        raise TypeError(f"dataset must be a name in {list(TASKS)} or a tuple (X_train, y_train, X_test, y_test); "
                        f"got {type(dataset).__name__}")
    X, y, _ = check_data(X, y)
    X_test, y_test, _ = check_data(X_test, y_test)
    if X_test.shape[1] != X.shape[1]:
        raise ValueError(f"X_test must have the {X.shape[1]} features of X_train; got {X_test.shape[1]}")
    return X, y, X_test, y_test, key


def _config(X, y, settings, act, sw2, depth, seed) -> TrainingConfig:
    """The checked :func:`train` settings of one cell: the mean-field network at ``(sigma_w2, depth)``."""
    args = {**DEFAULTS, "depth": int(depth), "width": settings["width"], "activation": act, "init": "lecun_normal",
            "gain": math.sqrt(sw2), "bias_std": math.sqrt(settings["sigma_b2"]), "optimizer": settings["optimizer"],
            "lr": settings["lr"], "steps": settings["steps"], "batch_size": settings["batch_size"],
            "eval_every": settings["steps"], "dtype": settings["dtype"], "seed": seed}
    return TrainingConfig.build(len(y), X.shape[1], int(y.max()) + 1, **args)


def _accuracy(model, X, y) -> float:
    """Fraction of points whose largest logit is their label's; non-finite logits count as wrong."""
    with np.errstate(all="ignore"):
        logits, _ = model.forward(X)
    right = (np.argmax(logits, axis=1) == y) & np.isfinite(logits).all(axis=1)
    return float(np.mean(right))
