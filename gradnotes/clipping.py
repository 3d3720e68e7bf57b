"""Gradient clipping, by global norm and by value.

``CLIPPERS`` maps a name to a function ``clip(grads, threshold) -> list of arrays``
that never modifies its input.

* ``"norm"``: if the total norm over all arrays, ``||g||``, exceeds the
  threshold, every array is scaled by ``threshold / ||g||`` (Pascanu et al.
  2013; what ``torch.nn.utils.clip_grad_norm_`` does). The direction is kept.
* ``"value"``: every entry is clipped to ``[-threshold, threshold]``
  (``torch.nn.utils.clip_grad_value_``). The direction can change.
* ``"none"``: the gradients, copied.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_choice, check_float
from ._registry import Registry

__all__ = ["CLIPPERS", "clip", "clip_by_norm", "clip_by_value", "no_clip", "total_norm"]


def total_norm(grads) -> float:
    """The norm of all arrays together, ``sqrt(sum ||g_i||^2)``."""
    return math.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype=float)))) for g in grads))


def _checked(grads, threshold):
    """``grads`` as a list of float arrays and ``threshold`` as a positive float, or a clear error."""
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError(
            f"grads must be a list of gradient arrays (one per parameter), e.g. [dW1, db1]; "
            f"got {type(grads).__name__}" + (" (wrap one array in a list: [g])" if isinstance(grads, np.ndarray) else "")
        )
    arrays = []
    for i, g in enumerate(grads):
        a = np.asarray(g)
        if a.dtype.kind not in "fiu":
            raise TypeError(f"grads[{i}] must be a numeric array; got dtype {a.dtype}")
        arrays.append(a)
    return arrays, check_float("threshold", threshold, low=0.0, low_open=True)


def clip_by_norm(grads, threshold: float) -> list[np.ndarray]:
    """Scale all arrays by ``min(1, threshold / total_norm)``.

    Examples
    --------
    >>> [g.tolist() for g in clip_by_norm([np.array([3.0]), np.array([4.0])], 1.0)]
    [[0.6], [0.8]]
    >>> clip_by_norm([np.array([3.0])], -1)
    Traceback (most recent call last):
    ...
    ValueError: threshold=-1.0 is out of range; allowed: (0, inf]
    """
    grads, threshold = _checked(grads, threshold)
    norm = total_norm(grads)
    factor = threshold / norm if norm > threshold else 1.0
    return [np.asarray(g) * factor for g in grads]


def clip_by_value(grads, threshold: float) -> list[np.ndarray]:
    """Clip every entry to ``[-threshold, threshold]``.

    Examples
    --------
    >>> [g.tolist() for g in clip_by_value([np.array([3.0, -0.5])], 1.0)]
    [[1.0, -0.5]]
    """
    grads, threshold = _checked(grads, threshold)
    return [np.clip(g, -threshold, threshold) for g in grads]


def no_clip(grads, threshold: float = 1.0) -> list[np.ndarray]:
    """The gradients, copied (``threshold`` is checked and ignored)."""
    grads, _ = _checked(grads, threshold)
    return [np.array(g, dtype=float, copy=True) for g in grads]


CLIPPERS = Registry("clip", {
    "none": no_clip,
    "norm": clip_by_norm,
    "value": clip_by_value,
})


def clip(grads, method: str = "norm", threshold: float = 1.0) -> list[np.ndarray]:
    """Clip a list of gradient arrays with one of ``CLIPPERS``; input is not modified."""
    check_choice("method", method, CLIPPERS)
    return CLIPPERS[method](grads, threshold)
