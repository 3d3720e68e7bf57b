"""The controls the explorers share, built once: options straight from the registries.

Every explorer that has an ``activation`` dropdown gets it from
:func:`activation_dropdown` (labels from :data:`~gradnotes.ACTIVATIONS`), and so
on for ``init``, ``norm``, ``residual``, ``depth``, ``width``, ``gain`` and
``bias_std``; the generic builders (:func:`dropdown`, :func:`int_slider`, ...)
give the rest the same label width and layout. Each call makes new widgets
(and a new ``Layout``), so one explorer's control never moves another's.

"No normalization" is the option ``("none", None)``, as "no clipping" is in the
training explorer; :meth:`Explorer.update <gradnotes.widgets._base.Explorer.update>`
also accepts the string ``"none"`` for it.

Examples
--------
>>> from gradnotes import ACTIVATIONS
>>> a = activation_dropdown()
>>> a.description, a.value, len(a.options) == len(ACTIVATIONS)
('activation', 'linear', True)
>>> norm_dropdown().options
(('none', None), ('batch norm', 'batch'), ('layer norm', 'layer'))
>>> g = gain_slider(max_exponent=1.4)
>>> g.base ** g.min, round(g.base ** g.max, 2), g.value
(0.1, 25.12, 1.0)
"""

from __future__ import annotations

import ipywidgets as widgets

from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS
from ..normalization import NORMS

__all__ = ["STYLE", "WIDE", "control_layout", "dropdown", "int_slider", "float_slider", "log_slider",
           "selection_slider", "checkbox", "activation_dropdown", "init_dropdown", "norm_dropdown",
           "norm_options", "residual_checkbox", "depth_slider", "width_slider", "gain_slider", "bias_std_slider"]

#: Label width of every control (the descriptions are short words).
STYLE = {"description_width": "70px"}
#: Width of most controls: four fit a notebook row.
WIDE = "290px"


def control_layout(width: str = "270px") -> widgets.Layout:
    """A new ``Layout`` of the given width (one per control: hiding one hides no other)."""
    return widgets.Layout(width=width)


# -- generic builders: the label style and the layout, written once --------------------
def dropdown(description: str, options, *, width: str = WIDE) -> widgets.Dropdown:
    """A ``Dropdown`` over ``options`` (values, or ``(label, value)`` pairs)."""
    return widgets.Dropdown(options=list(options), description=description, layout=control_layout(width),
                            style=STYLE)


def int_slider(description: str, low: int, high: int, *, value: int, width: str = WIDE) -> widgets.IntSlider:
    """An ``IntSlider`` over ``[low, high]``."""
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             layout=control_layout(width), style=STYLE)


def float_slider(description: str, low: float, high: float, *, step: float, value: float = 0.0,
                 readout_format: str | None = None, width: str = WIDE) -> widgets.FloatSlider:
    """A ``FloatSlider`` over ``[low, high]`` in steps of ``step``."""
    extra = {} if readout_format is None else dict(readout_format=readout_format)
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               layout=control_layout(width), style=STYLE, **extra)


def log_slider(description: str, min_exponent: float, max_exponent: float, *, step: float, value: float,
               base: float = 10, readout_format: str = ".2f", width: str = WIDE) -> widgets.FloatLogSlider:
    """A ``FloatLogSlider`` over ``[base**min_exponent, base**max_exponent]`` (steps in the exponent)."""
    return widgets.FloatLogSlider(value=value, base=base, min=min_exponent, max=max_exponent, step=step,
                                  readout_format=readout_format, description=description,
                                  layout=control_layout(width), style=STYLE)


def selection_slider(description: str, options, *, value, width: str = WIDE) -> widgets.SelectionSlider:
    """A ``SelectionSlider`` over ``options`` (values, or ``(label, value)`` pairs)."""
    return widgets.SelectionSlider(options=list(options), value=value, description=description,
                                   layout=control_layout(width), style=STYLE)


def checkbox(description: str, *, width: str) -> widgets.Checkbox:
    """A ``Checkbox`` with its description beside the box (no indent)."""
    return widgets.Checkbox(description=description, indent=False, layout=control_layout(width))


# -- the shared concepts -------------------------------------------------------------
def activation_dropdown(names=None, *, width: str = WIDE) -> widgets.Dropdown:
    """The activations (default: all of :data:`~gradnotes.ACTIVATIONS`, in order), by their labels."""
    names = ACTIVATIONS if names is None else names
    return dropdown("activation", [(ACTIVATIONS[name].label, name) for name in names], width=width)


def init_dropdown(names=None, *, width: str = WIDE) -> widgets.Dropdown:
    """The initializers (default: all of :data:`~gradnotes.INITIALIZERS`, in order), by name."""
    return dropdown("init", list(INITIALIZERS if names is None else names), width=width)


def norm_options() -> list:
    """``("none", None)``, then ``("<name> norm", name)`` for every entry of :data:`~gradnotes.normalization.NORMS`."""
    return [("none", None)] + [(f"{name} norm", name) for name in NORMS]


def norm_dropdown(*, width: str = "220px") -> widgets.Dropdown:
    """No normalization, or one from :data:`~gradnotes.normalization.NORMS`."""
    return dropdown("norm", norm_options(), width=width)


def residual_checkbox(*, width: str = "200px") -> widgets.Checkbox:
    """Residual connections on or off."""
    return checkbox("residual connections", width=width)


def depth_slider(high: int, *, low: int = 1, value: int, width: str = WIDE) -> widgets.IntSlider:
    """The number of layers, ``low`` to ``high``."""
    return int_slider("depth", low, high, value=value, width=width)


def width_slider(widths, *, value: int, width: str = WIDE) -> widgets.SelectionSlider:
    """The layer width, one of ``widths``."""
    return selection_slider("width", widths, value=value, width=width)


def gain_slider(*, max_exponent: float, width: str = WIDE) -> widgets.FloatLogSlider:
    """The initializer's scale multiplier on a log scale, 0.1 to ``10**max_exponent``, starting at 1."""
    return log_slider("gain", -1, max_exponent, step=0.01, value=1.0, width=width)


def bias_std_slider(*, width: str = WIDE) -> widgets.FloatSlider:
    """The standard deviation of the biases, 0 to 2."""
    return float_slider("bias std", 0.0, 2.0, step=0.05, value=0.0, readout_format=".2f", width=width)
