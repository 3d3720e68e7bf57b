"""Explorers without a kernel: pictures drawn at build time, switched by the browser.

A reader of the published book runs no Python, so a slider wired to a Python
callback cannot redraw anything. :func:`static_explorer` turns a live explorer
into a box whose controls (``Dropdown``, ``SelectionSlider``) have their
``index`` ``jslink``-ed to the ``selected_index`` of nested ``Stack`` s of
``Image`` s: one picture per point of a small grid, drawn by the explorer's own
``render`` and shrunk to a palette PNG. The links live in the widget state the
book embeds, so the browser switches pictures by itself.

The book build sets ``GRADNOTES_STATIC=1`` (``make book``, and the book's Sphinx
extension ``book/_ext/gradnotes_assets.py``); the factories of
:mod:`gradnotes.widgets`, each decorated with :func:`book_explorer` where it is
defined, then return the static version. The same notebook cell gives the live
explorer in JupyterLab and the precomputed one in the book.
"""

from __future__ import annotations

import functools
import html
import itertools
import os
from typing import Callable

import ipywidgets as widgets

from .._params import NONE
from ..plots.figure import shrink_png
from ._gates import gate
from ._grids import GRIDS, VALUES, Grid, register
from . import _live
from ._offline import close_tree, offline

__all__ = ["Grid", "GRIDS", "VALUES", "StaticExplorer", "static_explorer", "static_in_book", "book_explorer",
           "enabled", "shrink_png"]

#: Set to 1 (``make book`` does) to get static explorers from the factories.
ENV = "GRADNOTES_STATIC"
#: Set by the book's Sphinx extension to the page's link to its own notebook.
DOWNLOAD_ENV = "GRADNOTES_NOTEBOOK_URL"
#: Palette size of the precomputed pictures (the most a palette PNG holds; smooth colour maps need it).
COLORS = 256  # the default of shrink_png


def enabled() -> bool:
    """True when ``GRADNOTES_STATIC`` asks for static explorers (set, and not 0/false/no)."""
    return os.environ.get(ENV, "").strip().lower() not in ("", "0", "false", "no")


class StaticExplorer(widgets.VBox):
    """Controls over nested stacks of precomputed pictures; works with no kernel.

    Build it with :func:`static_explorer`.

    Attributes
    ----------
    controls : dict
        Control name -> ``Dropdown`` or ``SelectionSlider`` (grid values only).
    options : dict
        Control name -> the values precomputed, in control order.
    pictures : dict
        Grid point (tuple of values, in control order) -> ``ipywidgets.Image``;
        equal pictures share one widget, so their bytes are stored once.
    stacks : list of list
        ``stacks[k]``: every ``Stack`` switched by the ``k``-th control.
    links : list
        The ``jslink`` s (control ``index`` -> stack ``selected_index``).
    note : ipywidgets.HTML
        The line below the pictures.
    gates : dict
        Control name -> its :class:`~gradnotes.widgets._gates.Gate`, for a control that applies only for some
        options of another kept control (the explorer's ``applies``).
    """

    def __init__(self, controls, options, pictures, stacks, links, note, gates=None):
        self.controls, self.options, self.pictures = controls, options, pictures
        self.stacks, self.links, self.note = stacks, links, note
        self.gates = dict(gates or {})
        shown = [self.gates[name].view if name in self.gates else c for name, c in controls.items()]
        super().__init__(children=[widgets.HBox(shown), stacks[0][0], note])
        self.add_class("gradnotes-static-explorer")

    def values(self) -> dict:
        """The value of every control."""
        return {name: self.options[name][c.index] for name, c in self.controls.items()}

    @property
    def image(self) -> widgets.Image:
        """The picture the controls select."""
        return self.pictures[tuple(self.values().values())]

    def select(self, **values) -> None:
        """Set controls from Python (the browser's links do this in the page)."""
        for name, value in values.items():
            if value not in self.options.get(name, ()):
                raise ValueError(f"{name}={value!r} is not precomputed; "
                                 f"choose one of {self.options.get(name)}")
            level = list(self.controls).index(name)
            index = self.options[name].index(value)
            self.controls[name].index = index
            for stack in self.stacks[level]:
                stack.selected_index = index
            for gated in self.gates.values():
                gated.follow(name, index)

    def control_shown(self, name: str):
        """The widget the reader sees for control ``name`` now (a disabled twin where it applies not)."""
        return self.gates[name].shown() if name in self.gates else self.controls[name]


