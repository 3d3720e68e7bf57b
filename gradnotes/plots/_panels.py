"""Where each panel of a figure lies in its PNG: the boxes the book uses to stack a figure on a phone.

A three-panel figure 1200 px wide, shown in a 358 px phone column, is drawn at
0.3 scale. :meth:`gradnotes.plots.figure.BookFigure._repr_png_` records each
panel's pixel box in the PNG (text chunk :data:`PANELS`); the book's Sphinx
extension (``book/_ext/gradnotes_panels.py``) shows the panels one below the
other on a narrow screen, each cut from the same picture (no second download).

A panel is an axes with everything drawn for it: title, tick labels, axis
labels, its legend, its twin axes and its colour bar. Text drawn for the whole
figure (a suptitle, a figure legend, ``fig.text``) gets a box of its own, so
nothing is lost when the panels are shown apart.
"""

from __future__ import annotations

import json
import math

from ._describe import _panel, plain

__all__ = ["PANELS", "panel_boxes", "panels_json", "phone_width"]

#: The PNG text chunk with the panels' boxes (JSON, see :func:`panel_boxes`).
PANELS = "gradnotes panels"
#: Panels are stacked only when it helps: the widest is at most this share of the figure's width.
STACK_WORTH = 0.75


def _same_place(a, b) -> bool:
    """Twin axes (``twinx``) sit exactly on the axes they were made from."""
    return all(abs(p - q) < 1e-6 for p, q in zip(a.get_position().bounds, b.get_position().bounds))


