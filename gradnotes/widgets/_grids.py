"""Which controls a static explorer keeps, and the values it precomputes for them.

A registry, as for activations and initializers, filled where each explorer is
defined: :func:`~gradnotes.widgets.static.book_explorer` on a factory records
its :class:`Grid` in :data:`GRIDS` (read-only; keyed by the factory, the object
``gradnotes.widgets`` exports). :data:`VALUES` gives values for any other
control a notebook cell asks to keep (``static_controls=``). Few values per
control: every grid point is a picture stored in the chapter's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable

__all__ = ["Grid", "GRIDS", "VALUES", "register"]


@dataclass(frozen=True)
class Grid:
    """The controls a static explorer keeps and the values it precomputes.

    Parameters
    ----------
    values : dict
        Control name -> values, outer control first (a ``Dropdown`` for names,
        a ``SelectionSlider`` for numbers). The explorer's current value is added
        when it is not on the grid, so the first picture is the cell's own.
    settings : callable, optional
        Grid point (dict) -> keyword arguments of ``render``.
    descriptions : dict
        Control name -> label, where the live control's label does not fit.
    """

    values: dict
    settings: Callable[[dict], dict] | None = None
    descriptions: dict = field(default_factory=dict)


_REGISTERED: dict = {}
#: Explorer factory -> the grid its static version precomputes (4-6 values per control); read-only.
GRIDS = MappingProxyType(_REGISTERED)


def register(factory: Callable, grid: Grid) -> None:
    """Record ``factory``'s grid in :data:`GRIDS` (what :func:`~gradnotes.widgets.static.book_explorer` does)."""
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a Grid; got {grid!r}")
    _REGISTERED[factory] = grid


#: Values for controls a cell asks to keep (``static_controls=``) beyond its factory's grid.
VALUES = {
    "depth": (5, 10, 30, 50, 100),
    "gain": (0.5, 0.8, 1.0, 1.25, 2.0),
    "bias_std": (0.0, 0.1, 0.5, 1.0),
    "width": (16, 64, 256, 512),
    "norm": (None, "batch", "layer"),
    "residual": (None, "pre", "post"),
    "init": ("zeros", "normal", "xavier_normal", "he_normal", "orthogonal"),
    "steps": (10, 50, 100, 200),
    "x_range": (2.0, 5.0, 10.0, 20.0),
    "optimizer": ("sgd", "momentum", "adam"),
    "clip": (None, "norm", "value"),
    "weight_decay": (0.0, 1e-3, 1e-2, 1e-1),
    "lr": (1e-3, 1e-2, 0.1, 1.0),
}
