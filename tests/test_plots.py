"""gradnotes.plots: artists carry the trace's numbers, promised scales and labels, updates in place."""

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from gradnotes import ACTIVATIONS, simulate, theory
from gradnotes.theory import phase_grid, predicted_grad_norms
from gradnotes.plots import (
    ACTIVATION_COLORS, COLORS, plot_activation, plot_activation_heatmap, plot_grad_norms,
    plot_phase_diagram, plot_saturation, plot_variance_profile,
)
from gradnotes.plots._layers import layer_ranges
from gradnotes.plots._style import log_limits


def axes(n=1):
    fig = Figure(figsize=(4 * n, 3))
    FigureCanvasAgg(fig)
    out = fig.subplots(1, n)
    return (fig, out) if n > 1 else (fig, out)


def draw(fig):
    fig.canvas.draw()  # must not raise, whatever the data
    return np.asarray(fig.canvas.buffer_rgba())


@pytest.fixture(scope="module")
def tanh_trace():
    return simulate(20, 64, "tanh", batch=32, seed=1)


@pytest.fixture(scope="module")
def exploding():
    # N(0, 4) weights on a linear net: activations grow 16x per layer and overflow at layer 32.
    t = simulate(40, 64, "linear", "normal", gain=2.0, batch=8)
    assert t.overflow_layer is not None
    return t


@pytest.fixture(scope="module")
def dead():
    t = simulate(12, 32, "relu", "zeros", batch=16)
    assert np.all(t.grad_weight_norms == 0)
    return t


def colour_present(rgba, hex_colour, tol=12):
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return bool(np.any(np.all(np.abs(rgba[..., :3].astype(int) - rgb) <= tol, axis=-1)))


# --- gradient norms -----------------------------------------------------------------


def test_grad_norms_line_is_the_trace(tanh_trace):
    fig, ax = axes()
    pred = predicted_grad_norms(tanh_trace)
    art = plot_grad_norms(tanh_trace, ax, prediction=pred)
    x, y = art.line.get_data()
    np.testing.assert_array_equal(x, np.arange(1, 21))
    np.testing.assert_array_equal(y, tanh_trace.grad_weight_norms)
    np.testing.assert_array_equal(art.prediction.get_ydata(), pred)
    assert ax.get_yscale() == "log"
    assert "W_l" in ax.get_ylabel() and "log" in ax.get_ylabel()
    assert "layer" in ax.get_xlabel()
    assert art.legend.get_visible()
    lo, hi = ax.get_ylim()
    assert lo <= y.min() and hi >= y.max()
    assert np.log10(lo) == round(np.log10(lo)) and np.log10(hi) == round(np.log10(hi))  # decades
    draw(fig)


def test_grad_norms_update_reuses_artists(tanh_trace, dead):
    fig, ax = axes()
    art = plot_grad_norms(tanh_trace, ax, prediction=predicted_grad_norms(tanh_trace))
    before = (list(ax.lines), list(ax.texts), art.line)
    other = simulate(35, 64, "sigmoid", batch=32)
    art.update(other)
    assert (list(ax.lines), list(ax.texts), art.line) == before
    np.testing.assert_array_equal(art.line.get_ydata(), other.grad_weight_norms)
    assert len(art.prediction.get_xdata()) == 0 and not art.legend.get_visible()
    assert ax.get_xlim() == (0.5, 35.5)


def test_grad_norms_mark_overflow_at_the_top(exploding):
    fig, ax = axes()
    art = plot_grad_norms(exploding, ax)
    bad = np.flatnonzero(exploding.overflowed) + 1
    x, y = art.marks.overflow.get_data()
    np.testing.assert_array_equal(x, bad)
    assert np.all(y == 1.0)  # the top edge, in axes coordinates
    assert art.marks.overflow_note.get_text() == f"overflow from layer {bad[0]}"
    assert np.all(np.isnan(art.line.get_ydata()[bad - 1]))
    rgba = draw(fig)
    assert colour_present(rgba, COLORS["overflow"])


def test_grad_norms_mark_zero_gradients_at_the_bottom(dead):
    fig, ax = axes()
    art = plot_grad_norms(dead, ax)
    x, y = art.marks.zero.get_data()
    np.testing.assert_array_equal(x, np.arange(1, 13))
    assert np.all(y == 0.0)
    assert art.marks.zero_note.get_text() == "zero gradient in every layer"
    assert ax.get_ylim()[0] > 0  # a valid log axis although nothing is positive
    assert colour_present(draw(fig), COLORS["zero"])


def test_prediction_of_the_wrong_length_is_refused(tanh_trace):
    fig, ax = axes()
    with pytest.raises(ValueError, match="one value per layer"):
        plot_grad_norms(tanh_trace, ax, prediction=np.ones(3))


