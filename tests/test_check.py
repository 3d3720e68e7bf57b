"""The exercise checks: right answers pass, wrong ones fail with a useful message, stubs are 'not attempted'."""

import math

import numpy as np
import pytest

from gradnotes import check, theory
from gradnotes.check import CHAPTERS, EXERCISES


def _stub(*args):
    raise NotImplementedError("replace this line")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def chain(phi, dphi, x0, weight, depth):
    z, d = x0, 1.0
    for _ in range(depth):
        d *= weight * dphi(z)
        z = weight * phi(z)
    return d


def backward(g, z, h_prev, W, dphi):
    delta = g * dphi(z)
    return delta @ W.T, h_prev.T @ delta


def clip(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    return [g * (max_norm / total) if total > max_norm else g.copy() for g in grads]


def relu_q(q1, sw, sb, depth):
    q = [q1]
    for _ in range(depth - 1):
        q.append(sw**2 * q[-1] / 2 + sb**2)
    return np.array(q)


def layer_norm(z, eps=1e-5):
    return (z - z.mean(1, keepdims=True)) / np.sqrt(z.var(1, keepdims=True) + eps)


def residual_backward(g, z, h_prev, W, dphi, alpha):
    delta = alpha * g * dphi(z)
    return g + delta @ W.T, h_prev.T @ delta


def adam(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_without_bias_correction(p, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * m / (np.sqrt(v) + eps), m, v


RIGHT = {
    "sigmoid_chain_bound": lambda: 0.25**20,
    "chain_derivative": chain,
    "width_for_one_percent": lambda: 51,
    "relu_zero_gradient_share": lambda: 0.5,
    "silu_derivative": lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
    "gelu_peak": lambda: math.sqrt(2),
    "sigmoid_vanishing_ratio": lambda: 1e-18,
    "backward_step": backward,
    "sigmoid_depth_threshold": lambda: 12,
    "linear_rnn_growth": lambda: 117,
    "clip_by_norm": clip,
    "critical_gain_tanh": lambda: math.sqrt(1.76),
    "relu_xavier_signal": lambda: 2e-9,
    "he_normal": lambda fan_in, fan_out, rng: rng.normal(0, math.sqrt(2 / fan_in), size=(fan_in, fan_out)),
    "relu_variance_recursion": relu_q,
    "batchnorm_scale_invariance": lambda: 1.0,
    "layer_norm": layer_norm,
    "batchnorm_growth_factor": lambda: 1.206,
    "residual_paths": lambda: 1024,
    "residual_backward": residual_backward,
    "residual_scale_limit": lambda: 0.148,
    "initial_loss": lambda: math.log(5),
    "adam_step": adam,
    "adam_lr_for_ratio": lambda: 4e-4,
    "relu_xavier_shrink": lambda: 2.0**-20,
    "leaky_relu_chi1": lambda sigma_w, a: sigma_w**2 * (1 + a**2) / 2,
    "sigmoid_critical_gain": lambda: theory.critical_sigma_w("sigmoid"),
    "adam_tiny_step": lambda: 1e-15 / (1e-12 + 1e-8),
    "steps_to_halve": lambda lr, wd: int(np.ceil(np.log(0.5) / np.log1p(-lr * wd))),
    "adam_eps_rescue": lambda: 0.52,
}

WRONG = {  # plausible mistakes, each must fail
    "sigmoid_chain_bound": lambda: 0.5**20,
    "chain_derivative": lambda phi, dphi, x0, w, depth: chain(phi, dphi, x0, 1.0, depth),
    "width_for_one_percent": lambda: 100,
    "relu_zero_gradient_share": lambda: 0.0,
    "silu_derivative": lambda x: _sigmoid(x),
    "gelu_peak": lambda: 0.0,
    "sigmoid_vanishing_ratio": lambda: 0.25,
    "backward_step": lambda g, z, h, W, dphi: (g @ W.T, h.T @ g),
    "sigmoid_depth_threshold": lambda: 30,
    "linear_rnn_growth": lambda: 1.1,
    "clip_by_norm": lambda grads, m: [np.clip(g, -m, m) for g in grads],
    "critical_gain_tanh": lambda: 1.0,
    "relu_xavier_signal": lambda: 1.0,
    "he_normal": lambda fan_in, fan_out, rng: rng.normal(0, math.sqrt(1 / fan_in), size=(fan_in, fan_out)),
    "relu_variance_recursion": lambda q1, sw, sb, depth: np.full(depth, q1),
    "batchnorm_scale_invariance": lambda: 10.0,
    "layer_norm": lambda z, eps=1e-5: (z - z.mean(0)) / np.sqrt(z.var(0) + eps),
    "batchnorm_growth_factor": lambda: 1.0,
    "residual_paths": lambda: 10,
    "residual_backward": lambda g, z, h, W, dphi, a: backward(g, z, h, W, dphi),
    "residual_scale_limit": lambda: 1.0,
    "initial_loss": lambda: math.log(3),
    "adam_step": adam_without_bias_correction,
    "adam_lr_for_ratio": lambda: 3e-3,
    "relu_xavier_shrink": lambda: 0.5,
    "leaky_relu_chi1": lambda sigma_w, a: sigma_w**2 / 2,
    "sigmoid_critical_gain": lambda: 4.0,
    "adam_tiny_step": lambda: 1e-3,  # "Adam's steps are always about lr"
    "steps_to_halve": lambda lr, wd: int(0.5 / (lr * wd)),  # linear instead of geometric shrinking
    "adam_eps_rescue": lambda: 0.99,
}


def test_every_exercise_has_a_right_and_a_wrong_answer_here():
    assert set(RIGHT) == set(EXERCISES) == set(WRONG)


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_each_chapter_module_declares_its_exercises_in_book_order(chapter):
    exercises = CHAPTERS[chapter]
    number = int(chapter[:2])
    assert [ex.number for ex in exercises] == [f"{number}.{k}" for k in range(1, len(exercises) + 1)]
    assert len(exercises) == 3 and all(ex.chapter == chapter for ex in exercises)
    assert all(isinstance(ex.points, int) and ex.points >= 1 for ex in exercises)
    module = __import__(f"gradnotes.check._ch{number:02d}", fromlist=["CHAPTER"])
    assert module.CHAPTER == chapter and module.EXERCISES == exercises


def test_the_registries_are_read_only_and_agree():
    assert list(EXERCISES) == [ex.name for exercises in CHAPTERS.values() for ex in exercises]
    assert all(EXERCISES[ex.name] is ex for exercises in CHAPTERS.values() for ex in exercises)
    with pytest.raises(TypeError):
        EXERCISES["clip_by_norm"] = None
    with pytest.raises(TypeError):
        CHAPTERS["99_extra"] = ()
    with pytest.raises(AttributeError):
        EXERCISES["clip_by_norm"].points = 100


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_right_answers_pass(name):
    result = getattr(check, name)(RIGHT[name])
    assert result.status == "passed", repr(result)
    assert result.cases_passed == result.cases_total >= 1
    assert repr(result).startswith("✔ Exercise")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_wrong_answers_fail_with_a_message_and_a_hint(name):
    result = getattr(check, name)(WRONG[name])
    assert result.status == "failed", repr(result)
    assert result.message and result.hint in repr(result)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_stubs_are_not_attempted_and_do_not_crash(name):
    result = getattr(check, name)(_stub)
    assert result.status == "not attempted"
    assert "not attempted yet" in repr(result)


def test_an_answer_that_raises_is_an_error_not_a_crash():
    result = check.clip_by_norm(lambda grads, m: 1 / 0)
    assert result.status == "error" and "ZeroDivisionError" in result.message


def test_a_non_function_answer_is_explained():
    result = check.he_normal(np.zeros((3, 3)))
    assert result.status == "error" and "expected a function" in result.message


def test_predictions_reveal_only_the_direction():
    result = check.sigmoid_vanishing_ratio(lambda: 1e-5)
    assert "too large" in result.message
    assert "e-18" not in repr(result) and "1.3" not in repr(result)


def test_he_normal_must_use_the_given_rng():
    result = check.he_normal(lambda fan_in, fan_out, rng: np.random.default_rng().normal(
        0, math.sqrt(2 / fan_in), (fan_in, fan_out)))
    assert result.status == "failed" and "same rng seed" in result.message


def test_clip_must_not_modify_its_input():
    def in_place(grads, max_norm):
        total = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
        for g in grads:
            g *= min(1.0, max_norm / total)
        return grads
    assert "changed the gradients" in check.clip_by_norm(in_place).message


def test_results_display_as_html_and_json():
    result = check.gelu_peak(RIGHT["gelu_peak"])
    bundle = result._repr_mimebundle_()
    assert bundle[check.MIME]["status"] == "passed"
    assert "<div" in bundle["text/html"] and bundle["text/plain"] == repr(result)


def test_unknown_exercise_names_are_listed():
    with pytest.raises(AttributeError, match="clip_by_norm"):
        check.clip_by_nrom  # noqa: B018


def test_reference_numbers_of_the_investigations():
    assert theory.critical_sigma_w("tanh", math.sqrt(0.05)) == pytest.approx(math.sqrt(1.76), rel=2e-3)


class _EqualToEverything(float):
    """A cheat: an object that claims to equal (and be close to) anything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __lt__(self, other):
        return True

    __le__ = __gt__ = __ge__ = __lt__

    def __abs__(self):
        return _EqualToEverything(0.0)

    def __sub__(self, other):
        return _EqualToEverything(0.0)

    __rsub__ = __truediv__ = __rtruediv__ = __sub__


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_an_object_equal_to_everything_earns_nothing(name):
    cheat = _EqualToEverything(7.25)  # a float that answers no exercise
    result = getattr(check, name)(lambda *args: cheat)
    assert result.status != "passed", repr(result)


def test_activations_are_handed_over_by_name():
    from gradnotes.check._core import Phi

    assert Phi("tanh", scalar=True)(0.5) == pytest.approx(math.tanh(0.5))
    assert Phi("sigmoid", derivative=True)(np.zeros(3)) == pytest.approx(np.full(3, 0.25))