def static_explorer(explorer, grid: Grid, *, note: str | None = None, colors: int = COLORS) -> StaticExplorer:
    """A kernel-free copy of ``explorer`` for the values of ``grid``.

    Every grid point is drawn by ``explorer.render`` (the other controls keep
    their current values) and stored as a palette PNG (:func:`shrink_png`).

    Parameters
    ----------
    explorer : Explorer
        A live explorer (see :mod:`gradnotes.widgets`); it is not changed.
    grid : Grid
        Controls to keep and their values (outer first).
    note : str, optional
        HTML for the line below the pictures (default: which controls are
        fixed, and where the live explorer is).
    colors : int
        Palette size of the pictures.

    Returns
    -------
    StaticExplorer

    Examples
    --------
    >>> from gradnotes.widgets import RNNExplorer
    >>> live = RNNExplorer(steps=20)
    >>> static = static_explorer(live, Grid({"spectral_radius": (0.5, 2.0), "activation": ("tanh",)}))
    >>> static.options["spectral_radius"], len(static.pictures)
    ([0.5, 1.0, 2.0], 3)
    >>> static.select(spectral_radius=2.0); static.values()
    {'spectral_radius': 2.0, 'activation': 'tanh'}
    """
    current = explorer.values()
    names = list(grid.values)
    options = {name: _with_current(grid.values[name], current.get(name)) for name in names}

    pictures, by_bytes = {}, {}
    layout = widgets.Layout(max_width="100%", height="auto")
    for point in itertools.product(*options.values()):
        settings = dict(zip(names, point))
        png = shrink_png(explorer.render(**(grid.settings(settings) if grid.settings else settings)), colors)
        if png not in by_bytes:
            by_bytes[png] = widgets.Image(value=png, format="png", layout=layout)
        pictures[point] = by_bytes[png]

    start = [options[name].index(current[name]) if current.get(name) in options[name] else 0 for name in names]
    stacks = [[] for _ in names]

    def nest(prefix: tuple):
        level = len(prefix)
        if level == len(names):
            return pictures[prefix]
        stack = widgets.Stack([nest(prefix + (v,)) for v in options[names[level]]], selected_index=start[level])
        stacks[level].append(stack)
        return stack

    nest(())
    controls = {name: _control(explorer.controls[name], options[name], start[level],
                               grid.descriptions.get(name))
                for level, name in enumerate(names)}
    links = [widgets.jslink((controls[name], "index"), (stack, "selected_index"))
             for level, name in enumerate(names) for stack in stacks[level]]
    gates = {}
    for name in names:
        found = gate(name, explorer, controls, options, start, current)
        if found is not None:
            gates[name] = found
            links += found.links
    if note is None:
        note = _note(explorer, controls, len(by_bytes))
    return StaticExplorer(controls, options, pictures, stacks, links, widgets.HTML(note), gates)


def static_in_book(factory: Callable, grid: Grid) -> Callable:
    """Wrap an explorer factory: live normally, static over ``grid`` when ``GRADNOTES_STATIC`` is set.

    A cell can keep other controls in the book with ``static_controls=("norm", "gain")``: their
    values come from ``grid``, else from :data:`VALUES`; or give the values
    itself with a dict, ``static_controls={"gain": (1.0, 4.0, 10.0)}``. A live
    explorer ignores the argument. The live explorer behind a static one is built with its
    widgets unconnected to any front end and closed afterwards, so its own
    controls and picture stay out of the notebook's widget state.
    The wrapper keeps ``factory``'s name and docstring (``functools.wraps``);
    ``__wrapped__`` is ``factory``.
    """
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a Grid; got {grid!r}")

    @functools.wraps(factory)
    def explorer(*args, static_controls=None, **kwargs):
        if not enabled():
            return factory(*args, **kwargs)
        if static_controls is None:
            chosen = grid
        else:
            given = static_controls if isinstance(static_controls, dict) else dict.fromkeys(static_controls)
            chosen = Grid({name: tuple(values) if values is not None else grid.values.get(name, VALUES.get(name))
                           for name, values in given.items()}, grid.settings, grid.descriptions)
        unknown = [name for name, values in chosen.values.items() if values is None]
        if unknown:
            known = sorted({*grid.values, *VALUES})
            raise ValueError(f"no precomputed values for {unknown}; known: {known}")
        with offline():
            live = factory(*args, **kwargs)
        try:
            # -- hook (gradnotes.widgets._live): with GRADNOTES_LIVE set too (the book's extension
            # book/_ext/gradnotes_engine.py sets it), these kinds are computed and drawn by the page itself --
            if _live.enabled() and _live.live_kind(live) is not None:
                return _live.live_explorer(live)
            return static_explorer(live, chosen)
        finally:
            close_tree(live)

    return explorer


