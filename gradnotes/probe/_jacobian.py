"""The input-output Jacobian of a random network and its singular values (dynamical isometry).

For one input ``h_0``, layer ``l`` maps ``h_{l-1}`` to ``h_l = phi(h_{l-1} W_l + b_l)``,
whose Jacobian is ``D_l W_l^T`` with ``D_l = diag(phi'(z_l))``. The network's is the
product (Pennington, Schoenholz & Ganguli 2017)

.. math:: J = \\frac{\\partial h_L}{\\partial h_0} = D_L W_L^\\top \\cdots D_1 W_1^\\top .

At the edge of chaos the *mean* squared singular value of ``J`` is 1 at any depth
(``chi_1 = 1``), but their spread is not: with Gaussian weights it grows with depth
(most directions vanish, a few explode); with orthogonal weights and a tanh
operating near its linear regime it stays of order one ("dynamical isometry").
ReLU cannot have it: its ``D_l`` zeroes half the directions in every layer.

The product is formed exactly, one layer at a time, in float64 (``dtype`` sets the
network's own arithmetic), and its singular values come from one SVD. Below about
``1e-16`` times the largest, singular values are at float64's rounding: a squared
singular value reported under ``(1e-16 s_max)**2`` means "this direction is lost".
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_float

from ..noise import draw_noise
from ._correlation import network_layers
from ._spec import NetworkSpec

__all__ = ["input_output_jacobian", "jacobian_singular_values"]


def input_output_jacobian(depth: int, width: int, activation="tanh", init: str = "orthogonal", *,
                          gain: float = 1.0, bias_std: float = 0.0, seed: int = 0,
                          dtype: str = "float64", q_input: float = 1.0) -> np.ndarray:
    """``J = dh_L / dh_0`` (shape ``(width, width)``, float64) at the input ``h_0`` of seed ``seed``.

    ``J[i, j] = d h_L[i] / d h_0[j]``; the network and its input are those of
    ``simulate(depth, width, activation, init, gain=..., bias_std=..., seed=seed)``
    (first example of the batch), its input multiplied by ``sqrt(q_input)``: Pennington
    et al. feed inputs at the fixed point, ``q_input = (q* - sigma_b**2) / sigma_w**2``
    (the probe's inputs have ``q_input = 1``).

    Examples
    --------
    >>> J = input_output_jacobian(3, 16, "linear", "orthogonal", gain=2.0)
    >>> bool(np.allclose(J @ J.T, 64 * np.eye(16)))   # an orthogonal linear net: J J^T = gain**(2 depth) I
    True
    """
    spec = NetworkSpec.build(depth, width, activation, init, gain=gain, bias_std=bias_std, batch=1,
                             dtype=dtype, seed=seed)
    q_input = check_float("q_input", q_input, low=0.0, high=1e6)
    noise = draw_noise(spec.depth, spec.width, 1, spec.seed)
    act = spec.activation
    h = (noise.inputs[0] * math.sqrt(q_input)).astype(spec.np_dtype)
    J = np.eye(spec.width)
    with np.errstate(all="ignore"):
        for W, b in network_layers(spec, noise):
            z = h @ W + b
            J = act.derivative(z).astype(np.float64)[:, None] * (W.T.astype(np.float64) @ J)
            h = act(z)
    return J


def jacobian_singular_values(depth: int, width: int, activation="tanh", init: str = "orthogonal", *,
                             gain: float = 1.0, bias_std: float = 0.0, seed: int = 0,
                             dtype: str = "float64", q_input: float = 1.0) -> np.ndarray:
    """The singular values of the input-output Jacobian, largest first, shape ``(width,)``.

    Arguments as in :func:`input_output_jacobian`. They are random: look at
    several seeds (pool them) before quoting a percentile.

    Examples
    --------
    Critical tanh with a small ``q*`` (``sigma_b**2 = 1e-4``, ``sigma_w**2 = 1.086``,
    ``q* = 0.0457``) at depth 32: orthogonal weights keep every direction, Gaussian ones do not.

    >>> args = dict(gain=1.086 ** 0.5, bias_std=0.01, q_input=(0.0457 - 1e-4) / 1.086)
    >>> s_orth = jacobian_singular_values(32, 128, "tanh", "orthogonal", **args)
    >>> s_gauss = jacobian_singular_values(32, 128, "tanh", "lecun_normal", **args)
    >>> bool(np.percentile(s_orth ** 2, 5) > 0.1), bool(np.percentile(s_gauss ** 2, 5) < 1e-20)
    (True, True)
    """
    J = input_output_jacobian(depth, width, activation, init, gain=gain, bias_std=bias_std, seed=seed,
                              dtype=dtype, q_input=q_input)
    return np.linalg.svd(J, compute_uv=False)
