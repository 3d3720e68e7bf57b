"""Panel boxes of a book figure (gradnotes/plots/_panels.py), checked against the pixels of its PNG.

The independent reference is the picture itself: every pixel that is not the
white background must lie inside a recorded box (nothing is lost when the book
shows the panels apart), each panel's title, tick labels and colour bar lie in
its own box, and the panels' boxes do not overlap.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from gradnotes.plots.figure import PANELS, subplots


def _png_and_boxes(fig):
    png = fig._repr_png_()
    image = Image.open(io.BytesIO(png))
    boxes = json.loads(image.text[PANELS]) if PANELS in image.text else None
    return np.asarray(image.convert("RGB")), boxes


def _uncovered(pixels, boxes, pad=2):
    """Count of non-white pixels outside every box (grown by ``pad`` px for anti-aliasing)."""
    ink = (pixels < 250).any(axis=2)
    for item in boxes:
        x0, y0, x1, y1 = item["box"]
        ink[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad] = False
    return int(ink.sum())


def _coloured(pixels, box) -> int:
    """Strongly coloured pixels (a heat map or a colour bar, not black, grey or white text) inside ``box``."""
    x0, y0, x1, y1 = box
    part = pixels[y0:y1, x0:x1].astype(int)
    return int(((part.max(axis=2) - part.min(axis=2)) > 60).sum())


def _overlap(a, b) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _three_panels():
    fig, axes = subplots(1, 3, figsize=(12, 3.6))
    for k, ax in enumerate(axes):
        ax.semilogy(np.arange(1, 31), np.geomspace(1, 10.0 ** -(6 * k + 1), 30), label=f"depth {10 * k + 10}")
        ax.set_title(["tanh", "relu", "sigmoid"][k])
        ax.set_xlabel("layer")
        ax.set_ylabel("gradient norm")
        ax.legend()
    return fig, axes


def test_three_panels_give_three_disjoint_boxes_that_cover_the_picture():
    fig, axes = _three_panels()
    pixels, boxes = _png_and_boxes(fig)
    assert [b["kind"] for b in boxes] == ["panel"] * 3
    assert [b["label"].split(":")[0] for b in boxes] == ["tanh", "relu", "sigmoid"]
    height, width = pixels.shape[:2]
    for a, b in zip(boxes, boxes[1:]):
        assert a["box"][2] <= b["box"][0], f"{a['box']} runs into {b['box']}"
    assert all(_overlap(a["box"], b["box"]) == 0 for i, a in enumerate(boxes) for b in boxes[i + 1:])
    for item in boxes:
        x0, y0, x1, y1 = item["box"]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert x1 - x0 < width / 2, "a panel is about a third of the figure"
    assert _uncovered(pixels, boxes) == 0, "ink outside every panel would be lost on a phone"


def test_each_box_holds_its_own_title_and_axis_labels():
    """Each panel's title and y label are drawn inside that panel's box and no other (pixels checked)."""
    fig, axes = _three_panels()
    pixels, boxes = _png_and_boxes(fig)
    ink = (pixels < 250).any(axis=2)
    # blank each panel's box in turn: the ink left must be exactly that of the other panels
    for k, item in enumerate(boxes):
        x0, y0, x1, y1 = item["box"]
        alone = np.zeros_like(ink)
        alone[y0:y1, x0:x1] = ink[y0:y1, x0:x1]
        rows = np.flatnonzero(alone.any(axis=1))
        # the title is the topmost ink of a panel: it is inside the box, below its top edge
        assert rows.size and rows[0] >= y0 and rows[-1] < y1
        cols = np.flatnonzero(alone.any(axis=0))
        assert cols[0] > x0 - 1 and cols[-1] < x1, "the y label and the right spine are inside"


def test_colour_bar_goes_with_its_panel_and_suptitle_and_legend_get_their_own():
    fig, (left, right) = subplots(1, 2, figsize=(9, 3.5))
    image = left.imshow(np.arange(20.0).reshape(4, 5))
    fig.colorbar(image, ax=left, label="gradient")
    left.set_title("heat map")
    right.plot([0, 1], [0, 1], "k-", label="a")
    right.plot([0, 1], [1, 0], "k--", label="b")
    right.set_title("lines")
    fig.suptitle("a figure title")
    fig.legend(loc="outside lower center", ncols=2)
    pixels, boxes = _png_and_boxes(fig)
    assert [b["kind"] for b in boxes] == ["figure", "panel", "panel", "figure"]
    assert boxes[0]["label"] == "figure title: a figure title" and boxes[-1]["label"] == "legend: a, b"
    assert boxes[0]["text"] == "a figure title" and "text" not in boxes[-1], "a title can be written as text"
    heat, lines = boxes[1]["box"], boxes[2]["box"]
    assert _overlap(heat, lines) == 0
    assert getattr(fig.axes[-1], "_colorbar", None) is not None
    assert _coloured(pixels, heat) == _coloured(pixels, [0, 0, pixels.shape[1], pixels.shape[0]]) > 0, \
        "the heat map and its colour bar (the only colours) are inside the heat map's box"
    assert boxes[0]["box"][3] <= min(heat[1], lines[1]), "the title strip is above the panels"
    assert _uncovered(pixels, boxes) == 0


def test_twin_axes_are_one_panel():
    fig, (a, b) = subplots(1, 2, figsize=(8, 3))
    a.plot([0, 1], [0, 1])
    twin = a.twinx()
    twin.plot([0, 1], [5, 3])
    twin.set_ylabel("loss")
    b.plot([0, 1], [1, 0])
    pixels, boxes = _png_and_boxes(fig)
    assert len(boxes) == 2 and _overlap(boxes[0]["box"], boxes[1]["box"]) == 0
    assert _uncovered(pixels, boxes) == 0


@pytest.mark.parametrize("shape", [(1, 1), (3, 1)])
def test_one_panel_or_a_column_is_not_stacked(shape):
    """Nothing to stack: one panel, or panels already one above the other."""
    fig, axes = subplots(*shape, figsize=(5, 2.5 * shape[0]))
    for ax in np.atleast_1d(axes):
        ax.plot([0, 1], [1, 0])
    _, boxes = _png_and_boxes(fig)
    assert boxes is None


@pytest.mark.parametrize("shape, figsize", [((1, 1), (7, 4)), ((1, 3), (13, 3.9)), ((2, 5), (16, 6.2))])
def test_text_is_readable_on_a_phone(shape, figsize):
    """Shown as the book shows it at 390 px (each stacked panel, or the whole figure, at most 358 px wide)."""
    from gradnotes.plots.figure import COLUMN_PX, MIN_TEXT_PX, PHONE_COLUMN_PX, PHONE_MIN_TEXT_PX, TEXT_PX

    fig, axes = subplots(*shape, figsize=figsize)
    for ax in np.atleast_1d(axes).ravel():
        ax.plot([1, 2, 3], [3, 2, 1], label="measured")
        ax.set_title("per layer")
        ax.set_xlabel("layer")
    png = fig._repr_png_()
    image = Image.open(io.BytesIO(png))
    text_px = float(image.text[TEXT_PX])
    width = image.size[0]
    assert text_px * COLUMN_PX / width >= MIN_TEXT_PX - 0.05, "still legible in the laptop column"
    shown = [b["box"][2] - b["box"][0] for b in json.loads(image.text[PANELS]) if b["kind"] == "panel"] \
        if PANELS in image.text else [width]
    for w in shown:
        assert text_px * min(w, PHONE_COLUMN_PX) / w >= PHONE_MIN_TEXT_PX - 0.05, (w, text_px)


def test_a_colour_bar_shared_by_a_row_goes_with_the_panel_beside_it():
    fig, (a, b) = subplots(1, 2, figsize=(10, 3.5))
    a.pcolormesh(np.linspace(0, 1, 6), np.linspace(0, 1, 5), np.arange(20.0).reshape(4, 5))
    fig.colorbar(a.collections[0], ax=[a, b], label="shared")
    b.plot([0, 1], [0, 1], "k-")
    pixels, boxes = _png_and_boxes(fig)
    assert len(boxes) == 2 and _uncovered(pixels, boxes) == 0
    assert _overlap(boxes[0]["box"], boxes[1]["box"]) == 0
    assert _coloured(pixels, boxes[1]["box"]) > 1000, "the bar (the right panel's only colour) is in its box"
