"""A read-only, name-keyed registry whose unknown names get a helpful error."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping

__all__ = ["Registry", "closest"]


def closest(name, known) -> str:
    """`` (did you mean 'tanh'?)`` for a near miss, else an empty string."""
    if not isinstance(name, str):
        return ""
    match = difflib.get_close_matches(name, [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


class Registry(Mapping):
    """A mapping that cannot be changed and says what it knows when asked for a name it does not.

    Examples
    --------
    >>> r = Registry("activation", {"tanh": 1, "relu": 2})
    >>> r["tanh"]
    1
    >>> r["tanhh"]
    Traceback (most recent call last):
    ...
    KeyError: "activation 'tanhh' is not known (did you mean 'tanh'?); choose one of ['tanh', 'relu']"
    """

    def __init__(self, kind: str, entries: Mapping):
        self._kind = kind
        self._entries = dict(entries)

    def __getitem__(self, name):
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise KeyError(f"{self._kind} {name!r} is not known{closest(name, self._entries)}; "
                           f"choose one of {list(self._entries)}") from None

    def __iter__(self) -> Iterator:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self._kind!r}, {list(self._entries)})"
