"""Mean-field predictions for a probed network, read from its :class:`~gradnotes.probe.NetworkSpec`."""

from __future__ import annotations

import math

import numpy as np

from ._maps import variance_profile, weight_gradient_profile
from ._quadrature import Q_EVAL_MAX

__all__ = ["predicted_variance", "predicted_grad_norms"]


def predicted_variance(trace):
    """:func:`~gradnotes.theory.variance_profile` for the trace's network, or ``None``.

    ``None`` where mean field does not apply (``trace.spec.mean_field_applies``
    is false: residual or normalized networks). Compare with
    ``trace.preactivation_second_moments``; the probe's inputs are N(0, 1).
    Values past ``1e30`` (where the quadrature stops following q) are ``inf``.

    Examples
    --------
    >>> import gradnotes
    >>> t = gradnotes.simulate(4, 64, "relu", "xavier_normal", batch=8)
    >>> predicted_variance(t)       # sigma_w = 1: ReLU halves q each layer
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    spec = trace.spec
    if not spec.mean_field_applies:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        q = variance_profile(spec.activation, spec.sigma_w, spec.sigma_b, spec.depth)
    return np.where(q < Q_EVAL_MAX, q, np.inf)


def predicted_grad_norms(trace):
    """Mean-field ``||dL/dW_l||``, matched to the measured top layer, or ``None``.

    :func:`~gradnotes.theory.weight_gradient_profile` times the measured
    ``trace.grad_weight_norms[-1]``. ``None`` where mean field does not apply,
    when the measured top-layer gradient is zero or not finite, or when the
    prediction is not finite and positive anywhere.

    Examples
    --------
    >>> import gradnotes, numpy as np
    >>> t = gradnotes.simulate(5, 64, "linear", "xavier_normal", batch=8)
    >>> bool(np.allclose(predicted_grad_norms(t), t.grad_weight_norms[-1]))   # all layers alike
    True
    """
    spec = trace.spec
    top = float(trace.grad_weight_norms[-1])
    if not spec.mean_field_applies or not (math.isfinite(top) and top > 0):
        return None
    profile = weight_gradient_profile(spec.activation, spec.sigma_w, spec.sigma_b, spec.depth)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = profile * top
    if not np.any(np.isfinite(pred) & (pred > 0)):
        return None
    return pred
