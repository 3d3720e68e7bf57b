"""Live explorers in the published book: an element that the page's own JavaScript engine draws.

In the book build (``GRADNOTES_STATIC=1`` and ``GRADNOTES_LIVE=1``) the gradient, init, activation and RNN
explorers are not grids of pictures: :func:`live_explorer` turns the live
Python explorer a notebook cell built into an HTML output holding

* an element ``<div data-gradnotes-explorer="gradient|init|activation|rnn">``,
  which ``book/engine/ui/`` (loaded only on such pages, by
  ``book/_ext/gradnotes_engine.py``) fills with native controls and SVG panels;
* its configuration as JSON: the cell's settings and every control's range and
  options, read from the Python explorer's own widgets (:func:`control_spec`), so
  the notebook and the page have one definition of each control;
* the Python explorer's own picture of the cell's settings in a ``<noscript>``,
  with an alt text from its numbers, for readers without JavaScript.

The page computes with a smaller batch (:data:`BROWSER`) than the notebook; the
browser tests check that the per-layer norms it draws agree with gradnotes'.

Examples
--------
>>> from gradnotes.widgets import RNNExplorer
>>> out = live_explorer(RNNExplorer(steps=20))
>>> out.kind, [c["name"] for c in out.config["controls"]]
('rnn', ['spectral_radius', 'activation', 'steps', 'input_std'])
>>> out.config["controls"][2]
{'name': 'steps', 'label': 'steps T', 'kind': 'range', 'min': 10, 'max': 200, 'step': 1, 'value': 20}
>>> 'data-gradnotes-explorer="rnn"' in out._repr_html_()
True
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from types import MappingProxyType

import ipywidgets as widgets

from .._params import NONE
from ..activations import ACTIVATIONS
from ..plots.figure import shrink_png
from ..plots.theory import SIGMA_B_GRID, SIGMA_W_GRID
from ._applies import rules_data

__all__ = ["ENV", "enabled", "KINDS", "BROWSER", "LiveExplorer", "live_explorer", "live_kind", "control_spec"]

#: Set (with ``GRADNOTES_STATIC``) to get live page explorers for :data:`KINDS`;
#: ``book/_ext/gradnotes_engine.py`` sets it for the book build.
ENV = "GRADNOTES_LIVE"

#: Explorer class name -> the ``data-gradnotes-explorer`` kind the page draws (names, not classes:
#: this module is imported by ``static.py``, which the explorer modules import).
KINDS = MappingProxyType({"GradientExplorer": "gradient", "InitExplorer": "init",
                          "ActivationExplorer": "activation", "RNNExplorer": "rnn"})
#: What the page computes with: batch 16 (the notebook's probes use 256, its RNN 32) and at most width 128 at
#: first (a wider layer is one move of the width control away). Chosen for <= 30 ms per update.
BROWSER = MappingProxyType({"batch": 16, "max_width": 128})


def enabled() -> bool:
    """True when ``GRADNOTES_LIVE`` asks for live page explorers (set, and not 0/false/no)."""
    return os.environ.get(ENV, "").strip().lower() not in ("", "0", "false", "no")


def live_kind(explorer) -> str | None:
    """The page kind of ``explorer`` (``None``: keep the precomputed pictures)."""
    return KINDS.get(type(explorer).__name__)


def _public(value):
    return None if value == NONE else value


def _number(value):
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else float(value)


def _select(control) -> dict:
    options = [o if isinstance(o, tuple) else (str(o), o) for o in control.options]
    return {"kind": "select", "options": [[str(label), value] for label, value in options]}


def _values(control) -> dict:
    options = [o if isinstance(o, tuple) else (f"{o:g}", o) for o in control.options]
    return {"kind": "range", "values": [_number(v) for _, v in options], "labels": [str(lab) for lab, _ in options]}


def _linear(control) -> dict:
    return {"kind": "range", "min": _number(control.min), "max": _number(control.max),
            "step": _number(control.step)}


def _log(control) -> dict:
    return {"kind": "range", "log": True, "base": control.base, "min": control.min, "max": control.max,
            "step": control.step}


#: Widget type -> what the page needs to build the same control (most specific first).
SPECS = ((widgets.Dropdown, _select), (widgets.ToggleButtons, _select), (widgets.SelectionSlider, _values),
         (widgets.IntSlider, _linear), (widgets.FloatLogSlider, _log), (widgets.FloatSlider, _linear),
         (widgets.Checkbox, lambda c: {"kind": "checkbox"}))


def control_spec(name: str, control) -> dict:
    """A control as plain data: its Python keyword, label, kind, range or options, and value."""
    for cls, spec in SPECS:
        if isinstance(control, cls):
            value = _public(control.value)
            return {"name": name, "label": control.description, **spec(control),
                    "value": value if isinstance(value, (str, bool)) or value is None else _number(value)}
    raise TypeError(f"control {name}={type(control).__name__} has no page version; "
                    f"known: {[cls.__name__ for cls, _ in SPECS]}")


def _activation_extras(explorer) -> dict:
    """The activation explorer's parameter slider follows the activation: its range per activation."""
    from .activation import PARAMETER_LABELS, PARAMETER_STEP

    parameters = {}
    for name, act in ACTIVATIONS.items():
        for key, (lo, hi) in act.param_ranges.items():
            parameters[name] = {"key": key, "label": PARAMETER_LABELS.get(key, key), "min": lo, "max": hi,
                                "step": PARAMETER_STEP, "value": explorer._parameters[name][key]}
    return {"parameters": parameters}


