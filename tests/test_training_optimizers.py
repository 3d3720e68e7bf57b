"""gradnotes.training._optimizers against steps worked out by hand and against torch.optim, step for step."""

import math

import numpy as np
import pytest

from gradnotes.training import OPTIMIZERS, SGD, Adam, AdamW, Momentum, RMSprop, get_optimizer


def run(opt, p0, grads):
    """Apply ``opt`` to one parameter array for each gradient in turn; return the trajectory."""
    p = np.array(p0, dtype=float)
    out = []
    for g in grads:
        opt.step([p], [np.array(g, dtype=float)])
        out.append(p.copy())
    return np.array(out)


# -- hand-computed steps -------------------------------------------------------------


def test_sgd_by_hand():
    # p = 1 - 0.1 * 2 = 0.8, then 0.8 - 0.1 * (-1) = 0.9
    np.testing.assert_allclose(run(SGD(lr=0.1), [1.0], [[2.0], [-1.0]]).ravel(), [0.8, 0.9], rtol=1e-15)


def test_sgd_weight_decay_by_hand():
    # coupled L2: g = 0.5 + 0.1 * 2 = 0.7, p = 2 - 0.1 * 0.7 = 1.93
    np.testing.assert_allclose(run(SGD(lr=0.1, weight_decay=0.1), [2.0], [[0.5]]).ravel(), [1.93], rtol=1e-15)


def test_momentum_by_hand():
    # torch's convention: b_1 = g_1, b_t = 0.9 b_{t-1} + g_t, p -= lr * b_t
    # b = 1, 2.9, 1.61;  p = 1 - 0.1, 0.9 - 0.29, 0.61 - 0.161
    traj = run(Momentum(lr=0.1, momentum=0.9), [1.0], [[1.0], [2.0], [-1.0]]).ravel()
    np.testing.assert_allclose(traj, [0.9, 0.61, 0.449], rtol=1e-14)


def test_nesterov_by_hand():
    # steps use g_t + 0.9 b_t: 1 + 0.9 * 1 = 1.9, then 2 + 0.9 * 2.9 = 4.61
    traj = run(SGD(lr=0.1, momentum=0.9, nesterov=True), [1.0], [[1.0], [2.0]]).ravel()
    np.testing.assert_allclose(traj, [0.81, 0.349], rtol=1e-14)


def test_rmsprop_by_hand():
    # v_1 = 0.01 * 9 = 0.09, step 0.01 * 3 / (0.3 + 1e-8);
    # v_2 = 0.99 * 0.09 + 0.01 * 1 = 0.0991, step 0.01 * (-1) / (sqrt(0.0991) + 1e-8)
    traj = run(RMSprop(lr=0.01), [1.0], [[3.0], [-1.0]]).ravel()
    p1 = 1 - 0.01 * 3 / (0.3 + 1e-8)
    p2 = p1 + 0.01 / (math.sqrt(0.0991) + 1e-8)
    np.testing.assert_allclose(traj, [p1, p2], rtol=1e-14)
    assert traj[0] == pytest.approx(0.9, abs=1e-8)
    assert traj[1] == pytest.approx(0.931766, abs=1e-6)


def test_adam_by_hand():
    # step 1: m = 0.2, v = 0.004, m_hat = 2, v_hat = 4: p = 1 - 0.1 * 2 / (2 + 1e-8)
    # step 2: m = 0.9*0.2 + 0.1*(-1) = 0.08, v = 0.999*0.004 + 0.001*1 = 0.004996,
    #         m_hat = 0.08 / 0.19, v_hat = 0.004996 / 0.001999
    traj = run(Adam(lr=0.1), [1.0], [[2.0], [-1.0]]).ravel()
    p1 = 1 - 0.1 * 2 / (2 + 1e-8)
    p2 = p1 - 0.1 * (0.08 / 0.19) / (math.sqrt(0.004996 / 0.001999) + 1e-8)
    np.testing.assert_allclose(traj, [p1, p2], rtol=1e-12)
    # m is still positive after the gradient flipped sign: the parameter keeps going down
    assert traj[1] == pytest.approx(0.873366, abs=1e-6)


def test_adam_first_step_is_lr_times_sign():
    # m_hat / sqrt(v_hat) = g / |g|: a vanishing gradient moves as far as a large one
    p = run(Adam(lr=0.01, eps=0.0), [0.0, 0.0, 0.0], [[1e-12, -3.0, 40.0]])[0]
    np.testing.assert_allclose(p, [-0.01, 0.01, -0.01], rtol=1e-12)


def test_adamw_decays_before_the_step():
    # p = 1 * (1 - 0.1 * 0.1) = 0.99, then the Adam step of size ~0.1
    p = run(AdamW(lr=0.1, weight_decay=0.1, eps=0.0), [1.0], [[2.0]]).ravel()
    np.testing.assert_allclose(p, [0.89], rtol=1e-14)
    # coupled decay instead enters the gradient, and Adam's first step ignores its size
    p = run(Adam(lr=0.1, weight_decay=0.1, eps=0.0), [1.0], [[2.0]]).ravel()
    np.testing.assert_allclose(p, [0.9], rtol=1e-14)


