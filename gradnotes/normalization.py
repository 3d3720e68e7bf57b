"""Batch and layer normalization without learned scale or shift, forward and backward.

``NORMS`` maps a name to a :class:`Norm`, which carries its own facts: the axis
the statistics are taken over (batch norm normalizes each unit over the batch,
axis 0; layer norm each example over its units, axis 1), which size must be at
least 2 for those statistics to exist, and whether it depends on the other
examples of the batch. ``None`` (or the string ``"none"``) is no
normalization. Both compute

.. math:: \\hat z = (z - \\mu) / \\sqrt{\\sigma^2 + \\epsilon},

and the backward pass is the textbook one,

.. math:: \\partial z = \\frac{1}{\\sqrt{\\sigma^2+\\epsilon}}\\left(\\partial\\hat z
          - \\overline{\\partial\\hat z} - \\hat z\\,\\overline{\\partial\\hat z\\,\\hat z}\\right),

with bars the mean over the same axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._registry import Registry

__all__ = ["NORMS", "Norm", "EPS", "normalize", "normalize_backward"]

EPS = 1e-5  # as torch.nn.BatchNorm1d / LayerNorm


@dataclass(frozen=True)
class Norm:
    """A normalization without learned scale or shift.

    Attributes
    ----------
    name : str
    axis : int
        Axis of a ``(batch, width)`` array the mean and variance are taken over.
    over : {"batch", "width"}
        The size along ``axis``; it must be at least 2.
    couples_examples : bool
        Whether one example's output depends on the others' (batch norm): then
        an evaluation mode with fixed statistics differs from training.
    """

    name: str
    axis: int
    over: str
    couples_examples: bool

    def check_size(self, batch: int, width: int) -> None:
        """Refuse a batch or width too small for the statistics (both need 2 values)."""
        size = batch if self.over == "batch" else width
        if size < 2:
            raise ValueError(f"{self.over}={size} is too small for norm={self.name!r}; "
                             f"allowed: {self.over} >= 2")


#: Name -> :class:`Norm`; ``None`` is no normalization.
NORMS = Registry("norm", {
    "batch": Norm("batch", axis=0, over="batch", couples_examples=True),
    "layer": Norm("layer", axis=1, over="width", couples_examples=False),
})


def normalize(z: np.ndarray, axis: int, out: np.ndarray) -> np.ndarray:
    """Write ``(z - mean) / sqrt(var + EPS)`` into ``out``; return ``1/sqrt(var + EPS)``.

    The returned inverse standard deviation (shape broadcastable against ``z``)
    is what :func:`normalize_backward` needs.

    Examples
    --------
    >>> z = np.array([[1.0, 2.0], [3.0, 6.0]])
    >>> out = np.empty_like(z)
    >>> inv = normalize(z, 0, out)
    >>> np.round(out, 4)
    array([[-1., -1.],
           [ 1.,  1.]])
    """
    mean = z.mean(axis=axis, keepdims=True)
    np.subtract(z, mean, out=out)
    var = np.mean(np.square(out), axis=axis, keepdims=True)
    inv_std = 1 / np.sqrt(var + z.dtype.type(EPS))
    out *= inv_std
    return inv_std


def normalize_backward(grad: np.ndarray, zhat: np.ndarray, inv_std: np.ndarray, axis: int) -> np.ndarray:
    """The gradient with respect to ``z`` given the gradient ``grad`` w.r.t. ``zhat``; in place."""
    mean_g = grad.mean(axis=axis, keepdims=True)
    mean_gz = np.mean(grad * zhat, axis=axis, keepdims=True)
    grad -= mean_g
    grad -= zhat * mean_gz
    grad *= inv_std
    return grad
