"""Activation functions and their derivatives, in one registry.

``ACTIVATIONS`` maps a name to an :class:`Activation`. Each one is callable on
numpy arrays of any shape, has a ``derivative`` with respect to its input next
to it, a Kaiming ``gain`` and a LaTeX ``formula`` for plots. Parametrized
activations (leaky ReLU's slope, ELU's alpha) give a new object with
:meth:`Activation.with_params`.

Every formula is written so that extreme inputs (``x = +-1e4`` and far beyond)
raise no overflow warning and give finite values and derivatives, and a
float32 array comes back as float32.

At a kink the derivative takes PyTorch's convention: ``relu'(0) = 0``,
``leaky_relu'(0) = negative_slope``, ``elu'(0) = alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from ._checks import check_choice, check_float
from ._registry import Registry
from ._activation_functions import SELU_ALPHA, SELU_LAMBDA  # noqa: F401  (public constants, used by tests)
from ._activation_functions import (
    _FROM_OUTPUT, _elu, _elu_d, _gelu, _gelu_d, _leaky_relu, _leaky_relu_d, _linear, _linear_d, _relu, _relu_d,
    _selu, _selu_d, _sigmoid, _sigmoid_d, _silu, _silu_d, _softplus, _softplus_d, _tanh, _tanh_d,
)

__all__ = ["Activation", "ACTIVATIONS", "SATURATION_RATIO", "get_activation", "activation_properties"]

#: A unit counts as saturated when its derivative has fallen below this fraction
#: of the activation's largest derivative. The value makes a tanh unit saturated
#: exactly when ``|tanh(x)| > 0.97``, the threshold of Karpathy's makemore part 3.
SATURATION_RATIO = 1.0 - 0.97**2

@dataclass(frozen=True, eq=False)
class Activation:
    """An activation function with its derivative and the facts plots need.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"tanh"``.
    label : str
        Readable name for legends and dropdowns.
    formula : str
        LaTeX for ``phi(x)`` (without dollar signs).
    derivative_formula : str
        LaTeX for ``phi'(x)``.
    params : mapping
        Current parameter values, e.g. ``{"negative_slope": 0.01}``.
    param_ranges : mapping
        For each parameter, the closed interval of allowed values.
    torch_gain : float or None
        ``torch.nn.init.calculate_gain`` for this activation, where torch defines one.
    saturates : {"gradient", "dead", "never"}
        How units stop passing gradient: their derivative becomes small
        (``"gradient"``), exactly zero (``"dead"``, ReLU), or never.
    kinks : tuple of float
        Inputs where the derivative jumps (used by the quadrature in theory).
    bounded : (bool, bool)
        Whether the output is bounded below and above.

    Examples
    --------
    >>> import numpy as np
    >>> tanh = ACTIVATIONS["tanh"]
    >>> tanh(np.array([0.0, 1e4])), tanh.derivative(np.array([0.0]))
    (array([0., 1.]), array([1.]))
    >>> ACTIVATIONS["leaky_relu"].with_params(negative_slope=0.2).gain
    1.3867504905630728
    """

    name: str
    label: str
    formula: str
    derivative_formula: str
    _fn: Callable = field(repr=False)
    _deriv: Callable = field(repr=False)
    params: Mapping[str, float] = field(default_factory=dict)
    param_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    torch_gain: Callable[..., float] | None = field(default=None, repr=False)
    saturates: str = "gradient"
    kinks: tuple[float, ...] = ()
    bounded: tuple[bool, bool] = (False, False)

    def __post_init__(self):
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    # -- evaluation ---------------------------------------------------------
    def __call__(self, x):
        """``phi(x)`` elementwise; float32 stays float32, integers become float64."""
        x = _as_float_array(x)
        with np.errstate(over="ignore", under="ignore"):
            return self._fn(x, np.empty_like(x), **self.params)

    def derivative(self, x):
        """``phi'(x)`` elementwise, with respect to the input ``x``."""
        x = _as_float_array(x)
        with np.errstate(over="ignore", under="ignore"):
            return self._deriv(x, np.empty_like(x), **self.params)

    def forward_into(self, x, out):
        """``phi(x)`` written into the preallocated array ``out`` (not ``x``)."""
        return self._fn(x, out, **self.params)

    def derivative_into(self, x, out):
        """``phi'(x)`` written into the preallocated array ``out`` (not ``x``)."""
        return self._deriv(x, out, **self.params)

    @property
    def has_derivative_from_output(self) -> bool:
        """Whether ``phi'`` can be computed from ``h = phi(x)`` alone."""
        return self.name in _FROM_OUTPUT

    def derivative_from_output_into(self, h, out):
        """``phi'(x)`` computed from the output ``h = phi(x)``, written into ``out``."""
        return _FROM_OUTPUT[self.name](h, out, **self.params)

    # -- parameters ---------------------------------------------------------
    def with_params(self, **params) -> "Activation":
        """A copy with some parameters changed, each checked against its range."""
        new = dict(self.params)
        for key, value in params.items():
            check_choice("parameter name", key, tuple(self.param_ranges) or ("(none)",))
            low, high = self.param_ranges[key]
            new[key] = check_float(key, value, low=low, high=high)
        return replace(self, params=new)

    # -- facts --------------------------------------------------------------
    @cached_property
    def gain(self) -> float:
        """The Kaiming gain: ``torch.nn.init.calculate_gain`` where torch defines it.

        For activations torch does not list (ELU, GELU, SiLU, softplus) it is
        ``1 / sqrt(E[phi(z)**2])`` for ``z ~ N(0, 1)``, the rule that gives
        ``sqrt(2)`` for ReLU.
        """
        if self.torch_gain is not None:
            return float(self.torch_gain(**self.params))
        from .theory._quadrature import expect  # deferred: theory imports this module

        second_moment = expect(lambda z: self(z) ** 2, self.kinks)
        return 1.0 / math.sqrt(second_moment)

    @property
    def gain_source(self) -> str:
        """``"torch"`` or ``"second moment"``: where :attr:`gain` comes from."""
        return "torch" if self.torch_gain is not None else "second moment"

    @cached_property
    def max_derivative(self) -> float:
        """``sup |phi'(x)|``, read off a fine grid over ``[-50, 50]``."""
        return float(np.max(np.abs(self.derivative(_GRID))))

    @cached_property
    def output_range(self) -> tuple[float, float]:
        """``(inf phi, sup phi)``; ``-inf``/``inf`` where the output is unbounded.

        Read off a grid over ``[-50, 50]``; a bound within ``1e-12`` of an integer
        (sigmoid's 0, which it only approaches) is that integer.
        """
        y = self(_GRID)
        low = float(y.min()) if self.bounded[0] else -math.inf
        high = float(y.max()) if self.bounded[1] else math.inf
        snap = lambda v: float(round(v)) if math.isfinite(v) and abs(v - round(v)) < 1e-12 else v  # noqa: E731
        return snap(low), snap(high)

    @cached_property
    def saturation_level(self) -> float | None:
        """Units with ``|phi'(x)| <= saturation_level`` count as saturated (or dead).

        ``SATURATION_RATIO * max_derivative`` for saturating activations, ``0.0``
        for ReLU (a dead unit passes exactly no gradient), ``None`` when the
        activation never saturates (linear, leaky ReLU).
        """
        levels = {"gradient": SATURATION_RATIO * self.max_derivative, "dead": 0.0, "never": None}
        return levels[self.saturates]

    @property
    def display_name(self) -> str:
        """The label with its parameters, e.g. ``"Leaky ReLU (negative_slope=0.2)"``."""
        if not self.params:
            return self.label
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.label} ({inner})"

    def __repr__(self) -> str:
        params = "".join(f", {k}={v:g}" for k, v in self.params.items())
        return f"Activation({self.name!r}{params})"


