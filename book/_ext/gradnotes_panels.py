"""A figure of several panels, stacked on a phone: each panel cut from the same picture by CSS.

``gradnotes.plots.figure.BookFigure`` records each panel's pixel box in its PNG
(text chunk ``gradnotes panels``: ``[{"box": [x0, y0, x1, y1], "label": ...,
"kind": "panel" | "figure"}, ...]``). :func:`stacked` turns a figure's ``<img>``
into

* the whole picture (shown on a wide screen, and in print), and
* one window per panel (shown below :data:`BREAKPOINT_PX`): a block of the
  panel's aspect ratio, at most the panel's own pixel width and the column's,
  with ``overflow: hidden``, holding the same ``<img>`` scaled and shifted so
  that only that panel shows. A figure legend gets a window of its own, and text
  drawn for the whole figure (its title) is written as text, which wraps; so
  nothing is lost.

Every window shows the same file as the whole picture: a phone and a laptop
download the same bytes, once, whichever layout is shown (no crop files, no
reliance on what a browser fetches for hidden images). The whole picture keeps
the figure's description as alt text; a window's is "panel k of n: <what the
panel shows>". The rules are in ``static/gradnotes.css``.
"""

from __future__ import annotations

import html
import json

#: The PNG text chunk (gradnotes.plots._panels.PANELS) and the widest screen on which panels are stacked.
PANELS, BREAKPOINT_PX = "gradnotes panels", 600
#: Pixels added around each box (anti-aliased edges of text), within the picture.
PAD_PX = 2


def boxes(texts: dict, width: int, height: int) -> list[dict]:
    """The windows of a picture ``width`` x ``height`` from its text chunks; ``[]`` when stacking does not help.

    Examples
    --------
    >>> chunk = json.dumps([{"box": [0, 0, 400, 300], "label": "a", "kind": "panel"},
    ...                     {"box": [400, 0, 800, 300], "label": "b", "kind": "panel"}])
    >>> [b["box"] for b in boxes({PANELS: chunk}, 800, 300)]
    [[0, 0, 402, 300], [398, 0, 800, 300]]
    >>> boxes({}, 800, 300)
    []
    """
    try:
        items = json.loads(texts.get(PANELS) or "[]")
    except ValueError:
        return []
    if sum(item.get("kind") == "panel" for item in items) < 2 or not width or not height:
        return []
    out = []
    for item in items:
        x0, y0, x1, y1 = item["box"]
        box = [max(0, x0 - PAD_PX), max(0, y0 - PAD_PX), min(width, x1 + PAD_PX), min(height, y1 + PAD_PX)]
        if box[2] > box[0] and box[3] > box[1]:
            out.append({**item, "box": box})
    return out  # the figure writes the chunk only when stacking helps (gradnotes.plots._panels.STACK_WORTH)


def _alt(item: dict, k: int, n: int) -> str:
    label = item.get("label") or ""
    if item.get("kind") == "panel":
        return f"panel {k} of {n}: {label}" if label else f"panel {k} of {n}"
    return label or "figure text"


def windows(src: str, width: int, height: int, texts: dict) -> str | None:
    """The panels' windows on the picture at ``src`` (``<span class="gradnotes-panels">``), or None.

    The windows' ``<img>`` are ``loading="lazy"`` (they share the whole picture's
    file, fetched once). Each window links to the whole picture.

    Examples
    --------
    >>> chunk = json.dumps([{"box": [0, 0, 400, 300], "label": "tanh: falls", "kind": "panel"},
    ...                     {"box": [400, 0, 800, 300], "label": "relu: flat", "kind": "panel"}])
    >>> out = windows("f.png", 800, 300, {PANELS: chunk})
    >>> out.count('src="f.png"'), 'alt="panel 2 of 2: relu: flat"' in out
    (2, True)
    """
    found = boxes(texts, width, height)
    if not found:
        return None
    n = sum(w.get("kind") == "panel" for w in found)
    shared = ' '.join(f'{k}="{html.escape(v)}"' for k, v in (("data-text-px", texts.get("gradnotes text px")),)
                      if v)
    parts, k = [], 0
    for window in found:
        if window.get("text"):
            parts.append(f'<span class="gradnotes-window-text">{html.escape(window["text"])}</span>')
            continue
        x0, y0, x1, y1 = window["box"]
        w, h = x1 - x0, y1 - y0
        k += window.get("kind") == "panel"
        frame = f"max-width:{w}px;aspect-ratio:{w}/{h}"
        place = f"width:{100 * width / w:.4f}%;left:{-100 * x0 / w:.4f}%;top:{-100 * y0 / h:.4f}%"
        parts.append(
            f'<a class="gradnotes-zoom gradnotes-window" href="{html.escape(src)}" style="{frame}" '
            f'title="Open the whole figure at full size"><img src="{html.escape(src)}" '
            f'alt="{html.escape(_alt(window, k, n))}" width="{width}" height="{height}" {shared} '
            f'loading="lazy" decoding="async" style="{place}"></a>')
    return f'<span class="gradnotes-panels">{"".join(parts)}</span>'


def stacked(img: str, src: str, width: int, height: int, texts: dict) -> str | None:
    """The whole picture ``img`` (its ``<img>`` tag, in a link to enlarge it) and its :func:`windows`, or None.

    Examples
    --------
    >>> chunk = json.dumps([{"box": [0, 0, 400, 300], "label": "a", "kind": "panel"},
    ...                     {"box": [400, 0, 800, 300], "label": "b", "kind": "panel"}])
    >>> stacked('<img src="f.png" alt="two panels">', "f.png", 800, 300, {PANELS: chunk}).count('src="f.png"')
    3
    """
    parts = windows(src, width, height, texts)
    if parts is None:
        return None
    whole = (f'<a class="gradnotes-zoom gradnotes-whole" href="{html.escape(src)}" '
             f'title="Open the figure at full size">{img}</a>')
    return whole + parts
