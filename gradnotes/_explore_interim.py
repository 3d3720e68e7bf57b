"""TEMPORARY (lead): the old explore theory helpers until gradnotes.theory provides them. Delete after."""
from __future__ import annotations
import math
from functools import lru_cache
import numpy as np
from . import theory
from ._checks import check_int
from .activations import get_activation
from .initializers import get_initializer
_Q_THEORY_MAX = 1e30
# --- mean-field predictions for a Trace ------------------------------------


def mean_field(config: dict):
    """The mean-field description of a probed network, or ``None`` where it does not apply.

    Parameters
    ----------
    config : dict
        ``Trace.config``.

    Returns
    -------
    (Activation, float, float) or None
        The activation (with its parameters), ``sigma_w`` and ``sigma_b``; ``None``
        for residual or normalized networks, which the mean-field recursion of
        :mod:`gradnotes.theory` does not describe.
    """
    if config["residual"] or config["norm"] is not None:
        return None
    act = get_activation(config["activation"], **config["activation_params"])
    width = config["width"]
    sigma_w = get_initializer(config["init"]).sigma_w(width, width, config["gain"])
    return act, sigma_w, config["bias_std"]


def predicted_variance(trace: Trace):
    """``theory.variance_profile`` for the trace's network (``None`` if it does not apply).

    Compare with ``trace.preactivation_second_moments``; the inputs are N(0, 1).
    """
    mf = mean_field(trace.config)
    if mf is None:
        return None
    act, sigma_w, sigma_b = mf
    with np.errstate(over="ignore", invalid="ignore"):
        q = theory.variance_profile(act, sigma_w, sigma_b, trace.depth)
    # theory evaluates its expectations at q <= 1e30 at most, so larger values are not predictions
    return np.where(q < _Q_THEORY_MAX, q, np.inf)


