"""The settings of one training run, checked in one place: a frozen :class:`TrainingConfig`.

:func:`~gradnotes.training.train` turns its arguments into a config with
:meth:`TrainingConfig.build` (which refuses bad values with a message naming the
parameter, the value and what is allowed), trains from the config alone, and
keeps it as ``TrainingRun.config``. The shared concepts (depth, width, gain,
residual, norm, clip, dtype, seed) follow the rules declared in :mod:`gradnotes._params`,
the MLP's own ones those of ``MLP_RULES``; "no clipping" and "no
normalization" are ``None`` (the string ``"none"`` becomes ``None``).

A config reads like the dict it replaces, ``config["lr"]`` as well as
``config.lr``, so a notebook can print any setting of a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

from .._checks import check_int
from .._params import Flag, Integer, Real, check
from ..activations import Activation, get_activation
from ..initializers import get_initializer
from ..normalization import NORMS
from ._mlp import MLP_RULES, check_bias, check_norm_width
from ._optimizers import get_optimizer

__all__ = ["TrainingConfig", "MAX_STEPS", "check_data"]

#: The longest run :func:`~gradnotes.training.train` accepts.
MAX_STEPS = 100_000

#: Rules for the parameters only training has.
_RULES = MappingProxyType({
    "l1": Real(0.0, 1e3),
    "clip_threshold": Real(0.0, None, low_open=True),
    "steps": Integer(1, MAX_STEPS),
    "eval_every": Integer(1, None),
})

#: Checkpoints of a run when ``eval_every`` is not given.
DEFAULT_CHECKPOINTS = 20


@dataclass(frozen=True)
class TrainingConfig(Mapping):
    """The checked settings of a training run; immutable, and readable as a mapping.

    Build one with :meth:`build`. The attributes are the arguments of
    :func:`~gradnotes.training.train`, checked and in a canonical form, plus the
    shape of the data.

    Attributes
    ----------
    depth, width : int
    activation : str
        A name in ``ACTIVATIONS``; its parameters are ``activation_params``.
    activation_params : mapping
        E.g. ``{"negative_slope": 0.01}`` for leaky ReLU (read-only).
    init : str
        A name in ``INITIALIZERS``.
    gain, output_gain : float
    bias, residual : bool
    bias_std : float
        Standard deviation of the initial hidden biases (0: zeros).
    norm : {None, "batch", "layer"}
    dropout : float
    optimizer : str
        A name in ``OPTIMIZERS``.
    lr, weight_decay, l1 : float
    optimizer_options : mapping
        Read-only.
    clip : {None, "norm", "value"}
    clip_threshold : float
    steps : int
    batch_size : int or None
        ``None``: every step sees the whole training set.
    eval_every : int
        Steps between checkpoints (the default gives 20).
    dtype : {"float32", "float64"}
    seed : int
    n_points, n_features, n_classes : int
        The shape of the training data.

    Examples
    --------
    >>> from gradnotes.training import spirals, train
    >>> X, y = spirals(50, seed=0)
    >>> c = train(X, y, depth=2, width=8, activation="leaky_relu", clip="none", norm="layer", steps=200).config
    >>> c.clip is None, c["norm"], c.eval_every, dict(c.activation_params), c.n_points
    (True, 'layer', 10, {'negative_slope': 0.01}, 150)
    >>> c.replace(steps=1000).steps, c.replace(steps=1000).eval_every  # eval_every is kept
    (1000, 10)
    >>> c.replace(depth=0)
    Traceback (most recent call last):
    ...
    ValueError: depth=0 is out of range; allowed: [1, 1000]
    """

    depth: int
    width: int
    activation: str
    activation_params: Mapping
    init: str
    gain: float
    output_gain: float
    bias: bool
    bias_std: float
    residual: bool
    norm: str | None
    dropout: float
    optimizer: str
    lr: float
    weight_decay: float
    l1: float
    optimizer_options: Mapping
    clip: str | None
    clip_threshold: float
    steps: int
    batch_size: int | None
    eval_every: int
    dtype: str
    seed: int
    n_points: int
    n_features: int
    n_classes: int

    @classmethod
    def build(cls, n_points: int, n_features: int, n_classes: int, *, depth, width, activation, init, gain,
              output_gain, bias, bias_std, residual, norm, dropout, optimizer, lr, weight_decay, l1,
              optimizer_options, clip, clip_threshold, steps, batch_size, eval_every, dtype,
              seed) -> "TrainingConfig":
        """Check the keyword arguments of :func:`~gradnotes.training.train` for data of this shape.

        Every keyword is required: the defaults are ``train``'s.
        """
        n_points = check_int("n_points", n_points, low=2)
        steps = check("steps", steps, _RULES["steps"])
        if batch_size is not None:
            batch_size = check_int("batch_size", batch_size, low=1, high=n_points)
        width = check("width", width)
        norm = check("norm", norm)
        check_norm_width(width, norm)  # as the MLP does
        if norm is not None:
            try:
                NORMS[norm].check_size(batch_size or n_points, width)
            except ValueError as err:  # train's batch is batch_size
                raise ValueError(f"{err} (here batch_size={batch_size})") from None
        eval_every = (max(1, steps // DEFAULT_CHECKPOINTS) if eval_every is None
                      else check("eval_every", eval_every, _RULES["eval_every"]))
        clip = check("clip", clip)
        bias, bias_std = check_bias(bias, bias_std)
        seed = check("seed", seed)
        act = get_activation(activation)
        if optimizer_options is not None and not isinstance(optimizer_options, Mapping):
            raise TypeError(f"optimizer_options must be a dict or None; got {type(optimizer_options).__name__}")
        options = MappingProxyType(dict(optimizer_options or {}))
        opt = get_optimizer(optimizer, lr=lr, weight_decay=weight_decay, **options)  # it checks its own options
        return cls(
            depth=check("depth", depth), width=width, activation=act.name, activation_params=act.params,
            init=get_initializer(init).name, gain=check("gain", gain),
            output_gain=check("output_gain", output_gain, MLP_RULES["output_gain"]),
            bias=bias, bias_std=bias_std, residual=check("residual", residual, Flag()),
            norm=norm, dropout=check("dropout", dropout, MLP_RULES["dropout"]),
            optimizer=opt.name, lr=opt.lr, weight_decay=opt.weight_decay, l1=check("l1", l1, _RULES["l1"]),
            optimizer_options=options, clip=clip,
            clip_threshold=check("clip_threshold", clip_threshold, _RULES["clip_threshold"]),
            steps=steps, batch_size=batch_size, eval_every=eval_every, dtype=check("dtype", dtype), seed=seed,
            n_points=n_points, n_features=check("n_features", n_features, MLP_RULES["n_in"]),
            n_classes=check("n_classes", n_classes, MLP_RULES["n_classes"]),
        )

    def arguments(self) -> dict:
        """The keyword arguments of :func:`~gradnotes.training.train` that give this run."""
        skip = ("activation_params", "n_points", "n_features", "n_classes")
        args = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        args["activation"] = self.activation_function
        args["optimizer_options"] = dict(self.optimizer_options)
        return args

    def replace(self, **changes) -> "TrainingConfig":
        """A config with some of :func:`~gradnotes.training.train`'s arguments changed, checked again."""
        return TrainingConfig.build(self.n_points, self.n_features, self.n_classes,
                                    **{**self.arguments(), **changes})

    @property
    def activation_function(self) -> Activation:
        """The :class:`~gradnotes.Activation`, with its parameters."""
        return get_activation(self.activation, **self.activation_params)

    # -- read like the dict it replaces ----------------------------------------
    def __getitem__(self, key: str):
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(_FIELDS)

    def __len__(self) -> int:
        return len(_FIELDS)


_FIELDS = tuple(f.name for f in fields(TrainingConfig))


def check_data(X, y) -> tuple[np.ndarray, np.ndarray, int]:
    """``(X as float64, y as int64, number of classes)``, or a clear error for data train cannot use."""
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
