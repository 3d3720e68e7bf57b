"""gradnotes.training._run: a TrainingRun predicts what it recorded, reads well and cannot be changed."""

import dataclasses

import numpy as np
import pytest

from gradnotes.training import TrainingConfig, TrainingRun, spirals, train


@pytest.fixture(scope="module")
def data():
    return spirals(100, seed=0)


@pytest.fixture(scope="module")
def tanh_run(data):
    return train(*data, depth=6, width=64, activation="tanh", init="xavier_normal", optimizer="adam",
                 lr=1e-3, steps=300, seed=0)


def test_predictions_agree_with_the_recorded_accuracy(tanh_run, data):
    X, y = data
    p = tanh_run.predict_proba(X)
    assert p.shape == (300, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(p.argmax(axis=1) == y) == tanh_run.final_accuracy
    assert tanh_run.initial_model.predict_proba(X).argmax(axis=1).tolist() != p.argmax(axis=1).tolist()


def test_repr_is_readable(tanh_run):
    text = repr(tanh_run)
    assert text.startswith("TrainingRun(depth=6, width=64, activation='tanh', init='xavier_normal', gain=1, "
                           "optimizer='adam', lr=0.001, steps=300, batch=all, seed=0)")
    for words in ["loss       step 0: 1.11", "accuracy", "step 300: 99.3%", "log10 update/data", "dead units",
                  "diverged   no"]:
        assert words in text, text
    assert "0x" not in text
    assert isinstance(tanh_run, TrainingRun)
    with pytest.raises(AttributeError):
        tanh_run.final_loss = 0.0
    with pytest.raises(ValueError):
        tanh_run.losses[0] = 0.0


def test_config_is_the_checked_arguments_and_read_only(data):
    run = train(*data, depth=2, width=8, clip="none", norm="none", gain=1, steps=3, seed=1)
    c = run.config
    assert isinstance(c, TrainingConfig) and run.depth == c.depth == c["depth"] == 2
    assert c.clip is None and c["norm"] is None  # "none" is spelled None once checked
    assert c.gain == 1.0 and isinstance(c.gain, float)
    assert (c.n_points, c.n_features, c.n_classes) == (300, 2, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.depth = 3
    with pytest.raises(TypeError):
        c.optimizer_options["momentum"] = 0.5
    with pytest.raises(TypeError):
        c.activation_params["negative_slope"] = 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.config = None
