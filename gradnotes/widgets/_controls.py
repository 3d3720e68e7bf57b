"""The controls the explorers share, built once: options straight from the registries.

Every explorer that has an ``activation`` dropdown gets it from
:func:`activation_dropdown` (labels from :data:`~gradnotes.ACTIVATIONS`), and so
on for ``init``, ``norm``, ``residual``, ``depth``, ``width``, ``gain`` and
``bias_std``; the generic builders (:func:`dropdown`, :func:`int_slider`, ...)
give the rest the same label width and layout. Each call makes new widgets
(and a new ``Layout``), so one explorer's control never moves another's.

"No normalization" is the option ``("none", "none")``, as "no clipping" is in the
training explorer: a ``Dropdown`` whose value is ``None`` shows no selection in
the browser, so the widget holds the string (:data:`~gradnotes._params.NONE`)
and :meth:`Explorer.values <gradnotes.widgets._base.Explorer.values>` reports
it as ``None``, the package's one spelling of "no norm".

Numbers a chapter sets exactly (a gain of 1 or 1.5, a learning rate of 3e-3)
live on an :class:`ExactSlider`: a ``SelectionSlider`` over exact values, so
the browser sends back an index and the kernel reads the very float it offered
(a ``FloatLogSlider`` computes ``10**x`` in the browser: 1.0000000000000004,
and snaps 1.5 to 1.5136).

Examples
--------
>>> from gradnotes import ACTIVATIONS
>>> a = activation_dropdown()
>>> a.description, a.value, len(a.options) == len(ACTIVATIONS)
('activation', 'linear', True)
>>> norm_dropdown().options
(('none', 'none'), ('batch norm', 'batch'), ('layer norm', 'layer'))
>>> residual_dropdown().options
(('none', 'none'), ('pre-activation (standard)', 'pre'), ('post-activation', 'post'))
>>> g = gain_slider(high=25)
>>> g.values[0], g.values[-1], g.value, 1.5 in g.values
(0.1, 25.0, 1.0, True)
>>> g.add(10.15); g.value = 10.15; g.label
'10.15'

On a phone (390 px) JupyterLab leaves a slider about 280 px, and ipywidgets'
fixed label, margins and 72 px readout take 166 of them: a 120 px track.
Every control here carries the CSS class :data:`CONTROL_CLASS`, and
:func:`style_sheet` is the small CSS that gives such a slider back its track on
narrow screens (a readout as wide as its text, a tighter label margin); an
explorer shows it once, hidden, among its children.

>>> "gradnotes-control" in int_slider("depth", 1, 10, value=3)._dom_classes
True
>>> style_sheet().layout.display
'none'

A control that changes nothing for some choice of another control says so with
:class:`~gradnotes.widgets._applies.Applies` (see there; re-exported here): an explorer declares ``applies = {name: rule}`` and
the control is disabled, live and in the book, where the rule does not hold.
"""

from __future__ import annotations

import ipywidgets as widgets

from .._params import NONE
from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS
from ..normalization import NORMS
from ._applies import Applies, applicable, enable, gain_applies, parameter_applies, rules_data, rules_of

__all__ = ["STYLE", "WIDE", "SLIDER", "CONTROL_CLASS", "CAPTION_CLASS", "NARROW_CSS", "control_layout", "row_layout", "style_sheet",
           "dropdown", "int_slider", "float_slider", "log_slider", "selection_slider", "ExactSlider", "exact_slider",
           "decimal_steps", "nice_log_values", "checkbox", "activation_dropdown", "init_dropdown", "norm_dropdown",
           "norm_options", "residual_checkbox", "residual_options", "residual_dropdown", "depth_slider",
           "width_slider", "gain_slider", "bias_std_slider", "Applies", "rules_of", "applicable", "enable",
           "rules_data", "gain_applies", "parameter_applies"]

#: Label width of every control (the descriptions are short words).
STYLE = {"description_width": "70px"}
#: Width of dropdowns: 70 px label + a box that holds the longest option ("standard_uniform"); two of them and
#: a slider fit one row of JupyterLab at 1280 px with its file browser open (about 860 px).
WIDE = "240px"
#: Width of sliders: 70 px label + a track of at least 150 px + the readout (checked in a browser).
SLIDER = "330px"
#: CSS class of every control built here (what :data:`NARROW_CSS` selects).
CONTROL_CLASS = "gradnotes-control"
#: CSS class of an explorer's caption: it wraps at any width (a phone cut the training explorer's off).
CAPTION_CLASS = "gradnotes-caption"
#: Below 480 px (a phone) a slider's readout is as wide as its text (ipywidgets: at least 72 px) and its
#: label's margin halves: a 280 px slider keeps a track of about 160 px instead of 120 px.
NARROW_CSS = f"""@media (max-width: 480px) {{
  .{CONTROL_CLASS}.widget-slider .widget-readout {{ min-width: 32px; margin-left: 2px; }}
  .{CONTROL_CLASS}.widget-slider .widget-label {{ margin-right: 4px; }}
}}
.{CAPTION_CLASS} .widget-html-content {{ white-space: normal; overflow-wrap: anywhere; line-height: 1.4; }}"""
#: Mantissas of :func:`nice_log_values`: roughly even on a log scale, with the values chapters use.
MANTISSAS = (1, 1.1, 1.2, 1.25, 1.4, 1.5, 1.6, 1.8, 2, 2.2, 2.5, 2.8, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9)