def book_explorer(grid: Grid) -> Callable[[Callable], Callable]:
    """Decorate an explorer factory where it is defined: static in the book over ``grid``, and registered.

    The decorated factory is :func:`static_in_book` of the undecorated one, and
    :data:`GRIDS` maps it to ``grid``; ``gradnotes.widgets`` re-exports that very
    object. So an explorer is added in its own module plus one import line in
    ``gradnotes/widgets/__init__.py``.

    How ``gradnotes/widgets/recurrent.py`` does it::

        @book_explorer(Grid({"spectral_radius": (0.5, 0.9, 1.0, 1.1, 1.5, 2.0),
                             "activation": ("linear", "tanh", "sigmoid", "relu")}))
        def rnn_explorer(spectral_radius=1.0, activation="tanh", steps=100):
            ...

    Examples
    --------
    >>> from gradnotes import widgets
    >>> from gradnotes.widgets import recurrent
    >>> widgets.rnn_explorer is recurrent.rnn_explorer
    True
    >>> GRIDS[widgets.rnn_explorer].values["activation"]
    ('linear', 'tanh', 'sigmoid', 'relu')
    >>> type(widgets.rnn_explorer(steps=20)).__name__   # live unless GRADNOTES_STATIC is set
    'RNNExplorer'
    """
    def decorate(factory: Callable) -> Callable:
        wrapped = static_in_book(factory, grid)
        register(wrapped, grid)
        return wrapped

    return decorate


# -- helpers ------------------------------------------------------------------
def _with_current(values, value) -> list:
    """The grid's values, plus ``value`` (in numeric order when numbers) if missing."""
    values = list(values)
    if value is None or value in values:
        return values
    if _is_number(value) and all(_is_number(v) for v in values):
        return sorted(values + [value])
    return values + [value]


def _control(live, values: list, index: int, description: str | None):
    """A Dropdown (names, switches) or SelectionSlider (numbers) over ``values``, labelled as live."""
    common = dict(description=description or live.description, style=dict(description_width="70px"),
                  layout=widgets.Layout(width=live.layout.width or "290px"))
    labels = _labels(live)
    options = [(labels.get(v, f"{v:g}" if _is_number(v) else str(v)), v) for v in values]
    slider = isinstance(live, widgets.SelectionSlider) or (
        all(_is_number(v) for v in values) and not isinstance(live, (widgets.Dropdown, widgets.ToggleButtons)))
    return (widgets.SelectionSlider if slider else widgets.Dropdown)(options=options, index=index, **common)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _labels(control) -> dict:
    """Value -> label of a control's options (``on``/``off`` for a checkbox)."""
    if isinstance(control, widgets.Checkbox):
        return {True: "on", False: "off"}
    options = getattr(control, "options", ())
    labels = {value: label for label, value in (o if isinstance(o, tuple) else (str(o), o) for o in options)}
    if NONE in labels:  # the widget holds "none"; grids and values() spell it None
        labels[None] = labels[NONE]
    return labels


def _readout(control) -> str:
    value = control.value
    return _labels(control).get(value, f"{value:g}" if _is_number(value) else str(value))


def _note(explorer, controls: dict, pictures: int) -> str:
    fixed = [f"{c.description} {_readout(c)}" for name, c in explorer.controls.items()
             if name not in controls and not c.disabled]
    kept = " × ".join(c.description for c in controls.values())
    link = os.environ.get(DOWNLOAD_ENV)
    get = (f"<a href='{html.escape(link, quote=True)}' download>download this notebook</a> or launch it "
           "on Binder or Colab (rocket button at the top)" if link else "run this notebook")
    fixed_text = f", with {html.escape(', '.join(fixed))}" if fixed else ""
    return (f"<div style='font-size: 85%; line-height: 1.45; opacity: 0.8'>{pictures} precomputed pictures: "
            f"{html.escape(kept)}{fixed_text}. In JupyterLab all {len(explorer.controls)} controls are live: "
            f"{get}.</div>")