def weight_gradient_profile(activation, sigma_w: float, sigma_b: float, depth: int) -> np.ndarray:
    """Predicted ``||dL/dW_l|| / ||dL/dW_L||`` for layers ``l = 1..depth``.

    ``dL/dW_l = h_{l-1}^T delta_l`` with ``delta_l = phi'(z_l) * dL/dh_l``. When
    the examples of a batch are uncorrelated its squared norm is about
    ``N E[h_{l-1}^2] E[phi'(z_l)^2] ||dL/dh_l||^2``: the gradient profile of
    :func:`gradnotes.theory.gradient_profile` times the size of the layer's input
    and of its local derivative, both read off the mean-field ``q^l``.

    .. math:: \\frac{\\|\\partial L/\\partial W_l\\|}{\\|\\partial L/\\partial W_L\\|}
              = \\sqrt{\\frac{m_{l-1}\\, d_l}{m_{L-1}\\, d_L}}\\,
                \\frac{\\|\\partial L/\\partial h_l\\|}{\\|\\partial L/\\partial h_L\\|},
              \\quad m_{l} = \\mathbb E[\\varphi(\\sqrt{q^{l}}z)^2],\\;
              d_l = \\mathbb E[\\varphi'(\\sqrt{q^l} z)^2],\\; m_0 = 1.

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
    profile = _weight_gradient_profile(act.name, tuple(sorted(act.params.items())),
                                       float(sigma_w), float(sigma_b), check_int("depth", depth, low=1))
    return profile.copy()


@lru_cache(maxsize=64)
def _weight_gradient_profile(name, params, sigma_w, sigma_b, depth):
    act = get_activation(name, **dict(params))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        q = theory.variance_profile(act, sigma_w, sigma_b, depth)
        grad_h = theory.gradient_profile(act, sigma_w, sigma_b, depth)
        q_eval = np.nan_to_num(q, nan=1e300, posinf=1e300)
        m = np.concatenate(([1.0], theory.length_map(act, 1.0, 0.0, q_eval[:-1])))
        d = np.array([theory.chi1(act, 1.0, 0.0, q=float(x)) for x in q_eval])
        size = m * d
        return np.sqrt(size / size[-1]) * grad_h


def predicted_grad_norms(trace: Trace):
    """Mean-field ``||dL/dW_l||``, matched to the measured top layer (``None`` if it does not apply).

    ``None`` also when the measured top-layer gradient is zero or not finite, or
    the prediction itself is not finite and positive anywhere.
    """
    mf = mean_field(trace.config)
    top = float(trace.grad_weight_norms[-1])
    if mf is None or not (math.isfinite(top) and top > 0):
        return None
    profile = weight_gradient_profile(*mf, trace.depth)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = profile * top
    if not np.any(np.isfinite(pred) & (pred > 0)):
        return None
    return pred


#: q values of the tables behind :func:`phase_grid`: 20 per decade from 1e-12 to 1e12.
_Q_TABLE = np.logspace(-12.0, 12.0, 481)


@lru_cache(maxsize=32)
def _moment_tables(name, params):
    """``log E[phi(sqrt(q) z)**2]`` and ``log E[phi'(sqrt(q) z)**2]`` on ``_Q_TABLE``."""
    act = get_activation(name, **dict(params))
    with np.errstate(all="ignore"):
        v = np.asarray(theory.length_map(act, 1.0, 0.0, _Q_TABLE), dtype=float)
        d = np.array([theory.chi1(act, 1.0, 0.0, q=float(q)) for q in _Q_TABLE])
    tiny = np.finfo(float).tiny
    return np.log(np.maximum(v, tiny)), np.log(np.maximum(d, tiny))


def _interp_loglog(q, log_table):
    return np.exp(np.interp(np.log(np.clip(q, _Q_TABLE[0], _Q_TABLE[-1])), np.log(_Q_TABLE), log_table))


def phase_grid(activation, sigma_w, sigma_b) -> np.ndarray:
    """``chi_1`` on a grid, as :func:`gradnotes.theory.phase_diagram`, fast enough for a slider.

    The two Gaussian expectations the mean-field recursion needs,
    ``E[phi(sqrt(q) z)**2]`` and ``E[phi'(sqrt(q) z)**2]``, are tabulated once
    per activation over ``q`` in ``[1e-12, 1e12]`` (20 points per decade,
    interpolated log-log) with :func:`gradnotes.theory.length_map` and
    :func:`gradnotes.theory.chi1`; the fixed point ``q*`` of every grid point is
    then found by the same bracketing and bisection as the theory module, on
    the tables. Agrees with :func:`~gradnotes.theory.phase_diagram` to about
    1e-3 relative (exactly for linear and ReLU-like activations, whose tables are
    straight lines), at ~1/50 of the cost.

    Returns
    -------
    ndarray, shape (len(sigma_b), len(sigma_w))
        Rows follow ``sigma_b``, columns ``sigma_w``, like ``theory.phase_diagram``.

    Examples
    --------
    >>> import numpy as np
    >>> grid = phase_grid("relu", [1.0, 2 ** 0.5, 2.0], [0.0, 0.5])
    >>> np.round(grid, 6)
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]])
    """
    act = get_activation(activation)
    sw, sb = theory.phase_axes(sigma_w, sigma_b)
    log_v, log_d = _moment_tables(act.name, tuple(sorted(act.params.items())))
    sw2, sb2 = np.meshgrid(sw**2, sb**2)

    def g(q):
        return sw2 * _interp_loglog(q, log_v) + sb2 - q

    # Bracket the stable fixed point reached from q = 1, then bisect (as theory._fixed_point).
    lo, hi = np.zeros(sw2.shape), np.ones(sw2.shape)
    growing = g(hi) > 0
    while np.any(growing):
        lo = np.where(growing, hi, lo)
        hi = np.where(growing, hi * 2, hi)
        growing &= (g(hi) > 0) & (hi < _Q_TABLE[-1])
    diverged = g(hi) > 0
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        up = g(mid) >= 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    q = np.where(diverged, _Q_TABLE[-1], 0.5 * (lo + hi))
    chi = sw2 * _interp_loglog(q, log_d)
    chi.flags.writeable = False
    return chi


# --- the numbers behind a picture --------------------------------------------


def summarize(trace: Trace) -> dict:
    """Plain numbers describing a trace, for an explorer's ``state``.

    Keys: ``grad_weight_norms``, ``saturation``, ``dead_units``,
    ``preactivation_second_moments`` (lists, layer 1 first), ``first_last_ratio``
    (``||dL/dW_1|| / ||dL/dW_L||``), ``overflow_layer`` (first forward overflow),
    ``overflowed_layers`` (1-based), ``zero_gradient_layers``, ``sigma_w``,
    ``sigma_b`` and ``chi1`` (``None`` where mean field does not apply).
    """
    g = trace.grad_weight_norms
    with np.errstate(all="ignore"):
        ratio = float(g[0] / g[-1]) if g[-1] != 0 else math.inf if g[0] != 0 else math.nan
    mf = mean_field(trace.config)
    chi = sw = sb = None
    if mf is not None:
        act, sw, sb = mf
        chi = _chi1(act.name, tuple(sorted(act.params.items())), sw, sb)
    return dict(
        grad_weight_norms=g.tolist(),
        first_last_ratio=ratio,
        overflow_layer=trace.overflow_layer,
        overflowed_layers=(np.flatnonzero(trace.overflowed) + 1).tolist(),
        zero_gradient_layers=(np.flatnonzero(g == 0) + 1).tolist(),
        saturation=trace.saturation.tolist(),
        dead_units=trace.dead_units.tolist(),
        preactivation_second_moments=trace.preactivation_second_moments.tolist(),
        sigma_w=sw,
        sigma_b=sb,
        chi1=chi,
    )


@lru_cache(maxsize=256)
def _chi1(name, params, sigma_w, sigma_b):
    with np.errstate(all="ignore"):
        return theory.chi1(get_activation(name, **dict(params)), sigma_w, sigma_b)
