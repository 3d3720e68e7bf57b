"""Batch and layer normalization without learned scale or shift, forward and backward.

``NORMS`` maps a name to the axis the statistics are taken over: batch norm
normalizes each unit over the batch (axis 0), layer norm normalizes each
example over its units (axis 1). Both compute

.. math:: \\hat z = (z - \\mu) / \\sqrt{\\sigma^2 + \\epsilon},

and the backward pass is the textbook one,

.. math:: \\partial z = \\frac{1}{\\sqrt{\\sigma^2+\\epsilon}}\\left(\\partial\\hat z
          - \\overline{\\partial\\hat z} - \\hat z\\,\\overline{\\partial\\hat z\\,\\hat z}\\right),

with bars the mean over the same axis.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

__all__ = ["NORMS", "EPS", "normalize", "normalize_backward"]

EPS = 1e-5  # as torch.nn.BatchNorm1d / LayerNorm

#: Name -> axis of the statistics; ``None`` is no normalization.
NORMS = MappingProxyType({"batch": 0, "layer": 1})


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
