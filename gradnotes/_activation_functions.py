"""The elementwise functions behind :data:`gradnotes.ACTIVATIONS`, each with its derivative next to it.

Private: :mod:`gradnotes.activations` wraps them into :class:`~gradnotes.Activation`
records. Every function is overflow-free for inputs far beyond any network's
(``|x|`` of 1e4 and more) and keeps float32 in float32.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

# SELU constants from Klambauer et al. (2017), to the digits the paper prints.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _ndtr(x):
    from scipy.special import ndtr  # deferred: scipy.special costs ~0.2 s to import

    return ndtr(x)


# --- the functions, each with its derivative next to it ---------------------
# Signature: f(x, out, **params) writes into ``out`` (an array like ``x``,
# never ``x`` itself) and returns it; the probe calls them on preallocated
# buffers, the public ``Activation.__call__`` allocates.


def _linear(x, out):
    np.copyto(out, x)
    return out


def _linear_d(x, out):
    out.fill(1)
    return out


def _sigmoid(x, out):
    # exp(-|x|) never overflows; 1/(1+e) and e/(1+e) keep full relative precision.
    e = np.abs(x, out=out)
    np.negative(e, out=e)
    np.exp(e, out=e)
    r = 1 / (1 + e)
    np.multiply(e, r, out=out)
    np.copyto(out, r, where=x >= 0)
    return out


def _sigmoid_d(x, out):
    s = _sigmoid(x, out)
    return np.multiply(s, 1 - s, out=out)


def _tanh(x, out):
    return np.tanh(x, out=out)


def _tanh_d(x, out):
    t = np.tanh(x, out=out)
    np.square(t, out=t)
    return np.subtract(1, t, out=t)


def _relu(x, out):
    return np.maximum(x, 0, out=out)


def _relu_d(x, out):
    return np.greater(x, 0, out=out, casting="unsafe")


def _leaky_relu(x, out, negative_slope):
    np.multiply(x, negative_slope, out=out)
    return _select(x > 0, x, out)


def _select(mask, a, out):
    np.copyto(out, a, where=mask)
    return out


def _leaky_relu_d(x, out, negative_slope):
    out.fill(negative_slope)
    return _select(x > 0, 1, out)


def _elu(x, out, alpha):
    np.minimum(x, 0, out=out)
    np.expm1(out, out=out)
    np.multiply(out, alpha, out=out)
    return _select(x > 0, x, out)


def _elu_d(x, out, alpha):
    np.minimum(x, 0, out=out)
    np.exp(out, out=out)
    np.multiply(out, alpha, out=out)
    return _select(x > 0, 1, out)


def _selu(x, out):
    _elu(x, out, SELU_ALPHA)
    return np.multiply(out, SELU_LAMBDA, out=out)


def _selu_d(x, out):
    _elu_d(x, out, SELU_ALPHA)
    return np.multiply(out, SELU_LAMBDA, out=out)


def _gelu(x, out):
    # Exact GELU, x * Phi(x), with Phi the standard normal CDF (erf form).
    out[...] = _ndtr(x)
    return np.multiply(out, x, out=out)


def _gelu_d(x, out):
    xc = np.clip(x, -40, 40)  # the density is 0 beyond; clipping keeps x**2 finite
    pdf = np.exp(-0.5 * xc * xc) * (1 / math.sqrt(2 * math.pi))
    out[...] = _ndtr(x)
    out += xc * pdf
    return out


def _silu(x, out):
    s = _sigmoid(x, np.empty_like(out))
    return np.multiply(x, s, out=out)


def _silu_d(x, out):
    s = _sigmoid(x, out)
    # s * (1 + x * (1 - s)); where s == 1 or 0 the product x*(1-s)*s is 0, no overflow.
    return np.multiply(s, 1 + x * (1 - s), out=out)


def _softplus(x, out):
    np.abs(x, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)
    return out


def _softplus_d(x, out):
    return _sigmoid(x, out)


# Derivatives as functions of the output h = phi(x): the probe uses them so it
# need not keep the pre-activations (the tanh trick 1 - h**2).
_FROM_OUTPUT: dict[str, Callable] = {
    "linear": lambda h, out: _linear_d(h, out),
    "sigmoid": lambda h, out: np.multiply(h, 1 - h, out=out),
    "tanh": lambda h, out: np.subtract(1, np.square(h, out=out), out=out),
    "relu": lambda h, out: np.greater(h, 0, out=out, casting="unsafe"),
    "leaky_relu": lambda h, out, negative_slope: _leaky_relu_d(h, out, negative_slope),
    "elu": lambda h, out, alpha: _select(h > 0, 1, np.add(h, alpha, out=out)),
    "selu": lambda h, out: _select(
        h > 0, SELU_LAMBDA, np.add(h, SELU_LAMBDA * SELU_ALPHA, out=out)
    ),
    "softplus": lambda h, out: np.negative(np.expm1(np.negative(h, out=out), out=out), out=out),
}
