"""The gradient probe: push a batch through a deep random network and back.

:func:`simulate` builds a fully connected network of ``depth`` layers, all of
width ``width``, draws its weights with an initializer, runs a batch of
standard-normal inputs forward, backpropagates the gradient of a loss and
returns a :class:`~gradnotes.Trace` with per-layer gradient norms and
activation statistics.

The loss is a fixed random read-out of the last layer,

.. math:: L = \\frac{1}{\\sqrt{B N}} \\sum_{b,i} r_{bi}\\, h^{(L)}_{bi},
          \\qquad r_{bi} \\sim \\mathcal N(0, 1),

so the gradient that arrives at the top, ``dL/dh_L = r / sqrt(B N)``, has a
Frobenius norm close to 1 whatever the network does. Everything that happens to
the gradient below the top is then the network's doing.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_memory, warn_if_slow
from .._params import MEMORY_LIMIT, check
from ..activations import Activation
from ..noise import Noise, draw_noise
from ._kernel import propagate
from ._spec import NetworkSpec
from ._trace import Trace

__all__ = ["simulate", "MEMORY_LIMIT", "readout_gradient", "run", "estimated_seconds"]

#: Rates behind :func:`estimated_seconds`: float32 matrix products and normal draws per second on a
#: 2-core laptop (performance notes: 92-170 GFLOP/s peak, 70% of it reached at width 256 and above).
_FLOPS_PER_SECOND = 5e10
_DRAWS_PER_SECOND = 5e7

def readout_gradient(noise: Noise, dtype) -> np.ndarray:
    """``dL/dh_L = r / sqrt(B N)``: the gradient the random read-out loss sends into the top layer."""
    batch, width = noise.readout.shape
    return (noise.readout / math.sqrt(batch * width)).astype(dtype)


def run(spec: NetworkSpec, inputs, weights, biases, output_grad, *, keep_grads: bool = False,
        forward=None) -> Trace:
    """The pass on prepared arrays of ``spec``'s network, summarized into a :class:`~gradnotes.Trace`.

    ``forward``: a :class:`~gradnotes.probe.ForwardState` to resume and keep the forward pass in.
    """
    with np.errstate(all="ignore"):
        result = propagate(
            inputs, weights, biases, output_grad, spec.activation,
            residual=spec.residual, norm=spec.norm, keep_grads=keep_grads, residual_scale=spec.residual_scale,
            forward=forward,
        )
        return Trace.from_pass(result, spec=spec, weights=weights, biases=biases, output_grad=output_grad)


def simulate(
    depth: int,
    width: int,
    activation: str | Activation = "tanh",
    init: str = "xavier_normal",
    *,
    gain: float = 1.0,
    bias_std: float = 0.0,
    batch: int = 256,
    residual: str | bool | None = None,
    norm: str | None = None,
    dtype: str = "float32",
    seed: int = 0,
    keep_grads: bool = False,
    noise: Noise | None = None,
    residual_scale: float = 1.0,
) -> Trace:
    """Measure activations and gradients, layer by layer, in a deep random network.

    Forward: ``h_0 ~ N(0, 1)`` of shape ``(batch, width)``; for each layer
    ``z_l = h_{l-1} @ W_l + b_l``, then ``h_l = phi(z_l)``. ``norm`` normalizes
    ``z_l`` (batch or layer statistics, no learned scale) before ``phi``. With a
    residual block (:data:`~gradnotes.probe.RESIDUALS`), ``s = residual_scale``:

    * ``residual="pre"``, the standard pre-activation block (He et al. 2016):
      ``h_l = h_{l-1} + s * (phi(norm(h_{l-1})) @ W_l + b_l)``, a zero-mean branch;
    * ``residual="post"`` (``True`` means ``"post"``, as it did before ``"pre"`` existed):
      ``h_l = h_{l-1} + s * phi(norm(z_l))``; with ReLU its branch has a positive mean.

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
    residual : {None, "pre", "post"} or bool
        The residual block; ``None`` or ``False``: no skip connections; ``True``: ``"post"``.
    norm : {None, "batch", "layer"}
        ``"none"`` is the same as ``None``.
    dtype : {"float32", "float64"}
    seed : int
        Seeds every random draw; the same arguments give an identical Trace.
    keep_grads : bool
        Keep the full gradients in ``Trace.grad_weights`` / ``grad_biases``.
    noise : Noise, optional
        Standard-normal draws to reuse (from :func:`~gradnotes.noise.draw_noise`
        with at least ``depth`` layers and the same width and batch); ``seed``
        is then ignored. Reusing draws is what keeps a picture steady while a
        slider changes the init or the gain.
    residual_scale : float
        Multiplies every residual branch, its bias included (with ``"pre"``,
        ``1/sqrt(depth)`` keeps a deep network's signal bounded; with ``"post"`` and ReLU
        it does not); 0 to 10, used only with a residual block.

    Returns
    -------
    Trace

    Examples
    --------
    The classic vanishing gradient: sigmoid's derivative is at most 1/4, so
    30 layers shrink the gradient about 4**29 times.

    >>> t = simulate(depth=30, width=128, activation="sigmoid", init="xavier_normal", seed=0)
    >>> f"{t.first_last_ratio():.1e}"
    '1.4e-18'
    >>> t.overflow_layer is None
    True

    The two residual blocks, ReLU, 100 layers, branches scaled by ``1/sqrt(100)``:
    the post-activation stream grows; the standard one stays bounded (its variance grows by
    ``(1 + 1/L)`` per layer, to ``e`` at most: std 1.65).

    >>> [round(float(simulate(100, 256, "relu", "he_normal", residual=r, residual_scale=0.1,
    ...                             seed=0).activation_stds[-1]), 1) for r in ("post", "pre")]
    [34.5, 1.6]
    """
    spec = NetworkSpec.build(depth, width, activation, init, gain=gain, bias_std=bias_std, batch=batch,
                             residual=residual, norm=norm, dtype=dtype, seed=seed, residual_scale=residual_scale)
    keep_grads = check("keep_grads", keep_grads)
    item = np.dtype(spec.np_dtype).itemsize
    check_memory(
        f"simulate(depth={spec.depth}, width={spec.width}, batch={spec.batch}, dtype={spec.dtype!r})",
        spec.depth * spec.width**2 * (8 + item + (item if keep_grads else 0))
        + 3 * (spec.depth + 1) * spec.batch * spec.width * item,
        MEMORY_LIMIT,
    )
    warn_if_slow(f"simulate(depth={spec.depth}, width={spec.width}, batch={spec.batch})",
                 estimated_seconds(spec, draws=noise is None))
    if noise is None:
        noise = draw_noise(spec.depth, spec.width, spec.batch, spec.seed)
    else:
        _check_noise(noise, spec)
        noise = noise.truncate(spec.depth)
        spec = spec.replace(seed=noise.seed)

    np_dtype = spec.np_dtype
    weights = [spec.initializer.from_normal(w, spec.gain).astype(np_dtype, copy=False) for w in noise.weights]
    biases = (noise.biases * spec.bias_std).astype(np_dtype) if spec.bias_std > 0 else None
    return run(spec, noise.inputs.astype(np_dtype), weights, biases, readout_gradient(noise, np_dtype),
               keep_grads=keep_grads)


def estimated_seconds(spec: NetworkSpec, *, draws: bool = True) -> float:
    """A rough wall time for :func:`simulate` of ``spec`` (matrix products, draws, orthogonalization).

    Examples
    --------
    >>> round(estimated_seconds(NetworkSpec.build(30, 4096)))   # why simulate(30, 4096) warns
    26
    >>> estimated_seconds(NetworkSpec.build(100, 256)) < 1
    True
    """
    n, b, depth = spec.width, spec.batch, spec.depth
    flops = depth * 6 * b * n * n  # one product forward, two backward, 2 flops per multiply-add
    if spec.init == "orthogonal":
        flops += depth * 4 * n**3  # a QR decomposition per layer
    if spec.dtype == "float64":
        flops *= 2
    return flops / _FLOPS_PER_SECOND + (depth * n * n / _DRAWS_PER_SECOND if draws else 0.0)


def _check_noise(noise, spec: NetworkSpec) -> None:
    if not isinstance(noise, Noise):
        raise TypeError(f"noise must be a gradnotes Noise (from draw_noise); got {type(noise).__name__}")
    if noise.width != spec.width or noise.batch != spec.batch or noise.depth < spec.depth:
        raise ValueError(
            f"noise={noise!r} does not fit depth={spec.depth}, width={spec.width}, batch={spec.batch}; "
            "allowed: the same width and batch and at least that depth"
        )
