"""gradnotes.plots.training: the curves carry the run's numbers, divergence and -inf are marked, no warnings."""

import math
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from gradnotes import ACTIVATIONS, spirals, train
from gradnotes.plots import (
    plot_decision_regions, plot_layer_gradients, plot_loss_curves, plot_training, plot_unit_health,
    plot_update_ratios,
)
from gradnotes.plots.regions import CLASS_COLORS
from gradnotes.plots.training import config_line
from gradnotes.plots.training import HEALTHY_RATIO, RATIO_WINDOW


@pytest.fixture(scope="module")
def data():
    return spirals(40, seed=0)


@pytest.fixture(scope="module")
def healthy(data):
    return train(*data, depth=4, width=16, activation="tanh", optimizer="adam", lr=1e-2, steps=60, seed=0)


@pytest.fixture(scope="module")
def diverged(data):
    run = train(*data, depth=10, width=32, activation="relu", init="he_normal", gain=1.5, optimizer="sgd",
                lr=0.05, steps=50, seed=0)
    assert run.diverged_step is not None and run.diverged_step > 1
    return run


@pytest.fixture(scope="module")
def vanishing(data):
    # depth-20 sigmoid under SGD: the first layers' updates are lost in float32 (-inf ratios)
    run = train(*data, depth=20, width=32, activation="sigmoid", optimizer="sgd", lr=0.1, steps=40, seed=0)
    assert np.isneginf(run.update_ratios).any()
    return run


def new_axes():
    fig = Figure(figsize=(5, 4))
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def draw_quietly(fig):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# -- loss ---------------------------------------------------------------------------------


def test_loss_line_is_the_losses_on_a_log_axis_with_chance(healthy):
    fig, ax = new_axes()
    (line,) = plot_loss_curves(healthy, ax)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(60))
    np.testing.assert_array_equal(line.get_ydata(), healthy.losses)
    assert ax.get_yscale() == "log"
    chance = [l for l in ax.get_lines() if l.get_label().startswith("chance")]
    assert len(chance) == 1 and chance[0].get_ydata()[0] == pytest.approx(math.log(3))
    assert "chance: ln C = 1.10" in legend_texts(ax)
    lo, hi = ax.get_ylim()
    assert lo <= np.min(healthy.losses) and hi >= np.max(healthy.losses)
    draw_quietly(fig)


def test_several_runs_are_labelled_by_what_differs(data, healthy):
    other = train(*data, depth=4, width=16, activation="tanh", optimizer="adam", lr=1e-3, steps=60, seed=0)
    fig, ax = new_axes()
    lines = plot_loss_curves([healthy, other], ax)
    assert [l.get_label() for l in lines] == ["lr 0.01", "lr 0.001"]
    assert lines[0].get_color() != lines[1].get_color()
    with pytest.raises(ValueError, match="labels"):
        plot_loss_curves([healthy, other], new_axes()[1], labels=["one"])


def test_a_diverged_run_is_drawn_up_to_its_divergence_and_marked(diverged):
    d = diverged.diverged_step
    fig, ax = new_axes()
    (line,) = plot_loss_curves(diverged, ax)
    assert len(line.get_ydata()) == d + 1
    finite = np.isfinite(diverged.losses[:d + 1])
    np.testing.assert_array_equal(line.get_ydata()[finite], diverged.losses[:d + 1][finite])
    marks = [l for l in ax.get_lines() if l.get_marker() == "x"]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == d
    assert any(t.startswith(f"diverged at step {d}") for t in legend_texts(ax))
    assert ax.get_xlim()[1] < diverged.config["steps"]  # zoomed on the steps that ran
    draw_quietly(fig)


# -- gradients and update ratios ----------------------------------------------------------


def luminance(color):
    r, g, b = to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_one_gradient_line_per_layer_light_to_dark(vanishing):
    fig, ax = new_axes()
    lines = plot_layer_gradients(vanishing, ax)
    assert len(lines) == vanishing.depth + 1 == 21
    for l, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_ydata(), vanishing.grad_norms[:, l])
    lum = [luminance(line.get_color()) for line in lines]
    assert all(a > b for a, b in zip(lum, lum[1:]))  # the output layer is the darkest
    assert legend_texts(ax) == ["layer 1 (input)", "layer 21 (output)"]
    # the vanishing gradient is visible: layer 1 many decades below the output layer
    assert lines[0].get_ydata()[-1] < 1e-6 * lines[-1].get_ydata()[-1]
    draw_quietly(fig)


def running_median(x, window):
    """Independent reference: a loop over windows clipped to the ends by repeating the end values."""
    n, half = len(x), window // 2
    return np.array([np.median([x[min(max(t + k, 0), n - 1)] for k in range(-half, half + 1)]) for t in range(n)])


def test_update_ratios_are_a_running_median_with_the_healthy_band(healthy):
    fig, ax = new_axes()
    lines = plot_update_ratios(healthy, ax)
    assert len(lines) == healthy.depth + 1
    for l in (0, healthy.depth):
        np.testing.assert_allclose(lines[l].get_ydata(), running_median(healthy.update_ratios[:, l], RATIO_WINDOW))
    raw = plot_update_ratios(healthy, new_axes()[1], window=1)
    np.testing.assert_array_equal(raw[0].get_ydata(), healthy.update_ratios[:, 0])
    band = [p for p in ax.patches if "≈ −3" in p.get_label()]
    assert len(band) == 1
    low, high = band[0].get_y(), band[0].get_y() + band[0].get_height()  # a Rectangle, y in data units
    assert low < HEALTHY_RATIO < high and high - low <= 1
    draw_quietly(fig)