def _init_extras(explorer) -> dict:
    return {"phase_grid": {"sigma_w": [float(v) for v in SIGMA_W_GRID], "sigma_b": [float(v) for v in SIGMA_B_GRID]}}


#: Kind -> what its page needs beyond the controls and settings.
EXTRAS = {"activation": _activation_extras, "init": _init_extras}


def live_config(explorer) -> dict:
    """Everything the page needs: kind, every control (hidden ones too), the settings, the browser sizes."""
    kind = live_kind(explorer)
    controls = [control_spec(name, c) for name, c in explorer.controls.items()]
    settings = {k: v for k, v in explorer.values().items() if k not in explorer.controls}
    extras = EXTRAS.get(kind, lambda e: {})(explorer)
    applies = rules_data(explorer.applies)  # control -> when it changes the picture (gradnotes.widgets._applies)
    return {"kind": kind, "controls": controls, "settings": settings, "browser": dict(BROWSER), "applies": applies,
            **extras}


def _fmt(x: float) -> str:
    return f"{x:.2g}" if math.isfinite(x) else str(x)


def _gradient_alt(state: dict) -> str:
    g = state["grad_weight_norms"]
    return (f"Gradient norm per layer for {state['activation']} with {state['init']} (gain {state['gain']:g}), "
            f"depth {len(g)}: from {_fmt(g[-1])} at layer {len(g)} to {_fmt(g[0])} at layer 1")


def _activation_alt(state: dict) -> str:
    return (f"{state['activation']} and its derivative over ±{state['x_range']:g}; "
            f"largest slope {state['max_derivative']:.3g}")


def _rnn_alt(state: dict) -> str:
    g = state["grad_norms"]
    return (f"RNN gradient through time, {state['activation']}, spectral radius {state['spectral_radius']:g}, "
            f"input std {state.get('input_std', 1.0):g}: "
            f"{len(g) - 1} steps back the gradient is {_fmt(g[0] / g[-1])} times the last step's")


#: Kind -> alt text of the default picture, from the explorer's numbers.
ALT = {"gradient": _gradient_alt, "init": _gradient_alt, "activation": _activation_alt, "rnn": _rnn_alt}


def _script_json(data) -> str:
    """JSON safe inside ``<script>``."""
    return json.dumps(data, allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class LiveExplorer:
    """The book's HTML output for one explorer (see the module docstring).

    Attributes
    ----------
    kind : str
    config : dict
        The JSON the page reads.
    alt : str
        What the default picture shows.
    png : bytes
        The Python explorer's picture of the cell's settings.
    """

    def __init__(self, kind: str, config: dict, png: bytes, alt: str):
        self.kind, self.config, self.png, self.alt = kind, config, png, alt

    def _repr_html_(self) -> str:
        picture = base64.b64encode(self.png).decode("ascii")
        return (f'<div class="gradnotes-live" data-gradnotes-explorer="{self.kind}">'
                f'<script type="application/json" class="gradnotes-config">{_script_json(self.config)}</script>'
                f'<noscript><img class="gradnotes-noscript-picture" src="data:image/png;base64,{picture}" '
                f'alt="{html.escape(self.alt)}" style="max-width:100%;height:auto"></noscript></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self._repr_html_(), "text/plain": f"{self.kind} explorer: {self.alt}"}

    def __repr__(self) -> str:
        return f"LiveExplorer(kind={self.kind!r}, controls={[c['name'] for c in self.config['controls']]})"


def live_explorer(explorer) -> LiveExplorer:
    """The page version of a live Python explorer (its kind must be in :data:`KINDS`)."""
    kind = live_kind(explorer)
    if kind is None:
        raise ValueError(f"explorer={type(explorer).__name__} has no page version; known: {sorted(KINDS)}")
    state = explorer.state
    return LiveExplorer(kind, live_config(explorer), shrink_png(bytes(explorer.image.value)), ALT[kind](state))
