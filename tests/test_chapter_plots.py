"""Plots and the RNN explorer written for chapters 1 and 4: they draw the numbers they are given."""

import numpy as np
import pytest

from gradnotes import chains, recurrent
from gradnotes.plots import (plot_chain_derivatives, plot_cliff, plot_product_norms, plot_rnn_gradients,
                             plot_rnn_trace, subplots)


def test_chain_plot_draws_the_derivatives_on_a_log_axis():
    c = {n: chains.chain_rule_factors(n, 20, 1.0, 0.5) for n in ("sigmoid", "relu")}
    fig, ax = subplots()
    lines = plot_chain_derivatives(c, ax)
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(lines[0].get_ydata(), np.abs(c["sigmoid"].derivative))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sigmoid", "relu"]


def test_product_plot_shows_medians_and_theory():
    runs = {1.0: chains.product_norms(4, 50, 1.0, trials=30, seed=0)}
    fig, ax = subplots()
    (line,) = plot_product_norms(runs, ax, n=4, lyapunov={1.0: chains.lyapunov_exponent(4, 1.0)})
    np.testing.assert_allclose(line.get_ydata(), np.median(runs[1.0], axis=0))
    dashed = [l for l in ax.get_lines() if l.get_linestyle() == "--" and len(l.get_xdata())]
    np.testing.assert_allclose(dashed[0].get_ydata()[-1], 50 * chains.lyapunov_exponent(4, 1.0) / np.log(10))


def test_rnn_plot_marks_overflow_and_keeps_finite_limits():
    traces = [recurrent.rnn_gradients(50, 0.9, "linear"), recurrent.rnn_gradients(400, 10.0, "linear", width=8, batch=2)]
    fig, ax = subplots()
    lines = plot_rnn_gradients(traces, ax)
    np.testing.assert_allclose(lines[0].get_ydata(), traces[0].grad_norms[::-1])
    assert np.nanmax(lines[1].get_ydata()) == 1e100  # clipped far above the frame
    lo, hi = ax.get_ylim()
    assert 0 < lo < hi <= 1e60
    assert any("overflow" in t.get_text() for t in ax.texts)
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_rnn_trace_plot_bound_is_pascanus():
    tr = recurrent.rnn_gradients(30, 1.2, "tanh")
    fig, ax = subplots()
    art = plot_rnn_trace(tr, ax, gamma=1.0)
    np.testing.assert_allclose(art.bound.get_ydata(), 1.2 ** np.arange(31))
    assert "30 steps back" in art.note.get_text()


def test_cliff_plot_draws_paths_and_says_where_an_escaped_one_went():
    s = recurrent.loss_surface((2, 8), (-4, 0), points=40)
    runs = [recurrent.descend((5.0, -2.25), lr=1.0, iterations=60, method=m) for m in ("none", "norm")]
    fig, ax = subplots()
    plot_cliff(s, ax, descents=runs)
    paths = [l for l in ax.get_lines() if len(l.get_xdata()) == 61]
    np.testing.assert_allclose(paths[1].get_xydata(), runs[1].path)
    assert any("thrown to" in t.get_text() for t in ax.texts)


def test_book_figure_png_is_deterministic():
    fig, ax = subplots(figsize=(3, 2))
    ax.plot([1, 2], [3, 4])
    assert fig._repr_png_() == fig._repr_png_()
    assert repr(fig) == "<Figure 300x200 px, 1 panels>"


@pytest.fixture(scope="module")
def rnn():
    from gradnotes.widgets import rnn_explorer

    return rnn_explorer(spectral_radius=1.0, activation="linear", steps=50)


def test_rnn_explorer_changes_with_the_radius_and_not_without(rnn):
    rnn.update(spectral_radius=1.0, activation="linear", steps=50)
    first = rnn.image.value
    rnn.update(spectral_radius=1.0)
    assert rnn.image.value == first
    assert rnn.state["first_over_last"] == pytest.approx(1.0)
    rnn.update(spectral_radius=1.5)
    assert rnn.image.value != first
    assert rnn.state["first_over_last"] == pytest.approx(1.5**50)
    assert "exploding is possible" in rnn.caption.value


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu"])
def test_rnn_explorer_every_activation_and_overflow(rnn, activation):
    rnn.update(activation=activation, spectral_radius=2.0, steps=200)
    assert rnn.image.value[:4] == b"\x89PNG"
    assert rnn.render(spectral_radius=2.0) == rnn.render(spectral_radius=2.0)
    with pytest.raises(ValueError):
        rnn.update(spectral_radius=5.0)
