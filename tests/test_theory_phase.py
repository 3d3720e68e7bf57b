"""chi_1 on a grid (gradnotes.theory._phase): the exact diagram, the tabulated grid, and their agreement."""

import numpy as np
import pytest

from gradnotes import get_activation, theory

SW = np.linspace(0.05, 4.0, 23)
SB = np.linspace(0.0, 2.0, 9)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "selu", "elu", "softplus", "linear"])
def test_phase_grid_matches_phase_diagram(name):
    exact = theory.phase_diagram(name, SW, SB)
    fast = theory.phase_grid(name, SW, SB)
    assert fast.shape == exact.shape == (len(SB), len(SW))
    np.testing.assert_allclose(fast, exact, rtol=1e-3)


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_phase_grid_matches_away_from_the_jump(name):
    # where chi_1 jumps (q* from ~0 to inf) a grid point within a table step of the jump may land on either side
    exact = theory.phase_diagram(name, SW, SB)
    fast = theory.phase_grid(name, SW, SB)
    close = np.isclose(fast, exact, rtol=1e-3)
    assert close.mean() > 0.95
    assert np.all(close[-3:])  # large bias: no jump


def test_phase_diagram_entries_are_chi1():
    sw, sb = np.array([0.3, 1.0, 1.7, 3.2]), np.array([0.0, 0.2, 1.1])
    for name in ("tanh", "selu", "gelu"):
        chi = theory.phase_diagram(name, sw, sb)
        for i, b in enumerate(sb):
            for j, w in enumerate(sw):
                assert chi[i, j] == pytest.approx(theory.chi1(name, w, b), rel=1e-12)


def test_relu_and_linear_grids_in_closed_form():
    np.testing.assert_allclose(theory.phase_grid("relu", SW, SB), np.tile(SW**2 / 2, (len(SB), 1)), rtol=1e-12)
    np.testing.assert_allclose(theory.phase_diagram("linear", SW, SB), np.tile(SW**2, (len(SB), 1)), rtol=1e-12)


def test_phase_grid_is_read_only_and_keyed_by_parameters():
    grid = theory.phase_grid("tanh", SW, SB)
    with pytest.raises(ValueError):
        grid[0, 0] = 1.0
    a = theory.phase_grid(get_activation("leaky_relu", negative_slope=0.1), [1.0], [0.0])
    b = theory.phase_grid(get_activation("leaky_relu", negative_slope=0.5), [1.0], [0.0])
    assert a[0, 0] == pytest.approx(1.01 / 2) and b[0, 0] == pytest.approx(1.25 / 2)


@pytest.mark.parametrize("sigma_w, sigma_b, message", [
    ([[1.0]], [0.0], "1-D"), ([], [0.0], "non-empty"), ([1.0], [np.inf], "finite"), ([-1.0], [0.0], ">= 0"),
])
def test_axes_are_checked(sigma_w, sigma_b, message):
    for fn in (theory.phase_diagram, theory.phase_grid):
        with pytest.raises(ValueError, match=message):
            fn("tanh", sigma_w, sigma_b)
