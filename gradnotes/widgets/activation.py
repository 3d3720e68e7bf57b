"""The activation explorer: an activation, its derivative, and where it saturates."""

from __future__ import annotations

from dataclasses import dataclass

from ..activations import ACTIVATIONS, Activation, get_activation
from ..plots import plot_activation
from ._base import Explorer
from ._canvas import BlitFigure, fix_labels, group_by_axes
from ._controls import activation_dropdown, decimal_steps, exact_slider, float_slider, parameter_applies
from ._grids import Grid
from .static import book_explorer

__all__ = ["ActivationExplorer", "activation_explorer", "Viewed"]

SIZE = (960, 340)
_PHI = [0.075, 0.15, 0.39, 0.74]
_DPHI = [0.585, 0.15, 0.39, 0.74]
#: Slider labels for the registry's parameters.
PARAMETER_LABELS = {"negative_slope": "slope a", "alpha": "α"}
#: Step of the parameter slider (its options are exact: ELU's alpha of 1 arrives as 1.0).
PARAMETER_STEP = 0.01


@dataclass(frozen=True)
class Viewed:
    """What one picture of the activation explorer shows: an activation over ``x_range``."""

    activation: Activation
    x_range: tuple


class ActivationFigure:
    """``phi`` and ``phi'`` side by side; the x limits are always ``x_range``."""

    def __init__(self, viewed: Viewed):
        activation, x_range = viewed.activation, viewed.x_range
        self.canvas = BlitFigure(*SIZE)
        fig = self.canvas.figure
        ax, dax = fig.add_axes(_PHI), fig.add_axes(_DPHI)
        self.curves = plot_activation(activation, ax, x_range=x_range, derivative_ax=dax)
        for a in (ax, dax):
            fix_labels(a, ylabel_px=42, xlabel_px=28)
        self.canvas.set_dynamic(self.curves.artists, [ax, dax], group_by_axes(self.curves.decorations))

    def show(self, viewed: Viewed, *, keep_limits: bool) -> None:
        # keep_limits changes nothing: the limits are the x range, and the y limits follow the curve
        self.curves.update(viewed.activation, viewed.x_range)