def test_state_is_kept_per_array_and_grads_are_not_modified():
    a, b = np.ones(3), np.ones((2, 2))
    ga, gb = np.full(3, 0.5), np.full((2, 2), -2.0)
    opt = Momentum(lr=0.1)
    for _ in range(2):
        opt.step([a, b], [ga, gb])
    # b = g, then 1.9 g: p = 1 - 0.1 * 2.9 * g
    np.testing.assert_allclose(a, 1 - 0.29 * 0.5)
    np.testing.assert_allclose(b, 1 + 0.29 * 2.0)
    assert (ga == 0.5).all() and (gb == -2.0).all()
    assert opt.steps == 2


def test_updates_are_in_place_on_views():
    flat = np.ones(6)
    views = [flat[:2], flat[2:].reshape(2, 2)]
    Adam(lr=0.5).step(views, [np.ones(2), np.ones((2, 2))])
    np.testing.assert_allclose(flat, 0.5, rtol=1e-7)


# -- against torch.optim ---------------------------------------------------------------

TORCH_CASES = [
    ("sgd", dict(lr=0.1), "SGD", dict(lr=0.1)),
    ("sgd", dict(lr=0.1, weight_decay=0.05), "SGD", dict(lr=0.1, weight_decay=0.05)),
    ("momentum", dict(lr=0.05), "SGD", dict(lr=0.05, momentum=0.9)),
    ("momentum", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01), "SGD",
     dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("momentum", dict(lr=0.05, nesterov=True, weight_decay=0.01), "SGD",
     dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("rmsprop", dict(), "RMSprop", dict()),
    ("rmsprop", dict(lr=0.003, alpha=0.9, weight_decay=0.1), "RMSprop", dict(lr=0.003, alpha=0.9, weight_decay=0.1)),
    ("rmsprop", dict(momentum=0.5, centered=True, eps=1e-3), "RMSprop", dict(momentum=0.5, centered=True, eps=1e-3)),
    ("adam", dict(), "Adam", dict()),
    ("adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), "Adam",
     dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("adamw", dict(lr=0.01), "AdamW", dict(lr=0.01)),
    ("adam", dict(lr=0.01, weight_decay=0.2, decoupled_weight_decay=True), "AdamW", dict(lr=0.01, weight_decay=0.2)),
]


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 2e-6)])
@pytest.mark.parametrize("name, ours, torch_name, theirs", TORCH_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TORCH_CASES)])
def test_matches_torch_optim(name, ours, torch_name, theirs, dtype, rtol):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    shapes = [(5, 4), (4,), (3, 1)]
    params = [rng.standard_normal(s).astype(dtype) for s in shapes]
    tparams = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = get_optimizer(name, **ours)
    topt = getattr(torch.optim, torch_name)(tparams, **theirs)
    for step in range(6):
        # gradients of very different sizes, and a sign change, so every term matters
        grads = [(rng.standard_normal(s) * 10.0 ** rng.integers(-4, 2)).astype(dtype) for s in shapes]
        opt.step(params, grads)
        for tp, g in zip(tparams, grads):
            tp.grad = torch.tensor(g)
        topt.step()
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=rtol, atol=rtol * 1e-3,
                                       err_msg=f"step {step}")


def test_registry_names_and_defaults_match_torch():
    assert list(OPTIMIZERS) == ["sgd", "momentum", "rmsprop", "adam", "adamw"]
    assert (SGD().lr, RMSprop().lr, Adam().lr, AdamW().lr, AdamW().weight_decay) == (1e-3, 1e-2, 1e-3, 1e-3, 1e-2)
    assert Momentum().momentum == 0.9 and SGD().momentum == 0.0
    assert repr(Adam()) == "Adam(lr=0.001, weight_decay=0, betas=(0.9, 0.999), eps=1e-08)"


# -- bad input ---------------------------------------------------------------------------

BAD = [
    (lambda: get_optimizer("adamm"), ValueError, ["optimizer='adamm'", "adam", "rmsprop"]),
    (lambda: get_optimizer("sgd", momentm=0.9), ValueError, ["'momentm'", "optimizer='sgd'", "momentum"]),
    (lambda: SGD(lr=-0.1), ValueError, ["lr=-0.1", "[0, inf]"]),
    (lambda: SGD(lr="fast"), TypeError, ["lr", "'fast'", "real number"]),
    (lambda: Momentum(momentum=1.5), ValueError, ["momentum=1.5", "[0, 1]"]),
    (lambda: SGD(lr=0.1, nesterov=True), ValueError, ["nesterov=True", "momentum > 0"]),
    (lambda: Adam(betas=(0.9, 1.0)), ValueError, ["betas=(0.9, 1.0)", "[0, 1)"]),
    (lambda: Adam(betas=0.9), TypeError, ["betas", "pair"]),
    (lambda: RMSprop(eps=-1.0), ValueError, ["eps=-1.0"]),
    (lambda: SGD().step([np.ones(2)], []), ValueError, ["same length", "1 and 0"]),
    (lambda: SGD().step([np.ones(2)], [np.ones(3)]), ValueError, ["grads[0]", "(3,)", "(2,)"]),
    (lambda: SGD().step([[1.0, 2.0]], [np.ones(2)]), TypeError, ["params[0]", "writeable float ndarray", "list"]),
    (lambda: SGD().step([np.ones(2, dtype=int)], [np.ones(2)]), TypeError, ["params[0]"]),
]


@pytest.mark.parametrize("call, exc, words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_input(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


def test_stepping_with_a_different_list_is_refused():
    opt = Adam()
    opt.step([np.ones(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="same list at every step"):
        opt.step([np.ones(2), np.ones(2)], [np.ones(2), np.ones(2)])
