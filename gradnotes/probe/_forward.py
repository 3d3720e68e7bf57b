"""The probe's forward pass: rescaled where the signal vanishes, resumed where a deeper network shares it.

The forward pass is the network's own arithmetic, except where its signal
vanishes. A nonlinear activation cannot be rescaled (``tanh(c z) != c tanh(z)``),
so a growing signal overflows to ``inf`` as in the dtype, and
``Trace.overflow_layer`` says where. A signal can only vanish in a network
without biases or normalization and through an activation with ``phi(0) = 0``;
once ``||z_l|| <= TANGENT_LIMIT`` such a ``phi`` equals its tangent at 0
(``a_+ z`` for ``z > 0``, ``a_- z`` below) to within the dtype's rounding, and the
tangent is positively homogeneous, so from there the layer is carried as
``h * 2**f`` like the gradient. (Linear, ReLU and leaky ReLU are their own
tangent; sigmoid and softplus have ``phi(0) != 0`` and never vanish.)

Resuming
--------
A network one layer deeper has the same lower layers (the draws are shared), so
its forward pass up to there is the same. Give :func:`~gradnotes.probe.propagate` a
:class:`ForwardState` and it keeps the forward pass there and resumes it for the
next call on the same inputs and the same weight arrays (checked by identity);
only the new layers and the backward pass are computed. An explorer's depth
slider costs a backward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._linalg import fro_norm as _fro
from .._linalg import ldexp_safe as _ldexp
from .._linalg import normalize_pow2 as _normalize
from ..activations import Activation
from ..normalization import normalize

__all__ = ["BAND", "BLOCKS", "TANGENT_LIMIT", "ForwardState", "forward_pass", "tangent_at_zero"]

#: A carried array is rescaled when its norm leaves ``[2**-BAND, 2**BAND]``.
BAND = 32
#: Below this ``||z||`` an activation with ``phi(0) = 0`` is its tangent to the dtype's rounding:
#: the first neglected term is ``O(z)`` relative, ``2**-48`` in float32 (``eps = 2**-23``).
TANGENT_LIMIT = {np.dtype(np.float32): 2.0**-48, np.dtype(np.float64): 2.0**-106}


@lru_cache(maxsize=64)
def tangent_at_zero(activation: Activation) -> tuple[float, float] | None:
    """``(a_-, a_+)``, the slopes of ``phi`` at 0 from the left and the right, or None if ``phi(0) != 0``.

    Examples
    --------
    >>> from gradnotes import ACTIVATIONS
    >>> [tangent_at_zero(ACTIVATIONS[n]) for n in ("tanh", "relu", "gelu", "sigmoid")]
    [(1.0, 1.0), (0.0, 1.0), (0.5, 0.5), None]
    """
    t = 2.0**-200
    with np.errstate(all="ignore"):
        below, zero, above = (float(v) for v in activation(np.array([-t, 0.0, t])))
    slopes = (below / -t + 0.0, above / t)
    if zero != 0 or not (slopes[1] > 0 and slopes[0] >= 0 and math.isfinite(slopes[0] + slopes[1])):
        return None
    return slopes


@dataclass
class _Forward:
    hidden: np.ndarray
    outs: np.ndarray  # phi(z_l) (the same array as hidden[1:] without residual)
    pre: np.ndarray | None  # z_l (normalized; for "pre", norm(h_{l-1})), kept where the backward pass needs it
    inv_stds: list
    axis: int | None
    scales: np.ndarray  # log2 scale of hidden[l]
    tangent_layers: np.ndarray  # bool: phi replaced by its (exact) tangent at 0
    tangent: tuple | None
    zsq: np.ndarray
    done: int = 0  # layers computed

    def truncated(self, depth: int) -> _Forward:
        """The first ``depth`` layers: views, but the small per-layer arrays copied (results own them)."""
        return _Forward(self.hidden[:depth + 1], self.outs[:depth], None if self.pre is None else self.pre[:depth],
                        self.inv_stds[:depth], self.axis, self.scales[:depth + 1].copy(),
                        self.tangent_layers[:depth].copy(), self.tangent, self.zsq[:depth].copy(), depth)


class ForwardState:
    """A forward pass kept between calls of :func:`propagate`, resumed when a deeper network shares it.

    Holds one network's forward pass, for as many layers as have been asked for;
    a call with other inputs, other weight arrays or other settings starts afresh,
    in the same memory where it fits (a fresh 26 MB array costs its page faults,
    tens of ms at depth 100, width 256, on every update). So a :class:`Pass`
    computed with a state is valid only until the next call with that state.
    """

    def __init__(self):
        self._fwd: _Forward | None = None
        self._key = None

    def resume(self, inputs, weights, biases, setting) -> _Forward | None:
        """The kept pass if it belongs to this network (its layers so far), else None."""
        fwd = self._fwd
        if fwd is None or self._key is None:
            return None
        k_inputs, k_weights, k_biases, k_setting = self._key
        n = min(fwd.done, len(weights))
        same = (k_inputs is inputs and k_setting == setting and (biases is None) == (k_biases is None)
                and all(a is b for a, b in zip(k_weights[:n], weights[:n]))
                and (biases is None or all(a is b for a, b in zip(k_biases[:n], biases[:n]))))
        return fwd if same else None

    def spare(self) -> _Forward | None:
        """The kept pass, whose arrays a fresh start may write over."""
        return self._fwd

    def keep(self, fwd: _Forward, inputs, weights, biases, setting) -> None:
        if fwd is not self._fwd or len(weights) > len(self._key[1]):
            self._key = (inputs, list(weights), None if biases is None else list(biases), setting)
        self._fwd = fwd

    def __repr__(self) -> str:
        return f"ForwardState(layers={0 if self._fwd is None else self._fwd.done})"


def _allocate(inputs, depth, keep_pre, residual, axis, spare: _Forward | None = None) -> _Forward:
    """Room for ``depth`` layers, in ``spare``'s arrays where they fit."""
    batch, width = inputs.shape
    dtype = inputs.dtype
    fits = spare is not None and spare.hidden.shape[1:] == inputs.shape and spare.hidden.dtype == dtype \
        and spare.zsq.size >= depth
    depth = spare.zsq.size if fits else depth
    own = lambda a: a if fits and a is not None and a.base is None else np.empty((depth, batch, width), dtype)
    hidden = spare.hidden if fits else np.empty((depth + 1, batch, width), dtype)
    hidden[0] = inputs
    outs = own(spare.outs if fits else None) if residual else hidden[1:]
    pre = own(spare.pre if fits else None) if keep_pre else None
    return _Forward(hidden, outs, pre, [None] * depth, axis, np.zeros(depth + 1, np.int64),
                    np.zeros(depth, bool), None, np.empty(depth))