def control_layout(width: str = "270px") -> widgets.Layout:
    """A new ``Layout`` of the given width (one per control: hiding one hides no other).

    Controls keep their width (``flex: 0 0 auto``): a row that is too narrow
    wraps (:func:`row_layout`) instead of squeezing every slider's track; only a
    screen narrower than one control (a phone) shrinks it (``max_width: 100%``).
    """
    return widgets.Layout(width=width, max_width="100%", flex="0 0 auto")


def row_layout() -> widgets.Layout:
    """A row of controls that wraps onto more rows when the notebook is narrow."""
    return widgets.Layout(flex_flow="row wrap", width="100%")


def style_sheet() -> widgets.HTML:
    """:data:`NARROW_CSS` in a hidden ``HTML`` widget (its ``<style>`` applies to the whole page, once is enough)."""
    return widgets.HTML(f"<style>{NARROW_CSS}</style>", layout=widgets.Layout(display="none"))


def _marked(control):
    """``control`` with :data:`CONTROL_CLASS` (so :data:`NARROW_CSS` can find it)."""
    control.add_class(CONTROL_CLASS)
    return control


class ExactSlider(widgets.SelectionSlider):
    """A ``SelectionSlider`` over exact numbers: the kernel reads back the float it offered.

    :attr:`values` are the numbers in order. :meth:`add` inserts another one
    (a chapter's ``gain=10.15``): any number between the first and the last is
    accepted by the explorers.
    """

    @property
    def values(self) -> tuple:
        """The numbers offered, in increasing order."""
        return tuple(value for _, value in self.options)

    def add(self, value: float) -> None:
        """Offer ``value`` too (kept in order); the current value stays selected."""
        if value in self.values:
            return
        current = self.value
        numbers = sorted([*self.values, float(value)])
        self.options = [(_label(v), v) for v in numbers]
        self.value = current


def _label(value: float) -> str:
    return f"{value:g}"


def decimal_steps(low: float, high: float, step: float, digits: int = 2) -> tuple:
    """``low, low + step, ..., high``, each rounded to ``digits`` decimals (the float of that decimal).

    >>> decimal_steps(0.5, 1.0, 0.1)
    (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    """
    count = round((high - low) / step)
    return tuple(round(low + k * step, digits) for k in range(count + 1))


def nice_log_values(low: float, high: float, mantissas=MANTISSAS) -> tuple:
    """Round numbers from ``low`` to ``high``, about evenly spaced on a log scale (each the float of its decimal).

    >>> nice_log_values(0.5, 2)
    (0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.25, 1.4, 1.5, 1.6, 1.8, 2.0)
    >>> nice_log_values(1e-4, 1, mantissas=(1, 3))[:3]
    (0.0001, 0.0003, 0.001)
    """
    import math

    out = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in mantissas:
            v = float(f"{m}e{exponent}")
            if low * (1 - 1e-12) <= v <= high * (1 + 1e-12):
                out.append(v)
    return tuple(sorted(set(out)))


def exact_slider(description: str, values, *, value: float, width: str = SLIDER) -> ExactSlider:
    """An :class:`ExactSlider` over ``values`` (labels ``f"{v:g}"``), starting at ``value``."""
    slider = _marked(ExactSlider(options=[(_label(v), float(v)) for v in values], value=float(values[0]),
                                 description=description, layout=control_layout(width), style=STYLE))
    slider.add(value)
    slider.value = float(value)
    return slider


# -- generic builders: the label style and the layout, written once --------------------
def dropdown(description: str, options, *, width: str = WIDE) -> widgets.Dropdown:
    """A ``Dropdown`` over ``options`` (values, or ``(label, value)`` pairs)."""
    return _marked(widgets.Dropdown(options=list(options), description=description, layout=control_layout(width),
                                    style=STYLE))


