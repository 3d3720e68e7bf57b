"""A static explorer's control that applies only for some options of another: enabled, or a disabled twin.

:func:`gate` reads the explorer's ``applies`` rules
(:class:`~gradnotes.widgets._applies.Applies`) for one kept control of
:func:`~gradnotes.widgets.static.static_explorer` and builds its :class:`Gate`.
"""

from __future__ import annotations

import ipywidgets as widgets

from ._applies import rules_of

__all__ = ["Gate", "gate"]


class Gate:
    """A kept control shown enabled or as a disabled twin, as the options of the controls it depends on select.

    Nested ``Stack`` s, one level per control the rules look at, ``jslink`` ed to
    that control's ``index``; each leaf is a copy of the control (``index``
    linked to it both ways), disabled where a rule fails. The browser switches
    them by itself: no kernel, no script.

    Attributes
    ----------
    view : ipywidgets.Stack
        What the explorer's control row shows.
    copies : dict
        Point (values of the controls depended on, in order) -> the copy shown there.
    stacks : dict
        Control name depended on -> the stacks it switches.
    """

    def __init__(self, view, copies: dict, stacks: dict, whens: list, links: list):
        self.view, self.copies, self.stacks, self.whens, self.links = view, copies, stacks, whens, links

    def follow(self, name: str, index: int) -> None:
        """What the browser's links do when control ``name`` moves to option ``index``."""
        for stack in self.stacks.get(name, ()):
            stack.selected_index = index

    def shown(self):
        """The copy the current selection shows."""
        node = self.view
        while isinstance(node, widgets.Stack):
            node = node.children[node.selected_index]
        return node


def gate(name, explorer, controls, options, start, current):
    """Control ``name``'s :class:`Gate` if the explorer's ``applies`` rules look at a kept control, else None.

    Rules on a control that is not kept are read at its current value: a control
    they rule out for good is simply disabled.
    """
    rules = rules_of(getattr(explorer, "applies", {}), name)
    fixed = [rule for rule in rules if rule.when not in controls]
    varying = [rule for rule in rules if rule.when in controls]
    control = controls[name]
    if not all(rule(current) for rule in fixed):
        control.disabled = True
        control.tooltip = "; ".join(rule.reason for rule in fixed if rule.reason and not rule(current)) or None
        return None
    if not varying:
        return None
    whens = list(dict.fromkeys(rule.when for rule in varying))
    names = list(controls)
    copies, stacks, links = {}, {when: [] for when in whens}, []

    def leaf(point: tuple):
        values = {**current, **dict(zip(whens, point))}
        failed = [rule for rule in varying if not rule(values)]
        copy = type(control)(options=control.options, index=control.index, description=control.description,
                             style=control.style, layout=widgets.Layout(width=control.layout.width),
                             disabled=bool(failed) or control.disabled,
                             tooltip="; ".join(r.reason for r in failed if r.reason) or None)
        links.append(widgets.jslink((control, "index"), (copy, "index")))
        copies[point] = copy
        return copy

    def nest(point: tuple):
        if len(point) == len(whens):
            return leaf(point)
        when = whens[len(point)]
        stack = widgets.Stack([nest(point + (v,)) for v in options[when]],
                              selected_index=start[names.index(when)])
        stacks[when].append(stack)
        links.append(widgets.jslink((controls[when], "index"), (stack, "selected_index")))
        return stack

    return Gate(nest(()), copies, stacks, whens, links)