def _grown(old: _Forward, depth: int, residual: bool) -> _Forward:
    """A copy of ``old`` with room for ``depth`` layers (never written over: earlier results view ``old``)."""
    new = _allocate(old.hidden[0], depth, old.pre is not None, residual, old.axis)
    n = old.done
    new.hidden[:n + 1] = old.hidden[:n + 1]
    if residual:
        new.outs[:n] = old.outs[:n]
    if old.pre is not None:
        new.pre[:n] = old.pre[:n]
    new.inv_stds[:n] = old.inv_stds[:n]
    new.scales[:n + 1], new.tangent_layers[:n], new.zsq[:n] = old.scales[:n + 1], old.tangent_layers[:n], old.zsq[:n]
    new.tangent, new.done = old.tangent, n
    return new


def forward_pass(fwd, spare, inputs, weights, biases, activation, residual, residual_scale, axis, rescale) -> _Forward:
    """Compute the forward pass through ``weights``, resuming ``fwd`` (or from scratch, in ``spare``'s memory).

    ``residual``: None or a name in :data:`~gradnotes.probe.RESIDUALS` (checked by the caller).
    """
    depth = len(weights)
    block = BLOCKS[residual]
    if fwd is None:
        fwd = _allocate(inputs, depth, block.keeps_pre(activation, axis), residual is not None, axis, spare)
        if rescale and biases is None and axis is None and block.tangent:
            fwd.tangent = tangent_at_zero(activation)
    elif depth > fwd.zsq.size:
        fwd = _grown(fwd, max(depth, 2 * fwd.zsq.size), residual is not None)
    block.forward(fwd, weights, biases, activation, residual is not None, residual_scale, axis)
    fwd.done = max(fwd.done, depth)
    return fwd


