"""gradnotes.training._config: one checked, frozen description of a run; bad values name the parameter."""

import dataclasses

import numpy as np
import pytest

from gradnotes.training import MAX_STEPS, TrainingConfig, spirals, train
from gradnotes.training._loop import DEFAULTS


def build(**changes):
    return TrainingConfig.build(300, 2, 3, **{**DEFAULTS, **changes})


def test_defaults_are_trains_and_come_out_canonical():
    c = build()
    assert c == train(*spirals(100, seed=0), steps=1).config.replace(steps=500, eval_every=None)
    assert (c.depth, c.width, c.activation, c.init, c.optimizer, c.lr, c.steps) == (6, 64, "tanh", "xavier_normal",
                                                                                   "adam", 1e-3, 500)
    assert c.eval_every == 25 and c.batch_size is None and c.clip is None and c.norm is None
    assert dict(c.optimizer_options) == {} and dict(c.activation_params) == {}


def test_none_is_the_one_spelling_of_no_clipping_and_no_norm():
    assert build(clip="none").clip is None and build(clip=None).clip is None
    assert build(norm="none").norm is None
    assert build(clip="norm").clip == "norm"


def test_values_are_converted_once():
    c = build(gain=2, lr=1, l1=0, dropout=0, activation="leaky_relu", optimizer_options={"betas": [0.8, 0.9]})
    assert isinstance(c.gain, float) and isinstance(c.lr, float) and c.dropout == 0.0
    assert dict(c.activation_params) == {"negative_slope": 0.01}
    assert c.optimizer_options["betas"] == [0.8, 0.9]


def test_reads_like_a_mapping_and_cannot_change():
    c = build(depth=3)
    assert c["depth"] == c.depth == 3 and c.get("nonsense", 7) == 7 and "lr" in c
    assert list(c)[:3] == ["depth", "width", "activation"] and len(c) == len(dataclasses.fields(c))
    with pytest.raises(KeyError):
        c["nonsense"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.depth = 4
    with pytest.raises(TypeError):
        c.optimizer_options["lr"] = 1.0


def test_arguments_give_the_same_run_again():
    X, y = spirals(30, seed=2)
    first = train(X, y, depth=3, width=8, activation="leaky_relu", optimizer="rmsprop",
                  optimizer_options={"momentum": 0.5}, clip="value", clip_threshold=0.1, steps=5, seed=4)
    again = train(X, y, **first.config.arguments())
    assert again.config == first.config
    np.testing.assert_array_equal(again.losses, first.losses)
    np.testing.assert_array_equal(again.model.params, first.model.params)


def test_replace_checks_again():
    c = build()
    assert c.replace(width=16).width == 16 and c.replace(width=16).depth == c.depth
    with pytest.raises(ValueError, match="width=0"):
        c.replace(width=0)
    with pytest.raises(TypeError):
        c.replace(nonsense=1)


BAD = [
    (dict(depth=0), ValueError, ["depth=0", "[1, 1000]"]),
    (dict(width=9000), ValueError, ["width=9000", "[1, 8192]"]),
    (dict(depth="6"), TypeError, ["depth", "'6'", "integer"]),
    (dict(gain=float("nan")), ValueError, ["gain=nan", "finite"]),
    (dict(output_gain=-1.0), ValueError, ["output_gain=-1.0"]),
    (dict(bias="yes"), TypeError, ["bias", "'yes'", "True or False"]),
    (dict(residual=None), TypeError, ["residual", "None", "True or False"]),
    (dict(norm="group"), ValueError, ["norm='group'", "batch", "layer", "None"]),
    (dict(norm="batch", batch_size=1), ValueError, ["batch=1", "norm='batch'", "batch_size=1"]),
    (dict(norm="layer", width=1), ValueError, ["width=1", "norm='layer'"]),
    (dict(dropout=1.0), ValueError, ["dropout=1.0", "[0, 1)"]),
    (dict(activation="tahn"), ValueError, ["activation='tahn'", "tanh"]),
    (dict(init="kaiming"), ValueError, ["init='kaiming'", "he_normal"]),
    (dict(optimizer="adamm"), ValueError, ["optimizer='adamm'", "adam"]),
    (dict(optimizer_options={"momentm": 0.9}), ValueError, ["'momentm'", "optimizer='adam'"]),
    (dict(optimizer_options=("lr", 1)), TypeError, ["optimizer_options", "dict", "tuple"]),
    (dict(lr=-1.0), ValueError, ["lr=-1.0", "[0, inf]"]),
    (dict(weight_decay=-0.1), ValueError, ["weight_decay=-0.1"]),
    (dict(l1=2e3), ValueError, ["l1=2000", "[0, 1000]"]),
    (dict(clip="l2"), ValueError, ["clip='l2'", "norm", "value", "None"]),
    (dict(clip_threshold=0.0), ValueError, ["clip_threshold=0.0", "(0, inf]"]),
    (dict(steps=0), ValueError, ["steps=0", f"[1, {MAX_STEPS}]"]),
    (dict(steps=MAX_STEPS + 1), ValueError, [f"steps={MAX_STEPS + 1}"]),
    (dict(batch_size=301), ValueError, ["batch_size=301", "[1, 300]"]),
    (dict(eval_every=0), ValueError, ["eval_every=0", "[1, inf]"]),
    (dict(dtype="float16"), ValueError, ["dtype='float16'", "float32"]),
    (dict(seed=-1), ValueError, ["seed=-1", "[0, inf]"]),
    (dict(seed=1.5), TypeError, ["seed", "1.5", "integer"]),
]


@pytest.mark.parametrize("change, exc, words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_values_name_the_parameter(change, exc, words):
    with pytest.raises(exc) as info:
        build(**change)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "gradnotes" in info.traceback[-1].path.as_posix()


def test_the_data_shape_is_checked_too():
    with pytest.raises(ValueError, match="n_classes=1"):
        TrainingConfig.build(300, 2, 1, **DEFAULTS)
    with pytest.raises(ValueError, match="n_points=1"):
        TrainingConfig.build(1, 2, 3, **DEFAULTS)
