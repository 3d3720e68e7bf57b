import numpy as np
import pytest

from gradnotes.clipping import CLIPPERS, clip, clip_by_norm, total_norm


def grads(rng):
    return [rng.normal(size=(3, 4)) * 5, rng.normal(size=7)]


def test_clip_by_norm_keeps_direction_and_caps_the_total_norm(rng):
    g = grads(rng)
    out = clip(g, "norm", 1.0)
    assert total_norm(out) == pytest.approx(1.0)
    for a, b in zip(g, out):
        np.testing.assert_allclose(b, a / total_norm(g))
    small = clip([x * 1e-3 for x in g], "norm", 1.0)
    np.testing.assert_allclose(small[0], g[0] * 1e-3)  # below the threshold: untouched


def test_clip_by_value_caps_each_entry(rng):
    g = grads(rng)
    out = clip(g, "value", 0.5)
    assert max(np.abs(x).max() for x in out) <= 0.5
    cos = sum(np.sum(a * b) for a, b in zip(g, out)) / (total_norm(g) * total_norm(out))
    assert cos < 0.999  # the direction changed


def test_inputs_are_not_modified(rng):
    g = grads(rng)
    before = [x.copy() for x in g]
    for method in CLIPPERS:
        clip(g, method, 0.1)
    for a, b in zip(g, before):
        np.testing.assert_array_equal(a, b)


def test_matches_torch(rng):
    torch = pytest.importorskip("torch")
    g = grads(rng)
    params = [torch.zeros(x.shape, dtype=torch.float64, requires_grad=True) for x in g]
    for p, x in zip(params, g):
        p.grad = torch.tensor(x)
    norm = torch.nn.utils.clip_grad_norm_(params, 2.0)
    assert float(norm) == pytest.approx(total_norm(g))
    for p, x in zip(params, clip_by_norm(g, 2.0)):
        np.testing.assert_allclose(p.grad.numpy(), x, rtol=1e-6)
    for p, x in zip(params, g):
        p.grad = torch.tensor(x)
    torch.nn.utils.clip_grad_value_(params, 0.3)
    for p, x in zip(params, clip(g, "value", 0.3)):
        np.testing.assert_allclose(p.grad.numpy(), x)


@pytest.mark.parametrize("call, words", [
    (lambda: clip([np.ones(2)], "l2", 1.0), ["method='l2'", "norm", "value"]),
    (lambda: clip([np.ones(2)], "norm", 0.0), ["threshold=0.0"]),
])
def test_bad_input(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert all(w in str(info.value) for w in words)