def _branch_last_layers(fwd, weights, biases, activation, skip, scale, axis) -> None:
    """No skip, or ``"post"``: ``z = h W + b``, ``h_l = phi(norm(z))`` or ``h_{l-1} + scale phi(norm(z))``."""
    hidden, outs, pre = fwd.hidden, fwd.outs, fwd.pre
    batch, width = hidden.shape[1:]
    dtype = hidden.dtype
    scratch = np.empty((batch, width), dtype) if pre is None else None
    log2_limit = math.log2(TANGENT_LIMIT[np.dtype(dtype)])
    size, f = batch * width, int(fwd.scales[fwd.done])  # f: log2 scale of the current z and h
    for l in range(fwd.done, len(weights)):
        z = scratch if pre is None else pre[l]
        np.matmul(hidden[l], weights[l], out=z)
        if biases is not None:
            z += biases[l]
        zn = _fro(z)
        f_in = f
        if fwd.tangent is not None and 0 < zn < math.inf and math.log2(zn) + f <= log2_limit:
            if not 2.0**-BAND <= zn <= 2.0**BAND:
                zn, f = _normalize(z, zn, f)
            fwd.tangent_layers[l] = True
            tangent_into(z, outs[l], fwd.tangent)
        else:
            if f:  # the signal grew out of the tangent's range: back to true values
                np.ldexp(z, f, out=z)
                zn, f = _fro(z), 0
            if axis is not None:
                fwd.inv_stds[l] = normalize(z, axis, out=z)
            activation.forward_into(z, outs[l])
        fwd.zsq[l] = _ldexp(zn * zn, 2 * f) / size
        if skip:
            np.multiply(outs[l], scale, out=hidden[l + 1])
            hidden[l + 1] += hidden[l] if f == f_in else np.ldexp(hidden[l], f_in - f)
        fwd.scales[l + 1] = f


def _pre_activation_layers(fwd, weights, biases, activation, skip, scale, axis) -> None:
    """``"pre"``: ``x = norm(h_{l-1})``, ``a = phi(x)``, ``h_l = h_{l-1} + scale (a W + b)``.

    Not rescaled: the skip carries ``h_{l-1}`` on, so the stream cannot vanish
    (its branches add to it; they cancel it only by chance). ``x`` is ``h_{l-1}``
    itself without a norm (``pre`` then holds nothing).
    """
    hidden, outs, pre = fwd.hidden, fwd.outs, fwd.pre
    size = hidden.shape[1] * hidden.shape[2]
    for l in range(fwd.done, len(weights)):
        x = hidden[l]
        fwd.zsq[l] = _fro(x) ** 2 / size
        if axis is not None:
            x = pre[l]
            np.copyto(x, hidden[l])
            fwd.inv_stds[l] = normalize(x, axis, out=x)
        a = activation.forward_into(x, outs[l])
        h = hidden[l + 1]
        np.matmul(a, weights[l], out=h)
        if biases is not None:
            h += biases[l]
        if scale != 1.0:
            h *= scale
        h += hidden[l]


@dataclass(frozen=True)
class _Block:
    """How the kernel runs one kind of layer: its forward loop, what it keeps, whether its signal can vanish."""

    forward: object
    keeps_pre: object  # (activation, axis) -> whether the backward pass needs the normalized input of phi
    tangent: bool  # the forward signal can vanish (and is then carried by phi's tangent at 0)


def _keeps_z(activation, axis) -> bool:
    # phi' from phi's output (1 - h**2 for tanh) saves keeping z; the norm backward needs z-hat.
    return not activation.has_derivative_from_output or axis is not None


#: Residual kind (None: no skip) -> how the forward pass runs its layers (the backward steps: _kernel.py).
BLOCKS = {
    None: _Block(_branch_last_layers, _keeps_z, tangent=True),
    "post": _Block(_branch_last_layers, _keeps_z, tangent=True),
    "pre": _Block(_pre_activation_layers, lambda activation, axis: axis is not None, tangent=False),
}


def tangent_into(z, out, tangent) -> None:
    a_minus, a_plus = tangent
    np.multiply(z, a_plus, out=out)
    if a_minus != a_plus:
        np.copyto(out, z * z.dtype.type(a_minus), where=z < 0)


def tangent_derivative_into(h, out, tangent) -> None:
    a_minus, a_plus = tangent  # a_+ > 0 and a_- >= 0, so h > 0 exactly where z > 0
    out.fill(a_plus)
    if a_minus != a_plus:
        np.copyto(out, out.dtype.type(a_minus), where=h <= 0)
