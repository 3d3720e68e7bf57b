"""Widgets that never reach a front end: build a live explorer only to call its ``render``.

A static explorer (:mod:`gradnotes.widgets.static`) needs a live explorer's
``render`` but none of its widgets: in a kernel, every widget opens a comm, and
the notebook's saved widget state (what the book embeds) would carry the live
controls and picture too. Inside :func:`offline`, widgets get a
:class:`SilentComm` instead (``comm.create_comm`` is the documented place to
plug a comm implementation in); :func:`close_tree` closes them afterwards.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import ipywidgets as widgets

__all__ = ["SilentComm", "offline", "close_tree"]


class SilentComm:
    """Stands in for a kernel comm: widgets built with it never reach a front end."""

    kernel = None  # ipywidgets skips serializing and sending state when a comm has no kernel

    def __init__(self, *args, **kwargs):
        self.comm_id = kwargs.get("comm_id") or uuid.uuid4().hex

    def on_msg(self, callback) -> None:
        pass

    def send(self, *args, **kwargs) -> None:
        pass

    def close(self, *args, **kwargs) -> None:
        pass


@contextmanager
def offline():
    """Widgets created inside get a :class:`SilentComm`; the kernel's comms come back on exit."""
    import comm

    original, comm.create_comm = comm.create_comm, SilentComm
    try:
        yield
    finally:
        comm.create_comm = original


def close_tree(widget, seen=None) -> None:
    """Close a widget and every widget it refers to (children, layout, style, controls)."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    refs = [getattr(widget, name, None) for name in widget.keys]
    refs += list(getattr(widget, "controls", {}).values())
    for ref in refs:
        for item in ref if isinstance(ref, (list, tuple)) else (ref,):
            if isinstance(item, widgets.Widget):
                close_tree(item, seen)
    widget.close()
