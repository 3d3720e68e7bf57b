"""Bad input gets a clear error that names the parameter, the value and what is allowed."""

import re

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, INITIALIZERS, clipping, draw_noise, get_activation, simulate, theory

BAD_CALLS = [
    # (call, exception, words the message must contain)
    (lambda: simulate(0, 16), ValueError, ["depth=0", "[1, 1000]"]),
    (lambda: simulate(5000, 16), ValueError, ["depth=5000", "[1, 1000]"]),
    (lambda: simulate(2.5, 16), TypeError, ["depth", "2.5", "integer"]),
    (lambda: simulate(True, 16), TypeError, ["depth", "True", "integer"]),
    (lambda: simulate(3, -4), ValueError, ["width=-4", "[1, 8192]"]),
    (lambda: simulate(3, "64"), TypeError, ["width", "'64'", "integer"]),
    (lambda: simulate(3, 16, "tahn"), ValueError, ["activation='tahn'", "tanh", "relu"]),
    (lambda: simulate(3, 16, 7), TypeError, ["activation", "7", "string"]),
    (lambda: simulate(3, 16, init="kaiming"), ValueError, ["init='kaiming'", "he_normal"]),
    (lambda: simulate(3, 16, gain=-1.0), ValueError, ["gain=-1.0", "[0, 1000]"]),
    (lambda: simulate(3, 16, gain=float("nan")), ValueError, ["gain=nan", "finite"]),
    (lambda: simulate(3, 16, gain="big"), TypeError, ["gain", "'big'", "real number"]),
    (lambda: simulate(3, 16, bias_std=-0.1), ValueError, ["bias_std=-0.1"]),
    (lambda: simulate(3, 16, batch=0), ValueError, ["batch=0", "[1, 65536]"]),
    (lambda: simulate(3, 16, batch=1, norm="batch"), ValueError, ["batch=1", "norm='batch'", "batch >= 2"]),
    (lambda: simulate(3, 1, norm="layer"), ValueError, ["width=1", "norm='layer'"]),
    (lambda: simulate(3, 16, norm="group"), ValueError, ["norm='group'", "batch", "layer"]),
    (lambda: simulate(3, 16, residual="yes"), ValueError, ["residual='yes'", "'pre'", "'post'", "True", "None"]),
    (lambda: simulate(3, 16, residual=1), TypeError, ["residual", "1", "int", "'pre'"]),
    (lambda: simulate(3, 16, dtype="float16"), ValueError, ["dtype='float16'", "float32", "float64"]),
    (lambda: simulate(3, 16, seed=-1), ValueError, ["seed=-1"]),
    (lambda: simulate(3, 16, seed=1.5), TypeError, ["seed", "1.5", "integer"]),
    (lambda: simulate(1000, 8192, batch=65536), ValueError, ["GiB", "depth=1000", "width=8192", "smaller"]),
    (lambda: simulate(3, 16, noise=np.zeros(3)), TypeError, ["noise", "ndarray"]),
    (lambda: simulate(30, 16, batch=8, noise=draw_noise(10, 16, 8, 0)), ValueError, ["noise=", "depth=30"]),
    (lambda: get_activation("leaky_relu", negative_slope=2.0), ValueError, ["negative_slope=2.0", "[0, 1]"]),
    (lambda: get_activation("elu", beta=1.0), ValueError, ["parameter name='beta'", "alpha"]),
    (lambda: get_activation("tanh", alpha=1.0), ValueError, ["parameter name='alpha'"]),
    (lambda: ACTIVATIONS["tanh"](np.array(["a"])), TypeError, ["numeric"]),
    (lambda: INITIALIZERS["he_normal"](0, 10, np.random.default_rng(0)), ValueError, ["fan_in=0"]),
    (lambda: INITIALIZERS["he_normal"](10, 10, 0), TypeError, ["rng", "Generator", "default_rng"]),
    (lambda: INITIALIZERS["he_normal"](10, 10, np.random.default_rng(0), gain=-2), ValueError, ["gain=-2"]),
    (lambda: INITIALIZERS["he_normal"](60000, 60000, np.random.default_rng(0)), ValueError, ["fan_in * fan_out"]),
    (lambda: theory.chi1("tanh", -1.0, 0.0), ValueError, ["sigma_w=-1.0"]),
    (lambda: theory.fixed_point("relu", 1.0, float("inf")), ValueError, ["sigma_b=inf"]),
    (lambda: theory.fixed_point("relu", 1.0, 0.0, q0=0.0), ValueError, ["q0=0.0", "(0,"]),
    (lambda: theory.variance_profile("tanh", 1.0, 0.0, depth=0), ValueError, ["depth=0"]),
    (lambda: theory.critical_sigma_w("sigmod"), ValueError, ["activation='sigmod'", "sigmoid"]),
    (lambda: theory.phase_diagram("tanh", [[1.0]], [0.0]), ValueError, ["sigma_w", "1-D"]),
    (lambda: theory.phase_diagram("tanh", [1.0], [-0.1]), ValueError, ["sigma_b", ">= 0"]),
    (lambda: draw_noise(3, 4, 5, seed="x"), TypeError, ["seed", "'x'"]),
    # registries say what they know, and suggest the closest name
    (lambda: ACTIVATIONS["tanhh"], KeyError, ["activation 'tanhh'", "did you mean 'tanh'", "relu"]),
    (lambda: INITIALIZERS["he"], KeyError, ["init 'he'", "he_normal"]),
    (lambda: simulate(3, 16, "tahn"), ValueError, ["did you mean 'tanh'"]),
    # clipping takes a list of arrays and a positive threshold
    (lambda: clipping.clip_by_norm([np.ones(3)], threshold=-1), ValueError, ["threshold=-1.0", "(0, inf]"]),
    (lambda: clipping.clip_by_norm(np.ones(3), 1.0), TypeError, ["grads", "list", "[g]"]),
    (lambda: clipping.clip_by_value([np.ones(3)], 0.0), ValueError, ["threshold=0.0"]),
    (lambda: clipping.clip([np.array(["a"])], "norm"), TypeError, ["grads[0]", "numeric"]),
    (lambda: theory.phase_diagram("tanh", np.linspace(0, 4, 100000), np.linspace(0, 1, 100000)), ValueError,
     ["len(sigma_w)=100000", "at most 250000 points"]),
]


@pytest.mark.parametrize("call, exc, words", BAD_CALLS, ids=[f"bad{i}" for i in range(len(BAD_CALLS))])
def test_bad_input_gets_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    # raised by gradnotes itself, not deep inside numpy
    assert "gradnotes" in info.traceback[-1].path.as_posix()
