"""The probe's kernel: one forward and one backward pass on prepared arrays.

:func:`propagate` is the pass alone, without drawing or checking anything: the
benchmark times it against PyTorch autograd, and :func:`~gradnotes.simulate`
and :class:`~gradnotes.probe.ProbeCache` call it on arrays they prepared.

Rescaling
---------
A product of many per-layer factors leaves the floating-point range long before
it stops meaning something: a 100-layer sigmoid network's first-layer gradient is
about 1e-62 of its last one. A plain float32 pass gets there through subnormal
numbers (x86 arithmetic on them is tens of times slower) and then flushes them
to 0. So the backward pass carries ``dL/dh_l`` as ``g * 2**e``: when ``||g||``
leaves ``[2**-BAND, 2**BAND]``, ``g`` is multiplied by a power of two, which is
exact, and ``e`` keeps count (the loss scaling of mixed-precision training, done
at every layer that needs it). The norms are ``||.|| * 2**e`` in float64, with
their log10 for where float64 underflows as well. Where no layer needed
rescaling, every number is bit for bit that of the plain pass.

The forward pass is rescaled only where its signal vanishes, and resumed
where a deeper network shares it: see :mod:`gradnotes.probe._forward`.

``rescale=False`` is the plain pass, kept as the reference the tests compare
with and for the lesson of chapter 3.

Residual blocks
---------------
Each kind of layer (no skip, ``"post"``, ``"pre"``: :mod:`gradnotes.probe._residual`)
has its forward loop (:data:`gradnotes.probe._forward.BLOCKS`) and its two backward
steps here (:data:`_BACKWARD`): one before ``dL/dW_l`` is formed (the array that
multiplies the layer's input), one after (``dL/dh_{l-1}``). Every kind costs one
matrix product forward and two backward; the rescaling of ``g`` is common to all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._linalg import entries_above, entries_below
from .._linalg import fro_norm as _fro
from .._linalg import ldexp_safe as _ldexp
from .._linalg import log10_scaled as _log10
from .._linalg import normalize_pow2 as _normalize
from ..activations import Activation
from ..normalization import NORMS, normalize_backward
from ._forward import (
    BAND,
    ForwardState,
    _Forward,
    forward_pass,
    tangent_derivative_into,
)
from ._residual import residual_kind

__all__ = ["FLOAT32_TINY_LOG2", "Pass", "propagate"]

#: float32's smallest normal number is ``2**FLOAT32_TINY_LOG2`` (about 1.2e-38): below it, float32 underflows.
FLOAT32_TINY_LOG2 = -126


@dataclass(frozen=True, eq=False)
class Pass:
    """Raw result of :func:`propagate`: one forward and one backward pass.

    ``hidden[l] * 2**hidden_log2_scales[l]`` is ``h_l`` (``hidden[0]`` the inputs;
    the scale is 0 except where the forward signal vanished, see
    :mod:`gradnotes.probe._forward`). Per-layer arrays have one entry per layer, input side first; norms
    are float64 (0 or inf where float64 cannot hold them, their ``log10_`` twins can).
    """

    hidden: np.ndarray  # (depth + 1, batch, width)
    hidden_log2_scales: np.ndarray  # (depth + 1,) int
    preactivation_second_moments: np.ndarray  # (depth,), mean of z_l**2
    grad_weight_norms: np.ndarray
    grad_bias_norms: np.ndarray
    grad_activation_norms: np.ndarray  # ||dL/dh_l||, l = 1..depth
    grad_input_norm: float
    log10_grad_weight_norms: np.ndarray
    log10_grad_activation_norms: np.ndarray
    float32_underflow: np.ndarray  # bool: dL/dW_l is not 0 but below float32's normal range
    grad_overflow: np.ndarray  # bool: a plain pass in this dtype has inf or NaN in dL/dW_l
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
    residual: str | bool | None = None,
    norm: str | None = None,
    keep_grads: bool = False,
    stats: bool = True,
    residual_scale: float = 1.0,
    rescale: bool = True,
    forward: ForwardState | None = None,
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
    residual : {None, "pre", "post"} or bool
        The residual block (:data:`~gradnotes.probe.RESIDUALS`): ``"pre"``,
        ``h_l = h_{l-1} + residual_scale * (phi(norm(h_{l-1})) W_l + b_l)``; ``"post"`` (or ``True``),
        ``h_l = h_{l-1} + residual_scale * phi(norm(z_l))``; ``None`` or ``False``, ``h_l = phi(norm(z_l))``.
    norm : {None, "batch", "layer"}
        Normalize ``z_l`` before the activation.
    keep_grads : bool
        Also return the full gradients ``dL/dW_l`` and ``dL/db_l`` (in the dtype:
        entries beyond its range are 0 or inf, as they must be).
    stats : bool
        Compute saturation and dead-unit fractions (off for pure timing).
    residual_scale : float
        Multiplies each residual branch (e.g. ``1/sqrt(depth)``); ignored without ``residual``.
    rescale : bool
        Carry vanishing or growing intermediates with power-of-two scales (the
        module docstring); ``False`` is the plain pass.
    forward : ForwardState, optional
        Keeps the forward pass for the next call; when it already holds the
        forward pass of these inputs through these weight arrays (the same
        objects), that is reused. The arrays of the result are then views into it.

    Returns
    -------
    Pass

    Examples
    --------
    Eighty sigmoid layers: float32 cannot hold the first layer's gradient, the
    rescaled pass has it, and says that float32 underflows there.

    >>> import numpy as np
    >>> from gradnotes import ACTIVATIONS
    >>> rng = np.random.default_rng(0)
    >>> x, r = rng.standard_normal((2, 64, 64), dtype=np.float32)
    >>> ws = rng.standard_normal((80, 64, 64), dtype=np.float32) / 8
    >>> sig = ACTIVATIONS["sigmoid"]
    >>> with np.errstate(under="ignore"):
    ...     plain = propagate(x, ws, None, r, sig, rescale=False)
    ...     scaled = propagate(x, ws, None, r, sig)
    >>> float(plain.grad_weight_norms[0]), f"{scaled.grad_weight_norms[0]:.2e}", bool(scaled.float32_underflow[0])
    (0.0, '1.95e-48', True)
    """
    dtype = inputs.dtype
    residual = residual_kind(residual)
    setting = (activation, residual, float(residual_scale), norm, bool(rescale))
    state = forward if forward is not None else ForwardState()
    fwd = state.resume(inputs, weights, biases, setting)
    fwd = forward_pass(fwd, state.spare(), inputs, weights, biases, activation, residual, residual_scale,
                   None if norm is None else NORMS[norm].axis, rescale)
    state.keep(fwd, inputs, weights, biases, setting)
    return _backward(fwd.truncated(len(weights)), weights, output_grad.astype(dtype, copy=True), activation,
                     residual, residual_scale, keep_grads, stats, rescale)


