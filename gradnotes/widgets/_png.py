"""PNG bytes straight from an Agg buffer, about twice as fast as Pillow at the same size.

Pillow picks a filter per row by trying them all (~7 ms for 1200 x 380 even at
``compress_level=0``). Plots are mostly flat colour, so one fixed filter does as
well: every row uses PNG's "up" filter (the difference to the row above; long runs
of equal rows become zeros) and zlib level 1 compresses the result ~20x.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = ["encode_png", "PNG_COMPRESS_LEVEL"]

#: zlib level of the PNG data: 1 is the fastest that still compresses plots ~20x.
PNG_COMPRESS_LEVEL = 1
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgba: np.ndarray, level: int = PNG_COMPRESS_LEVEL, texts: dict | None = None) -> bytes:
    """PNG bytes of an ``(h, w, 4)`` uint8 RGBA array; alpha is dropped (figures are opaque).

    Every row uses the PNG "up" filter (difference to the row above), which suits
    plots: long runs of equal rows become zeros. Deterministic: same pixels, same bytes.
    ``texts`` (keyword -> Latin-1 text) become ``tEXt`` chunks, e.g. the panels' boxes
    (:data:`gradnotes.plots.figure.PANELS`).
    """
    h, w = rgba.shape[:2]
    rgb = rgba[..., :3].reshape(h, w * 3)
    rows = np.empty((h, 1 + 3 * w), np.uint8)
    rows[:, 0] = 2  # filter type "up"
    rows[0, 1:] = rgb[0]
    np.subtract(rgb[1:], rgb[:-1], out=rows[1:, 1:])  # uint8 arithmetic wraps, as PNG wants
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    text = b"".join(_chunk(b"tEXt", k.encode("latin-1") + b"\0" + v.encode("latin-1"))
                    for k, v in (texts or {}).items())
    return (_PNG_SIGNATURE + _chunk(b"IHDR", header) + text
            + _chunk(b"IDAT", zlib.compress(rows.data, level)) + _chunk(b"IEND", b""))
