"""What every explorer shares: controls, synchronous updates that coalesce, state, render, drawing."""

from __future__ import annotations

import base64
import time

import ipywidgets as widgets

from .._params import NONE
from ._controls import CAPTION_CLASS, ExactSlider, enable, row_layout, style_sheet

__all__ = ["Explorer"]


class Explorer(widgets.VBox):
    """An ipywidgets box: controls on top, the picture (``image``, an ``ipywidgets.Image``) below.

    A subclass passes its controls (name -> widget, see :mod:`._controls`), its
    settings without a widget (name -> value, e.g. batch and seed) and the rows
    to lay the controls out in, and gives two things:

    * :meth:`_compute`: values -> the result one picture shows (from the compute
      layer; no drawing);
    * :attr:`figure_class`: built as ``figure_class(result)``, it has
      ``show(result, *, keep_limits)`` and a ``canvas`` (a
      :class:`~gradnotes.widgets._canvas.BlitFigure`).

    The base keeps two figures. The live one (``_figure``) shows the controls'
    result with ``keep_limits=True`` and is blitted (:meth:`BlitFigure.png`);
    :meth:`render` draws on a separate one (``_render_figure``) with
    ``keep_limits=False`` and in full (:meth:`BlitFigure.png_full`), so its
    bytes depend on the values only. ``result`` is the live picture's result.
    A subclass whose pictures are not drawn this way (the training explorer
    caches finished PNGs) overrides :meth:`_draw` and :meth:`_render` instead.
    Optional: :meth:`_numbers` (the numbers behind the last picture),
    :meth:`_caption` (HTML under it) and :attr:`applies` (controls that change
    the picture only for some choices of another, disabled for the others).

    A control change (from the browser or from :meth:`update`) redraws
    synchronously, once, before the kernel answers the message. Requests that
    arrive while a redraw runs are coalesced: the redraw loop runs again once,
    with the latest values of every control. A drag coalesces in the browser:
    ipywidgets sends a model's next value only after the kernel reported idle
    for the previous one, merging the values in between, so the kernel always
    draws the newest value the slider had when the last picture was done.
    Drawing later, from the event loop, would not coalesce more (there is never
    more than one message per control waiting) and costs a draw per drag: the
    kernel would answer at once, the browser would send a value that is stale
    by the time the picture is done, and the final value would come one draw
    later (measured: 3 pictures after letting go instead of 2). A change from
    the browser that leaves every value as the last picture's (the front end
    echoing a value the kernel set, e.g. when a slider's range follows the
    activation) draws nothing.

    Displayed, an explorer offers the widget and, as a fallback for a front end
    without a kernel or without the widget's state (a saved notebook on GitHub or
    nbviewer, or opened before it runs), its current picture as ``image/png``
    with a one-line ``text/plain`` description (:meth:`_repr_mimebundle_`).

    Attributes
    ----------
    controls : dict
        Name -> control widget.
    image : ipywidgets.Image
    caption : ipywidgets.HTML
        One line with the key numbers under the picture.
    result : object
        What :meth:`_compute` returned for the live picture (``None`` before it).
    redraws : int
        Pictures drawn so far.
    last_redraw_seconds : float
        Wall time of the last redraw, from reading the controls to the new
        picture handed to the Image widget (and, in a kernel, sent).
    """

    #: Draws a result: ``figure_class(result)``, ``.show(result, keep_limits=...)``, ``.canvas``.
    figure_class: type | None = None
    #: Control name -> :class:`~gradnotes.widgets._applies.Applies` (or a tuple of them): when it changes the
    #: picture. Where a rule fails the control is disabled (here, in the book's static and page explorers).
    applies: dict = {}

    def __init__(self, controls: dict, extra: dict, rows: list, footer=None):
        self.controls = dict(controls)
        self._settings = dict(extra)
        # align_self: a flex item of the VBox would stretch to the row's width (a 720 px picture drawn at 846,
        # blurred and taller than the stored fallback picture it replaces); so it keeps its size up to 100%.
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto",
                                                                       align_self="flex-start"))
        self.caption = widgets.HTML()
        self._busy = False
        self._pending = False
        self._holding = False
        self.redraws = 0
        self.last_redraw_seconds = None
        self.result = None
        self._figure = None
        self._render_figure = None
        self._drawn = None  # the values of the last picture
        boxes = [widgets.HBox([self.controls[name] for name in row], layout=row_layout()) for row in rows]
        self.caption.add_class(CAPTION_CLASS)
        children = [style_sheet(), *boxes, self.image, self.caption]  # the sheet: phone-width sliders, captions
        if footer is not None:
            children.append(footer)
        super().__init__(children=children)
        for name, control in self.controls.items():
            control.observe(self._on_control, names="value")

    def _start(self, initial: dict) -> None:
        """Check the constructor's values, set them and draw the first picture."""
        values = self._checked(initial)
        self._holding = True
        try:
            for name, value in values.items():
                if name in self.controls:
                    self._set(name, value)
        finally:
            self._holding = False
        self._request()

    # -- the contract -------------------------------------------------------
    def update(self, **controls) -> None:
        """Set controls (by name) and redraw synchronously.

        Unknown names and values outside a control's range raise; values equal to
        the current ones still redraw (the picture is then identical).
        """
        values = self._checked(controls)
        self._holding = True
        try:
            for name, value in values.items():
                if name in self.controls:
                    self._set(name, value)
                else:
                    self._settings[name] = value
        finally:
            self._holding = False
        self._request()

    @property
    def state(self) -> dict:
        """The current controls and the numbers behind the picture."""
        return {**self.values(), **self._numbers()}

    def values(self) -> dict:
        """The current value of every control and setting ("none" options as ``None``)."""
        return {**{name: _public(c.value) for name, c in self.controls.items()}, **self._settings}

    def _repr_mimebundle_(self, **kwargs):
        """The widget, plus its current picture (``image/png``) and a line of text for front ends without it."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # pragma: no cover - a closed widget
            return None
        text = self._alt_text()
        if self.image.value:  # a palette PNG (a third of the bytes a notebook stores), described by the text
            from ..plots.figure import shrink_png

            png = shrink_png(bytes(self.image.value), description=text)
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
        bundle["text/plain"] = text
        return bundle

    def _alt_text(self) -> str:
        """``"<Class>: name=value, ..."``: what the fallback picture shows, for a reader without images."""
        shown = ", ".join(f"{name}={value!r}" for name, value in self.values().items()
                          if name in self.controls and not self.controls[name].disabled)
        return f"{type(self).__name__}: {shown} (run the notebook to move the controls)"

    def render(self, **controls) -> bytes:
        """PNG bytes of the picture for ``controls`` (others: current values), drawn from scratch.

        Touches no widget and no live figure; the same controls always give the
        same bytes (for precomputing pictures of a static book).
        """
        values = {**self.values(), **self._checked(controls)}
        return self._render(values)

    # -- machinery ----------------------------------------------------------
    def _checked(self, controls: dict) -> dict:
        known = list(self.controls) + list(self._settings)
        out = {}
        for name, value in controls.items():
            if name not in known:
                raise TypeError(f"unknown control {name!r}; known: {known}")
            out[name] = self._check(name, value)
        return out

    def _check(self, name, value):
        control = self.controls.get(name)
        if control is None:
            return value
        if isinstance(control, ExactSlider):
            lo, hi = control.values[0], control.values[-1]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise ValueError(f"{name}={value!r} is out of range; allowed: [{lo:g}, {hi:g}]")
            return float(value)
        if isinstance(control, (widgets.Dropdown, widgets.SelectionSlider, widgets.ToggleButtons)):
            options = [o[1] if isinstance(o, tuple) else o for o in control.options]
            if NONE in options and value in (None, NONE):  # one spelling, None (gradnotes._params); see _set
                return None
            if value not in options:
                shown = [_public(o) for o in options]
                raise ValueError(f"{name}={value!r} is not an option; choose one of {shown}")
            return value
        if isinstance(control, widgets.Checkbox):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False; got {value!r}")
            return value
        if isinstance(control, widgets.FloatLogSlider):
            lo, hi = control.base ** control.min, control.base ** control.max
        else:
            lo, hi = control.min, control.max
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise ValueError(f"{name}={value!r} is out of range; allowed: [{lo:g}, {hi:g}]")
        if isinstance(control, widgets.IntSlider):
            if value != int(value):
                raise ValueError(f"{name}={value!r} must be a whole number in [{lo:g}, {hi:g}]")
            return int(value)
        return float(value)

    def _set(self, name: str, value) -> None:
        """Set a control to a checked value.

        An exact slider offers a new number first; ``None`` selects a dropdown's
        option "none" (a Dropdown whose value is ``None`` shows no selection).
        """
        control = self.controls[name]
        if isinstance(control, ExactSlider):
            control.add(value)
        elif value is None:
            value = NONE
        control.value = value

    def _on_control(self, change) -> None:
        if not self._holding and self.values() != self._drawn:
            self._request()

    def _request(self) -> None:
        self._pending = True
        if self._busy:
            return  # the running loop below picks up the latest values
        self._busy = True
        try:
            while self._pending:
                self._pending = False
                self._redraw()
        finally:
            self._busy = False

    def _redraw(self) -> None:
        start = time.perf_counter()
        self._drawn = self.values()
        enable(self.applies, self.controls, self._drawn)
        png = self._draw(dict(self._drawn))
        self.redraws += 1
        self.image.value = png  # in a kernel this sends the new picture to the browser
        self.last_redraw_seconds = time.perf_counter() - start
        self.caption.value = self._caption()

    # -- drawing: written once for every explorer ------------------------------
    def _draw(self, values: dict) -> bytes:
        """The live picture for ``values``: compute, show on the live figure, blit."""
        self.result = self._compute(values)
        if self._figure is None:
            self._figure = self._new_figure(self.result)
        else:
            self._figure.show(self.result, keep_limits=True)
        return self._figure.canvas.png()

    def _render(self, values: dict) -> bytes:
        """The picture for ``values`` on the render figure, limits from the data, drawn in full."""
        result = self._compute(values)
        if self._render_figure is None:
            self._render_figure = self._new_figure(result)
        else:
            self._render_figure.show(result, keep_limits=False)
        return self._render_figure.canvas.png_full()

    # -- for subclasses -----------------------------------------------------
    # ipywidgets' metaclass does not combine with abc.ABCMeta, so the hooks
    # say plainly what a subclass forgot instead of being declared abstract.
    def _compute(self, values: dict):  # pragma: no cover - every figure-drawing explorer overrides it
        raise TypeError(f"{type(self).__name__} must define _compute(values) -> result (or _draw and _render)")

    def _new_figure(self, result):
        if self.figure_class is None:  # pragma: no cover - a subclass forgot it
            raise TypeError(f"{type(self).__name__} must set figure_class (or define _draw and _render)")
        return self.figure_class(result)

    def _numbers(self) -> dict:
        return {}

    def _caption(self) -> str:
        return ""


def _public(value):
    """A control's value as the package spells it: the option "none" is ``None``."""
    return None if value == NONE else value