class ActivationExplorer(Explorer):
    """``phi`` and ``phi'`` of one activation, saturated regions shaded.

    Controls: ``activation``, ``parameter`` (leaky ReLU's slope, ELU's alpha;
    disabled for activations without one, where it is ``None``), ``x_range``
    (the plot shows ``[-x_range, x_range]``).
    """

    figure_class = ActivationFigure
    applies = {"parameter": parameter_applies()}

    def __init__(self, activation="tanh", parameter=None, x_range=5.0):
        controls = {
            "activation": activation_dropdown(),
            "parameter": exact_slider("parameter", decimal_steps(0.0, 1.0, PARAMETER_STEP), value=0.0),
            "x_range": float_slider("x range ±", 1.0, 20.0, step=0.5, value=5.0),
        }
        self._parameters = {name: dict(a.params) for name, a in ACTIVATIONS.items()}
        super().__init__(controls, {}, [["activation", "parameter", "x_range"]])
        self._configure_parameter(controls["activation"].value)
        initial = dict(activation=activation, x_range=x_range)
        if parameter is not None:
            initial["parameter"] = parameter
        self._start(initial)

    # The parameter slider follows the activation: its label, range and remembered value.
    def _configure_parameter(self, name: str) -> None:
        slider = self.controls["parameter"]
        params = ACTIVATIONS[name].param_ranges
        was, self._holding = self._holding, True
        try:
            if not params:  # the slider stays where it is, disabled (``applies``)
                slider.description = "parameter"
                return
            (key, (lo, hi)), = params.items()
            slider.description = PARAMETER_LABELS.get(key, key)
            values = decimal_steps(lo, hi, PARAMETER_STEP)
            if slider.values != values:
                slider.options = [(f"{v:g}", v) for v in values]
            slider.add(self._parameters[name][key])
            slider.value = float(self._parameters[name][key])
        finally:
            self._holding = was

    def values(self) -> dict:
        name = self.controls["activation"].value
        params = ACTIVATIONS[name].params
        value = self.controls["parameter"].value if params else None
        return {"activation": name, "parameter": value, "x_range": self.controls["x_range"].value}

    def _checked(self, controls: dict) -> dict:
        controls = dict(controls)
        out = super()._checked({k: v for k, v in controls.items() if k != "parameter"})
        if "parameter" in controls:
            name = out.get("activation", self.controls["activation"].value)
            ranges = ACTIVATIONS[name].param_ranges
            value = controls["parameter"]
            if not ranges:
                if value is not None:
                    raise ValueError(f"activation={name!r} has no parameter; got parameter={value!r}")
            else:
                (key, (lo, hi)), = ranges.items()
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                    raise ValueError(f"parameter={value!r} ({key} of {name}) is out of range; "
                                     f"allowed: [{lo:g}, {hi:g}]")
                out["parameter"] = float(value)
        return out

    def update(self, **controls) -> None:
        """Set controls and redraw; ``activation`` is applied before ``parameter``."""
        values = self._checked(controls)
        self._holding = True
        try:
            if "activation" in values:
                self.controls["activation"].value = values["activation"]
                self._configure_parameter(values["activation"])
            if values.get("parameter") is not None:
                self._set("parameter", values["parameter"])
                name = self.controls["activation"].value
                for key in ACTIVATIONS[name].params:
                    self._parameters[name][key] = values["parameter"]
            if "x_range" in values:
                self.controls["x_range"].value = values["x_range"]
        finally:
            self._holding = False
        self._request()

    def _on_control(self, change) -> None:
        if not self._holding and self.values() != self._drawn:
            if change["owner"] is self.controls["activation"]:
                self._configure_parameter(change["new"])  # before the redraw reads the slider
            elif change["owner"] is self.controls["parameter"]:
                name = self.controls["activation"].value
                for key in ACTIVATIONS[name].params:
                    self._parameters[name][key] = change["new"]
        super()._on_control(change)

    def render(self, **controls) -> bytes:
        """PNG bytes for ``controls`` (others: current values; a new activation's own parameter)."""
        values = self._checked(controls)
        name = values.get("activation", self.controls["activation"].value)
        if "parameter" not in values:
            params = self._parameters[name]
            values["parameter"] = next(iter(params.values())) if params else None
        return self._render({**self.values(), **values})

    def _start(self, initial: dict) -> None:
        self.update(**initial)

    @property
    def activation(self) -> Activation | None:
        """The activation the picture shows, with its parameter."""
        return None if self.result is None else self.result.activation

    def _compute(self, values) -> Viewed:
        name, value = values["activation"], values["parameter"]
        params = ACTIVATIONS[name].params
        act = get_activation(name, **({k: value for k in params} if params and value is not None else {}))
        return Viewed(act, (-values["x_range"], values["x_range"]))

    def _numbers(self) -> dict:
        act = self.activation
        curves = self._figure.curves
        x_peak, peak = (float(v[0]) for v in curves.max_marker.get_data())
        return dict(
            params=dict(act.params),
            max_derivative=act.max_derivative,
            max_derivative_in_view=peak,
            argmax_derivative=x_peak,
            saturation_level=act.saturation_level,
            gain=act.gain,
            output_range=act.output_range,
        )


def _no_parameter_unless_defined(point: dict) -> dict:
    # Only leaky ReLU and ELU have a parameter; the others take ``parameter=None``.
    return point if ACTIVATIONS[point["activation"]].params else {**point, "parameter": None}


@book_explorer(Grid({"activation": tuple(ACTIVATIONS), "parameter": (0.0, 0.01, 0.1, 0.5, 1.0)},
                    settings=_no_parameter_unless_defined, descriptions={"parameter": "a or α"}))
def activation_explorer(activation: str = "tanh", parameter: float | None = None,
                        x_range: float = 5.0) -> ActivationExplorer:
    """An explorer of one activation function and its derivative.

    Parameters
    ----------
    activation : str
        A name in ``ACTIVATIONS``.
    parameter : float, optional
        Leaky ReLU's negative slope or ELU's alpha (default: the registry's value).
    x_range : float
        The plot spans ``[-x_range, x_range]`` (1 to 20).

    Returns
    -------
    ActivationExplorer

    Examples
    --------
    >>> a = activation_explorer("elu", parameter=0.5)
    >>> a.state["max_derivative"], a.controls["parameter"].description
    (1.0, 'α')
    """
    return ActivationExplorer(activation=activation, parameter=parameter, x_range=x_range)