def _backward(fwd: _Forward, weights, g, activation, residual, residual_scale, keep_grads, stats, rescale) -> Pass:
    hidden = fwd.hidden
    depth, batch, width = hidden.shape[0] - 1, hidden.shape[1], hidden.shape[2]
    dtype, size = hidden.dtype, batch * width
    level = activation.saturation_level if stats else None
    log2_max = math.log2(float(np.finfo(dtype).max))
    grad_w, grad_b, grad_h, log_w, log_h = (np.empty(depth) for _ in range(5))
    underflow, overflow = np.zeros(depth, bool), np.zeros(depth, bool)
    saturation, dead = np.zeros(depth), np.zeros(depth)
    kept_w, kept_b = ([None] * depth, [None] * depth) if keep_grads else (None, None)
    g_next, delta = np.empty_like(g), np.empty_like(g)
    dW = np.empty((width, width), dtype)
    ones = np.ones(batch, dtype)
    db_buf = np.empty(width, dtype)
    e, broken = 0, False  # e: log2 scale of g; broken: a plain pass's dL/dh is already inf/NaN
    before, after = _BACKWARD[residual]
    scale = 1.0 if residual is None else residual_scale

    def stats_into(l, deriv):
        if level is not None:
            mask = np.abs(deriv) <= level
            saturation[l] = np.count_nonzero(mask) / size
            dead[l] = np.count_nonzero(mask.all(axis=0)) / width

    for l in range(depth - 1, -1, -1):
        gn = _fro(g)
        if rescale and 0 < gn < math.inf and not 2.0**-BAND <= gn <= 2.0**BAND:
            gn, e = _normalize(g, gn, e)
        grad_h[l], log_h[l] = _ldexp(gn, e), _log10(gn, e)
        broken = broken or entries_above(g, gn, e, log2_max)
        inp, s_in = before(fwd, l, g, delta, activation, scale, stats_into)
        target = np.empty((width, width), dtype) if keep_grads else dW
        np.matmul(inp.T, delta, out=target)
        s = e + s_in  # dL/dW_l = input^T delta_l carries both scales
        wn = _fro(target)
        grad_w[l], log_w[l] = _ldexp(wn, s), _log10(wn, s)
        underflow[l] = entries_below(target, wn, s, FLOAT32_TINY_LOG2)
        overflow[l] = broken or entries_above(target, wn, s, log2_max)
        db = np.matmul(ones, delta) if keep_grads else np.matmul(ones, delta, out=db_buf)  # BLAS: ~3x a sum
        grad_b[l] = _ldexp(_fro(db), e)
        if keep_grads:
            kept_w[l] = np.ldexp(target, s, out=target) if s else target
            kept_b[l] = np.ldexp(db, e, out=db) if e else db
        after(fwd, l, g, delta, g_next, weights[l], activation, stats_into)
        g, g_next = g_next, g

    return Pass(
        hidden=hidden,
        hidden_log2_scales=fwd.scales,
        preactivation_second_moments=fwd.zsq,
        grad_weight_norms=grad_w,
        grad_bias_norms=grad_b,
        grad_activation_norms=grad_h,
        grad_input_norm=_ldexp(_fro(g), e),
        log10_grad_weight_norms=log_w,
        log10_grad_activation_norms=log_h,
        float32_underflow=underflow,
        grad_overflow=overflow,
        saturation=saturation,
        dead_units=dead,
        grad_weights=tuple(kept_w) if keep_grads else None,
        grad_biases=tuple(kept_b) if keep_grads else None,
    )




