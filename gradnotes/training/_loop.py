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
import math
import time
from types import MappingProxyType

import numpy as np

from ..clipping import clip as clip_grads
from ._config import TrainingConfig, check_data
from ._mlp import MLP
from ._optimizers import get_optimizer
from ._progress import Progress, check_progress, reporter
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
    bias_std: float = 0.0,
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
    progress="auto",
) -> TrainingRun:
    """Train an :class:`~gradnotes.training.MLP` classifier on ``(X, y)`` and record its diagnostics.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Training points (e.g. from :func:`~gradnotes.training.spirals`).
    y : ndarray of int, shape (n,)
        Labels ``0..C-1``; ``C = y.max() + 1`` classes (at least 2).
    depth, width, activation, init, gain, output_gain, bias, bias_std, residual, norm, dropout
        The network, see :class:`~gradnotes.training.MLP`. The mean-field
        network of Poole et al. and Schoenholz et al. (``W ~ N(0, sigma_w**2 / fan_in)``,
        ``b ~ N(0, sigma_b**2)``) is ``init="lecun_normal", gain=sigma_w, bias_std=sigma_b``.
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
    progress : {"auto", True, False, "bar", "line"} or callable
        Show the run while it trains: a bar in a notebook, a line on stderr in a
        terminal (``True``); ``False`` shows nothing. ``"auto"`` (the default)
        shows it only for runs estimated to take more than
        :data:`~gradnotes.training.AUTO_SECONDS` (an estimate from the size of
        the work, not a timing, so a given call always shows or never shows it;
        the book's runs show nothing). A callable is called with a
        :class:`~gradnotes.training.Progress` after every update and once more
        at the end. Progress never changes the run.

    Interrupting a run (Ctrl-C, or the notebook's stop button) stops it cleanly:
    ``train`` returns the run so far, evaluated at the last completed step, with
    ``run.interrupted_step`` set (``run.interrupted`` is True). Code that calls
    ``train`` in a loop should check ``run.interrupted`` and stop too (as
    :func:`~gradnotes.training.trainability_grid` does).

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
    progress = check_progress(arguments.pop("progress"))  # how a run is shown is not a setting of the run
    config = TrainingConfig.build(len(y), X.shape[1], n_classes, **arguments)
    return loop(config, X, y, progress=progress)


#: train()'s keyword arguments that set the run, and their defaults, read off its signature.
DEFAULTS = MappingProxyType({name: p.default for name, p in inspect.signature(train).parameters.items()
                             if p.kind is p.KEYWORD_ONLY and name != "progress"})


def loop(config: TrainingConfig, X: np.ndarray, y: np.ndarray, *, progress=False) -> TrainingRun:
    """The training loop for a checked ``config`` on checked data (see :func:`train`).

    ``progress`` as in :func:`train`, checked. On KeyboardInterrupt the parameters are
    those after the last completed update (an update cut short is undone).
    """
    init_seq, batch_seq, dropout_seq = np.random.SeedSequence(config.seed).spawn(3)
    model = MLP(config.n_features, config.n_classes, config.depth, config.width, config.activation_function,
                config.init, gain=config.gain, output_gain=config.output_gain, bias=config.bias,
                bias_std=config.bias_std, residual=config.residual, norm=config.norm, dropout=config.dropout,
                dtype=config.dtype, rng=np.random.default_rng(init_seq))
    opt = get_optimizer(config.optimizer, lr=config.lr, weight_decay=config.weight_decay,
                        **config.optimizer_options)
    initial = model.copy(frozen=True)
    record = Recorder(model, config.steps)
    batches = _batches(config.n_points, config.batch_size, np.random.default_rng(batch_seq))
    dropout_rng = np.random.default_rng(dropout_seq)
    Xd = X.astype(model.dtype)
    train_cache, eval_cache = model.new_cache(config.batch_size or config.n_points), model.new_cache(config.n_points)
    penalty = _L1(model, config.l1) if config.l1 else None
    steps, diverged, interrupted, completed = config.steps, None, None, 0
    report = reporter(progress, config)
    start = time.perf_counter()
    # overflow is detected and reported, never warned about
    with np.errstate(all="ignore"), _one_blas_thread():
        try:
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
                try:
                    opt.step([model.params], [grads])
                except KeyboardInterrupt:
                    record.undo_update(model.params)  # an update cut short never happened
                    raise
                completed = t + 1
                record.after_update(t, model.params)
                if report is not None:
                    report(Progress(completed, steps, loss, time.perf_counter() - start))
        except KeyboardInterrupt:
            interrupted = completed
            record.interrupted(completed, model, Xd, y, eval_cache)
    seconds = time.perf_counter() - start
    if report is not None:
        last = float(record.losses[completed - 1]) if completed else math.nan
        report(Progress(completed, steps, last, seconds, finished=True, diverged=diverged is not None,
                        interrupted=interrupted is not None))
    return record.finish(config, model, initial, diverged, seconds, interrupted_step=interrupted)


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