# --- heat map and saturation ----------------------------------------------------------


def test_heatmap_image_is_the_histograms(tanh_trace):
    fig, ax = axes()
    art = plot_activation_heatmap(tanh_trace, ax, colorbar=True)
    data = art.image.get_array()
    np.testing.assert_array_equal(data.filled(0), tanh_trace.activation_histograms.T)
    assert np.all(data.mask == (tanh_trace.activation_histograms.T == 0))  # empty bins are blank
    assert isinstance(art.image.norm, LogNorm)
    edges = tanh_trace.histogram_edges
    assert art.image.get_extent() == [0.5, 20.5, edges[0], edges[-1]]
    assert art.colorbar is not None and "fraction" in art.colorbar.ax.get_ylabel()
    other = simulate(7, 64, "relu", "he_normal", batch=32)
    art.update(other)
    assert art.image.get_array().shape == (other.histogram_edges.size - 1, 7)
    assert ax.get_ylim() == (0.0, other.histogram_edges[-1])  # ReLU's unbounded side follows the data
    draw(fig)


def test_saturation_in_percent(tanh_trace, exploding):
    fig, ax = axes()
    t = simulate(10, 64, "tanh", gain=4.0, batch=32)
    art = plot_saturation(t, ax)
    np.testing.assert_allclose(art.saturation.get_ydata(), 100 * t.saturation)
    np.testing.assert_allclose(art.dead.get_ydata(), 100 * t.dead_units)
    assert ax.get_ylim() == (0, 100) and "%" in ax.get_ylabel()
    assert [x.get_text() for x in art.legend.get_texts()] == ["saturated", "saturated for every input"]
    art.update(exploding)  # linear: never saturates, overflows
    assert "never saturates" in art.note.get_text()
    assert art.marks.overflow_note.get_text() == f"overflow from layer {exploding.overflow_layer}"
    art.update(simulate(5, 32, "relu", batch=8))
    assert "dead units" in [x.get_text() for x in art.legend.get_texts()]
    assert art.note.get_text() == ""
    draw(fig)


# --- theory -------------------------------------------------------------------------------


def test_variance_profile_points_and_prediction(tanh_trace):
    fig, ax = axes()
    art = plot_variance_profile(tanh_trace, ax)
    np.testing.assert_array_equal(art.points.get_ydata(), tanh_trace.preactivation_second_moments)
    np.testing.assert_allclose(art.prediction.get_ydata(), theory.variance_profile("tanh", 1.0, 0.0, 20))
    assert ax.get_yscale() == "log" and "q^l" in ax.get_ylabel()
    art.update(tanh_trace, prediction=False)
    assert len(art.prediction.get_xdata()) == 0 and not art.legend.get_visible()
    residual = simulate(6, 32, "tanh", residual=True, batch=8)
    art.update(residual)  # mean field does not describe it: no line
    assert len(art.prediction.get_xdata()) == 0
    draw(fig)


def test_phase_diagram_image_contour_and_marker():
    fig, ax = axes()
    art = plot_phase_diagram("tanh", ax, point=(1.0, 0.0), colorbar=True)
    sw, sb = art.sigma_w, art.sigma_b
    assert (sw.size, sb.size) == (60, 40)
    expected = np.clip(np.log10(phase_grid("tanh", sw, sb)), -1, 1)
    np.testing.assert_allclose(art.image.get_array(), expected)
    # the tabulated grid agrees with theory.phase_diagram
    np.testing.assert_allclose(phase_grid("tanh", sw[::9], sb[::7]),
                               theory.phase_diagram("tanh", sw[::9], sb[::7]), rtol=2e-3)
    assert art.contour is not None and art.contour.levels.tolist() == [1.0]
    labels = [t.get_text() for t in ax.texts]
    assert any("edge of chaos" in t for t in labels)
    assert art.ordered_label.get_visible() and art.chaotic_label.get_visible()
    assert art.marker.get_data() == ([1.0], [0.0])
    image, data = art.image, art.image.get_array()
    art.update(point=(2.0, 0.5), label="here")
    assert art.marker.get_data() == ([2.0], [0.5]) and art.marker_label.get_text() == "here"
    assert art.image is image and art.image.get_array() is data  # only the marker moved
    art.update(point=(16.0, 0.5), label="chi")  # outside the grid: an arrow on the border, its true sigma_w
    assert art.marker.get_data() == ([sw[-1]], [0.5]) and art.marker.get_marker() == ">"
    assert art.marker_label.get_text() == r"$\sigma_w$ = 16 (off the diagram)"
    art.update(point=(2.0, 5.0), label="chi")
    assert art.marker.get_marker() == "^" and art.marker_label.get_text() == r"$\sigma_b$ = 5 (off the diagram)"
    art.update(point=(2.0, 0.5), label="here")
    assert art.marker.get_marker() == "*" and art.marker_label.get_text() == "here"
    assert "Tanh" in art.title.get_text()
    draw(fig)


