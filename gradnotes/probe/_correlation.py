"""Two inputs through one random network: their correlation, layer by layer (compare with the c-map).

Poole et al. (2016) predict how the correlation of two inputs' pre-activations
changes with depth (:func:`gradnotes.theory.correlation_profile`); here it is
measured. The two inputs are the first two rows of the network's input draws,
turned into a pair of the same norm with exactly the cosine ``c_input``; every
layer's pre-activations ``z_l`` of the pair give

.. math:: c^l = \\frac{z^l_a \\cdot z^l_b}{\\|z^l_a\\|\\, \\|z^l_b\\|},

the uncentred correlation of the mean-field theory (its ``q_12 / sqrt(q_11 q_22)``).
The weights and biases are those :func:`~gradnotes.simulate` would draw for the
same settings and seed (the same :mod:`gradnotes.noise` streams).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._arrays import readonly
from .._checks import check_float
from ..noise import draw_noise
from ._spec import NetworkSpec

__all__ = ["measure_correlations", "Correlations", "network_layers"]


def network_layers(spec: NetworkSpec, noise=None):
    """The weights ``W_l`` (``z_l = h_{l-1} @ W_l + b_l``) and biases of ``spec``'s network, in its dtype.

    Examples
    --------
    >>> spec = NetworkSpec.build(depth=3, width=8, activation="tanh", init="orthogonal", gain=1.5, batch=2,
    ...                         dtype="float64")
    >>> (W, b), = network_layers(spec)[:1]
    >>> W.shape, b.shape, bool(np.allclose(W.T @ W, 2.25 * np.eye(8)))
    ((8, 8), (8,), True)
    """
    if noise is None:
        noise = draw_noise(spec.depth, spec.width, spec.batch, spec.seed)
    dt = spec.np_dtype
    return [(spec.initializer.from_normal(w, spec.gain).astype(dt, copy=False), (b * spec.bias_std).astype(dt))
            for w, b in zip(noise.weights[:spec.depth], noise.biases[:spec.depth])]


def input_pair(noise, c_input: float) -> np.ndarray:
    """Two inputs with the norm of the first input draw and exactly the cosine ``c_input``."""
    a, r = noise.inputs[0], noise.inputs[1]
    e1 = a / np.linalg.norm(a)
    v = r - (r @ e1) * e1
    e2 = v / np.linalg.norm(v)
    b = np.linalg.norm(a) * (c_input * e1 + math.sqrt(max(0.0, 1 - c_input * c_input)) * e2)
    return np.stack([a, b])


@dataclass(frozen=True, eq=False)
class Correlations:
    """Measured correlations of a pair of inputs through networks drawn with several seeds.

    Attributes
    ----------
    spec : NetworkSpec
        The network (``spec.seed`` is the first seed).
    c_input : float
    seeds : tuple of int
    values : ndarray, shape (len(seeds), depth)
        ``c^l`` of the pre-activations, layers ``1..depth``, one row per seed.
    second_moments : ndarray, shape (len(seeds), depth)
        ``q^l`` of the first input, ``mean(z_l**2)``.
    """

    spec: NetworkSpec
    c_input: float
    seeds: tuple
    values: np.ndarray
    second_moments: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """``c^l`` averaged over the seeds, shape (depth,)."""
        return self.values.mean(axis=0)

    def __repr__(self) -> str:
        s = self.spec
        m = self.mean
        return (f"Correlations({s.activation.name}, sigma_w={s.sigma_w:.4g}, sigma_b={s.sigma_b:.4g}, "
                f"depth={s.depth}, width={s.width}, seeds={len(self.seeds)}: c_input={self.c_input:g} -> "
                f"c^1={m[0]:.4f}, c^{s.depth}={m[-1]:.4f})")


def measure_correlations(depth: int, width: int, activation="tanh", init: str = "lecun_normal", *,
                         gain: float = 1.0, bias_std: float = 0.0, c_input: float = 0.5, seeds=(0,),
                         dtype: str = "float64") -> Correlations:
    """Push two inputs of correlation ``c_input`` through random networks; record ``c^l`` in every layer.

    Parameters
    ----------
    depth, width : int
    activation : str or Activation
    init : str
        A name in ``INITIALIZERS``; ``init="lecun_normal", gain=sigma_w`` is the
        mean-field network ``W ~ N(0, sigma_w**2 / width)``.
    gain, bias_std : float
        As in :func:`~gradnotes.simulate` (biases ``N(0, bias_std**2)``).
    c_input : float
        The inputs' cosine, in ``[-1, 1]``.
    seeds : sequence of int
        One network per seed.
    dtype : {"float32", "float64"}

    Returns
    -------
    Correlations

    Examples
    --------
    >>> m = measure_correlations(20, 256, "tanh", gain=2.5 ** 0.5, bias_std=0.05 ** 0.5, c_input=0.9)
    >>> m
    Correlations(tanh, sigma_w=1.581, sigma_b=0.2236, depth=20, width=256, seeds=1: c_input=0.9 -> c^1=0.8923, c^20=0.8268)
    """
    c_input = check_float("c_input", c_input, low=-1.0, high=1.0)
    seeds = tuple(np.atleast_1d(seeds).tolist())
    specs = [NetworkSpec.build(depth, width, activation, init, gain=gain, bias_std=bias_std, batch=2,
                               dtype=dtype, seed=s) for s in seeds]
    if not specs or len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds must be a non-empty sequence of distinct seeds; got {list(seeds)}")
    values = np.empty((len(seeds), specs[0].depth))
    moments = np.empty_like(values)
    for i, spec in enumerate(specs):
        noise = draw_noise(spec.depth, spec.width, 2, spec.seed)
        h = input_pair(noise, c_input).astype(spec.np_dtype)
        act = spec.activation
        with np.errstate(all="ignore"):
            for l, (W, b) in enumerate(network_layers(spec, noise)):
                z = h @ W + b
                za, zb = z.astype(np.float64)
                values[i, l] = za @ zb / math.sqrt((za @ za) * (zb @ zb))
                moments[i, l] = za @ za / spec.width
                h = act(z)
    return Correlations(specs[0], c_input, seeds, readonly(values), readonly(moments))
