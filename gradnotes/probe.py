"""The gradient probe: push a batch through a deep random network and back.

:func:`simulate` builds a fully connected network of ``depth`` layers, all of
width ``width``, draws its weights with an initializer, runs a batch of
standard-normal inputs forward, backpropagates the gradient of a loss and
returns a :class:`~gradnotes.trace.Trace` with per-layer gradient norms and
activation statistics.

The loss is a fixed random read-out of the last layer,

.. math:: L = \\frac{1}{\\sqrt{B N}} \\sum_{b,i} r_{bi}\\, h^{(L)}_{bi},
          \\qquad r_{bi} \\sim \\mathcal N(0, 1),

so the gradient that arrives at the top, ``dL/dh_L = r / sqrt(B N)``, has a
Frobenius norm close to 1 whatever the network does. Everything that happens to
the gradient below the top is then the network's doing.

:func:`propagate` is the forward and backward pass alone, on prepared arrays;
the benchmark times it against PyTorch autograd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._linalg import fro_norm as _fro
from ._checks import check_bool, check_choice, check_float, check_int, check_memory
from .activations import Activation, get_activation
from .initializers import get_initializer
from .noise import Noise, draw_noise
from .normalization import NORMS, normalize, normalize_backward
from .trace import HISTOGRAM_BINS, HISTOGRAM_SAMPLE, Trace

__all__ = ["simulate", "propagate", "Pass", "DTYPES", "MEMORY_LIMIT"]

#: Allowed ``dtype`` names.
DTYPES = {"float32": np.float32, "float64": np.float64}

#: :func:`simulate` refuses a network whose arrays would need more bytes than this.
MEMORY_LIMIT = 6 * 2**30

MAX_DEPTH = 1000
MAX_WIDTH = 8192
MAX_BATCH = 65536


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
    axis = None if norm is None else NORMS[norm]
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


def simulate(
    depth: int,
    width: int,
    activation: str | Activation = "tanh",
    init: str = "xavier_normal",
    *,
    gain: float = 1.0,
    bias_std: float = 0.0,
    batch: int = 256,
    residual: bool = False,
    norm: str | None = None,
    dtype: str = "float32",
    seed: int = 0,
    keep_grads: bool = False,
    noise: Noise | None = None,
    residual_scale: float = 1.0,
) -> Trace:
    """Measure activations and gradients, layer by layer, in a deep random network.

    Forward: ``h_0 ~ N(0, 1)`` of shape ``(batch, width)``; for each layer
    ``z_l = h_{l-1} @ W_l + b_l``, then ``h_l = phi(z_l)``, or
    ``h_l = h_{l-1} + residual_scale * phi(z_l)`` with ``residual=True``. ``norm`` normalizes
    ``z_l`` (batch or layer statistics, no learned scale) before ``phi``.
    Backward: the gradient of the random read-out loss described in the module
    docstring, backpropagated to every layer.

    Parameters
    ----------
    depth : int
        Number of layers, 1 to 1000.
    width : int
        Units per layer (all layers), 1 to 8192.
    activation : str or Activation
        A name in ``ACTIVATIONS`` or an Activation (e.g. with parameters).
    init : str
        A name in ``INITIALIZERS``.
    gain : float
        Multiplies the initializer's textbook scale (>= 0).
    bias_std : float
        Biases are drawn from ``N(0, bias_std**2)`` (>= 0).
    batch : int
        Examples in the batch, 1 to 65536 (at least 2 with ``norm="batch"``).
    residual : bool
        Add skip connections.
    norm : {None, "batch", "layer"}
    dtype : {"float32", "float64"}
    seed : int
        Seeds every random draw; the same arguments give an identical Trace.
    keep_grads : bool
        Keep the full gradients in ``Trace.grad_weights`` / ``grad_biases``.
    residual_scale : float
        Multiplies every residual branch (``1/sqrt(depth)`` keeps a deep residual
        network's signal from growing); 0 to 10, used only with ``residual=True``.
    noise : Noise, optional
        Standard-normal draws to reuse (from :func:`~gradnotes.noise.draw_noise`
        with at least ``depth`` layers and the same width and batch); ``seed``
        is then ignored. Reusing draws is what keeps a picture steady while a
        slider changes the init or the gain.

    Returns
    -------
    Trace

    Examples
    --------
    The classic vanishing gradient: sigmoid's derivative is at most 1/4, so
    30 layers shrink the gradient about 4**29 times.

    >>> t = simulate(depth=30, width=128, activation="sigmoid", init="xavier_normal", seed=0)
    >>> f"{t.grad_weight_norms[0] / t.grad_weight_norms[-1]:.1e}"
    '1.4e-18'
    >>> t.overflow_layer is None
    True
    """
    act = get_activation(activation)
    initializer = get_initializer(init)
    depth, width, batch, gain, bias_std, residual, residual_scale = check_network(
        depth, width, batch, gain, bias_std, residual, residual_scale, norm)
    keep_grads = check_bool("keep_grads", keep_grads)
    check_choice("dtype", dtype, DTYPES)
    np_dtype = DTYPES[dtype]
    item = np.dtype(np_dtype).itemsize
    check_memory(
        f"simulate(depth={depth}, width={width}, batch={batch}, dtype={dtype!r})",
        depth * width * width * (8 + item + (item if keep_grads else 0)) + 3 * (depth + 1) * batch * width * item,
        MEMORY_LIMIT,
    )
    if noise is None:
        seed = check_int("seed", seed, low=0)
        noise = draw_noise(depth, width, batch, seed)
    else:
        _check_noise(noise, depth, width, batch)
        noise = noise.truncate(depth)
        seed = noise.seed

    weights = [initializer.from_normal(w, gain).astype(np_dtype, copy=False) for w in noise.weights]
    biases = (noise.biases * bias_std).astype(np_dtype) if bias_std > 0 else None
    inputs = noise.inputs.astype(np_dtype)
    output_grad = (noise.readout / math.sqrt(batch * width)).astype(np_dtype)

    with np.errstate(all="ignore"):
        result = propagate(
            inputs, weights, biases, output_grad, act,
            residual=residual, norm=norm, keep_grads=keep_grads, residual_scale=residual_scale,
        )
        return Trace.from_pass(
            result,
            config=dict(
                depth=depth, width=width, batch=batch, activation=act.name,
                activation_params=dict(act.params), init=initializer.name, gain=gain,
                bias_std=bias_std, residual=residual, norm=norm, dtype=dtype, seed=seed,
                residual_scale=residual_scale,
            ),
            activation=act,
            weights=weights,
            biases=biases,
            output_grad=output_grad,
        )


def check_network(depth, width, batch, gain, bias_std, residual, residual_scale, norm, *, max_depth=MAX_DEPTH):
    """Check the settings :func:`simulate` and ``explore.ProbeCache`` share; return them converted."""
    depth = check_int("depth", depth, low=1, high=max_depth)
    width = check_int("width", width, low=1, high=MAX_WIDTH)
    batch = check_int("batch", batch, low=1, high=MAX_BATCH)
    gain = check_float("gain", gain, low=0.0, high=1e3)
    bias_std = check_float("bias_std", bias_std, low=0.0, high=1e3)
    residual = check_bool("residual", residual)
    residual_scale = check_float("residual_scale", residual_scale, low=0.0, high=10.0)
    if norm is not None:
        check_choice("norm", norm, tuple(NORMS))  # or None
    if norm == "batch" and batch < 2:
        raise ValueError(f"batch={batch} is too small for norm='batch'; allowed: batch >= 2")
    if norm == "layer" and width < 2:
        raise ValueError(f"width={width} is too small for norm='layer'; allowed: width >= 2")
    return depth, width, batch, gain, bias_std, residual, residual_scale


def _check_noise(noise, depth, width, batch):
    if not isinstance(noise, Noise):
        raise TypeError(f"noise must be a gradnotes Noise (from draw_noise); got {type(noise).__name__}")
    if noise.width != width or noise.batch != batch or noise.depth < depth:
        raise ValueError(
            f"noise={noise!r} does not fit depth={depth}, width={width}, batch={batch}; "
            "allowed: the same width and batch and at least that depth"
        )
