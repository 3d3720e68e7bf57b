"""gradnotes.plots.edge: each function draws what it is given and returns its artists."""

import numpy as np
import pytest

from gradnotes import ACTIVATIONS, measure_correlations, plots, theory
from gradnotes.training import TrainabilityGrid


@pytest.fixture
def ax():
    fig, ax = plots.subplots()
    return ax


def test_the_c_map_draws_the_map_the_diagonal_and_its_fixed_point(ax):
    c = np.linspace(0, 1, 11)
    c_next = theory.correlation_map("tanh", 2.0, 0.3, c)
    a = plots.plot_c_map(c, c_next, ax, c_star=0.4, label="x")
    np.testing.assert_array_equal(a.line.get_ydata(), c_next)
    assert list(a.marker.get_xdata()) == [0.4] and list(a.diagonal.get_xdata()) == [-1, 1]
    a.update(c, c, None)
    assert len(a.marker.get_xdata()) == 0


def test_measured_correlations_are_points_over_the_predicted_line(ax):
    m = measure_correlations(5, 32, seeds=(0, 1, 2))
    points, line, band = plots.plot_correlation_layers(m, np.linspace(0.5, 0.9, 5), ax)
    np.testing.assert_allclose(points.get_ydata(), m.mean)
    np.testing.assert_allclose(line.get_ydata(), np.linspace(0.5, 0.9, 5))
    assert list(points.get_xdata()) == [1, 2, 3, 4, 5]


def test_depth_scales_are_log_scaled_lines(ax):
    lq, lc = plots.plot_depth_scales([1, 2], [1.5, 1.2], [3.6, 25.0], ax, critical=1.76)
    assert ax.get_yscale() == "log" and list(lc.get_ydata()) == [3.6, 25.0]


def test_the_trainability_map_shows_the_seed_mean_and_the_boundary(ax):
    acc = np.random.default_rng(0).uniform(0.1, 1, size=(3, 4, 2))
    g = TrainabilityGrid(np.array([1.0, 1.5, 2.0]), np.array([4, 8, 16, 32]), (0, 1), acc, acc, 0.1, {})
    mesh, line = plots.plot_trainability(g, ax, boundary=([1, 2], [10, 20]), colorbar=False)
    np.testing.assert_allclose(mesh.get_array().reshape(4, 3), acc.mean(axis=2).T)
    assert list(line.get_ydata()) == [10, 20] and ax.get_yscale() == "log"


def test_spectra_are_histograms_of_log_squared_singular_values_with_a_floor(ax):
    patches = plots.plot_singular_spectra({"a": [1e-50, 1.0, 10.0], "b": [0.5, 2.0]}, ax, floor=1e-40)
    assert len(patches) == 2 and ax.get_xlim()[0] <= -40


# --- the explorer's updatable panels ---------------------------------------------------------


def test_a_layer_band_shows_the_seed_range_the_mean_and_the_theory_and_updates(ax):
    values = np.array([[0.5, 0.7, 0.8], [0.5, 0.6, 0.9]])
    a = plots.edge.plot_layer_band(values, [0.5, 0.66, 0.84], ax)
    np.testing.assert_allclose(a.points.get_ydata(), values.mean(axis=0))
    np.testing.assert_allclose(a.line.get_ydata(), [0.5, 0.66, 0.84])
    (path,) = a.band.get_paths()  # the band runs between the seeds' minimum and maximum
    assert path.vertices[:, 1].min() == pytest.approx(0.5) and path.vertices[:, 1].max() == pytest.approx(0.9)
    assert ax.get_ylim() == pytest.approx((-0.02, 1.02))
    a.update(np.full((3, 5), -0.3), None)
    assert ax.get_xlim() == (0.5, 5.5) and len(a.line.get_xdata()) == 0 and ax.get_ylim()[0] < -0.3


def test_a_log_band_uses_the_geometric_mean_and_whole_decades(ax):
    values = np.array([[1e-3, 1e-2], [1e-1, 1.0]])
    a = plots.edge.plot_layer_band(values, [1e-2, 1e-1], ax, log=True)
    np.testing.assert_allclose(a.points.get_ydata(), [1e-2, 1e-1])
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-3, 1.0))
    a.update(values * 10, None, keep_limits=True)  # still inside the hysteresis of log_limits: the axis stays
    assert ax.get_ylim()[1] >= 10.0


def test_the_xi_phase_diagram_colours_log_xi_c_draws_the_edge_and_moves_the_star(ax):
    sw2, sb2 = np.linspace(1, 4, 13), np.linspace(0, 0.5, 6)
    grid = theory.correlation_grid("tanh", np.sqrt(sw2), np.sqrt(sb2))
    a = plots.edge.plot_xi_phase(grid, ax, point=(2.0, 0.05), label="here", colorbar=ax.inset_axes([1, 0, 0.05, 1]))
    shown = a.image.get_array()
    np.testing.assert_allclose(shown[np.isfinite(grid.xi_c)], np.log10(grid.xi_c[np.isfinite(grid.xi_c)]))
    assert a.image.get_extent() == pytest.approx([1.0, 4.0, 0.0, 0.5])
    # the contour is chi_1 = 1: it crosses the grid's row sigma_b^2 = 0.1 where theory's edge of chaos is
    edge = theory.critical_sigma_w("tanh", 0.1 ** 0.5) ** 2
    (segment,) = [p.vertices for p in a.contour.get_paths() if len(p.vertices)]
    order = np.argsort(segment[:, 1])
    assert np.interp(0.1, segment[order, 1], segment[order, 0]) == pytest.approx(edge, abs=0.03)
    assert a.marker.get_xdata()[0] == 2.0 and a.marker_label.get_text() == "here"
    assert a.colorbar is not None and a.title.get_text().endswith(ACTIVATIONS["tanh"].display_name)
    a.update((9.0, -1.0))  # outside: kept on the border
    assert (a.marker.get_xdata()[0], a.marker.get_ydata()[0]) == (4.0, 0.0)
    relu = theory.correlation_grid("relu", np.sqrt(sw2), np.sqrt(sb2))
    a.set_grid(relu)  # ReLU's chaotic half diverges (q* = inf): masked, and said
    assert np.ma.getmaskarray(a.image.get_array())[:, sw2 > 2.05].all() and a.diverged_label.get_visible()
