"""When a control changes the picture: "this control applies only when ...", declared once per explorer.

Re-exported by :mod:`gradnotes.widgets._controls`. See :class:`Applies`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .._params import NONE
from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS

__all__ = ["Applies", "rules_of", "applicable", "enable", "rules_data", "gain_applies", "parameter_applies"]


@dataclass(frozen=True)
class Applies:
    """A control changes the picture only while control ``when`` has a value in ``among`` (or not in ``unless``).

    An explorer declares its rules once, as a class attribute ``applies``:
    control name -> an ``Applies`` or a tuple of them (all must hold). Every
    front end reads that one declaration:

    * the live explorer (:class:`~gradnotes.widgets._base.Explorer`) disables the
      control, with :attr:`reason` as its tooltip, whenever a rule fails
      (:func:`enable`, called before every redraw);
    * the book's precomputed explorer (:func:`~gradnotes.widgets.static.static_explorer`)
      shows a disabled twin of the control for the options of ``when`` where a
      rule fails, switched by the browser with no kernel and no script;
    * the page explorers drawn in JavaScript get the rules as data
      (:func:`rules_data`, in their config).

    ``tests/test_widgets_applies.py`` checks every registered explorer both
    ways: a control that is enabled changes the picture, and one that is
    disabled does not.

    Parameters
    ----------
    when : str
        The control (or setting) the rule looks at.
    among : tuple, optional
        The values of ``when`` for which the control applies.
    unless : tuple, optional
        The values of ``when`` for which it does not (give one of the two).
    reason : str
        Shown to the reader on the disabled control: why it changes nothing.

    Examples
    --------
    How an explorer with an ``init`` dropdown and a ``gain`` slider declares
    that a zero initialization has no scale to multiply (this is
    :func:`gain_applies`)::

        class MyExplorer(Explorer):
            applies = {"gain": Applies("init", unless=("zeros",), reason="zeros has no scale")}

    >>> rule = Applies("init", unless=("zeros",), reason="zeros has no scale")
    >>> rule({"init": "he_normal"}), rule({"init": "zeros"})
    (True, False)
    >>> rules = {"gain": rule, "parameter": Applies("activation", among=("elu", "leaky_relu"))}
    >>> applicable(rules, {"init": "zeros", "activation": "elu", "depth": 5})
    {'gain': False, 'parameter': True}
    >>> rules_data(rules)["gain"]
    [{'when': 'init', 'unless': ['zeros'], 'reason': 'zeros has no scale'}]
    >>> from gradnotes.widgets._controls import gain_slider
    >>> g = gain_slider(high=2); enable({"gain": rule}, {"gain": g}, {"init": "zeros"}); g.disabled, g.tooltip
    (True, 'zeros has no scale')
    >>> enable({"gain": rule}, {"gain": g}, {"init": "normal"}); g.disabled, g.tooltip
    (False, None)
    """

    when: str
    among: tuple | None = None
    unless: tuple | None = None
    reason: str = ""

    def __post_init__(self):
        if (self.among is None) == (self.unless is None):
            raise TypeError(f"Applies({self.when!r}) needs exactly one of among= or unless=; "
                            f"got among={self.among!r}, unless={self.unless!r}")
        for name in ("among", "unless"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, tuple(getattr(self, name)))

    def __call__(self, values: Mapping) -> bool:
        """Whether the control changes the picture for ``values`` (control and setting name -> value)."""
        value = values[self.when]
        value = None if value == NONE else value
        return value in self.among if self.among is not None else value not in self.unless

    def as_data(self) -> dict:
        """The rule as plain JSON data (``None`` stays ``null``: the package's "none")."""
        out = {"when": self.when}
        out.update({"among": list(self.among)} if self.among is not None else {"unless": list(self.unless)})
        return {**out, "reason": self.reason}


def rules_of(rules: Mapping, name: str) -> tuple:
    """The rules on control ``name`` as a tuple (an ``Applies`` alone, a tuple of them, or none)."""
    rule = rules.get(name, ())
    return (rule,) if isinstance(rule, Applies) else tuple(rule)


def applicable(rules: Mapping, values: Mapping) -> dict:
    """Control name -> whether it changes the picture for ``values`` (every control that has rules)."""
    return {name: all(rule(values) for rule in rules_of(rules, name)) for name in rules}


def enable(rules: Mapping, controls: Mapping, values: Mapping) -> None:
    """Disable each control in ``controls`` whose rules fail for ``values`` (tooltip: the reason); enable the rest."""
    for name, ok in applicable(rules, values).items():
        control = controls.get(name)
        if control is None:
            continue
        control.disabled = not ok
        reasons = [r.reason for r in rules_of(rules, name) if r.reason and not r(values)]
        control.tooltip = "; ".join(reasons) if reasons else None


def rules_data(rules: Mapping) -> dict:
    """Control name -> its rules as plain data (for a page explorer drawn in JavaScript)."""
    return {name: [rule.as_data() for rule in rules_of(rules, name)] for name in rules}


def gain_applies(when: str = "init") -> Applies:
    """``gain`` multiplies the initializer's scale: it applies unless the initializer has none (``zeros``)."""
    unscaled = tuple(name for name, init in INITIALIZERS.items() if init.shape == "zeros")
    return Applies(when, unless=unscaled, reason=f"{' and '.join(unscaled)} has no scale for the gain to multiply")


def parameter_applies(when: str = "activation") -> Applies:
    """An activation's parameter slider applies only to activations that have one (leaky ReLU's slope, ELU's α)."""
    with_parameter = tuple(name for name, act in ACTIVATIONS.items() if act.params)
    return Applies(when, among=with_parameter, reason="this activation has no parameter")
