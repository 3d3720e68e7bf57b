"""The training explorer: its numbers are a fresh train(), pictures move with the controls and come
back from the cache, render is pure and deterministic, bad values are refused, the static copy switches."""

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from gradnotes import OPTIMIZERS, spirals, train
from gradnotes import widgets as gw
from gradnotes.widgets import static
from gradnotes.widgets import training as tw

SMALL = dict(depth=3, width=16, steps=40, n_per_class=30)


@pytest.fixture(scope="module")
def explorer():
    return tw.TrainingExplorer(**SMALL)


def test_the_picture_is_a_fixed_size_png(explorer):
    image = Image.open(io.BytesIO(explorer.image.value))
    assert image.format == "PNG" and image.size == tw.SIZE == (1100, 600)


def test_state_is_a_fresh_train_with_the_same_settings(explorer):
    explorer.update(activation="relu", init="he_normal", gain=1.25, optimizer="momentum", lr=0.05,
                    weight_decay=1e-3, clip="norm", depth=4)
    X, y = spirals(30, seed=0)
    fresh = train(X, y, depth=4, width=16, activation="relu", init="he_normal", gain=1.25, optimizer="momentum",
                  lr=0.05, weight_decay=1e-3, clip="norm", clip_threshold=1.0, steps=40, seed=0)
    state = explorer.state
    assert state["activation"] == "relu" and state["clip"] == "norm" and state["depth"] == 4
    assert state["final_loss"] == fresh.final_loss and state["final_accuracy"] == fresh.final_accuracy
    assert state["diverged_step"] is None
    assert state["grad_first_start"] == fresh.grad_norms[0, 0]
    assert state["grad_first_end"] == fresh.grad_norms[-1, 0]
    assert state["grad_output_end"] == fresh.grad_norms[-1, 4]
    assert state["ratio_first_median"] == pytest.approx(np.median(fresh.update_ratios[:, 0]))
    assert state["ratio_output_median"] == pytest.approx(np.median(fresh.update_ratios[:, -1]))
    assert state["dead"] == fresh.dead_units[-1].max() and state["saturated"] == fresh.saturation[-1].max()
    explorer.update(activation="tanh", init="xavier_normal", gain=1.0, optimizer="adam", lr=3e-3,
                    weight_decay=0.0, clip=None, depth=3)


def test_a_change_redraws_and_going_back_is_a_cache_hit(explorer):
    before_run, before_png = explorer.run, explorer.image.value
    explorer.update(optimizer="sgd")
    assert explorer.image.value != before_png and explorer.run is not before_run
    assert not explorer.cache_hit and "trained in" in explorer.caption.value
    explorer.update(optimizer="adam")
    assert explorer.cache_hit and "from the cache" in explorer.caption.value
    assert explorer.run is before_run and explorer.image.value == before_png


def test_the_cache_keeps_the_most_recent_runs(monkeypatch):
    monkeypatch.setattr(tw, "CACHE_SIZE", 2)
    e = tw.TrainingExplorer(**SMALL)
    first = e.run
    e.update(lr=1e-2)
    e.update(lr=1e-1)
    assert len(e._cache) == 2
    e.update(lr=3e-3)  # evicted: trained again, an equal but new run
    assert not e.cache_hit and e.run is not first
    np.testing.assert_array_equal(e.run.losses, first.losses)


def test_render_is_pure_and_the_same_in_a_new_explorer(explorer):
    values, png = explorer.values(), explorer.image.value
    picture = explorer.render(activation="gelu", optimizer="rmsprop")
    assert explorer.values() == values and explorer.image.value == png
    assert tw.TrainingExplorer(**SMALL).render(activation="gelu", optimizer="rmsprop") == picture


def test_a_diverging_run_draws_without_warnings_and_says_so():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = tw.TrainingExplorer(activation="relu", init="he_normal", gain=1.5, depth=10, optimizer="sgd", lr=0.05,
                                width=32, steps=50, n_per_class=40)
    d = e.state["diverged_step"]
    assert d is not None and f"diverged at step {d}" in e.caption.value
    assert np.isnan(e.state["final_loss"]) and e.image.value[:4] == b"\x89PNG"


def test_bad_controls_are_refused(explorer):
    with pytest.raises(TypeError, match="unknown control"):
        explorer.update(momentum=0.9)
    for name, value in (("activation", "swish"), ("activation", "linear"), ("optimizer", "lbfgs"),
                        ("clip", "l2"), ("init", "zeros"), ("weight_decay", 0.5),
                        ("depth", 31), ("depth", 1), ("lr", 2.0), ("gain", 3.0)):
        with pytest.raises(ValueError, match=name):
            explorer.update(**{name: value})
    # "none" is the other spelling of no clipping (gradnotes._params): accepted, and the same picture as None
    explorer.update(clip="none")
    assert explorer.values()["clip"] is None and explorer.run.config["clip"] is None
    assert explorer.controls["clip"].label == "none"  # the widget holds "none": a None value shows blank
    assert set(tw.INIT_CHOICES) >= {"xavier_normal", "he_normal", "orthogonal", "lecun_normal", "normal"}
    assert list(explorer.controls["optimizer"].options) == list(OPTIMIZERS)  # from the registry


def test_every_precomputable_value_is_an_option(explorer):
    grid = static.GRIDS[gw.training_explorer]
    for name in (*grid.values, "optimizer", "clip", "weight_decay", "lr", "gain"):
        for value in (grid.values[name] if name in grid.values else static.VALUES[name]):
            assert explorer._checked({name: value}) == {name: value}


def test_the_static_copy_has_a_picture_per_grid_point_and_switches(explorer):
    grid = static.GRIDS[gw.training_explorer]
    s = static.static_explorer(explorer, grid)
    assert len(s.pictures) == np.prod([len(v) for v in grid.values.values()]) == 9
    assert s.values() == {"activation": "tanh", "optimizer": "adam"}
    shown = s.image.value
    s.select(activation="relu", optimizer="sgd")
    assert s.image.value != shown
    assert s.image.value == static.shrink_png(explorer.render(activation="relu", optimizer="sgd"))
    assert len(s.image.value) < 60_000


def test_the_factory_is_wrapped_for_the_book(monkeypatch):
    assert gw.training_explorer is tw.training_explorer and gw.training_explorer in static.GRIDS
    monkeypatch.setenv(static.ENV, "1")
    made = gw.training_explorer(**SMALL, clip="value", static_controls=("clip",))
    assert isinstance(made, gw.StaticExplorer) and made.options == {"clip": [None, "norm", "value"]}
    assert made.values() == {"clip": "value"} and made.controls["clip"].label == "by value"
    monkeypatch.delenv(static.ENV)
    assert isinstance(gw.training_explorer(**SMALL, static_controls=("clip",)), gw.TrainingExplorer)