_GRID = np.linspace(-50.0, 50.0, 200_001)


def _as_float_array(x) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        if x.dtype.kind not in "biu":
            raise TypeError(f"x must be a numeric array; got dtype {x.dtype}")
        x = x.astype(np.float64)
    if x.dtype.kind == "c":
        raise TypeError(f"x must be real; got dtype {x.dtype}")
    return x


def _registry() -> dict[str, Activation]:
    a = Activation
    entries = [
        a("linear", "Linear", r"\varphi(x) = x", r"\varphi'(x) = 1", _linear, _linear_d,
          torch_gain=lambda: 1.0, saturates="never"),
        a("sigmoid", "Sigmoid", r"\sigma(x) = \frac{1}{1 + e^{-x}}",
          r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))", _sigmoid, _sigmoid_d,
          torch_gain=lambda: 1.0, bounded=(True, True)),
        a("tanh", "Tanh", r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
          r"\tanh'(x) = 1 - \tanh^2(x)", _tanh, _tanh_d,
          torch_gain=lambda: 5.0 / 3.0, bounded=(True, True)),
        a("relu", "ReLU", r"\mathrm{ReLU}(x) = \max(0, x)",
          r"\mathrm{ReLU}'(x) = [x > 0]", _relu, _relu_d,
          torch_gain=lambda: math.sqrt(2.0), saturates="dead", kinks=(0.0,), bounded=(True, False)),
        a("leaky_relu", "Leaky ReLU", r"\varphi(x) = \max(a x, x)",
          r"\varphi'(x) = 1 \text{ if } x > 0 \text{ else } a", _leaky_relu, _leaky_relu_d,
          params={"negative_slope": 0.01}, param_ranges={"negative_slope": (0.0, 1.0)},
          torch_gain=lambda negative_slope: math.sqrt(2.0 / (1 + negative_slope**2)),
          saturates="never", kinks=(0.0,)),
        a("elu", "ELU", r"\varphi(x) = x \text{ if } x > 0 \text{ else } \alpha (e^{x} - 1)",
          r"\varphi'(x) = 1 \text{ if } x > 0 \text{ else } \alpha e^{x}", _elu, _elu_d,
          params={"alpha": 1.0}, param_ranges={"alpha": (0.0, 3.0)},
          kinks=(0.0,), bounded=(True, False)),
        a("selu", "SELU", r"\varphi(x) = \lambda x \text{ if } x > 0 \text{ else } \lambda\alpha (e^{x} - 1)",
          r"\varphi'(x) = \lambda \text{ if } x > 0 \text{ else } \lambda\alpha e^{x}", _selu, _selu_d,
          torch_gain=lambda: 0.75, kinks=(0.0,), bounded=(True, False)),
        a("gelu", "GELU", r"\mathrm{GELU}(x) = x\,\Phi(x)",
          r"\mathrm{GELU}'(x) = \Phi(x) + x\,\phi(x)", _gelu, _gelu_d, bounded=(True, False)),
        a("silu", "SiLU (swish)", r"\mathrm{SiLU}(x) = x\,\sigma(x)",
          r"\mathrm{SiLU}'(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))", _silu, _silu_d,
          bounded=(True, False)),
        a("softplus", "Softplus", r"\varphi(x) = \ln(1 + e^{x})", r"\varphi'(x) = \sigma(x)",
          _softplus, _softplus_d, bounded=(True, False)),
    ]
    return {act.name: act for act in entries}


