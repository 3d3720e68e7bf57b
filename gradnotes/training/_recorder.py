"""What a training run records, step by step: the :class:`Recorder` owns the arrays.

Per step: the loss on the step's batch, the per-layer gradient norms and the
**update-to-data ratio** (Karpathy, makemore part 3). For layer ``l`` at step ``t``,

.. math:: r_l = \\log_{10} \\frac{\\operatorname{std}(W_l^{t+1} - W_l^{t})}{\\operatorname{std}(W_l^{t})},

the *actual* change the optimizer made (momentum, Adam's normalization, weight
decay and clipping included) relative to the weights it was applied to. For
plain SGD it equals Karpathy's ``log10(std(lr * grad) / std(W))``; around
``-3`` is healthy, much lower means the layer is hardly learning, much higher
that it is being rewritten every step.

At checkpoints, on the whole training set in evaluation mode: the loss, the
accuracy, and the health of the units (:func:`layer_saturation`: saturated and
dead fractions per layer) and the spread of each layer's output.
"""

from __future__ import annotations

import math

import numpy as np

from .._arrays import readonly
from ._losses import cross_entropy
from ._mlp import MLP
from ._run import TrainingRun

__all__ = ["Recorder", "layer_saturation"]


class Recorder:
    """The per-step and per-checkpoint arrays of one run, filled in place, then frozen into a :class:`TrainingRun`.

    Parameters
    ----------
    model : MLP
        The network being trained (its layout: ``depth + 1`` weight matrices).
    steps : int
        Number of updates planned; entries of steps never reached stay NaN.

    Examples
    --------
    >>> net = MLP(2, 3, depth=2, width=4, rng=np.random.default_rng(0))
    >>> rec = Recorder(net, steps=3)
    >>> net.grads[...] = 1.0
    >>> rec.gradient(0, 1.5, net.grads)  # finite: training may go on
    True
    >>> rec.losses.tolist(), round(float(rec.grad_total_norms[0]) ** 2), net.params.size
    ([1.5, nan, nan], 47, 47)
    >>> rec.grad_norms[0].round(3).tolist()  # ||dL/dW_l|| = sqrt(fan_in * fan_out) when every entry is 1
    [2.828, 4.0, 3.464]
    """

    def __init__(self, model: MLP, steps: int):
        layers = model.depth + 1
        self.losses = np.full(steps, np.nan)
        self.grad_norms = np.full((steps, layers), np.nan)
        self.grad_total_norms = np.full(steps, np.nan)
        self.update_ratios = np.full((steps, layers), np.nan)
        self.checkpoints = []  # (step, loss, accuracy, saturation, dead, activation stds)
        self._stats = _LayerStats(model)
        self._before = np.empty_like(model.params)
        self._change = np.empty_like(model.params)

    def gradient(self, t: int, loss: float, grads: np.ndarray) -> bool:
        """Record step ``t``'s loss and gradient (flat, laid out like ``model.params``); whether both are finite."""
        self.losses[t] = loss
        sq = self._stats.sums_of_squares(grads)
        self.grad_norms[t] = np.sqrt(sq[self._stats.weights])
        self.grad_total_norms[t] = math.sqrt(sq.sum())
        return math.isfinite(self.losses[t]) and math.isfinite(self.grad_total_norms[t])

    def before_update(self, params: np.ndarray) -> None:
        """Keep a copy of the parameters the update is applied to."""
        np.copyto(self._before, params)

    def after_update(self, t: int, params: np.ndarray) -> None:
        """Record step ``t``'s update-to-data ratio per weight matrix, from the change since :meth:`before_update`."""
        np.subtract(params, self._before, out=self._change)
        self.update_ratios[t] = np.log10(self._stats.weight_stds(self._change) / self._stats.weight_stds(self._before))

    def undo_update(self, params: np.ndarray) -> None:
        """Put back the parameters kept by :meth:`before_update` (an update cut short)."""
        np.copyto(params, self._before)

    def interrupted(self, completed: int, model: MLP, X: np.ndarray, y: np.ndarray, cache) -> None:
        """A run stopped after ``completed`` updates: later steps' entries are NaN, and the
        last checkpoint is the network as it stopped."""
        for a in (self.losses, self.grad_norms, self.grad_total_norms, self.update_ratios):
            a[completed:] = np.nan
        if not self.checkpoints or self.checkpoints[-1][0] != completed:
            self.checkpoint(completed, model, X, y, cache)

    def checkpoint(self, t: int, model: MLP, X: np.ndarray, y: np.ndarray, cache) -> None:
        """Evaluate ``model`` on ``(X, y)`` after ``t`` updates (evaluation mode, buffers from ``cache``)."""
        self.checkpoints.append((t, *_evaluate(model, X, y, cache)))

    def finish(self, config, model: MLP, initial_model: MLP, diverged_step: int | None,
               seconds: float, interrupted_step: int | None = None) -> TrainingRun:
        """The finished :class:`TrainingRun`, with read-only arrays and read-only copies of the networks."""
        steps, losses, accuracy, saturation, dead, stds = (np.array(v) for v in zip(*self.checkpoints))
        diverged = diverged_step is not None
        return TrainingRun(
            config=config, losses=readonly(self.losses), grad_norms=readonly(self.grad_norms),
            grad_total_norms=readonly(self.grad_total_norms), update_ratios=readonly(self.update_ratios),
            checkpoint_steps=readonly(steps), checkpoint_losses=readonly(losses),
            train_accuracy=readonly(accuracy), saturation=readonly(saturation), dead_units=readonly(dead),
            activation_stds=readonly(stds),
            final_loss=math.nan if diverged else float(losses[-1]),
            final_accuracy=math.nan if diverged else float(accuracy[-1]),
            diverged_step=diverged_step, interrupted_step=interrupted_step, seconds=seconds,
            model=model.copy(frozen=True), initial_model=initial_model,
        )


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

    Examples
    --------
    >>> net = MLP(2, 3, depth=1, width=2, activation="relu", rng=np.random.default_rng(0))
    >>> net.weights[0][...] = [[1.0, -1.0], [0.0, 0.0]]  # unit 2 is off for x_1 >= 0
    >>> _, cache = net.forward(np.array([[1.0, 0.0], [2.0, 0.0]]))
    >>> [a.tolist() for a in layer_saturation(net, cache)]
    [[0.5], [0.5]]
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
        self.bounds = [(int(a), int(a + n)) for a, n in zip(self.starts, self.sizes)]
        self.buf = np.empty(model.params.size)
        self.dev = np.empty(model.params.size)

    def sums_of_squares(self, x) -> np.ndarray:
        np.square(x, out=self.buf)
        return np.add.reduceat(self.buf, self.starts)

    def weight_stds(self, x) -> np.ndarray:
        np.copyto(self.buf, x)
        mean = np.add.reduceat(self.buf, self.starts) / self.sizes
        for (a, b), m in zip(self.bounds, mean):  # two passes: no cancellation
            np.subtract(self.buf[a:b], m, out=self.dev[a:b])
        np.square(self.dev, out=self.dev)
        return np.sqrt(np.add.reduceat(self.dev, self.starts) / self.sizes)[self.weights]