# -- the backward steps of each kind of layer -----------------------------------------------------------
def _phi_prime_into(fwd, l, x, activation, out) -> None:
    """``phi'`` at layer ``l``'s units: from ``phi``'s output where it can, else from its input ``x``."""
    if fwd.tangent_layers[l]:
        tangent_derivative_into(fwd.outs[l], out, fwd.tangent)
    elif activation.has_derivative_from_output:
        activation.derivative_from_output_into(fwd.outs[l], out)
    else:
        activation.derivative_into(x, out)


def _branch_last_before(fwd, l, g, delta, activation, scale, stats_into):
    """``delta = dL/dz_l = norm'(phi'(z) g [* scale])``, multiplying ``h_{l-1}`` (in its own scale)."""
    _phi_prime_into(fwd, l, None if fwd.pre is None else fwd.pre[l], activation, delta)
    stats_into(l, delta)
    delta *= g
    if scale != 1.0:
        delta *= scale
    if fwd.axis is not None:
        normalize_backward(delta, fwd.pre[l], fwd.inv_stds[l], fwd.axis)
    return fwd.hidden[l], int(fwd.scales[l])


def _plain_after(fwd, l, g, delta, g_next, W, activation, stats_into) -> None:
    np.matmul(delta, W.T, out=g_next)


def _post_after(fwd, l, g, delta, g_next, W, activation, stats_into) -> None:
    np.matmul(delta, W.T, out=g_next)
    g_next += g  # the skip passes the gradient through unchanged


def _pre_before(fwd, l, g, delta, activation, scale, stats_into):
    """``delta = dL/d(a W + b) = scale g``, multiplying ``a = phi(norm(h_{l-1}))``."""
    np.multiply(g, scale, out=delta)
    return fwd.outs[l], 0


def _pre_after(fwd, l, g, delta, g_next, W, activation, stats_into) -> None:
    """``dL/dh_{l-1} = g + norm'(phi'(x) * (delta W^T))``."""
    np.matmul(delta, W.T, out=g_next)  # dL/da
    x = fwd.hidden[l] if fwd.axis is None else fwd.pre[l]
    _phi_prime_into(fwd, l, x, activation, delta)  # delta is spent: dL/dW_l and dL/db_l are formed
    stats_into(l, delta)
    g_next *= delta
    if fwd.axis is not None:
        normalize_backward(g_next, fwd.pre[l], fwd.inv_stds[l], fwd.axis)
    g_next += g


#: Residual kind -> (step before dL/dW_l: returns the layer's input and its log2 scale, step after: dL/dh_{l-1}).
_BACKWARD = {
    None: (_branch_last_before, _plain_after),
    "post": (_branch_last_before, _post_after),
    "pre": (_pre_before, _pre_after),
}
