"""An independent reference for the mean-field theory tests: scipy's adaptive quadrature.

``scipy.integrate.quad`` (QUADPACK's adaptive Gauss-Kronrod) shares nothing with
``gradnotes.theory._quadrature`` (fixed piecewise Gauss-Legendre) except the
integrand; it is told where the integrand is not smooth (the kinks) and where
its scale changes (``+-{1, 5, 20}/sqrt(q)``), as any user of ``quad`` would.
"""

import math
import warnings

import numpy as np
from scipy import integrate

from gradnotes.activations import Activation


def reference_expectation(f, q, kinks=()):
    """``E[f(sqrt(q) z)]`` for ``z ~ N(0, 1)`` by ``scipy.integrate.quad`` (``f`` on scalars)."""
    s = math.sqrt(q)
    marks = {0.0, *(k / s for k in kinks), *(c / s for c in (-20.0, -5.0, -1.0, 1.0, 5.0, 20.0))}
    edges = [-40.0, *sorted(m for m in marks if -40.0 < m < 40.0), 40.0]
    density = 1.0 / math.sqrt(2.0 * math.pi)

    def integrand(z):
        return float(f(np.array(s * z))) * math.exp(-0.5 * z * z) * density

    with warnings.catch_warnings():  # 1e-12 is at roundoff for some pieces; the tests compare at 1e-6 or 1e-9
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return sum(integrate.quad(integrand, a, b, epsabs=0.0, epsrel=1e-12, limit=400)[0]
                   for a, b in zip(edges[:-1], edges[1:]))


def reference_length_map(act, sigma_w, sigma_b, q):
    return sigma_w**2 * reference_expectation(lambda x: act(x) ** 2, q, act.kinks) + sigma_b**2


def reference_chi1(act, sigma_w, q):
    return sigma_w**2 * reference_expectation(lambda x: act.derivative(x) ** 2, q, act.kinks)


def _hard_tanh(x, out):
    return np.clip(x, -1.0, 1.0, out=out)


def _hard_tanh_d(x, out):
    out[...] = np.abs(x) < 1.0
    return out


#: A hard-tanh, ``clip(x, -1, 1)``: not in the registry, kinked at +-1 (not at 0).
HARD_TANH = Activation("hard_tanh", "Hard tanh", r"\mathrm{clip}(x, -1, 1)", r"[|x| < 1]",
                       _hard_tanh, _hard_tanh_d, kinks=(-1.0, 1.0), bounded=(True, True))


def normal_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
