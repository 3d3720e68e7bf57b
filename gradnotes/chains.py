"""Why depth multiplies: the chain rule as a product of per-layer factors.

Two small experiments for the first chapter.

* :func:`chain_rule_factors` follows one number through a chain of scalar
  layers ``z_k = w * phi(z_{k-1})`` and returns each layer's factor
  ``w * phi'(z_{k-1})`` and their running product, the derivative of the
  output with respect to the input.
* :func:`product_norms` multiplies random ``n x n`` Gaussian matrices (d2l's
  100-matrix demo) and records the size of the product after every step, on
  a log scale and without overflow; :func:`lyapunov_exponent` predicts its
  slope exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_float, check_int
from .activations import get_activation

__all__ = ["ChainFactors", "chain_rule_factors", "product_norms", "lyapunov_exponent", "log_norm_std"]


@dataclass(frozen=True)
class ChainFactors:
    """Per-layer quantities of a scalar chain (index k = 1..depth).

    Attributes
    ----------
    inputs : ndarray (depth,)
        What enters each layer's activation, ``z_{k-1}`` (``inputs[0] = x0``).
    factors : ndarray (depth,)
        ``dz_k / dz_{k-1} = w * phi'(z_{k-1})``.
    derivative : ndarray (depth,)
        ``dz_k / dx0``: the running product of the factors.
    """

    inputs: np.ndarray
    factors: np.ndarray
    derivative: np.ndarray


def chain_rule_factors(activation, depth: int, weight: float = 1.0, x0: float = 0.0) -> ChainFactors:
    """Derivative of a chain ``z_k = weight * phi(z_{k-1})``, ``z_0 = x0``, factor by factor.

    .. math:: \\frac{dz_L}{dx_0} = \\prod_{k=1}^{L} w\\,\\varphi'(z_{k-1})

    Examples
    --------
    >>> c = chain_rule_factors("sigmoid", depth=10)
    >>> float(c.factors[0]), f"{c.derivative[-1]:.2e}"   # sigmoid'(0) = 1/4 is its best
    (0.25, '3.88e-07')
    """
    act = get_activation(activation)
    depth = check_int("depth", depth, low=1, high=100_000)
    weight = check_float("weight", weight)
    x0 = check_float("x0", x0)
    z = np.empty(depth)
    z[0] = x0
    for k in range(1, depth):
        z[k] = weight * float(act(np.array(z[k - 1])))
    factors = weight * act.derivative(z)
    with np.errstate(over="ignore", under="ignore"):
        return ChainFactors(z, factors, np.cumprod(factors))


def product_norms(n: int, steps: int, scale: float = 1.0, *, trials: int = 1, seed: int = 0) -> np.ndarray:
    """``log10`` of the norm of ``G_k ... G_1 x`` after each step ``k = 1..steps``.

    Each ``G`` has i.i.d. ``N(0, scale**2 / n)`` entries (``scale = 1`` keeps the
    mean squared norm of a vector, as Xavier/LeCun initialization does) and ``x``
    is a random unit vector. The running vector is renormalized every step and
    its log-norm accumulated, so any number of steps works without overflow.

    Returns
    -------
    ndarray, shape (trials, steps)

    Examples
    --------
    >>> r = product_norms(4, 1000, scale=1.0, trials=100, seed=0)
    >>> r.shape, round(float(r[:, -1].mean() / 1000), 3), round(lyapunov_exponent(4, 1.0) / math.log(10), 3)
    ((100, 1000), -0.059, -0.059)
    """
    n = check_int("n", n, low=1, high=4096)
    steps = check_int("steps", steps, low=1, high=100_000)
    scale = check_float("scale", scale, low=0.0, low_open=True)
    trials = check_int("trials", trials, low=1, high=100_000)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    v = rng.standard_normal((trials, n))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    out = np.empty((trials, steps))
    log_norm = np.zeros(trials)
    for k in range(steps):
        G = rng.standard_normal((trials, n, n)) * (scale / math.sqrt(n))
        v = np.einsum("tij,tj->ti", G, v)
        norms = np.linalg.norm(v, axis=1)
        log_norm += np.log10(norms)
        v /= norms[:, None]
        out[:, k] = log_norm
    return out


def lyapunov_exponent(n: int, scale: float = 1.0) -> float:
    """Growth rate (natural log per step) of the norm in :func:`product_norms`.

    ``||G x||^2 / ||x||^2`` is ``scale**2 / n`` times a chi-square variable with
    ``n`` degrees of freedom, whatever ``x`` is, so

    .. math:: \\lambda = \\ln s + \\tfrac12\\left(\\psi(n/2) + \\ln(2/n)\\right),

    with ``psi`` the digamma function. For ``scale = 1`` this is negative: the
    *mean* squared norm is preserved, the *typical* norm shrinks, by
    ``-1/(2n)`` per step for large ``n``.

    Examples
    --------
    >>> round(lyapunov_exponent(4, 1.0), 4), round(lyapunov_exponent(1000, 1.0), 6)
    (-0.1352, -0.0005)
    """
    from scipy.special import digamma

    n = check_int("n", n, low=1)
    scale = check_float("scale", scale, low=0.0, low_open=True)
    return math.log(scale) + 0.5 * (float(digamma(n / 2)) + math.log(2 / n))


def log_norm_std(n: int, steps: int) -> float:
    """Spread over random products of ``ln ||G_k ... G_1 x||`` after ``steps`` steps (see :func:`product_norms`).

    Every step adds an independent ``ln(||Gx|| / ||x||) = 0.5 ln(scale**2 chi2_n / n)``, whose variance
    is ``psi'(n/2) / 4`` (``psi'`` the trigamma function) whatever the scale, so

    .. math:: \\operatorname{sd}\\big[\\ln \\lVert G_k\\cdots G_1 x\\rVert\\big] = \\sqrt{k\\,\\psi'(n/2)/4}
              \\;\\approx\\; \\sqrt{k / (2n)} .

    The length is close to log-normal, with a log-variance that grows like depth / width (Hanin & Nica
    2020): at depth comparable to width, two random networks differ by a large factor.

    Examples
    --------
    >>> round(log_norm_std(16, 100), 3), round((100 / (2 * 16)) ** 0.5, 3)
    (1.824, 1.768)
    """
    from scipy.special import polygamma

    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    return math.sqrt(steps * float(polygamma(1, n / 2)) / 4)
