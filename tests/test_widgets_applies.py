"""Honest controls: for every explorer in the registry, every control changes the picture or is disabled.

Both ways, generically over ``gradnotes.widgets.static.GRIDS`` (a new explorer is
covered by registering it): where a control is enabled, moving it changes the
picture; where its ``applies`` rules disable it, moving it changes nothing. The
book's precomputed explorer disables the same controls for the same choices.
"""

import ipywidgets
import pytest

from gradnotes.widgets import _controls
from gradnotes.widgets._applies import Applies, applicable, rules_of
from gradnotes.widgets._offline import close_tree, offline
from gradnotes.widgets.static import GRIDS, static_explorer

#: Small, fast settings per factory (any factory not listed is built with its defaults).
SMALL = {
    "gradient_explorer": dict(depth=6, width=16),
    "init_explorer": dict(depth=6, width=16, batch=8),
    "rnn_explorer": dict(steps=20),
    "training_explorer": dict(depth=3, width=8, steps=15, n_per_class=15),
    "edge_explorer": dict(),
}
#: Explorers whose rules are still to be declared by their owner (remove an entry once it passes).
PENDING = {}
FACTORIES = sorted(GRIDS, key=lambda f: f.__name__)


def build(factory):
    with offline():
        return factory.__wrapped__(**SMALL.get(factory.__name__, {}))


def other_value(control):
    """A value of ``control`` other than its current one (the far end of its range)."""
    if isinstance(control, ipywidgets.Checkbox):
        return not control.value
    if isinstance(control, _controls.ExactSlider):
        values = control.values
    elif isinstance(control, (ipywidgets.Dropdown, ipywidgets.SelectionSlider, ipywidgets.ToggleButtons)):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
    elif isinstance(control, ipywidgets.FloatLogSlider):
        values = [control.base ** control.min, control.base ** control.max]
    else:
        values = [control.min, control.max]
    value = values[-1] if values[-1] != control.value else values[0]
    return None if value == "none" else value


def bases(explorer):
    """The settings each control is moved from: the defaults, every option of a control a rule looks
    at, and the last option of every other dropdown."""
    rules = explorer.applies
    whens = {rule.when for name in rules for rule in rules_of(rules, name)}
    out = [{}]
    for name, control in explorer.controls.items():
        if isinstance(control, ipywidgets.Dropdown):
            options = [o[1] if isinstance(o, tuple) else o for o in control.options]
            options = [None if o == "none" else o for o in options]
            out += [{name: o} for o in (options if name in whens else options[-1:])]
    return out


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_every_control_changes_the_picture_or_is_disabled(factory):
    if factory.__name__ in PENDING:
        pytest.xfail(f"{factory.__name__}: rules not declared yet: {PENDING[factory.__name__]}")
    explorer = build(factory)
    try:
        silent, inert = [], []
        for base in bases(explorer):
            explorer.update(**base)
            values = explorer.values()
            allowed = applicable(explorer.applies, values)
            picture = explorer.render()
            for name, control in explorer.controls.items():
                if name in base:
                    continue
                assert control.disabled == (not allowed.get(name, True)), (name, base)
                value = other_value(control)
                try:
                    moved = explorer.render(**{name: value}) != picture
                except ValueError:  # a value the explorer refuses here (a parameter tanh does not have)
                    moved = False
                if control.disabled and moved:
                    inert.append(f"{name}={value!r} at {base or 'the defaults'} changes the picture, yet is disabled")
                if not control.disabled and not moved:
                    silent.append(f"{name}={value!r} at {base or 'the defaults'} changes nothing, yet is enabled")
        assert not silent and not inert, "\n".join(silent + inert)
    finally:
        close_tree(explorer)


def gated_cases():
    for factory in FACTORIES:
        explorer = build(factory)
        try:
            for name in explorer.applies:
                for rule in rules_of(explorer.applies, name):
                    yield pytest.param(factory, name, rule.when, id=f"{factory.__name__}-{name}-{rule.when}")
        finally:
            close_tree(explorer)


@pytest.mark.parametrize("factory, name, when", list(gated_cases()))
def test_the_book_disables_the_same_controls(factory, name, when):
    """The static explorer over (``when``, ``name``) shows ``name`` disabled exactly where the rule fails."""
    explorer = build(factory)
    try:
        grid = GRIDS[factory]
        whens = [o[1] if isinstance(o, tuple) else o for o in explorer.controls[when].options]
        whens = tuple(None if o == "none" else o for o in whens)
        kept = type(grid)({when: whens, name: (explorer.values()[name] or 0.0, other_value(explorer.controls[name]))},
                          grid.settings, grid.descriptions)
        if name == "parameter":  # the activation explorer's parameter has its own values per activation
            kept = type(grid)({when: whens, name: grid.values[name]}, grid.settings, grid.descriptions)
        static = static_explorer(explorer, kept)
        assert name in static.gates
        for option in whens:
            static.select(**{when: option})
            shown = static.control_shown(name)
            expected = applicable(explorer.applies, {**explorer.values(), when: option})[name]
            assert shown.disabled == (not expected), (option, shown.disabled)
            assert shown.index == static.controls[name].index
            assert (shown.tooltip is None) == expected
        linked = {(link.source[0].model_id, link.target[0].model_id) for link in static.links}
        assert all((static.controls[name].model_id, copy.model_id) in linked for copy in static.gates[name].copies.values())
        close_tree(static)
    finally:
        close_tree(explorer)


def test_a_rule_fixed_by_the_cell_disables_the_static_control():
    """A control whose rule looks at a control the book does not keep is read at the cell's value."""
    init = next(f for f in FACTORIES if f.__name__ == "init_explorer")
    with offline():
        explorer = init.__wrapped__(init="zeros", **SMALL["init_explorer"])
    try:
        static = static_explorer(explorer, type(GRIDS[init])({"gain": (0.5, 2.0)}))
        assert static.controls["gain"].disabled and "zeros" in static.controls["gain"].tooltip
        close_tree(static)
    finally:
        close_tree(explorer)


def test_applies_needs_one_of_among_or_unless():
    with pytest.raises(TypeError, match="exactly one of among= or unless="):
        Applies("init")
    with pytest.raises(TypeError, match="exactly one of among= or unless="):
        Applies("init", among=("a",), unless=("b",))
    assert Applies("norm", among=(None,))({"norm": "none"})  # the widget's "none" is the package's None
