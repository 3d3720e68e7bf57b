"""gradnotes.plots.edge: each function draws what it is given and returns its artists."""

import numpy as np
import pytest

from gradnotes import measure_correlations, plots, theory
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
