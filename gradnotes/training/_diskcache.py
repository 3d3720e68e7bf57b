"""Results kept on disk, keyed by every setting that made them and the package version.

For computations that take minutes (:func:`~gradnotes.training.trainability_grid`),
so a book build and its nbval check pay them once. Nothing is written unless a
caller passes a folder. A file holds its settings and is used only if they match
exactly; an unreadable or foreign file counts as absent.

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> path = cache_path(folder, "demo", {"steps": 10})
>>> save(path, {"steps": 10}, accuracy=np.array([0.5]))
>>> load(path, {"steps": 10})["accuracy"].tolist(), load(path, {"steps": 11})
([0.5], None)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["cache_path", "save", "load"]


def _key(settings) -> str:
    """The settings as canonical JSON (what a file must match)."""
    return json.dumps(settings, sort_keys=True)


def cache_path(cache_dir, prefix: str, settings) -> Path | None:
    """``cache_dir/prefix-<hash of settings and version>.npz``, or ``None`` without a folder."""
    if cache_dir is None:
        return None
    from .. import __version__

    text = _key({"settings": settings, "version": __version__})
    return Path(cache_dir) / f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:20]}.npz"


def save(path: Path, settings, **arrays) -> None:
    """Write ``arrays`` and ``settings`` atomically (made in a temporary file, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    with os.fdopen(fd, "wb") as f:
        np.savez(f, settings=_key(settings), **arrays)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a build cache is readable like any build output
    os.replace(tmp, path)


def load(path: Path | None, settings) -> dict | None:
    """The arrays saved at ``path`` for exactly these ``settings``, or ``None``."""
    if path is None or not path.exists():
        return None
    try:
        with np.load(path) as f:
            if json.loads(str(f["settings"])) != json.loads(_key(settings)):
                return None
            return {k: f[k] for k in f.files if k != "settings"}
    except (OSError, ValueError, KeyError):
        return None
