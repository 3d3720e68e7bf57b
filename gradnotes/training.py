"""Train a deep MLP on a small dataset and record how every layer learns.

:func:`train` runs a seeded training loop (:class:`~gradnotes.mlp.MLP`, an
optimizer from ``OPTIMIZERS``, optional clipping from
:mod:`gradnotes.clipping`) and returns a :class:`TrainingRun` with, per step,
the loss, the per-layer gradient norms and update-to-data ratios, and at a few
checkpoints the training accuracy and the saturated and dead units.

**Update-to-data ratio** (Karpathy, makemore part 3). For layer ``l`` at step ``t``,

.. math:: r_l = \\log_{10} \\frac{\\operatorname{std}(W_l^{t+1} - W_l^{t})}{\\operatorname{std}(W_l^{t})},

the *actual* change the optimizer made (momentum, Adam's normalization, weight
decay and clipping included) relative to the weights it was applied to. For
plain SGD it equals Karpathy's ``log10(std(lr * grad) / std(W))``; around
``-3`` is healthy, much lower means the layer is hardly learning, much higher
that it is being rewritten every step.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from ._checks import check_choice, check_float, check_int
from .clipping import CLIPPERS, clip as clip_grads
from .initializers import get_initializer
from .losses import cross_entropy
from .mlp import MLP
from .optimizers import get_optimizer
from .training_run import TrainingRun, _frozen

__all__ = ["train", "TrainingRun", "MAX_STEPS"]

MAX_STEPS = 100_000


def train(
    X: np.ndarray,
    y: np.ndarray,
    *,
    depth: int = 6,
    width: int = 64,
    activation="tanh",
    init: str = "xavier_normal",
    gain: float = 1.0,
    output_gain: float = 1.0,
    bias: bool = True,
    residual: bool = False,
    norm: str | None = None,
    dropout: float = 0.0,
    optimizer: str = "adam",
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    l1: float = 0.0,
    optimizer_options: dict | None = None,
    clip: str | None = None,
    clip_threshold: float = 1.0,
    steps: int = 500,
    batch_size: int | None = None,
    eval_every: int | None = None,
    dtype: str = "float32",
    seed: int = 0,
) -> TrainingRun:
    """Train an :class:`~gradnotes.mlp.MLP` classifier on ``(X, y)`` and record its diagnostics.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Training points (e.g. from :func:`~gradnotes.datasets.spirals`).
    y : ndarray of int, shape (n,)
        Labels ``0..C-1``; ``C = y.max() + 1`` classes (at least 2).
    depth, width, activation, init, gain, output_gain, bias, residual, norm, dropout
        The network, see :class:`~gradnotes.mlp.MLP`.
    optimizer : str
        A name in ``OPTIMIZERS`` (sgd, momentum, rmsprop, adam, adamw).
    lr, weight_decay : float
        Learning rate and torch-style weight decay (coupled L2; decoupled for adamw).
    l1 : float
        L1 penalty ``l1 * sum |W|`` on the weight matrices (not the biases): its
        gradient ``l1 * sign(W)`` is added to the (clipped) gradient before the
        optimizer sees it, as the optimizer adds ``weight_decay * p``.
    optimizer_options : dict, optional
        Further options, e.g. ``{"momentum": 0.95}`` or ``{"betas": (0.9, 0.99)}``.
    clip : {None, "norm", "value"}
        Clip the gradient of all parameters together (see :mod:`gradnotes.clipping`)
        at ``clip_threshold`` before the optimizer sees it.
    steps : int
        Number of updates, 1 to 100000.
    batch_size : int, optional
        Minibatch size (reshuffled every epoch; a last short batch is dropped);
        ``None`` trains on the whole set every step.
    eval_every : int, optional
        Evaluate on the whole training set every this many steps (default: 20
        checkpoints), at step 0 and after the last step.
    dtype : {"float32", "float64"}
    seed : int
        Seeds the weights, the batch order and the dropout masks; the same
        arguments give an identical run.

    Returns
    -------
    TrainingRun

    Examples
    --------
    An untrained classifier with small outputs is maximally unsure: its loss is
    about ``ln C`` (``ln 3 = 1.0986`` for three classes). A small ``output_gain``
    makes the outputs small.

    >>> from gradnotes.datasets import spirals
    >>> X, y = spirals(100, seed=0)
    >>> run = train(X, y, depth=6, width=64, output_gain=0.01, steps=300, lr=3e-3, seed=0)
    >>> print(f"initial loss {run.losses[0]:.3f}, ln 3 = {math.log(3):.3f}")
    initial loss 1.099, ln 3 = 1.099
    >>> print(f"after 300 Adam steps: loss {run.final_loss:.2f}, accuracy {run.final_accuracy:.1%}")
    after 300 Adam steps: loss 0.01, accuracy 99.3%
    """
    X, y, n_classes = _check_data(X, y)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    n = len(y)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, low=1, high=n)
    if norm == "batch" and (batch_size or n) < 2:
        raise ValueError(f"batch_size={batch_size} is too small for norm='batch'; allowed: batch_size >= 2")
    eval_every = max(1, steps // 20) if eval_every is None else check_int("eval_every", eval_every, low=1)
    if clip is not None:
        check_choice("clip", clip, CLIPPERS)
    seed = check_int("seed", seed, low=0)
    init_seq, batch_seq, dropout_seq = np.random.SeedSequence(seed).spawn(3)
    model = MLP(X.shape[1], n_classes, depth, width, activation, init, gain=gain, output_gain=output_gain,
                bias=bias, residual=residual, norm=norm, dropout=dropout, dtype=dtype,
                rng=np.random.default_rng(init_seq))
    if optimizer_options is not None and not isinstance(optimizer_options, dict):
        raise TypeError(f"optimizer_options must be a dict or None; got {type(optimizer_options).__name__}")
    opt = get_optimizer(optimizer, lr=lr, weight_decay=weight_decay, **(optimizer_options or {}))
    clip_threshold = check_float("clip_threshold", clip_threshold, low=0.0, low_open=True)
    l1 = check_float("l1", l1, low=0.0, high=1e3)
    config = dict(depth=model.depth, width=model.width, activation=model.activation.name,
                  activation_params=dict(model.activation.params), init=get_initializer(init).name, gain=gain, output_gain=output_gain,
                  bias=bias, residual=residual, norm=norm, dropout=dropout, optimizer=optimizer, lr=opt.lr,
                  weight_decay=weight_decay, l1=l1, optimizer_options=dict(optimizer_options or {}), clip=clip,
                  clip_threshold=clip_threshold, steps=steps, batch_size=batch_size, eval_every=eval_every,
                  dtype=dtype, seed=seed, n_points=n, n_classes=n_classes)

    initial = model.copy(frozen=True)
    layers = model.depth + 1
    losses = np.full(steps, np.nan)
    grad_norms = np.full((steps, layers), np.nan)
    grad_total = np.full(steps, np.nan)
    ratios = np.full((steps, layers), np.nan)
    checks = []  # (step, loss, accuracy, saturation, dead, activation stds)
    batches = _batches(n, batch_size, np.random.default_rng(batch_seq))
    dropout_rng = np.random.default_rng(dropout_seq)
    Xd = X.astype(model.dtype)
    stats = _LayerStats(model)
    train_cache, eval_cache = model.new_cache(batch_size or n), model.new_cache(n)
    before, change = np.empty_like(model.params), np.empty_like(model.params)
    weight_mask = _weight_mask(model) if l1 else None
    diverged = None
    start = time.perf_counter()
    # overflow is detected and reported, never warned about
    with np.errstate(all="ignore"), _one_blas_thread():
        for t in range(steps + 1):
            if t % eval_every == 0 or t == steps:
                checks.append((t, *_evaluate(model, Xd, y, eval_cache)))
            if t == steps:
                break
            idx = next(batches)
            # the gradient on this step's batch, and its size layer by layer
            losses[t] = model.loss_and_grad(Xd[idx], y[idx], rng=dropout_rng, cache=train_cache)
            sq = stats.sums_of_squares(model.grads)
            grad_norms[t] = np.sqrt(sq[model.weight_segments])
            grad_total[t] = math.sqrt(sq.sum())
            if not (math.isfinite(losses[t]) and math.isfinite(grad_total[t])):
                diverged = t
                break
            # clip, let the optimizer change the parameters in place, and measure the change
            grads = model.grads if clip in (None, "none") else clip_grads([model.grads], clip, clip_threshold)[0]
            if l1:
                grads = grads + l1 * np.sign(model.params) * weight_mask
            np.copyto(before, model.params)
            opt.step([model.params], [grads])
            np.subtract(model.params, before, out=change)
            ratios[t] = np.log10(stats.weight_stds(change) / stats.weight_stds(before))
    seconds = time.perf_counter() - start

    cs, cl, ca, csat, cdead, cstd = (np.array(v) for v in zip(*checks))
    final_loss = math.nan if diverged is not None else float(cl[-1])
    final_acc = math.nan if diverged is not None else float(ca[-1])
    return TrainingRun(
        config=config, losses=_frozen(losses), grad_norms=_frozen(grad_norms), grad_total_norms=_frozen(grad_total),
        update_ratios=_frozen(ratios), checkpoint_steps=_frozen(cs), checkpoint_losses=_frozen(cl),
        train_accuracy=_frozen(ca), saturation=_frozen(csat), dead_units=_frozen(cdead),
        activation_stds=_frozen(cstd),
        final_loss=final_loss, final_accuracy=final_acc, diverged_step=diverged, seconds=seconds,
        model=model.copy(frozen=True), initial_model=initial,
    )


def _one_blas_thread():
    """Limit BLAS to one thread: these small matmuls are no faster on two, and on a busy
    machine OpenBLAS's spinning threads make them several times slower."""
    try:
        from threadpoolctl import threadpool_limits  # optional; deferred like every heavy import
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _evaluate(model: MLP, X, y, cache):
    """Evaluation-mode loss, accuracy, per-layer saturated and dead fractions and std(h_l) on (X, y)."""
    logits, cache = model.forward(X, train=False, cache=cache)
    loss, _ = cross_entropy(logits, y)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == y)) if np.isfinite(logits).all() else math.nan
    saturation, dead = layer_saturation(model, cache)
    stds = [float(np.std(h, dtype=np.float64)) for h in cache.hidden[1:]]
    return loss, accuracy, saturation, dead, stds