def int_slider(description: str, low: int, high: int, *, value: int, width: str = SLIDER) -> widgets.IntSlider:
    """An ``IntSlider`` over ``[low, high]``."""
    return _marked(widgets.IntSlider(value=value, min=low, max=high, description=description,
                                     layout=control_layout(width), style=STYLE))


def float_slider(description: str, low: float, high: float, *, step: float, value: float = 0.0,
                 readout_format: str | None = None, width: str = SLIDER) -> widgets.FloatSlider:
    """A ``FloatSlider`` over ``[low, high]`` in steps of ``step``."""
    extra = {} if readout_format is None else dict(readout_format=readout_format)
    return _marked(widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                                       layout=control_layout(width), style=STYLE, **extra))


def log_slider(description: str, min_exponent: float, max_exponent: float, *, step: float, value: float,
               base: float = 10, readout_format: str = ".2f", width: str = SLIDER) -> widgets.FloatLogSlider:
    """A ``FloatLogSlider`` over ``[base**min_exponent, base**max_exponent]`` (steps in the exponent)."""
    return _marked(widgets.FloatLogSlider(value=value, base=base, min=min_exponent, max=max_exponent, step=step,
                                          readout_format=readout_format, description=description,
                                          layout=control_layout(width), style=STYLE))


def selection_slider(description: str, options, *, value, width: str = SLIDER) -> widgets.SelectionSlider:
    """A ``SelectionSlider`` over ``options`` (values, or ``(label, value)`` pairs)."""
    return _marked(widgets.SelectionSlider(options=list(options), value=value, description=description,
                                           layout=control_layout(width), style=STYLE))


def checkbox(description: str, *, width: str) -> widgets.Checkbox:
    """A ``Checkbox`` with its description beside the box (no indent)."""
    return _marked(widgets.Checkbox(description=description, indent=False, layout=control_layout(width)))


# -- the shared concepts -------------------------------------------------------------
def activation_dropdown(names=None, *, width: str = WIDE) -> widgets.Dropdown:
    """The activations (default: all of :data:`~gradnotes.ACTIVATIONS`, in order), by their labels."""
    names = ACTIVATIONS if names is None else names
    return dropdown("activation", [(ACTIVATIONS[name].label, name) for name in names], width=width)


def init_dropdown(names=None, *, width: str = WIDE) -> widgets.Dropdown:
    """The initializers (default: all of :data:`~gradnotes.INITIALIZERS`, in order), by name."""
    return dropdown("init", list(INITIALIZERS if names is None else names), width=width)


def norm_options() -> list:
    """``("none", "none")``, then ``("<name> norm", name)`` for every entry of :data:`~gradnotes.normalization.NORMS`."""
    return [("none", NONE)] + [(f"{name} norm", name) for name in NORMS]


def norm_dropdown(*, width: str = "220px") -> widgets.Dropdown:
    """No normalization, or one from :data:`~gradnotes.normalization.NORMS`."""
    return dropdown("norm", norm_options(), width=width)


def residual_checkbox(*, width: str = "200px") -> widgets.Checkbox:
    """Residual connections on or off (kept for explorers with one block; the gradient explorer offers the kinds)."""
    return checkbox("residual connections", width=width)


def residual_options() -> list:
    """``("none", "none")`` (no skip), then ``(label, name)`` for every block of :data:`~gradnotes.probe.RESIDUALS`."""
    from ..probe import RESIDUALS

    return [("none", NONE)] + [(block.label, name) for name, block in RESIDUALS.items()]


def residual_dropdown(*, width: str = "260px") -> widgets.Dropdown:
    """No skip connection, or a residual block: pre-activation (the standard one) or post-activation."""
    return dropdown("residual", residual_options(), width=width)


def depth_slider(high: int, *, low: int = 1, value: int, width: str = SLIDER) -> widgets.IntSlider:
    """The number of layers, ``low`` to ``high``."""
    return int_slider("depth", low, high, value=value, width=width)


def width_slider(widths, *, value: int, width: str = SLIDER) -> widgets.SelectionSlider:
    """The layer width, one of ``widths``."""
    return selection_slider("width", widths, value=value, width=width)


def gain_slider(*, high: float, width: str = SLIDER) -> ExactSlider:
    """The initializer's scale multiplier, 0.1 to ``high`` in round steps (:func:`nice_log_values`), starting at 1."""
    return exact_slider("gain", nice_log_values(0.1, high), value=1.0, width=width)


def bias_std_slider(*, width: str = SLIDER) -> ExactSlider:
    """The standard deviation of the biases, 0 to 2 in steps of 0.05."""
    return exact_slider("bias std", decimal_steps(0.0, 2.0, 0.05), value=0.0, width=width)

