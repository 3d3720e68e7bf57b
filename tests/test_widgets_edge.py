"""The edge-of-chaos explorer: every control moves the picture, what it draws is the theory's, the book's grid."""

import math

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, measure_correlations, theory
from gradnotes.plots.figure import COLUMN_PX, MIN_TEXT_PX, smallest_text_px
from gradnotes.widgets import EdgeExplorer, edge_explorer, static
from gradnotes.widgets import edge as ew

QUICK = dict(width=32, seeds=2, batch=8)


@pytest.fixture(scope="module")
def edge():
    return edge_explorer(depth=10, **QUICK)


def _moves(e, **controls):
    before = e.image.value
    e.update(**controls)
    after = e.image.value
    assert after != before, f"picture did not change for {controls}"
    e.update(**controls)
    assert e.image.value == after


@pytest.mark.parametrize("controls", [dict(sigma_w2=1.2), dict(sigma_b2=0.3), dict(depth=20), dict(c_input=0.9),
                                      dict(activation="relu"), dict(activation="selu")])
def test_every_control_moves_the_picture_and_none_is_disabled(edge, controls):
    edge.update(activation="tanh", sigma_w2=2.0, sigma_b2=0.05, depth=10, c_input=0.6)
    _moves(edge, **controls)
    assert not any(c.disabled for c in edge.controls.values())  # every control matters for every choice
    assert edge.state[next(iter(controls))] == next(iter(controls.values()))


def test_the_controls_and_their_ranges(edge):
    assert list(edge.controls) == ["activation", "sigma_w2", "sigma_b2", "depth", "c_input"]
    assert [v for _, v in edge.controls["activation"].options] == list(ACTIVATIONS)
    assert edge.controls["sigma_w2"].values[::15] == (0.25, 1.0, 1.75, 2.5, 3.25, 4.0)
    assert edge.controls["sigma_b2"].values[:6] == (0.0, 0.01, 0.02, 0.03, 0.04, 0.05)
    assert (edge.controls["depth"].min, edge.controls["depth"].max) == (2, 100)
    with pytest.raises(ValueError, match="sigma_w2"):
        edge.update(sigma_w2=5.0)


def test_what_is_drawn_is_the_theory_and_the_measurement(edge):
    edge.update(activation="tanh", sigma_w2=3.0, sigma_b2=0.05, depth=10, c_input=0.6)
    sw, sb = math.sqrt(3.0), math.sqrt(0.05)
    fig, state = edge._figure, edge.state
    # (a) the c-map and its fixed point
    c, c_next = fig.c_map.line.get_data()
    np.testing.assert_allclose(c_next[::20], theory.correlation_map("tanh", sw, sb, c[::20]), atol=1e-6)
    assert state["c_star"] == pytest.approx(theory.fixed_point_correlation("tanh", sw, sb), abs=1e-6)
    assert fig.c_map.marker.get_xdata()[0] == pytest.approx(state["c_star"])
    assert state["chi_c"] == pytest.approx(theory.chi_c("tanh", sw, sb), rel=1e-6)
    assert state["xi_c"] == pytest.approx(theory.depth_scales("tanh", sw, sb).xi_c, rel=1e-5)
    # (b) measured correlations (the probe's, same seeds) over the iterated c-map; gradients over mean field
    m = measure_correlations(10, 32, "tanh", gain=sw, bias_std=sb, c_input=0.6, seeds=(0, 1))
    np.testing.assert_allclose(fig.corr.points.get_ydata(), m.mean)
    np.testing.assert_allclose(fig.corr.line.get_ydata(), theory.correlation_profile("tanh", sw, sb, 10, 0.6),
                               atol=1e-6)
    assert np.asarray(state["grad_weight_norms"]).shape == (2, 10)
    np.testing.assert_allclose(fig.grads.line.get_ydata(), state["predicted_grad_norms"])
    # (c) the star on the phase diagram, labelled with xi_c
    assert (fig.phase.marker.get_xdata()[0], fig.phase.marker.get_ydata()[0]) == (3.0, 0.05)
    assert f"{state['xi_c']:.3g}" in fig.phase.marker_label.get_text()
    assert "σ" not in fig.title.get_text() and "chaotic" in fig.title.get_text()
    assert "ξ<sub>c</sub>" in edge.caption.value and "trainable" in edge.caption.value


def test_the_phase_diagram_is_computed_once_per_activation(edge, monkeypatch):
    edge.update(activation="tanh")
    grid = edge.result.grid
    calls = []
    monkeypatch.setattr(ew, "correlation_grid", lambda *a, **k: calls.append(a) or theory.correlation_grid(*a, **k))
    edge.update(sigma_w2=1.5, depth=12)
    assert edge.result.grid is grid and all(len(a[1]) == 1 for a in calls)  # only single points, no new grid
    assert grid.xi_c.shape == (ew.GRID_B2.size, ew.GRID_W2.size)


def test_where_the_signal_diverges_the_picture_says_so(edge):
    edge.update(activation="relu", sigma_w2=3.0, sigma_b2=0.05)
    assert edge.state["phase"] == "diverges" and math.isnan(edge.state["xi_c"])
    assert "diverges" in edge.caption.value and len(edge._figure.c_map.line.get_xdata()) == 0


def test_the_text_is_legible_in_the_books_column(edge):
    width = ew.SIZE[0]
    assert smallest_text_px(edge._figure.canvas.figure) * COLUMN_PX / width >= MIN_TEXT_PX


def test_the_static_book_grid(monkeypatch):
    grid = static.GRIDS[edge_explorer]
    points = math.prod(len(v) for v in grid.values.values())
    assert 12 <= points <= 48, "a few dozen pictures"
    small = static.Grid({"activation": ("tanh", "relu"), "sigma_w2": (1.0, 3.0)})
    monkeypatch.setenv(static.ENV, "1")
    book = edge_explorer(sigma_w2=1.0, depth=6, static_controls={"activation": None, "sigma_w2": (1.0, 3.0)},
                         **QUICK)
    assert isinstance(book, static.StaticExplorer) and len(book.pictures) == 4
    live = EdgeExplorer(sigma_w2=1.0, depth=6, **QUICK)
    from gradnotes.plots.figure import shrink_png
    assert book.pictures[("relu", 3.0)].value == shrink_png(live.render(activation="relu", sigma_w2=3.0))
    assert book.pictures[("tanh", 1.0)].value != book.pictures[("tanh", 3.0)].value
    assert small.values["activation"] == grid.values["activation"]
