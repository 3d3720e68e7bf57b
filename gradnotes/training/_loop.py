"""Train a deep MLP on a small dataset and record how every layer learns: :func:`train`.

``train`` checks its arguments once (a :class:`~gradnotes.training.TrainingConfig`),
then runs a short seeded loop: a batch, the gradient, clipping and an L1 term,
the optimizer's in-place update. A :class:`~gradnotes.training.Recorder` owns
everything measured along the way and hands back the
:class:`~gradnotes.training.TrainingRun`.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from types import MappingProxyType

import numpy as np

from ..clipping import clip as clip_grads
from ._config import TrainingConfig, check_data
from ._mlp import MLP
from ._optimizers import get_optimizer
from ._recorder import Recorder
from ._run import TrainingRun

__all__ = ["train"]


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
    """Train an :class:`~gradnotes.training.MLP` classifier on ``(X, y)`` and record its diagnostics.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Training points (e.g. from :func:`~gradnotes.training.spirals`).
    y : ndarray of int, shape (n,)
        Labels ``0..C-1``; ``C = y.max() + 1`` classes (at least 2).
    depth, width, activation, init, gain, output_gain, bias, residual, norm, dropout
        The network, see :class:`~gradnotes.training.MLP`.
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
        at ``clip_threshold`` before the optimizer sees it; ``None`` (or ``"none"``)
        does not clip.
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
        With the checked arguments as ``run.config`` (a :class:`~gradnotes.training.TrainingConfig`).

    Examples
    --------
    An untrained classifier with small outputs is maximally unsure: its loss is
    about ``ln C`` (``ln 3 = 1.0986`` for three classes). A small ``output_gain``
    makes the outputs small.

    >>> import math
    >>> from gradnotes.training import spirals
    >>> X, y = spirals(100, seed=0)
    >>> run = train(X, y, depth=6, width=64, output_gain=0.01, steps=300, lr=3e-3, seed=0)
    >>> print(f"initial loss {run.losses[0]:.3f}, ln 3 = {math.log(3):.3f}")
    initial loss 1.099, ln 3 = 1.099
    >>> print(f"after 300 Adam steps: loss {run.final_loss:.2f}, accuracy {run.final_accuracy:.1%}")
    after 300 Adam steps: loss 0.01, accuracy 99.3%
    """
    arguments = dict(locals())  # exactly train's arguments, nothing else is defined yet
    X, y, n_classes = check_data(arguments.pop("X"), arguments.pop("y"))
    config = TrainingConfig.build(len(y), X.shape[1], n_classes, **arguments)
    return loop(config, X, y)


#: train()'s keyword arguments and their defaults, read off its signature.
DEFAULTS = MappingProxyType({name: p.default for name, p in inspect.signature(train).parameters.items()
                             if p.kind is p.KEYWORD_ONLY})


def loop(config: TrainingConfig, X: np.ndarray, y: np.ndarray) -> TrainingRun:
    """The training loop for a checked ``config`` on checked data (see :func:`train`)."""
    init_seq, batch_seq, dropout_seq = np.random.SeedSequence(config.seed).spawn(3)
    model = MLP(config.n_features, config.n_classes, config.depth, config.width, config.activation_function,
                config.init, gain=config.gain, output_gain=config.output_gain, bias=config.bias,
                residual=config.residual, norm=config.norm, dropout=config.dropout, dtype=config.dtype,
                rng=np.random.default_rng(init_seq))
    opt = get_optimizer(config.optimizer, lr=config.lr, weight_decay=config.weight_decay,
                        **config.optimizer_options)
    initial = model.copy(frozen=True)
    record = Recorder(model, config.steps)
    batches = _batches(config.n_points, config.batch_size, np.random.default_rng(batch_seq))
    dropout_rng = np.random.default_rng(dropout_seq)
    Xd = X.astype(model.dtype)
    train_cache, eval_cache = model.new_cache(config.batch_size or config.n_points), model.new_cache(config.n_points)
    penalty = _L1(model, config.l1) if config.l1 else None
    steps, diverged = config.steps, None
    start = time.perf_counter()
    # overflow is detected and reported, never warned about
    with np.errstate(all="ignore"), _one_blas_thread():
        for t in range(steps + 1):
            if t % config.eval_every == 0 or t == steps:
                record.checkpoint(t, model, Xd, y, eval_cache)
            if t == steps:
                break
            idx = next(batches)
            loss = model.loss_and_grad(Xd[idx], y[idx], rng=dropout_rng, cache=train_cache)
            if not record.gradient(t, loss, model.grads):
                diverged = t
                break
            grads = model.grads if config.clip is None else clip_grads([model.grads], config.clip,
                                                                        config.clip_threshold)[0]
            if penalty is not None:
                grads = penalty.add_to(grads, model.params)
            record.before_update(model.params)
            opt.step([model.params], [grads])
            record.after_update(t, model.params)
    return record.finish(config, model, initial, diverged, time.perf_counter() - start)


class _L1:
    """The L1 penalty's gradient ``l1 * sign(W)`` on the weight matrices of a flat parameter vector."""

    def __init__(self, model: MLP, l1: float):
        self.l1 = l1
        self.mask = np.zeros_like(model.params)  # 1 on weights, 0 on biases
        for k in model.weight_segments:
            start = model.segment_starts[k]
            self.mask[start:start + model.segment_sizes[k]] = 1

    def add_to(self, grads: np.ndarray, params: np.ndarray) -> np.ndarray:
        """``grads + l1 * sign(params)`` on the weights (a new array)."""
        return grads + self.l1 * np.sign(params) * self.mask


def _one_blas_thread():
    """Limit BLAS to one thread: these small matmuls are no faster on two, and on a busy
    machine OpenBLAS's spinning threads make them several times slower."""
    try:
        from threadpoolctl import threadpool_limits  # optional; deferred like every heavy import
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


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