def layer_saturation(model: MLP, cache) -> tuple[np.ndarray, np.ndarray]:
    """Per hidden layer: the fraction of saturated (point, unit) pairs and of dead units.

    A pair is saturated when ``|phi'| <= model.activation.saturation_level`` (for
    ReLU: ``phi' = 0``); a unit is dead when that holds for every point of the
    cached batch. Both are 0 for activations that never saturate.
    """
    level = model.activation.saturation_level
    saturation, dead = np.zeros(model.depth), np.zeros(model.depth)
    if level is None:
        return saturation, dead
    for l in range(model.depth):
        mask = np.abs(model.local_derivative(cache, l, out=cache.delta)) <= level
        saturation[l] = np.mean(mask)
        dead[l] = np.mean(mask.all(axis=0))
    return saturation, dead


class _LayerStats:
    """Per-parameter-array sums of squares and per-weight-matrix standard deviations of
    flat vectors laid out like ``model.params``, in float64, with buffers allocated once
    (fresh 0.7 MB temporaries at every step cost more than the arithmetic)."""

    def __init__(self, model: MLP):
        self.starts, self.sizes = model.segment_starts, model.segment_sizes
        self.weights = model.weight_segments
        self.segment_of = np.repeat(np.arange(len(self.sizes)), self.sizes)
        self.buf = np.empty(model.params.size)
        self.dev = np.empty(model.params.size)

    def sums_of_squares(self, x) -> np.ndarray:
        np.square(x, out=self.buf)
        return np.add.reduceat(self.buf, self.starts)

    def weight_stds(self, x) -> np.ndarray:
        np.copyto(self.buf, x)
        mean = np.add.reduceat(self.buf, self.starts) / self.sizes
        np.take(mean, self.segment_of, out=self.dev)
        np.subtract(self.buf, self.dev, out=self.dev)  # two passes: no cancellation
        np.square(self.dev, out=self.dev)
        return np.sqrt(np.add.reduceat(self.dev, self.starts) / self.sizes)[self.weights]


