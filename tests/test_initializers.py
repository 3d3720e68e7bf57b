import math

import numpy as np
import pytest

from gradnotes import INITIALIZERS

NAMES = sorted(INITIALIZERS)
REQUIRED = {"zeros", "normal", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal", "orthogonal"}

# The textbook formulas, written out independently of the module: variance at gain 1.
VARIANCE = {
    "zeros": lambda n_in, n_out: 0.0,
    "normal": lambda n_in, n_out: 1.0,
    "standard_uniform": lambda n_in, n_out: 1 / (3 * n_in),  # Glorot & Bengio's "standard" init
    "lecun_normal": lambda n_in, n_out: 1 / n_in,
    "lecun_uniform": lambda n_in, n_out: 1 / n_in,
    "xavier_normal": lambda n_in, n_out: 2 / (n_in + n_out),
    "xavier_uniform": lambda n_in, n_out: 2 / (n_in + n_out),
    "he_normal": lambda n_in, n_out: 2 / n_in,
    "he_uniform": lambda n_in, n_out: 2 / n_in,
    "orthogonal": lambda n_in, n_out: 1 / max(n_in, n_out),
}
BOUND = {  # half-width of the uniform schemes
    "standard_uniform": lambda n_in, n_out: 1 / math.sqrt(n_in),
    "lecun_uniform": lambda n_in, n_out: math.sqrt(3 / n_in),
    "xavier_uniform": lambda n_in, n_out: math.sqrt(6 / (n_in + n_out)),
    "he_uniform": lambda n_in, n_out: math.sqrt(6 / n_in),
}


def test_registry_has_the_required_initializers():
    assert REQUIRED <= set(INITIALIZERS)
    assert set(VARIANCE) == set(INITIALIZERS)  # every scheme has an independent formula here


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(300, 200), (200, 300)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_mean_and_std_match_the_formula(name, shape, gain):
    rng = np.random.default_rng(7)
    W = INITIALIZERS[name](*shape, rng, gain=gain)
    assert W.shape == shape
    var = gain**2 * VARIANCE[name](*shape)
    n = W.size
    # standard errors of the sample mean and variance (normal: 2 var^2/n; uniform: 0.8 var^2/n)
    se_mean = math.sqrt(var / n)
    assert abs(W.mean()) <= 4 * se_mean + 1e-15
    assert W.var() == pytest.approx(var, abs=4 * math.sqrt(2 / n) * var + 1e-15)
    assert INITIALIZERS[name].weight_std(*shape, gain) == pytest.approx(math.sqrt(var))


@pytest.mark.parametrize("name", sorted(BOUND))
def test_uniform_schemes_are_uniform_on_their_interval(name):
    W = INITIALIZERS[name](400, 300, np.random.default_rng(1))
    a = BOUND[name](400, 300)
    assert np.abs(W).max() <= a
    assert np.abs(W).max() > 0.99 * a
    counts, _ = np.histogram(W, bins=10, range=(-a, a))
    expected = W.size / 10
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))  # flat


@pytest.mark.parametrize("name", ["normal", "xavier_normal", "he_normal", "lecun_normal"])
def test_normal_schemes_are_gaussian(name):
    W = INITIALIZERS[name](500, 400, np.random.default_rng(2)).ravel()
    W = W / W.std()
    assert np.mean(W**4) == pytest.approx(3.0, abs=0.05)  # kurtosis of a Gaussian


@pytest.mark.parametrize("gain", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("shape", [(64, 64), (100, 40), (40, 100)])
def test_orthogonal(gain, shape):
    W = INITIALIZERS["orthogonal"](*shape, np.random.default_rng(3), gain=gain)
    if shape[0] >= shape[1]:
        np.testing.assert_allclose(W.T @ W, gain**2 * np.eye(shape[1]), atol=1e-12)
    else:
        np.testing.assert_allclose(W @ W.T, gain**2 * np.eye(shape[0]), atol=1e-12)


def test_orthogonal_is_haar_distributed():
    # Without the sign fix, QR gives a biased diagonal; with it, E[W_11] = 0.
    diag = [INITIALIZERS["orthogonal"](8, 8, np.random.default_rng(s))[0, 0] for s in range(2000)]
    assert abs(np.mean(diag)) < 4 * np.std(diag) / math.sqrt(2000)


def test_same_draws_underlie_every_scheme_and_gain():
    W1 = INITIALIZERS["he_normal"](50, 50, np.random.default_rng(0), gain=1.0)
    W2 = INITIALIZERS["he_normal"](50, 50, np.random.default_rng(0), gain=3.0)
    np.testing.assert_allclose(W2, 3 * W1)
    X = INITIALIZERS["xavier_normal"](50, 50, np.random.default_rng(0))
    np.testing.assert_allclose(X * math.sqrt(2), W1)  # xavier = he / sqrt(2) when fan_in == fan_out
    U = INITIALIZERS["he_uniform"](50, 50, np.random.default_rng(0))
    assert np.corrcoef(U.ravel(), W1.ravel())[0, 1] > 0.97  # the uniform draw is a monotone map of the same normals


def test_from_normal_keeps_dtype_and_input():
    z = np.random.default_rng(0).standard_normal((10, 10)).astype(np.float32)
    before = z.copy()
    for init in INITIALIZERS.values():
        W = init.from_normal(z, 2.0)
        assert W.dtype == np.float32
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("name", ["xavier_normal", "he_normal", "lecun_normal", "orthogonal"])
def test_sigma_w(name):
    init = INITIALIZERS[name]
    expected = {"xavier_normal": 1.0, "he_normal": math.sqrt(2), "lecun_normal": 1.0, "orthogonal": 1.0}[name]
    assert init.sigma_w(256, 256, gain=1.5) == pytest.approx(1.5 * expected)


def test_matches_torch_statistics_where_installed():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.empty(256, 512)  # torch: (fan_out, fan_in)
    torch.nn.init.kaiming_normal_(t, nonlinearity="relu")
    ours = INITIALIZERS["he_normal"](512, 256, np.random.default_rng(0))
    assert ours.std() == pytest.approx(float(t.std()), rel=0.02)
    torch.nn.init.xavier_uniform_(t)
    ours = INITIALIZERS["xavier_uniform"](512, 256, np.random.default_rng(0))
    assert np.abs(ours).max() == pytest.approx(float(t.abs().max()), rel=0.01)