def _groups(fig) -> list[list]:
    """The figure's visible axes grouped by panel: ``[main, twins..., colour bars...]``, in ``fig.axes`` order."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    bars = [ax for ax in axes if getattr(ax, "_colorbar", None) is not None]
    groups: list[list] = []
    for ax in axes:
        if ax in bars:
            continue
        home = next((g for g in groups if _same_place(g[0], ax)), None)
        if home is None:
            groups.append([ax])
        else:
            home.append(ax)
    for bar in bars:  # beside the panel it is nearest to (its own; for a bar shared by a row, the end one)
        owner = getattr(bar._colorbar.mappable, "axes", None)
        home = min(groups, default=None, key=lambda g: (_gap(bar.get_position(), g[0].get_position()),
                                                          owner not in g))
        if home is None:
            groups.append([bar])
        else:
            home.append(bar)
    return groups


def _gap(a, b) -> float:
    """The distance between two boxes (0 when they touch or overlap)."""
    dx = max(b.x0 - a.x1, a.x0 - b.x1, 0.0)
    dy = max(b.y0 - a.y1, a.y0 - b.y1, 0.0)
    return math.hypot(dx, dy)


def _figure_texts(fig) -> list[tuple[object, dict]]:
    """``(artist, facts)`` of what is drawn for the whole figure rather than one panel.

    ``facts`` has the ``label`` (alt text) and, for a text, the ``text`` itself (the
    book writes it as text on a phone: it wraps, a picture of a long title cannot).
    """
    found = []
    for name, what in (("_suptitle", "figure title"), ("_supxlabel", "x label"), ("_supylabel", "y label")):
        text = getattr(fig, name, None)
        if text is not None and text.get_visible() and text.get_text().strip():
            words = plain(text.get_text())
            found.append((text, {"label": f"{what}: {words}", "text": words}))
    for legend in fig.legends:
        if legend.get_visible():
            names = ", ".join(plain(t.get_text()) for t in legend.get_texts())
            found.append((legend, {"label": f"legend: {names}"}))
    for text in fig.texts:  # the suptitle and sup-labels are figure texts too
        if text.get_visible() and text.get_text().strip() and all(text is not a for a, _ in found):
            words = plain(text.get_text())
            found.append((text, {"label": words, "text": words}))
    return found


def _pixels(bbox, fig) -> list[int]:
    """A display box (origin bottom left) as whole PNG pixels ``[x0, y0, x1, y1]`` (origin top left)."""
    width, height = fig.bbox.width, fig.bbox.height
    x0, x1 = max(0, math.floor(bbox.x0)), min(math.ceil(width), math.ceil(bbox.x1))
    y0, y1 = max(0, math.floor(height - bbox.y1)), min(math.ceil(height), math.ceil(height - bbox.y0))
    return [int(x0), int(y0), int(x1), int(y1)]


def panel_boxes(fig) -> list[dict]:
    """Each panel's box in the figure's PNG, with a label for its alt text, in reading order.

    Call it after the figure is drawn (``fig.draw_without_rendering()``) at the
    size and dpi it is saved. Returns ``[{"box": [x0, y0, x1, y1], "label": ...,
    "kind": "panel" | "figure"}, ...]``: PNG pixels, origin top left, ``x1``/``y1``
    exclusive. A panel's label is its one-sentence description (its title first,
    as in :func:`gradnotes.plots.describe`); a figure text's is the text, which it
    also has as ``"text"``. Figure texts above every panel come first, the others last.

    Examples
    --------
    >>> from gradnotes.plots.figure import subplots
    >>> fig, axes = subplots(1, 2, figsize=(6, 2.5))
    >>> for ax, name in zip(axes, ("tanh", "relu")):
    ...     _ = ax.plot([1, 2], [2, 1]), ax.set_title(name)
    >>> _ = fig.suptitle("two activations")
    >>> fig.draw_without_rendering()
    >>> [(p["kind"], p["label"].split(":")[0]) for p in panel_boxes(fig)]
    [('figure', 'figure title'), ('panel', 'tanh'), ('panel', 'relu')]
    >>> left, right = (p["box"] for p in panel_boxes(fig)[1:])
    >>> left[2] <= right[0] and right[2] <= 600
    True
    """
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    panels = []
    for group in _groups(fig):
        box = Bbox.union([ax.get_tightbbox(renderer) for ax in group])
        panels.append({"box": _pixels(box, fig), "label": _panel(group[0]).rstrip("."), "kind": "panel"})
    top = min((p["box"][1] for p in panels), default=0)
    before, after = [], []
    for artist, facts in _figure_texts(fig):
        box = _pixels(artist.get_window_extent(renderer), fig)
        (before if box[3] <= top else after).append({"box": box, **facts, "kind": "figure"})
    return before + panels + after


def _stacked(boxes: list[dict], width: float) -> bool:
    panels = [p["box"] for p in boxes if p["kind"] == "panel"]
    return len(panels) >= 2 and max(b[2] - b[0] for b in panels) <= STACK_WORTH * width


def panels_json(fig) -> str | None:
    """:func:`panel_boxes` as the JSON the PNG carries, or None when stacking would not help.

    That is a figure of one panel, or panels one above the other (the widest is
    more than :data:`STACK_WORTH` of the figure's width).

    Examples
    --------
    >>> from gradnotes.plots.figure import subplots
    >>> fig, ax = subplots(figsize=(3, 2)); fig.draw_without_rendering()
    >>> panels_json(fig) is None
    True
    >>> fig, axes = subplots(2, 1, figsize=(3, 4)); fig.draw_without_rendering()
    >>> panels_json(fig) is None
    True
    """
    boxes = panel_boxes(fig)
    if not _stacked(boxes, fig.bbox.width):
        return None
    return json.dumps(boxes, separators=(",", ":"))


def phone_width(fig) -> float:
    """The width (PNG pixels) of the widest picture of ``fig`` a phone shows: a panel when stacked, else all of it.

    A figure text is not counted: on a phone the book writes it as text.

    Examples
    --------
    >>> from gradnotes.plots.figure import subplots
    >>> fig, axes = subplots(1, 3, figsize=(12, 3)); fig.draw_without_rendering()
    >>> phone_width(fig) < 1200 / 2
    True
    >>> fig, ax = subplots(figsize=(7, 3)); fig.draw_without_rendering()
    >>> phone_width(fig)
    700.0
    """
    boxes = panel_boxes(fig)
    if _stacked(boxes, fig.bbox.width):
        return float(max(p["box"][2] - p["box"][0] for p in boxes if "text" not in p))
    return float(fig.bbox.width)
