"""Figures in words: the alt text of a book figure, from its data (one sentence per panel).

Used by :meth:`gradnotes.plots.figure.BookFigure._repr_png_`, which writes it into
the PNG's ``Description`` text chunk; the book's Sphinx extension makes it the
``<img>``'s alt text.
"""

from __future__ import annotations

import re

__all__ = ["describe", "plain", "smallest_text_px"]

#: TeX in labels (matplotlib's mathtext) read aloud as text.
_TEX = {r"\|": "‖", r"\partial": "∂", r"\sigma": "σ", r"\phi": "φ", r"\chi": "χ", r"\alpha": "α",
        r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\epsilon": "ε", r"\eta": "η", r"\lambda": "λ",
        r"\mu": "μ", r"\rho": "ρ", r"\tau": "τ", r"\theta": "θ", r"\ell": "ℓ", r"\cdot": "·",
        r"\times": "×", r"\to": "→", r"\infty": "∞", r"\approx": "≈", r"\leq": "≤", r"\geq": "≥",
        r"\log": "log", r"\sqrt": "√", r"\,": " ", r"\ ": " "}


def plain(text: str) -> str:
    r"""A label without mathtext markup: ``$\|\partial L/\partial W_l\|_F$`` -> ``‖∂L/∂W l‖ F``.

    Examples
    --------
    >>> plain(r"gradient $\|\partial L/\partial W_l\|_F$")
    'gradient ‖∂L/∂W l‖ F'
    >>> plain(r"$\sigma_w^2$ = 2")
    'σ w^2 = 2'
    """
    if "$" not in text:
        return text
    for tex, symbol in _TEX.items():  # a command eats the space that ends it
        text = re.sub(re.escape(tex) + (r"(?![A-Za-z]) ?" if tex[-1].isalpha() else ""), symbol, text)
    text = re.sub(r"\\(mathrm|mathbf|mathit|text|operatorname)\s*", "", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("_", " ")
    return re.sub(r"\s+", " ", text).strip()


def _number(value) -> str:
    return f"{value:.3g}"


def _line_text(line, x_name: str, y_name: str) -> str | None:
    """"gradient norm falls from 1 at layer 30 to 1e-18 at layer 1" (first and last finite points)."""
    import numpy as np

    x, y = (np.asarray(a, dtype=float) for a in line.get_data())
    if x.shape != y.shape:
        return None
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 2:
        return None
    x, y = x[keep], y[keep]
    label = plain(line.get_label())
    name = label if label and not label.startswith("_") else y_name or "a line"
    at = f"at {x_name} " if x_name else "at "
    if np.allclose(y, y[0], rtol=1e-6, atol=0):
        return f"{name} flat at {_number(y[0])}"
    trend = "rises" if y[-1] > y[0] else "falls"
    return f"{name} {trend} from {_number(y[0])} {at}{_number(x[0])} to {_number(y[-1])} {at}{_number(x[-1])}"


def _panel(ax) -> str:
    """One sentence about one axes: its title, its lines, images and bars."""
    x_name, y_name = plain(ax.get_xlabel()), plain(ax.get_ylabel())
    items = [t for t in (_line_text(line, x_name, y_name) for line in ax.get_lines()) if t]
    if len(items) > 6:
        items = items[:6] + [f"{len(items) - 6} more lines"]
    for image in ax.get_images() + [c for c in ax.collections if hasattr(c, "get_array") and
                                     c.get_array() is not None and c.get_array().ndim == 2]:
        values = image.get_array()
        items.append(f"a heat map of {y_name or 'values'} from {_number(values.min())} to {_number(values.max())}")
    bars = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    if bars:
        items.append(f"{len(bars)} bars" + (f" of {y_name}" if y_name else "") + (f" by {x_name}" if x_name else ""))
    scales = [f"log {a}" for a, s in (("x", ax.get_xscale()), ("y", ax.get_yscale())) if s == "log"]
    title = plain(ax.get_title() or ax.get_title("left"))
    body = "; ".join(items) if items else "no data"
    return f"{title + ': ' if title else ''}{body}{' (' + ', '.join(scales) + ')' if scales else ''}."


def smallest_text_px(fig) -> float:
    """The size, in pixels of the figure's PNG, of its smallest visible text (0 if it has none).

    Examples
    --------
    >>> from gradnotes.plots.figure import subplots
    >>> fig, ax = subplots(figsize=(4, 3), dpi=100)
    >>> _ = ax.set_title("t", fontsize=9)
    >>> smallest_text_px(fig)   # 9 pt at 100 dpi
    12.5
    """
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * fig.dpi / 72 if sizes else 0.0


def describe(fig) -> str:
    """What ``fig`` shows, in words, from its data: one sentence per panel (the PNG's alt text).

    Examples
    --------
    >>> from gradnotes.plots.figure import subplots
    >>> fig, (a, b) = subplots(1, 2, figsize=(4, 2))
    >>> _ = a.plot([1, 2, 3], [4, 5, 6], label="width 64"), a.set_xlabel("layer"), a.set_ylabel("norm")
    >>> _ = b.bar([0, 1], [2, 3]), b.set_title("dead units")
    >>> describe(fig)
    'Figure of 2 panels. Panel 1: width 64 rises from 4 at layer 1 to 6 at layer 3. Panel 2: dead units: 2 bars.'
    """
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    title = plain(fig.get_suptitle()) if hasattr(fig, "get_suptitle") else ""
    if len(panels) == 1:
        text = "Plot: " + _panel(panels[0])
    else:
        text = f"Figure of {len(panels)} panels. " + " ".join(
            f"Panel {i}: {_panel(ax)}" for i, ax in enumerate(panels, 1))
    return (f"{title}. " if title else "") + text
