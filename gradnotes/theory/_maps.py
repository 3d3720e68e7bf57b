"""The length map, its fixed point, chi_1, and the layer-by-layer profiles they predict.

Every function takes an activation (name or :class:`~gradnotes.Activation`) and
the scales ``sigma_w``, ``sigma_b`` (weights ``N(0, sigma_w**2 / N)``, biases
``N(0, sigma_b**2)``). The two Gaussian expectations behind everything,

.. math:: m(q) = \\mathbb E_z\\big[\\varphi(\\sqrt q\\, z)^2\\big], \\qquad
          d(q) = \\mathbb E_z\\big[\\varphi'(\\sqrt q\\, z)^2\\big],

come from :mod:`._quadrature` (which honours ``Activation.kinks``) and the
fixed point from :mod:`._fixed_point`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .._checks import check_float
from .._params import check
from ..activations import Activation, get_activation
from ._fixed_point import Q_MAX, stable_fixed_point
from ._quadrature import gaussian_expectation

__all__ = ["length_map", "fixed_point", "chi1", "variance_profile", "gradient_profile",
           "weight_gradient_profile"]


def second_moment(act: Activation, q) -> np.ndarray:
    """``m(q) = E[phi(sqrt(q) z)**2]``, vectorized over ``q``."""
    return gaussian_expectation(lambda x: np.square(act(x)), q, act.kinks)


def derivative_moment(act: Activation, q) -> np.ndarray:
    """``d(q) = E[phi'(sqrt(q) z)**2]``, vectorized over ``q``."""
    return gaussian_expectation(lambda x: np.square(act.derivative(x)), q, act.kinks)


def exact_fixed_point(act: Activation, sw2, sb2, q0: float = 1.0) -> np.ndarray:
    """``q*`` for broadcastable arrays ``sw2 = sigma_w**2``, ``sb2 = sigma_b**2`` (no checks)."""
    sw2, sb2 = np.broadcast_arrays(np.asarray(sw2, dtype=float), np.asarray(sb2, dtype=float))
    sw2_flat, sb2_flat = sw2.ravel(), sb2.ravel()

    def length(q, index):
        return sw2_flat[index] * second_moment(act, q) + sb2_flat[index]

    return stable_fixed_point(length, sw2.shape, q0)


def _scales(sigma_w, sigma_b) -> tuple[float, float]:
    return check("sigma_w", sigma_w), check("sigma_b", sigma_b)


def length_map(activation, sigma_w: float, sigma_b: float, q):
    """One step of the length map, ``q -> sigma_w**2 E[phi(sqrt(q) z)**2] + sigma_b**2``.

    ``q`` may be an array (the map is applied entry by entry).

    Examples
    --------
    >>> float(length_map("relu", 2 ** 0.5, 0.0, 3.0))  # ReLU at sigma_w**2 = 2 keeps q
    3.0
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    return sigma_w**2 * second_moment(act, q) + sigma_b**2


def fixed_point(activation, sigma_w: float, sigma_b: float, q0: float = 1.0) -> float:
    """The stable fixed point ``q*`` that the length map reaches from ``q0``.

    ``inf`` when the length map diverges (e.g. ReLU with ``sigma_w**2 > 2``);
    ``0.0`` when the signal dies out; ``q0`` itself when every ``q`` is fixed
    (ReLU at ``sigma_w**2 = 2``, no bias). A fixed point at or next to ``q0``
    is found like any other (see :mod:`gradnotes.theory._fixed_point`).

    Examples
    --------
    >>> round(fixed_point("tanh", 2 ** 0.5, 0.0), 3)
    0.618
    >>> fixed_point("tanh", 0.9, 0.0)
    0.0
    >>> round(fixed_point("selu", 1.0000000000000004, 0.0), 12)  # next to q* = 1
    1.0
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    q0 = check_float("q0", q0, low=0.0, low_open=True, high=Q_MAX)
    return float(exact_fixed_point(act, sigma_w**2, sigma_b**2, q0))


@dataclass(frozen=True)
class _Keyed:
    """An activation for ``lru_cache``: equal when the functions, parameters and kinks are.

    (``Activation`` compares by identity, and ``with_params`` makes a new object
    on every call, so the object itself would be a poor key.)
    """

    act: Activation = field(compare=False)
    key: tuple

    @classmethod
    def of(cls, act: Activation) -> "_Keyed":
        return cls(act, (act.name, act._fn, act._deriv, tuple(sorted(act.params.items())), act.kinks))


def chi1(activation, sigma_w: float, sigma_b: float, q: float | None = None) -> float:
    """The per-layer factor of the squared gradient norm, ``sigma_w**2 E[phi'(sqrt(q) z)**2]``.

    .. math:: \\chi_1 = \\sigma_w^2\\, \\mathbb E_z\\big[\\varphi'(\\sqrt{q^*}\\, z)^2\\big]

    Evaluated at ``q = fixed_point(...)`` unless ``q`` is given. Without ``q``
    the result is cached (an explorer redrawing at the same setting pays a few
    microseconds); :attr:`gradnotes.Trace.chi1` takes this path.

    Examples
    --------
    >>> round(chi1("tanh", 2 ** 0.5, 0.0), 3)   # chaotic
    1.106
    >>> round(chi1("relu", 2 ** 0.5, 0.0), 12)  # He init is critical
    1.0
    >>> round(chi1("selu", 1.0, 0.0), 4)        # LeCun init for SELU: mildly chaotic
    1.0716
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    if q is None:
        return _chi1_at_fixed_point(_Keyed.of(act), sigma_w, sigma_b)
    q = check_float("q", q, low=0.0)
    return float(sigma_w**2 * derivative_moment(act, q))


@lru_cache(maxsize=1024)
def _chi1_at_fixed_point(keyed: _Keyed, sigma_w: float, sigma_b: float) -> float:
    act = keyed.act
    q = exact_fixed_point(act, sigma_w**2, sigma_b**2)
    return float(sigma_w**2 * derivative_moment(act, q))


def variance_profile(activation, sigma_w: float, sigma_b: float, depth: int, q_input: float = 1.0):
    """Predicted ``q^l = E[z_l**2]`` for layers ``l = 1..depth``.

    The network input ``h_0`` has second moment ``q_input`` (1 for the probe's
    N(0, 1) inputs) and is not passed through the activation, so
    ``q^1 = sigma_w**2 q_input + sigma_b**2``. Compare with
    ``Trace.preactivation_second_moments``.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(variance_profile("relu", 1.0, 0.0, depth=4), 4)   # halves each layer
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    depth = check("depth", depth)
    q_input = check_float("q_input", q_input, low=0.0)
    q = np.empty(depth)
    q[0] = sigma_w**2 * q_input + sigma_b**2
    for l in range(1, depth):
        q[l] = sigma_w**2 * second_moment(act, q[l - 1]) + sigma_b**2
    return q


def gradient_profile(activation, sigma_w: float, sigma_b: float, depth: int, q_input: float = 1.0):
    """Predicted ``||dL/dh_l|| / ||dL/dh_L||`` for layers ``l = 1..depth``.

    Going down through layer ``l`` multiplies the squared gradient norm by
    ``chi^(l) = sigma_w**2 E[phi'(sqrt(q^l) z)**2]``, with ``q^l`` from
    :func:`variance_profile`. Compare with ``Trace.grad_activation_norms``
    divided by its last entry. (The weight gradients ``||dL/dW_l||`` that the
    explorers plot follow :func:`weight_gradient_profile` instead.)

    Examples
    --------
    >>> import numpy as np
    >>> np.round(gradient_profile("linear", 0.5, 0.0, depth=3), 4)
    array([0.25, 0.5 , 1.  ])
    """
    act = get_activation(activation)
    q = variance_profile(act, sigma_w, sigma_b, depth, q_input)
    chis = sigma_w**2 * derivative_moment(act, q)
    # ||g_{l-1}||^2 = chi^(l) ||g_l||^2: layer l's gradient is the top one times chi^(l+1) ... chi^(L)
    with np.errstate(divide="ignore"):
        log_sq = np.concatenate((np.cumsum(np.log(chis[:0:-1]))[::-1], [0.0]))
    return np.exp(0.5 * log_sq)


def weight_gradient_profile(activation, sigma_w: float, sigma_b: float, depth: int) -> np.ndarray:
    """Predicted ``||dL/dW_l|| / ||dL/dW_L||`` for layers ``l = 1..depth``.

    ``dL/dW_l = h_{l-1}^T delta_l`` with ``delta_l = phi'(z_l) * dL/dh_l``. When
    the examples of a batch are uncorrelated its squared norm is about
    ``N E[h_{l-1}^2] E[phi'(z_l)^2] ||dL/dh_l||^2``: the gradient profile of
    :func:`gradient_profile` times the size of the layer's input and of its
    local derivative, both read off the mean-field ``q^l``.

    .. math:: \\frac{\\|\\partial L/\\partial W_l\\|}{\\|\\partial L/\\partial W_L\\|}
              = \\sqrt{\\frac{m_{l-1}\\, d_l}{m_{L-1}\\, d_L}}\\,
                \\frac{\\|\\partial L/\\partial h_l\\|}{\\|\\partial L/\\partial h_L\\|},
              \\quad m_{l} = \\mathbb E[\\varphi(\\sqrt{q^{l}}z)^2],\\;
              d_l = \\mathbb E[\\varphi'(\\sqrt{q^l} z)^2],\\; m_0 = 1.

    Cached: the same arguments give a copy of the same numbers at once.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(weight_gradient_profile("linear", 0.5, 0.0, depth=3), 4)
    array([1., 1., 1.])

    (In a linear network the input of layer ``l`` shrinks by ``sigma_w`` per layer
    going up exactly as its gradient shrinks going down, so every layer's weight
    gradient is the same size.)
    """
    act = get_activation(activation)
    sigma_w, sigma_b = _scales(sigma_w, sigma_b)
    return _weight_gradient_profile(_Keyed.of(act), sigma_w, sigma_b, check("depth", depth)).copy()


@lru_cache(maxsize=64)
def _weight_gradient_profile(keyed: _Keyed, sigma_w: float, sigma_b: float, depth: int) -> np.ndarray:
    act = keyed.act
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        q = variance_profile(act, sigma_w, sigma_b, depth)
        grad_h = gradient_profile(act, sigma_w, sigma_b, depth)
        q_eval = np.nan_to_num(q, nan=np.inf)  # evaluated as q = inf (the quadrature's cap)
        m = np.concatenate(([1.0], second_moment(act, q_eval[:-1])))
        size = m * derivative_moment(act, q_eval)
        profile = np.sqrt(size / size[-1]) * grad_h
    profile.flags.writeable = False
    return profile
