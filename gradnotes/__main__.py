"""``python -m gradnotes``: which gradnotes this is, and where it is installed.

::

    python -m gradnotes --version    # gradnotes 0.1.0
    python -m gradnotes              # the version, the package's folder and its Python

The version is the book's: the book that shipped this wheel says the same number
in its footer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main([])  # doctest: +ELLIPSIS
    gradnotes ... in ...
    0
    """
    parser = argparse.ArgumentParser(prog="python -m gradnotes",
                                     description="gradnotes: gradient flow in deep networks, made visible.")
    parser.add_argument("--version", action="version", version=f"gradnotes {__version__}")
    parser.parse_args(argv)
    print(f"gradnotes {__version__} in {Path(__file__).resolve().parent} (Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
