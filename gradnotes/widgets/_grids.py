"""Which controls a static explorer keeps, and the values it precomputes for them.

A registry, as for activations and initializers: :data:`GRIDS` maps an explorer
factory's name to its :class:`Grid`; :data:`VALUES` gives values for any other
control a notebook cell asks to keep (``static_controls=``). Few values per
control: every grid point is a picture stored in the chapter's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..activations import ACTIVATIONS

__all__ = ["Grid", "GRIDS", "VALUES"]


def _no_parameter_unless_defined(point: dict) -> dict:
    # Only leaky ReLU and ELU have a parameter; the others take ``parameter=None``.
    return point if ACTIVATIONS[point["activation"]].params else {**point, "parameter": None}


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


#: Factory name -> the grid its static version precomputes (4-6 values per control).
GRIDS = {
    "gradient_explorer": Grid({"activation": ("linear", "sigmoid", "tanh", "relu", "gelu"),
                               "depth": (5, 10, 30, 50, 100)}),
    "activation_explorer": Grid({"activation": tuple(ACTIVATIONS), "parameter": (0.0, 0.01, 0.1, 0.5, 1.0)},
                                settings=_no_parameter_unless_defined,
                                descriptions={"parameter": "a or α"}),
    "init_explorer": Grid({"init": ("zeros", "normal", "xavier_normal", "he_normal", "orthogonal"),
                           "gain": (0.5, 0.8, 1.0, 1.25, 2.0)}),
    "rnn_explorer": Grid({"spectral_radius": (0.5, 0.9, 1.0, 1.1, 1.5, 2.0),
                          "activation": ("linear", "tanh", "sigmoid", "relu")}),
    # every point trains a network (about a second each): 3 x 3 keeps the book build short
    "training_explorer": Grid({"activation": ("sigmoid", "tanh", "relu"), "optimizer": ("sgd", "momentum", "adam")}),
}


#: Values for controls a cell asks to keep (``static_controls=``) beyond its factory's grid.
VALUES = {
    "depth": (5, 10, 30, 50, 100),
    "gain": (0.5, 0.8, 1.0, 1.25, 2.0),
    "bias_std": (0.0, 0.1, 0.5, 1.0),
    "width": (16, 64, 256, 512),
    "norm": (None, "batch", "layer"),
    "residual": (False, True),
    "init": ("zeros", "normal", "xavier_normal", "he_normal", "orthogonal"),
    "steps": (10, 50, 100, 200),
    "x_range": (2.0, 5.0, 10.0, 20.0),
    "optimizer": ("sgd", "momentum", "adam"),
    "clip": (None, "norm", "value"),
    "weight_decay": (0.0, 1e-3, 1e-2, 1e-1),
    "lr": (1e-3, 1e-2, 0.1, 1.0),
}
