"""Changes that arrive while a picture is drawn are drawn once more, with the latest values.

ipywidgets applies a browser's ``update`` message with ``Widget.set_state``; the
tests deliver changes that way, some of them from inside a running draw (as
they would be handled if anything let the kernel read its queue meanwhile), and
inside a running asyncio loop (where a kernel handles comm messages). None of
them depends on timing: each delivery happens at a fixed point of the draw.
"""

from __future__ import annotations

import asyncio

import pytest

from gradnotes.widgets import gradient_explorer
from gradnotes.widgets._base import Explorer

SMALL = {"depth": 5, "width": 16, "batch": 8}


class Recording:
    """Records the values of every draw; ``during_first`` runs inside the first draw after it is installed."""

    def __init__(self, explorer: Explorer, during_first=None):
        self.drawn: list[dict] = []
        draw = explorer._draw

        def recorded(values):
            self.drawn.append(dict(values))
            if len(self.drawn) == 1 and during_first is not None:
                during_first()
            return draw(values)

        explorer._draw = recorded


def _from_browser(control, value) -> None:
    """What ipywidgets does with an ``update`` message: the browser sends ``index`` for selection sliders."""
    if hasattr(control, "index"):
        control.set_state({"index": [v for _, v in control.options].index(value)})
    else:
        control.set_state({"value": value})


@pytest.mark.parametrize("name, values", [("depth", [6, 7, 8, 9, 10, 11, 12, 13]),
                                          ("bias_std", [0.05, 0.1, 0.15, 0.2, 0.25, 0.3])])
def test_changes_during_a_draw_make_one_more_draw_with_the_last_value(name, values):
    e = gradient_explorer(**SMALL)
    record = Recording(e, during_first=lambda: [_from_browser(e.controls[name], v) for v in values[1:]])
    _from_browser(e.controls[name], values[0])
    assert [d[name] for d in record.drawn] == [values[0], values[-1]]
    assert e._drawn[name] == e.values()[name] == e.state[name] == values[-1]
    if name == "depth":
        assert e.trace.depth == values[-1]


def test_changes_of_several_controls_during_a_draw_are_drawn_together():
    e = gradient_explorer(**SMALL)

    def meanwhile():
        _from_browser(e.controls["gain"], 1.5)
        _from_browser(e.controls["depth"], 9)
        e.controls["activation"].set_state({"index": [v for _, v in e.controls["activation"].options].index("relu")})

    record = Recording(e, during_first=meanwhile)
    _from_browser(e.controls["bias_std"], 0.1)
    assert len(record.drawn) == 2
    last = record.drawn[-1]
    assert (last["gain"], last["depth"], last["activation"], last["bias_std"]) == (1.5, 9, "relu", 0.1)
    assert e.trace.depth == 9 and e.trace.config["activation"] == "relu"


def test_a_message_in_a_running_loop_is_drawn_before_it_returns():
    """In a kernel the handler runs on the asyncio loop; the picture must be sent before the kernel answers.

    Answering first (drawing later from the loop) lets the browser send its next
    value while the picture is drawn, a value stale by the time it is done (see Explorer).
    """

    async def main():
        e = gradient_explorer(**SMALL)
        before = e.redraws
        _from_browser(e.controls["depth"], 9)
        assert e.redraws == before + 1 and e.trace.depth == 9
        e.update(depth=7)  # a notebook cell: drawn before it returns
        assert e.redraws == before + 2 and e.trace.depth == 7

    asyncio.run(main())

