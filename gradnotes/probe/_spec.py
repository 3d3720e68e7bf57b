"""One description of a probed network, checked in one place."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .._params import check
from ..activations import Activation, get_activation
from ..initializers import Initializer, get_initializer
from ..normalization import NORMS

__all__ = ["NetworkSpec", "DTYPES"]

#: Allowed ``dtype`` names.
DTYPES = MappingProxyType({"float32": np.float32, "float64": np.float64})


@dataclass(frozen=True)
class NetworkSpec:
    """A fully connected random network as the probe builds it; frozen and checked.

    Build one with :meth:`build`, which takes the arguments of
    :func:`~gradnotes.simulate` and refuses bad values with a message naming the
    parameter, the value and what is allowed. :func:`~gradnotes.simulate`, the
    :class:`~gradnotes.probe.ProbeCache`, ``Trace.spec`` / ``Trace.config`` and
    the explorers all use this one description.

    Attributes
    ----------
    depth, width, batch : int
    activation : Activation
        With its parameters (e.g. leaky ReLU's slope).
    init : str
        A name in ``INITIALIZERS``.
    gain, bias_std : float
    residual : {None, "pre", "post"}
        The residual block (:data:`~gradnotes.probe.RESIDUALS`); ``None``: no skip connections.
        :meth:`build` also takes ``False`` (no skip) and ``True`` (``"post"``).
    residual_scale : float
    norm : {None, "batch", "layer"}
    dtype : {"float32", "float64"}
    seed : int

    Examples
    --------
    >>> spec = NetworkSpec.build(depth=10, width=64, activation="relu", init="he_normal")
    >>> round(spec.sigma_w ** 2, 6), spec.sigma_b, spec.mean_field_applies
    (2.0, 0.0, True)
    >>> spec.replace(norm="none").norm is None
    True
    >>> spec.replace(residual=True).residual, spec.replace(residual="pre").mean_field_applies
    ('post', False)
    """

    depth: int
    width: int
    batch: int
    activation: Activation
    init: str
    gain: float
    bias_std: float
    residual: str | None
    residual_scale: float
    norm: str | None
    dtype: str
    seed: int

    @classmethod
    def build(cls, depth: int, width: int, activation="tanh", init: str = "xavier_normal", *,
              gain: float = 1.0, bias_std: float = 0.0, batch: int = 256, residual: str | bool | None = None,
              norm: str | None = None, dtype: str = "float32", seed: int = 0,
              residual_scale: float = 1.0, max_depth: int | None = None) -> "NetworkSpec":
        """Check the arguments of :func:`~gradnotes.simulate` and describe the network.

        ``max_depth`` lowers the depth bound (a probe cache draws for that many layers).
        """
        depth = check("depth", depth)
        if max_depth is not None and depth > max_depth:
            raise ValueError(f"depth={depth} is out of range; allowed: [1, {max_depth}]")
        width = check("width", width)
        batch = check("batch", batch)
        norm = check("norm", norm)
        if norm is not None:
            NORMS[norm].check_size(batch, width)
        return cls(
            depth=depth, width=width, batch=batch,
            activation=get_activation(activation), init=get_initializer(init).name,
            gain=check("gain", gain), bias_std=check("bias_std", bias_std),
            residual=check("residual", residual), residual_scale=check("residual_scale", residual_scale),
            norm=norm, dtype=check("dtype", dtype), seed=check("seed", seed),
        )

    def replace(self, **changes) -> "NetworkSpec":
        """A spec with some settings changed, checked again."""
        return NetworkSpec.build(**{**self.arguments(), **changes})

    def arguments(self) -> dict:
        """The keyword arguments of :func:`~gradnotes.simulate` that build this network."""
        return dict(depth=self.depth, width=self.width, activation=self.activation, init=self.init,
                    gain=self.gain, bias_std=self.bias_std, batch=self.batch, residual=self.residual,
                    norm=self.norm, dtype=self.dtype, seed=self.seed, residual_scale=self.residual_scale)

    @property
    def initializer(self) -> Initializer:
        return get_initializer(self.init)

    @property
    def np_dtype(self):
        return DTYPES[self.dtype]

    @property
    def sigma_w(self) -> float:
        """The mean-field weight scale of the (square) hidden layers: ``Var[W] = sigma_w**2 / width``."""
        return self.initializer.sigma_w(self.width, self.width, self.gain)

    @property
    def sigma_b(self) -> float:
        """The mean-field bias scale, ``bias_std``."""
        return self.bias_std

    @property
    def mean_field_applies(self) -> bool:
        """Whether the plain mean-field recursion describes it (not for residual or normalized networks)."""
        return not self.residual and self.norm is None

    def config(self) -> MappingProxyType:
        """The settings as a read-only mapping of plain values (what ``Trace.config`` shows)."""
        return MappingProxyType(dict(
            depth=self.depth, width=self.width, batch=self.batch, activation=self.activation.name,
            activation_params=self.activation.params, init=self.init, gain=self.gain,
            bias_std=self.bias_std, residual=self.residual, norm=self.norm, dtype=self.dtype,
            seed=self.seed, residual_scale=self.residual_scale,
        ))

