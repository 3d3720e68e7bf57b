"""Weight initializers, in one registry.

Every initializer is called ``init(fan_in, fan_out, rng, gain=1.0)`` and returns
an array of shape ``(fan_in, fan_out)``, laid out so that a layer computes
``z = h @ W``. ``gain`` multiplies the scheme's textbook scale, so "too small"
and "too large" are one slider: ``normal`` is ``N(0, gain**2)``, ``he_normal``
has standard deviation ``gain * sqrt(2 / fan_in)``.

Each scheme is a transform of one standard-normal matrix (a uniform draw is
made from it through the normal CDF; an orthogonal one through QR). The same
random numbers therefore underlie every scheme and every gain, which is what
keeps an explorer's picture steady while a reader moves the init or gain
slider: :meth:`Initializer.from_normal` applies a scheme to draws kept aside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from ._checks import check_choice, check_float, check_int, check_rng
from ._registry import Registry

__all__ = ["Initializer", "INITIALIZERS", "get_initializer"]

MAX_FAN = 1 << 16


def _uniform_from_normal(normal: np.ndarray) -> np.ndarray:
    """Map N(0, 1) draws to U(-1, 1) draws: ``2 Phi(z) - 1`` (probability integral transform)."""
    from scipy.special import ndtr  # deferred: heavy import

    u = ndtr(normal)
    u *= 2
    u -= 1
    return u


def _orthogonal_from_normal(normal: np.ndarray) -> np.ndarray:
    """A Haar-random matrix with orthonormal columns (or rows, if wider than tall)."""
    tall = normal.shape[0] >= normal.shape[1]
    a = normal if tall else normal.T
    q, r = np.linalg.qr(a.astype(np.float64))
    q *= np.sign(np.diag(r))  # sign fix: makes the distribution uniform (Mezzadri 2007)
    q = q.astype(normal.dtype, copy=False)
    return q if tall else q.T


@dataclass(frozen=True, eq=False)
class Initializer:
    """A weight initialization scheme.

    Parameters
    ----------
    name : str
        Registry key.
    label : str
        Readable name, with the paper it comes from.
    formula : str
        LaTeX for the distribution (``gain`` omitted).
    std : callable
        ``std(fan_in, fan_out)``: the textbook standard deviation at ``gain = 1``.
    shape : {"normal", "uniform", "orthogonal", "zeros"}
        What is done to the standard-normal draws.

    Examples
    --------
    >>> import numpy as np
    >>> W = INITIALIZERS["he_normal"](256, 128, np.random.default_rng(0))
    >>> W.shape, round(float(W.std()), 3), round(INITIALIZERS["he_normal"].weight_std(256, 128), 3)
    ((256, 128), 0.088, 0.088)
    """

    name: str
    label: str
    formula: str
    std: Callable[[int, int], float] = field(repr=False)
    shape: str = "normal"

    def __call__(self, fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
        """Draw a ``(fan_in, fan_out)`` float64 weight matrix."""
        fan_in = check_int("fan_in", fan_in, low=1, high=MAX_FAN)
        fan_out = check_int("fan_out", fan_out, low=1, high=MAX_FAN)
        check_rng("rng", rng)
        gain = check_float("gain", gain, low=0.0)
        if fan_in * fan_out > 1 << 28:
            raise ValueError(
                f"fan_in * fan_out = {fan_in * fan_out} is too large; allowed: at most {1 << 28}"
            )
        return self.from_normal(rng.standard_normal((fan_in, fan_out)), gain)

    def from_normal(self, normal: np.ndarray, gain: float = 1.0) -> np.ndarray:
        """Apply this scheme to standard-normal draws of shape ``(fan_in, fan_out)``.

        The result has the dtype of ``normal``; ``normal`` is not modified.
        """
        fan_in, fan_out = normal.shape
        return _SHAPES[self.shape](normal, self.weight_std(fan_in, fan_out, gain))

    def weight_std(self, fan_in: int, fan_out: int, gain: float = 1.0) -> float:
        """The standard deviation of one weight: ``gain`` times the textbook value."""
        return gain * self.std(fan_in, fan_out)

    def sigma_w(self, fan_in: int, fan_out: int, gain: float = 1.0) -> float:
        """The mean-field weight scale ``sigma_w``, defined by ``Var[W] = sigma_w**2 / fan_in``."""
        return self.weight_std(fan_in, fan_out, gain) * math.sqrt(fan_in)

    def __repr__(self) -> str:
        return f"Initializer({self.name!r})"


_SHAPES: Mapping[str, Callable[[np.ndarray, float], np.ndarray]] = MappingProxyType({
    "zeros": lambda z, std: np.zeros_like(z),
    "normal": lambda z, std: z * z.dtype.type(std),
    # U(-a, a) has std a / sqrt(3)
    "uniform": lambda z, std: _uniform_from_normal(z) * z.dtype.type(std * math.sqrt(3.0)),
    # orthonormal columns (rows) have entries of variance 1 / max(fan_in, fan_out), so
    # scaling by std * sqrt(max(...)) = gain gives W^T W = gain**2 I (W W^T if wide).
    "orthogonal": lambda z, std: _orthogonal_from_normal(z) * z.dtype.type(std * math.sqrt(max(z.shape))),
})


def _registry() -> dict[str, Initializer]:
    i = Initializer
    entries = [
        i("zeros", "Zeros", r"W = 0", lambda n_in, n_out: 0.0, "zeros"),
        i("normal", "Normal N(0, 1)", r"W \sim \mathcal{N}(0, 1)", lambda n_in, n_out: 1.0),
        i("standard_uniform", "Glorot & Bengio's 'standard' U[-1/sqrt(n), 1/sqrt(n)]",
          r"W \sim U\left[-\tfrac{1}{\sqrt{n_\mathrm{in}}}, \tfrac{1}{\sqrt{n_\mathrm{in}}}\right]",
          lambda n_in, n_out: 1.0 / math.sqrt(3.0 * n_in), "uniform"),
        i("lecun_normal", "LeCun normal", r"W \sim \mathcal{N}\left(0, \tfrac{1}{n_\mathrm{in}}\right)",
          lambda n_in, n_out: 1.0 / math.sqrt(n_in)),
        i("lecun_uniform", "LeCun uniform",
          r"W \sim U\left[-\sqrt{\tfrac{3}{n_\mathrm{in}}}, \sqrt{\tfrac{3}{n_\mathrm{in}}}\right]",
          lambda n_in, n_out: 1.0 / math.sqrt(n_in), "uniform"),
        i("xavier_normal", "Xavier (Glorot) normal",
          r"W \sim \mathcal{N}\left(0, \tfrac{2}{n_\mathrm{in} + n_\mathrm{out}}\right)",
          lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out))),
        i("xavier_uniform", "Xavier (Glorot) uniform",
          r"W \sim U\left[-\sqrt{\tfrac{6}{n_\mathrm{in} + n_\mathrm{out}}}, \sqrt{\tfrac{6}{n_\mathrm{in} + n_\mathrm{out}}}\right]",
          lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)), "uniform"),
        i("he_normal", "He (Kaiming) normal", r"W \sim \mathcal{N}\left(0, \tfrac{2}{n_\mathrm{in}}\right)",
          lambda n_in, n_out: math.sqrt(2.0 / n_in)),
        i("he_uniform", "He (Kaiming) uniform",
          r"W \sim U\left[-\sqrt{\tfrac{6}{n_\mathrm{in}}}, \sqrt{\tfrac{6}{n_\mathrm{in}}}\right]",
          lambda n_in, n_out: math.sqrt(2.0 / n_in), "uniform"),
        i("orthogonal", "Orthogonal (Saxe et al.)", r"W^\top W = I",
          lambda n_in, n_out: 1.0 / math.sqrt(max(n_in, n_out)), "orthogonal"),
    ]
    return {init.name: init for init in entries}


#: Name -> :class:`Initializer`.
INITIALIZERS: Mapping[str, Initializer] = Registry("init", _registry())


def get_initializer(init) -> Initializer:
    """An :class:`Initializer` from a registry name (or an Initializer, returned as is)."""
    if isinstance(init, Initializer):
        return init
    return INITIALIZERS[check_choice("init", init, INITIALIZERS)]
