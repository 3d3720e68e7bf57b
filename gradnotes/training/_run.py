"""The record of one training run: a small, immutable :class:`TrainingRun`.

:func:`~gradnotes.training.train` fills it (through its recorder); plots and widgets read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._config import TrainingConfig
from ._mlp import MLP

__all__ = ["TrainingRun"]


#: Settings the repr names only when they are not off (False, None or 0).
_EXTRAS = ("bias_std", "residual", "norm", "dropout", "weight_decay", "l1", "clip")


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """What :func:`train` recorded. Layers are numbered from the input; the last
    of the ``depth + 1`` weight matrices is the output layer.

    Attributes
    ----------
    config : TrainingConfig
        The checked arguments of the run, read-only; also readable as a mapping
        (``run.config["lr"]``).
    losses : ndarray (steps,)
        Training-mode mean cross-entropy on the step's batch, before the step's update
        (``losses[0]`` is the initial loss); NaN after a divergence.
    grad_norms : ndarray (steps, depth + 1)
        ``||dL/dW_l||_F`` before clipping and weight decay.
    grad_total_norms : ndarray (steps,)
        Norm of the whole gradient (all parameters) before clipping.
    update_ratios : ndarray (steps, depth + 1)
        ``log10(std(Delta W_l) / std(W_l))``, with ``Delta W_l`` the change the
        optimizer actually made (see :func:`~gradnotes.training.train`). An update smaller
        than half the float32 spacing of a weight is lost: if every weight of a
        layer keeps its value the ratio is ``-inf`` (``dtype="float64"`` resolves it).
    checkpoint_steps : ndarray of int (k,)
        Steps at which the network was evaluated on the whole training set (after
        that many updates; the last is ``steps``).
    checkpoint_losses, train_accuracy : ndarray (k,)
        Loss and accuracy on the whole training set in evaluation mode (no
        dropout; batch norm with its running statistics, which at step 0 are
        still mean 0 and variance 1, as in torch).
    saturation : ndarray (k, depth)
        Fraction of (point, unit) pairs with ``|phi'| <= Activation.saturation_level``.
    dead_units : ndarray (k, depth)
        Fraction of units with ``|phi'| <= saturation_level`` for *every* training
        point: for ReLU, units whose derivative is exactly 0 everywhere (dead).
    activation_stds : ndarray (k, depth)
        Standard deviation of ``h_l`` over the training set and units: a signal
        that shrinks layer after layer (the ordered phase) shows here even when the
        weight gradients look evenly sized.
    final_loss, final_accuracy : float
        Last checkpoint's values; NaN if the run diverged.
    diverged_step : int or None
        First step whose loss or gradient was not finite; training stopped there.
    interrupted_step : int or None
        The number of updates completed when the run was interrupted (KeyboardInterrupt);
        per-step entries from there on are NaN and the last checkpoint is the
        network as it stopped. ``None``: the run was not interrupted.
    seconds : float
        Wall time of the run (not in the repr: it is not reproducible).
    model, initial_model : MLP
        The trained network and the one it started from, read-only
        (``model.copy()`` gives a writeable one); ``predict_proba`` uses ``model``.

    Examples
    --------
    >>> from gradnotes import spirals, train
    >>> X, y = spirals(100, seed=0)
    >>> train(X, y, depth=6, width=64, activation="tanh", optimizer="adam", lr=1e-3, steps=300, seed=0)
    TrainingRun(depth=6, width=64, activation='tanh', init='xavier_normal', gain=1, optimizer='adam', lr=0.001, steps=300, batch=all, seed=0)
      loss       step 0: 1.114   final (whole set): 0.01331
      accuracy   step 0: 36.0%   step 300: 99.3%
      ||dL/dW||  step 0: layer 1 0.137, output 0.245
      log10 update/data (median, last 10% of steps): layer 1 -3.58, output -3.51
      saturated  end, max over layers: 26.6%   dead units: 0.0%
      diverged   no
    """

    config: TrainingConfig
    losses: np.ndarray
    grad_norms: np.ndarray
    grad_total_norms: np.ndarray
    update_ratios: np.ndarray
    checkpoint_steps: np.ndarray
    checkpoint_losses: np.ndarray
    train_accuracy: np.ndarray
    saturation: np.ndarray
    dead_units: np.ndarray
    activation_stds: np.ndarray
    final_loss: float
    final_accuracy: float
    diverged_step: int | None
    interrupted_step: int | None = None
    seconds: float = field(repr=False, default=math.nan)
    model: MLP | None = field(repr=False, default=None)
    initial_model: MLP | None = field(repr=False, default=None)

    @property
    def depth(self) -> int:
        return self.config.depth

    @property
    def diverged(self) -> bool:
        return self.diverged_step is not None

    @property
    def interrupted(self) -> bool:
        return self.interrupted_step is not None

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities of the trained network for points ``X`` of shape (n, 2)."""
        with np.errstate(all="ignore"):
            return self.model.predict_proba(X)

    def __repr__(self) -> str:
        c = self.config
        batch = "all" if c.batch_size is None else c.batch_size
        extras = "".join(f", {k}={c[k]!r}" for k in _EXTRAS if c[k] not in (False, None, 0.0))
        head = (f"TrainingRun(depth={c.depth}, width={c.width}, activation={c.activation!r}, "
                f"init={c.init!r}, gain={c.gain:g}, optimizer={c.optimizer!r}, lr={c.lr:g}"
                f"{extras}, steps={c.steps}, batch={batch}, seed={c.seed})")
        done = len(self.checkpoint_steps) - 1
        n = self.interrupted_step if self.interrupted else c.steps  # steps with an update
        tail = slice(max(0, n - max(1, n // 10)), n)
        with np.errstate(all="ignore"):
            ratios = np.median(self.update_ratios[tail], axis=0) if not self.diverged and n else None
        lines = [
            head,
            f"  loss       step 0: {self.losses[0]:.4g}   final (whole set): {self.final_loss:.4g}",
            f"  accuracy   step 0: {100 * self.train_accuracy[0]:.1f}%"
            + (f"   step {self.checkpoint_steps[done]}: {100 * self.train_accuracy[done]:.1f}%" if done else ""),
            f"  ||dL/dW||  step 0: layer 1 {self.grad_norms[0, 0]:.3g}, output {self.grad_norms[0, -1]:.3g}",
        ]
        if ratios is not None:
            lines.append(f"  log10 update/data (median, last 10% of steps): layer 1 {ratios[0]:.2f}, "
                         f"output {ratios[-1]:.2f}")
        lines.append(f"  saturated  end, max over layers: {100 * float(np.max(self.saturation[done])):.1f}%"
                     f"   dead units: {100 * float(np.max(self.dead_units[done])):.1f}%")
        lines.append(f"  diverged   at step {self.diverged_step}" if self.diverged else "  diverged   no")
        if self.interrupted:
            lines.append(f"  interrupted after {self.interrupted_step} of {c.steps} steps")
        return "\n".join(lines)
