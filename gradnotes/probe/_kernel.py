"""The probe's kernel: one forward and one backward pass on prepared arrays.

:func:`propagate` is the pass alone, without drawing or checking anything: the
benchmark times it against PyTorch autograd, and :func:`~gradnotes.simulate`
and :class:`~gradnotes.probe.ProbeCache` call it on arrays they prepared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._linalg import fro_norm as _fro
from ..activations import Activation
from ..normalization import NORMS, normalize, normalize_backward

__all__ = ["propagate", "Pass"]


@dataclass(frozen=True, eq=False)
class Pass:
    """Raw result of :func:`propagate`: one forward and one backward pass.

    ``hidden[l]`` is ``h_l`` (``hidden[0]`` the inputs); per-layer arrays have
    one entry per layer, input side first.
    """

    hidden: np.ndarray  # (depth + 1, batch, width)
    preactivation_second_moments: np.ndarray  # (depth,), mean of z_l**2
    grad_weight_norms: np.ndarray
    grad_bias_norms: np.ndarray
    grad_activation_norms: np.ndarray  # ||dL/dh_l||, l = 1..depth
    grad_input_norm: float
    saturation: np.ndarray
    dead_units: np.ndarray
    grad_weights: tuple | None
    grad_biases: tuple | None


def propagate(
    inputs: np.ndarray,
    weights,
    biases,
    output_grad: np.ndarray,
    activation: Activation,
    *,
    residual: bool = False,
    norm: str | None = None,
    keep_grads: bool = False,
    stats: bool = True,
    residual_scale: float = 1.0,
) -> Pass:
    """Forward and backward pass on prepared arrays of one dtype.

    Parameters
    ----------
    inputs : ndarray, shape (batch, width)
    weights : sequence of ndarray, each (width, width)
    biases : sequence of ndarray, each (width,), or None for no biases
    output_grad : ndarray, shape (batch, width)
        ``dL/dh_L``, the gradient arriving at the top.
    activation : Activation
    residual : bool
        ``h_l = h_{l-1} + residual_scale * phi(z_l)`` instead of ``h_l = phi(z_l)``.
    norm : {None, "batch", "layer"}
        Normalize ``z_l`` before the activation.
    keep_grads : bool
        Also return the full gradients ``dL/dW_l`` and ``dL/db_l``.
    stats : bool
        Compute saturation and dead-unit fractions (off for pure timing).
    residual_scale : float
        Multiplies each residual branch (e.g. ``1/sqrt(depth)``); ignored without ``residual``.

    Returns
    -------
    Pass
    """
    depth = len(weights)
    batch, width = inputs.shape
    dtype = inputs.dtype
    axis = None if norm is None else NORMS[norm].axis
    level = activation.saturation_level if stats else None
    # phi' from phi's output (1 - h**2 for tanh) saves keeping z; the norm backward needs z-hat.
    from_output = activation.has_derivative_from_output
    keep_pre = not from_output or norm is not None

    hidden = np.empty((depth + 1, batch, width), dtype)
    hidden[0] = inputs
    outs = np.empty((depth, batch, width), dtype) if residual else hidden[1:]
    pre = np.empty((depth, batch, width), dtype) if keep_pre else None
    scratch = np.empty((batch, width), dtype)
    inv_stds = [None] * depth
    zsq = np.empty(depth)
    size = batch * width

    for l in range(depth):
        z = pre[l] if keep_pre else scratch
        np.matmul(hidden[l], weights[l], out=z)
        if biases is not None:
            z += biases[l]
        zsq[l] = _fro(z) ** 2 / size
        if axis is not None:
            inv_stds[l] = normalize(z, axis, out=z)
        activation.forward_into(z, outs[l])
        if residual:
            np.multiply(outs[l], residual_scale, out=hidden[l + 1])
            hidden[l + 1] += hidden[l]

    grad_w = np.empty(depth)
    grad_b = np.empty(depth)
    grad_h = np.empty(depth)
    saturation = np.zeros(depth)
    dead = np.zeros(depth)
    kept_w, kept_b = ([None] * depth, [None] * depth) if keep_grads else (None, None)
    g = output_grad.astype(dtype, copy=True)
    g_next = np.empty_like(g)
    delta = np.empty_like(g)
    dW = np.empty((width, width), dtype)
    ones = np.ones(batch, dtype)
    db_buf = np.empty(width, dtype)

    for l in range(depth - 1, -1, -1):
        grad_h[l] = _fro(g)
        if from_output:
            activation.derivative_from_output_into(outs[l], delta)
        else:
            activation.derivative_into(pre[l], delta)
        if level is not None:
            mask = np.abs(delta) <= level
            saturation[l] = np.count_nonzero(mask) / size
            dead[l] = np.count_nonzero(mask.all(axis=0)) / width
        delta *= g
        if residual and residual_scale != 1.0:
            delta *= residual_scale
        if axis is not None:
            normalize_backward(delta, pre[l], inv_stds[l], axis)
        target = np.empty((width, width), dtype) if keep_grads else dW
        np.matmul(hidden[l].T, delta, out=target)
        grad_w[l] = _fro(target)
        db = np.matmul(ones, delta) if keep_grads else np.matmul(ones, delta, out=db_buf)  # BLAS: ~3x a sum
        grad_b[l] = _fro(db)
        if keep_grads:
            kept_w[l], kept_b[l] = target, db
        np.matmul(delta, weights[l].T, out=g_next)
        if residual:
            g_next += g
        g, g_next = g_next, g

    return Pass(
        hidden=hidden,
        preactivation_second_moments=zsq,
        grad_weight_norms=grad_w,
        grad_bias_norms=grad_b,
        grad_activation_norms=grad_h,
        grad_input_norm=_fro(g),
        saturation=saturation,
        dead_units=dead,
        grad_weights=tuple(kept_w) if keep_grads else None,
        grad_biases=tuple(kept_b) if keep_grads else None,
    )
