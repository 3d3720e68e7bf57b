"""The residual blocks the probe knows: how a layer maps ``h_{l-1}`` to ``h_l`` when it has a skip connection.

A registry, as for activations and norms: ``residual=`` of :func:`~gradnotes.simulate`
(and of :class:`~gradnotes.NetworkSpec`, :func:`~gradnotes.probe.propagate`, the
gradient explorer) takes a name from :data:`RESIDUALS`, ``None`` or ``False`` for
no skip connection, or ``True``, which means ``"post"`` (the probe's only block
before ``"pre"`` existed, kept so that ``residual=True`` keeps its meaning).

``s`` is ``residual_scale`` and ``norm`` the optional normalization (batch or
layer statistics, no learned scale):

* no skip: ``h_l = phi(norm(h_{l-1} W_l + b_l))``;
* ``"pre"``, the standard pre-activation block of He et al. (2016, *Identity
  mappings in deep residual networks*): ``h_l = h_{l-1} + s * (phi(norm(h_{l-1})) W_l + b_l)``.
  The branch ends in a weight layer, so with zero-mean weights it adds a
  zero-mean term: with ``s = 1/sqrt(L)`` the sum of ``L`` branches stays the size
  of about one, and the stream's variance stays bounded.
* ``"post"``: ``h_l = h_{l-1} + s * phi(norm(h_{l-1} W_l + b_l))``. The branch
  ends in ``phi``; for ReLU its mean is positive, the ``L`` means add up
  coherently, and with ``s = 1/sqrt(L)`` the stream still grows with depth.

``s`` multiplies the whole branch, its bias included. "Pre-activation" names the
input of ``norm`` and ``phi``: for ``"pre"`` that is ``h_{l-1}`` itself, so a
trace's ``preactivation_second_moments`` are the mean squares of ``h_{l-1}``.

Examples
--------
>>> list(RESIDUALS)
['pre', 'post']
>>> RESIDUALS["pre"]
Residual('pre': h_l = h_{l-1} + s * (phi(norm(h_{l-1})) W_l + b_l))
>>> [residual_kind(v) for v in (None, False, "none", True, "post", "pre")]
[None, None, None, 'post', 'post', 'pre']
>>> residual_kind("skip")
Traceback (most recent call last):
...
ValueError: residual='skip' is not known; choose one of ['pre', 'post'], True (= 'post'), or None / False (no skip)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .._registry import closest

__all__ = ["RESIDUALS", "Residual", "residual_kind"]


@dataclass(frozen=True)
class Residual:
    """One residual block: its name, its formula and what to know about it."""

    name: str
    formula: str
    label: str
    note: str

    def __repr__(self) -> str:
        return f"Residual({self.name!r}: {self.formula})"


#: Name -> residual block, the standard one first.
RESIDUALS = MappingProxyType({
    "pre": Residual("pre", "h_l = h_{l-1} + s * (phi(norm(h_{l-1})) W_l + b_l)", "pre-activation (standard)",
                    "He et al. 2016's identity-mapping block: the branch ends in a weight layer, zero mean"),
    "post": Residual("post", "h_l = h_{l-1} + s * phi(norm(h_{l-1} W_l + b_l))", "post-activation",
                     "the branch ends in phi: for ReLU a positive mean that adds up with depth"),
})

#: What ``residual=True`` means (the probe's block before ``"pre"`` existed).
TRUE_MEANS = "post"
_NO_SKIP = "none"


def residual_kind(value, name: str = "residual") -> str | None:
    """``value`` as a block name, or ``None`` for no skip connection (``True`` is ``"post"``).

    Raises the package's usual errors: ``TypeError`` for a value that is not a
    string, a bool or None, ``ValueError`` for an unknown name.
    """
    if value is None or value is False or value is np.False_ or value == _NO_SKIP:
        return None
    if value is True or value is np.True_:
        return TRUE_MEANS
    allowed = list(RESIDUALS)
    spelled = f"one of {allowed}, True (= {TRUE_MEANS!r}), or None / False (no skip)"
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {spelled}; got {value!r} of type {type(value).__name__}")
    if value not in RESIDUALS:
        raise ValueError(f"{name}={value!r} is not known{closest(value, allowed)}; choose {spelled}")
    return value
