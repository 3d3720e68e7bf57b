"""The theory numbers the book states, recomputed from the papers' definitions by scipy's adaptive quadrature.

Nothing here uses gradnotes' activations or its quadrature: each activation is written again from its paper as a
function of one float, Gaussian expectations are ``scipy.integrate.quad`` (told where the kinks are), fixed points are
found by iterating the length map and polishing with ``brentq``, edges of chaos by ``brentq`` on ``chi_1 - 1``.
Each number is checked twice: the reference must round to what the book prints, and ``gradnotes.theory`` must agree
with the reference to 1e-6 relative. A chapter that changes one of these numbers must change this table too.
"""

import math

import pytest
from scipy import integrate, optimize, stats

from gradnotes import ACTIVATIONS, chains, theory

LAMBDA, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717  # Klambauer et al. 2017


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _normal_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


#: name -> (phi, phi', kinks), from the papers' definitions.
PAPERS = {
    "linear": (lambda x: x, lambda x: 1.0, ()),
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2, ()),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)), ()),
    "relu": (lambda x: max(x, 0.0), lambda x: float(x > 0), (0.0,)),
    "elu": (lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x), (0.0,)),
    "selu": (lambda x: LAMBDA * (x if x > 0 else ALPHA * math.expm1(x)),
             lambda x: LAMBDA * (1.0 if x > 0 else ALPHA * math.exp(x)), (0.0,)),
    "gelu": (lambda x: x * _normal_cdf(x), lambda x: _normal_cdf(x) + x * _normal_pdf(x), ()),
    "silu": (lambda x: x * _sigmoid(x), lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))), ()),
    "softplus": (lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))), _sigmoid, ()),
}