def test_minus_inf_ratios_sit_on_the_bottom_edge_and_are_named(vanishing):
    fig, ax = new_axes()
    lines = plot_update_ratios(vanishing, ax)
    bottom = ax.get_ylim()[0]
    smoothed = running_median(vanishing.update_ratios[:, 0], RATIO_WINDOW)
    assert np.isneginf(smoothed).any()
    y = lines[0].get_ydata()
    np.testing.assert_array_equal(y[np.isneginf(smoothed)], bottom)
    assert np.all(np.isfinite(y))
    assert ax.get_yticklabels()[0].get_text() == "−inf" and ax.get_yticks()[0] == bottom
    assert any("lost in float32" in t for t in legend_texts(ax))
    draw_quietly(fig)


def test_step_panels_mark_the_divergence(diverged):
    for plot in (plot_layer_gradients, plot_update_ratios, plot_unit_health):
        fig, ax = new_axes()
        plot(diverged, ax)
        assert f"diverged at step {diverged.diverged_step}" in legend_texts(ax), plot.__name__
        draw_quietly(fig)


# -- unit health ----------------------------------------------------------------------------


def test_unit_health_is_the_worst_layer_in_percent(data):
    run = train(*data, depth=4, width=16, activation="relu", init="he_normal", optimizer="sgd", lr=1.0,
                steps=60, seed=0)
    fig, ax = new_axes()
    sat, dead = plot_unit_health(run, ax)
    np.testing.assert_array_equal(sat.get_xdata(), run.checkpoint_steps)
    np.testing.assert_allclose(sat.get_ydata(), 100 * run.saturation.max(axis=1))
    np.testing.assert_allclose(dead.get_ydata(), 100 * run.dead_units.max(axis=1))
    assert dead.get_ydata().max() > 0  # lr 1 kills ReLUs
    assert ax.get_ylim() == (0, 100)
    assert legend_texts(ax)[0].startswith("inactive")
    draw_quietly(fig)


def test_an_activation_that_never_saturates_says_so(data):
    run = train(*data, depth=4, width=16, activation="leaky_relu", steps=30, lr=1e-2, seed=0)
    fig, ax = new_axes()
    sat, dead = plot_unit_health(run, ax)
    assert not sat.get_ydata().any() and not dead.get_ydata().any()
    assert any("never saturates" in t.get_text() for t in ax.texts)
    draw_quietly(fig)


# -- decision regions and the whole figure -------------------------------------------------


def test_decision_regions_are_the_argmax_of_predict_proba(healthy, data):
    X, y = data
    fig, ax = new_axes()
    regions = plot_decision_regions(healthy, X, y, ax)
    gx, gy = regions.grid_x, regions.grid_y
    # the cell of each data point, found from the image extent
    x0, x1, y0, y1 = regions.image.get_extent()
    col = np.floor((X[:, 0] - x0) / (x1 - x0) * len(gx)).astype(int)
    row = np.floor((X[:, 1] - y0) / (y1 - y0) * len(gy)).astype(int)
    centres = np.column_stack((gx[col], gy[row]))
    np.testing.assert_array_equal(regions.classes[row, col], np.argmax(healthy.predict_proba(centres), axis=1))
    # each cell is the class colours, lightened 72 % towards white, mixed by the probabilities
    proba = healthy.predict_proba(centres)
    light = np.array([np.array(to_rgb(c)) * 0.28 + 0.72 for c in CLASS_COLORS[:3]])
    rgba = regions.image.get_array()
    np.testing.assert_allclose(rgba[row, col, :3], proba @ light, atol=1e-6)
    np.testing.assert_array_equal(rgba[row, col, 3], 1.0)
    # the corner states the accuracy of these predictions on the training points
    accuracy = np.mean(np.argmax(healthy.predict_proba(X), axis=1) == y)
    assert regions.note.get_text() == f"train accuracy {accuracy:.1%}"
    assert [len(p.get_offsets()) for p in regions.points] == np.bincount(y).tolist()
    draw_quietly(fig)


@pytest.mark.parametrize("name", ["healthy", "diverged", "vanishing"])
def test_plot_training_draws_five_panels_titled_by_the_config(name, data, request):
    run = request.getfixturevalue(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_training(run, *data)
        png = fig._repr_png_()
    assert repr(fig) == "<Figure 800x1000 px, 5 panels>" and png[:4] == b"\x89PNG"
    title = fig.get_suptitle()
    assert title == config_line(run).replace("  ·  ", "\n")  # settings, then sizes: two lines
    c = run.config
    assert ACTIVATIONS[c["activation"]].label in title and f"{c['optimizer']} lr {c['lr']:g}" in title
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        "Training loss", "Gradient per layer", "Update / data ratio per layer", "Saturated and dead units",
        "Decision regions"]


def test_plot_training_into_given_axes_needs_every_panel(healthy, data):
    fig = Figure()
    with pytest.raises(ValueError, match="regions"):
        plot_training(healthy, *data, axes={p: fig.add_subplot(2, 2, i + 1)
                                            for i, p in enumerate(("loss", "gradients", "ratios", "health"))})