def _weight_mask(model: MLP) -> np.ndarray:
    """1 on the entries of ``model.params`` that belong to weight matrices, 0 on biases."""
    mask = np.zeros_like(model.params)
    for k in model.weight_segments:
        start = model.segment_starts[k]
        mask[start:start + model.segment_sizes[k]] = 1
    return mask


def _batches(n, batch_size, rng):
    """Index arrays, one per step: everything, or shuffled epochs of ``batch_size`` (short tail dropped)."""
    everything = np.arange(n)
    while True:
        if batch_size is None or batch_size >= n:
            yield everything
            continue
        order = rng.permutation(n)
        for k in range(0, n - batch_size + 1, batch_size):
            yield order[k:k + batch_size]


def _check_data(X, y):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.dtype.kind not in "fiu" or X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"X must be a 2-D numeric array of shape (n_points, n_features), n_points >= 2; "
                         f"got shape {X.shape} and dtype {X.dtype}")
    if not np.isfinite(X).all():
        raise ValueError("X must be finite; it contains inf or NaN")
    if y.ndim != 1 or y.shape[0] != X.shape[0] or y.dtype.kind not in "iu":
        raise ValueError(f"y must be a 1-D integer array of {X.shape[0]} labels (one per row of X); "
                         f"got shape {y.shape} and dtype {y.dtype}")
    if y.min() < 0 or y.max() < 1:
        raise ValueError(f"y must hold labels 0..C-1 with C >= 2 classes; got values from {y.min()} to {y.max()}")
    return X.astype(np.float64), y.astype(np.int64), int(y.max()) + 1