def gauss(f, q, kinks=()):
    """``E[f(sqrt(q) z)]``, ``z ~ N(0, 1)``, by quad on [-12, 12] split at 0 and at the kinks."""
    s = math.sqrt(q)
    cuts = sorted({0.0, *(k / s for k in kinks if abs(k / s) < 12)})
    edges = [-12.0, *cuts, 12.0]
    return sum(integrate.quad(lambda z: f(s * z) * _normal_pdf(z), a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
               for a, b in zip(edges[:-1], edges[1:]))


def length_map(name, sw, sb, q):
    phi, _, kinks = PAPERS[name]
    return sw**2 * gauss(lambda x: phi(x) ** 2, q, kinks) + sb**2


def chi(name, sw, q):
    _, dphi, kinks = PAPERS[name]
    return sw**2 * gauss(lambda x: dphi(x) ** 2, q, kinks)


def q_star(name, sw, sb, q0=1.0, iterations=400):
    """The fixed point reached from ``q0``: iterate, then polish the root of ``V(q) - q`` near the iterate."""
    q = q0
    for _ in range(iterations):
        q = length_map(name, sw, sb, q)
    g = lambda p: length_map(name, sw, sb, p) - p  # noqa: E731
    lo, hi = q / 1.2, q * 1.2
    return optimize.brentq(g, lo, hi, xtol=1e-15, rtol=1e-13) if g(lo) * g(hi) < 0 else q


def chi1(name, sw, sb):
    return chi(name, sw, q_star(name, sw, sb))


def edge(name, sb, bracket):
    return optimize.brentq(lambda sw: chi1(name, sw, sb) - 1, *bracket, xtol=1e-12)


def chi2_expect(f, n):
    """``E[f(X)]`` for ``X ~ chi-square(n)``, integrated where the density lives (it narrows as n grows)."""
    lo, hi = max(0.0, n - 30 * math.sqrt(2 * n)), n + 30 * math.sqrt(2 * n) + 30
    return integrate.quad(lambda x: f(x) * stats.chi2.pdf(x, n), lo, hi, points=[n], limit=400)[0]


def assert_prints_as(value, printed: str):
    """``value`` rounds to ``printed`` (the book's digits)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert f"{value:.{decimals}f}" == printed, (value, printed)


# (where the book says it, the book's digits, the reference, gradnotes' number)
STATED = [
    ("ch5 tanh sigma_w^2 = 2: q*", "0.618", lambda: q_star("tanh", 2**0.5, 0), lambda: theory.fixed_point("tanh", 2**0.5, 0)),
    ("ch5 tanh sigma_w^2 = 2: chi_1", "1.106", lambda: chi1("tanh", 2**0.5, 0), lambda: theory.chi1("tanh", 2**0.5, 0)),
    ("ch5 tanh gain 5/3: chi_1", "1.21", lambda: chi1("tanh", 5 / 3, 0), lambda: theory.chi1("tanh", 5 / 3, 0)),
    ("ch2/ch9 tanh gain 5/3: q*", "1.18", lambda: q_star("tanh", 5 / 3, 0), lambda: theory.fixed_point("tanh", 5 / 3, 0)),
    ("ch5 tanh sigma_b^2 = 0.05: critical sigma_w^2", "1.76", lambda: edge("tanh", 0.05**0.5, (1.0, 2.0)) ** 2,
     lambda: theory.critical_sigma_w("tanh", 0.05**0.5) ** 2),
    ("ch9 tanh critical line, sigma_b = 0.1", "1.193", lambda: edge("tanh", 0.1, (1.0, 2.0)),
     lambda: theory.critical_sigma_w("tanh", 0.1)),
    ("ch9 tanh critical line, sigma_b = 0.3", "1.396", lambda: edge("tanh", 0.3, (1.0, 2.0)),
     lambda: theory.critical_sigma_w("tanh", 0.3)),
    ("ch9 tanh critical line, sigma_b = 1", "1.856", lambda: edge("tanh", 1.0, (1.2, 3.0)),
     lambda: theory.critical_sigma_w("tanh", 1.0)),
    ("ch9 sigmoid: critical sigma_w", "10.15", lambda: edge("sigmoid", 0.0, (5.0, 20.0)),
     lambda: theory.critical_sigma_w("sigmoid")),
    ("ch9/ch10 sigmoid at Xavier's scale: chi_1", "0.056", lambda: chi1("sigmoid", 1, 0), lambda: theory.chi1("sigmoid", 1, 0)),
    ("ch3 sigmoid: sqrt(chi_1)", "0.236", lambda: chi1("sigmoid", 1, 0) ** 0.5, lambda: theory.chi1("sigmoid", 1, 0) ** 0.5),
    ("ch2 sigmoid at gain 1: q*", "0.26", lambda: q_star("sigmoid", 1, 0), lambda: theory.fixed_point("sigmoid", 1, 0)),
    ("ch9 sigmoid at sigma_w = 4: q*", "5.9", lambda: q_star("sigmoid", 4, 0), lambda: theory.fixed_point("sigmoid", 4, 0)),
    ("ch9 sigmoid at sigma_w = 4: chi_1", "0.40", lambda: chi1("sigmoid", 4, 0), lambda: theory.chi1("sigmoid", 4, 0)),
    ("ch5/ch9 SELU with LeCun's rule: chi_1", "1.0716", lambda: chi1("selu", 1, 0), lambda: theory.chi1("selu", 1, 0)),
    ("ch5/ch9 SELU with LeCun's rule: q*", "1.0000", lambda: q_star("selu", 1, 0), lambda: theory.fixed_point("selu", 1, 0)),
    # below SELU's edge q* = 0, so there chi_1 is chi at q -> 0; the edge is where that reaches 1 (iterating the map
    # next to the edge would crawl: the decay of q is critically slow there)
    ("ch5/ch9 SELU: edge of chaos", "0.6905", lambda: optimize.brentq(lambda sw: chi("selu", sw, 1e-16) - 1, 0.6, 0.8),
     lambda: theory.critical_sigma_w("selu", 0.0)),
    ("ch2 SELU at torch's gain 3/4: q*", "0.023", lambda: q_star("selu", 0.75, 0), lambda: theory.fixed_point("selu", 0.75, 0)),
    ("ch2 softplus at its gain: chi_1 at q = 1", "0.32", lambda: chi("softplus", ACTIVATIONS["softplus"].gain, 1.0),
     lambda: theory.chi1("softplus", ACTIVATIONS["softplus"].gain, 0, q=1.0)),
    ("ch2 ELU at its gain: chi_1 at q = 1", "1.04", lambda: chi("elu", ACTIVATIONS["elu"].gain, 1.0),
     lambda: theory.chi1("elu", ACTIVATIONS["elu"].gain, 0, q=1.0)),
    ("ch5 table: tanh 0.8, 0", "0.640", lambda: chi1("tanh", 0.8, 0.0), lambda: theory.chi1("tanh", 0.8, 0.0)),
    ("ch5 table: tanh 1.0, 0.4", "0.635", lambda: chi1("tanh", 1.0, 0.4), lambda: theory.chi1("tanh", 1.0, 0.4)),
    ("ch5 table: tanh 2.0, 0.1", "1.359", lambda: chi1("tanh", 2.0, 0.1), lambda: theory.chi1("tanh", 2.0, 0.1)),
    ("ch5 table: relu 1.2, 0.2", "0.720", lambda: chi1("relu", 1.2, 0.2), lambda: theory.chi1("relu", 1.2, 0.2)),
    ("ch5 table: relu 1.6, 0", "1.280", lambda: chi1("relu", 1.6, 0.0), lambda: theory.chi1("relu", 1.6, 0.0)),
]


@pytest.mark.parametrize("where, printed, reference, ours", STATED, ids=[s[0] for s in STATED])
def test_stated_theory_number(where, printed, reference, ours):
    ref = reference()
    assert_prints_as(ref, printed)
    assert ours() == pytest.approx(ref, rel=1e-6, abs=1e-12)


def test_the_selu_edge_in_closed_form():
    # where q* leaves 0 the slope of the length map at 0 is 1: sigma_w^2 lambda^2 (1 + alpha^2) / 2 = 1
    closed = math.sqrt(2 / (LAMBDA**2 * (1 + ALPHA**2)))
    assert_prints_as(closed, "0.6905")
    assert chi("selu", closed, 1e-16) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("name, printed", [("gelu", "1.534"), ("silu", "1.677"), ("softplus", "1.042"), ("elu", "1.245")])
def test_second_moment_gains(name, printed):
    """ch2: the starred gains are 1 / sqrt(E[phi(z)^2]), so one layer maps q = 1 to q = 1."""
    phi, _, kinks = PAPERS[name]
    gain = gauss(lambda x: phi(x) ** 2, 1.0, kinks) ** -0.5
    assert_prints_as(gain, printed)
    assert ACTIVATIONS[name].gain == pytest.approx(gain, rel=1e-6)
    assert length_map(name, gain, 0.0, 1.0) == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("name, stable", [("gelu", False), ("silu", False), ("softplus", True), ("elu", True)])
def test_stability_of_q_equals_one_at_the_gain(name, stable):
    """ch2: for GELU and SiLU the fixed point q = 1 is unstable (the map's slope there exceeds 1)."""
    gain = ACTIVATIONS[name].gain
    h = 1e-4
    slope = (length_map(name, gain, 0.0, 1 + h) - length_map(name, gain, 0.0, 1 - h)) / (2 * h)
    assert (slope < 1) == stable, slope


def test_tanh_without_bias_decays_polynomially():
    """ch5: at sigma_w = 1, sigma_b = 0 the signal decays like 1/(2l) (q^1 = 1), not geometrically."""
    q = 1.0
    for _ in range(99):
        q = length_map("tanh", 1.0, 0.0, q)
    assert q == pytest.approx(1 / 200, rel=0.05)
    assert theory.variance_profile("tanh", 1.0, 0.0, 100)[-1] == pytest.approx(q, rel=1e-6)


def test_batch_norm_rate():
    """ch6/ch9: Yang et al.'s large-batch rate for ReLU."""
    assert_prints_as(math.pi / (math.pi - 1), "1.4669")
    assert_prints_as(math.sqrt(math.pi / (math.pi - 1)), "1.2112")


@pytest.mark.parametrize("n, printed", [(4, "0.87356"), (16, "0.96860"), (64, "0.99218"), (256, "0.99805")])
def test_lyapunov_factor_per_layer(n, printed):
    """ch1: exp(E[ln ||Gx||/||x||]) with ||Gx||^2 / ||x||^2 = chi2_n / n, by quad over the chi-square density."""
    log_rate = chi2_expect(lambda x: 0.5 * math.log(x / n), n)
    assert_prints_as(math.exp(log_rate), printed)
    assert chains.lyapunov_exponent(n, 1.0) == pytest.approx(log_rate, rel=1e-6)


@pytest.mark.parametrize("n", [4, 16, 64, 128])
def test_log_norm_spread(n):
    """ch1/ch5: the sd of ln ||G_k...G_1 x|| is sqrt(k Var[0.5 ln chi2_n]) (independent steps)."""
    mean = chi2_expect(lambda x: 0.5 * math.log(x), n)
    var = chi2_expect(lambda x: (0.5 * math.log(x) - mean) ** 2, n)
    assert chains.log_norm_std(n, 100) == pytest.approx(math.sqrt(100 * var), rel=1e-6)