#: Name -> :class:`Activation`; slider options and parametrized tests come from here.
ACTIVATIONS: Mapping[str, Activation] = Registry("activation", _registry())


def get_activation(activation, **params) -> Activation:
    """An :class:`Activation` from a registry name or an Activation, with ``params`` applied.

    Examples
    --------
    >>> get_activation("elu", alpha=0.5)
    Activation('elu', alpha=0.5)
    """
    if isinstance(activation, Activation):
        act = activation
    else:
        act = ACTIVATIONS[check_choice("activation", activation, ACTIVATIONS)]
    return act.with_params(**params) if params else act


def activation_properties(activation) -> dict:
    """The facts the book's comparison table lists, computed from the activation itself.

    Returns
    -------
    dict with keys ``name``, ``range`` (inf, sup), ``value_at_0``, ``mean_output``
    (``E[phi(z)]`` for ``z ~ N(0, 1)``: how far from zero-centred the outputs are),
    ``max_derivative``, ``saturates`` ("gradient", "dead" or "never"),
    ``zero_gradient_fraction`` (share of ``N(0, 1)`` inputs with ``phi'(z) = 0``
    exactly) and ``gain``.

    Examples
    --------
    >>> p = activation_properties("relu")
    >>> p["max_derivative"], p["zero_gradient_fraction"], round(p["gain"], 4)
    (1.0, 0.5, 1.4142)
    """
    from .theory import _quadrature as _gauss

    act = get_activation(activation)
    kinks = (0.0,) if act.kinks else ()
    return {
        "name": act.display_name,
        "range": act.output_range,
        "value_at_0": float(act(np.array(0.0))),
        "mean_output": _gauss.expect(act, kinks),
        "max_derivative": act.max_derivative,
        "saturates": act.saturates,
        "zero_gradient_fraction": _gauss.expect(lambda z: (act.derivative(z) == 0).astype(float), kinks),
        "gain": act.gain,
    }