def test_phase_grid_is_fast_for_every_activation():
    import time

    for name in ACTIVATIONS:
        start = time.perf_counter()
        chi = phase_grid(name, np.linspace(0.05, 4.0, 60), np.linspace(0.0, 2.0, 40))
        assert chi.shape == (40, 60) and np.all(chi >= 0)
        assert time.perf_counter() - start < 2.0  # ~0.02 s here; generous for a loaded machine


# --- activations ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_curves_and_saturated_regions(name):
    act = ACTIVATIONS[name]
    fig, (ax, dax) = axes(2)
    art = plot_activation(name, ax, derivative_ax=dax, x_range=(-6, 6))
    x, y = art.curve.get_data()
    np.testing.assert_array_equal(y, act(x))
    np.testing.assert_array_equal(art.derivative.get_ydata(), act.derivative(x))
    assert art.title.get_text() == act.display_name
    assert art.formula.get_text().startswith("$") and art.derivative_formula.get_text().startswith("$")
    paths = art.shades[0].get_paths()
    if act.saturation_level is None:
        assert paths == []
    else:
        assert paths, "a saturating activation shows its saturated region on [-6, 6]"
        for path in paths:  # inside every shaded span the derivative is small
            a, b = path.vertices[:, 0].min(), path.vertices[:, 0].max()
            inside = (x > a + 0.02) & (x < b - 0.02)
            assert np.all(np.abs(act.derivative(x[inside])) <= act.saturation_level + 1e-12)
    mx, my = art.max_marker.get_data()
    assert my[0] == pytest.approx(np.max(act.derivative(x)))
    assert f"{my[0]:.3g}" in art.max_label.get_text()
    assert ACTIVATION_COLORS[name] == art.curve.get_color()
    draw(fig)


def test_activation_update_and_single_axes():
    fig, ax = axes()
    art = plot_activation("relu", ax)
    assert art.legend is not None and art.shade_label.get_text().startswith("dead")
    assert art.max_label.get_text() == "max $\\varphi'$ = 1 for x > 0"
    art.update(ACTIVATIONS["leaky_relu"].with_params(negative_slope=0.2), x_range=(-2, 2))
    assert ax.get_xlim() == (-2.0, 2.0)
    assert "0.2" in art.title.get_text() and art.shade_label.get_text() == ""
    with pytest.raises(ValueError, match="increasing"):
        art.update("tanh", x_range=(1, -1))
    draw(fig)


# --- helpers and import hygiene -------------------------------------------------------------


def test_log_limits_snap_to_decades_with_hysteresis():
    assert log_limits([0.3, 20]) == (0.1, 100.0)
    assert log_limits([5.0]) == (0.1, 10.0)  # at least two decades
    assert log_limits([0.0, np.nan, np.inf]) == (1e-3, 10.0)
    assert log_limits([0.5, 5.0], current=(1e-2, 1e2)) == (1e-2, 1e2)  # still fits: kept
    assert log_limits([0.5, 5.0], current=(1e-6, 1e2)) == (0.1, 10.0)  # far too loose: tightened
    assert log_limits([0.5, 500.0], current=(0.1, 10.0)) == (0.1, 1e4)  # escaped: a decade of room


def test_layer_ranges():
    assert layer_ranges([1, 2, 3, 7, 9, 10]) == "1–3, 7, 9–10"


def run_python(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_gradnotes_loads_no_plotting():
    loaded = run_python("import sys, gradnotes; gradnotes.simulate(3, 8, batch=4)\n"
                        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
                        "('matplotlib', 'ipywidgets', 'PIL', 'torch')))")
    assert loaded == "[]"


def test_plots_and_widgets_change_no_global_state():
    code = (
        "import sys, matplotlib\n"
        "before = matplotlib.rcParams.copy()  # copy() does not resolve the backend\n"
        "from gradnotes import plots, widgets\n"
        "e = widgets.gradient_explorer(depth=3, width=16, batch=4)\n"
        "e.update(depth=4)\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
        "changed = [k for k in before if k != 'backend' and matplotlib.rcParams[k] != before[k]]\n"
        "print(changed)  # ('backend' is left out: reading it resolves matplotlib's auto backend)\n"
    )
    assert run_python(code) == "False\n[]"
