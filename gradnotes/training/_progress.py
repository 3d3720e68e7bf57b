"""Showing a long training run while it runs, and nothing for a short one.

``train(..., progress=...)`` takes

* ``"auto"`` (the default): show progress only if :func:`estimate_seconds` says
  the run takes longer than :data:`AUTO_SECONDS`. The estimate counts the work
  (multiply-adds, layers, parameters), it does not time anything, so a given call
  always shows progress or never does: the book's short runs print nothing,
  whatever the machine's load.
* ``True``: a bar in a notebook (ipywidgets, imported only then), a line on
  stderr elsewhere; ``"bar"`` or ``"line"`` (:data:`REPORTERS`) choose one.
* ``False`` (or ``None``): nothing.
* a callable: called with a :class:`Progress` after every update and once more
  at the end (``finished=True``); what it shows is its own business.

The loop only hands out :class:`Progress` records; redrawing is throttled here,
in the reporters, so progress costs the training a function call per step.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["Progress", "AUTO_SECONDS", "REPORTERS", "estimate_seconds", "check_progress", "reporter"]

#: ``progress="auto"`` shows runs estimated to take longer than this, in seconds.
AUTO_SECONDS = 2.0

# Cost model of one training step on one core of this machine (fitted on float32 runs;
# an estimate, good to a factor of about two): seconds per multiply-add, per
# element-wise value, per parameter (optimizer and recorder passes), per layer.
_SECONDS_PER = MappingProxyType({"mac": 0.035e-9, "value": 1e-9, "param": 3e-9, "layer": 25e-6})


@dataclass(frozen=True)
class Progress:
    """Where a run is: ``step`` of ``steps`` updates done after ``seconds``.

    ``loss`` is the last step's (NaN: not shown); ``unit`` names what is counted
    (a grid of runs counts runs).

    Examples
    --------
    >>> print(Progress(250, 1000, 0.5123, 10.0))
    step 250/1000 (25%)  loss 0.512  0:10 elapsed, about 0:30 left
    >>> print(Progress(40, 1000, 0.4, 2.0, finished=True, interrupted=True))
    step 40/1000 (4%)  loss 0.4  0:02 elapsed, interrupted
    """

    step: int
    steps: int
    loss: float
    seconds: float
    finished: bool = False
    diverged: bool = False
    interrupted: bool = False
    unit: str = "step"

    @property
    def fraction(self) -> float:
        return self.step / self.steps

    @property
    def seconds_left(self) -> float:
        """Linear extrapolation from the steps so far (NaN before the first)."""
        return self.seconds * (self.steps - self.step) / self.step if self.step else math.nan

    def __str__(self) -> str:
        if self.interrupted:
            tail = "interrupted"
        elif self.diverged:
            tail = "diverged"
        elif self.finished:
            tail = "done"
        else:
            tail = f"about {_clock(self.seconds_left)} left"
        loss = f"  loss {self.loss:.3g}" if math.isfinite(self.loss) else ""
        return (f"{self.unit} {self.step}/{self.steps} ({self.fraction:.0%}){loss}  "
                f"{_clock(self.seconds)} elapsed, {tail}")


def _clock(seconds: float) -> str:
    """``m:ss``, ``h:mm:ss`` or ``d days h:mm:ss``."""
    if not math.isfinite(seconds):
        return "?"
    s = int(round(seconds))
    days, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {h}:{m:02d}:{s:02d}"
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def estimate_seconds(config) -> float:
    """A deterministic estimate of how long :func:`~gradnotes.training.train` takes for ``config``.

    Counts the multiply-adds of the forward and backward passes, the element-wise
    work, the parameter passes of the optimizer and recorder and a fixed cost per
    layer, for every step and every checkpoint.

    Examples
    --------
    >>> from gradnotes.training import spirals, train
    >>> X, y = spirals(100, seed=0)
    >>> book = train(X, y, depth=20, width=64, steps=1, progress=False).config.replace(steps=500, eval_every=None)
    >>> estimate_seconds(book) < AUTO_SECONDS < estimate_seconds(book.replace(width=2048, depth=30, steps=100_000))
    True
    """
    c = config
    n_in, w, C, L = c.n_features, c.width, c.n_classes, c.depth
    macs = n_in * w + (L - 1) * w * w + w * C  # per point, forward
    params = macs + (L * w + C if c.bias else 0)
    per = _SECONDS_PER
    batch = c.batch_size or c.n_points
    step = 3 * batch * macs * per["mac"] + batch * w * L * per["value"] + params * per["param"] + L * per["layer"]
    checkpoints = c.steps // c.eval_every + 2
    evaluate = c.n_points * (macs * per["mac"] + w * L * per["value"]) + L * per["layer"]
    return c.steps * step + checkpoints * evaluate


class LineReporter:
    """A carriage-return line on ``stream`` (stderr), redrawn at most every ``interval`` seconds."""

    def __init__(self, steps: int, *, label: str = "train", stream=None, interval: float = 0.2):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.interval = interval
        self._last = -math.inf
        self._width = 0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if not p.finished and now - self._last < self.interval:
            return
        self._last = now
        text = f"{self.label}: {p}"
        self.stream.write("\r" + text.ljust(self._width) + ("\n" if p.finished else ""))
        self.stream.flush()
        self._width = len(text)


class BarReporter:
    """An ipywidgets progress bar with a label, displayed when made; redrawn at most every ``interval`` s."""

    STYLES = MappingProxyType({"done": "success", "diverged": "danger", "interrupted": "warning"})

    def __init__(self, steps: int, *, label: str = "train", interval: float = 0.1):
        import ipywidgets as widgets  # deferred: the compute layer never needs widgets
        from IPython.display import display

        self.interval = interval
        self._last = -math.inf
        self.bar = widgets.IntProgress(value=0, min=0, max=steps, description=label)
        self.text = widgets.Label(value=f"0/{steps}")
        display(widgets.HBox([self.bar, self.text]))

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if not p.finished and now - self._last < self.interval:
            return
        self._last = now
        self.bar.value = p.step
        self.text.value = str(p)
        if p.finished:
            self.bar.bar_style = self.STYLES["interrupted" if p.interrupted else "diverged" if p.diverged else "done"]


#: Name -> reporter class ``(steps) -> callable(Progress)``.
REPORTERS = MappingProxyType({"bar": BarReporter, "line": LineReporter})

_CHOICES = ("auto", True, False, None, *REPORTERS)


def check_progress(progress):
    """``progress`` if :func:`~gradnotes.training.train` accepts it, else a clear error."""
    if callable(progress) or any(progress is c or (isinstance(c, str) and progress == c) for c in _CHOICES):
        return progress
    raise ValueError(f"progress={progress!r} is not allowed; allowed: 'auto', True, False, "
                     f"{', '.join(repr(k) for k in REPORTERS)} or a callable taking a Progress")


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython is never imported here just to ask)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def reporter(progress, config, *, steps: int | None = None, seconds: float | None = None, label: str = "train"):
    """The callable that shows ``config``'s run for a checked ``progress``, or ``None`` for nothing.

    ``steps`` and ``seconds`` (the estimate) default to the run's; a caller that
    counts something else (runs of a grid) gives its own, and a ``label``.
    """
    if progress is False or progress is None:
        return None
    if progress == "auto":
        if (estimate_seconds(config) if seconds is None else seconds) <= AUTO_SECONDS:
            return None
        progress = True
    if progress is True:
        progress = "bar" if _in_notebook() else "line"
    if isinstance(progress, str):
        return REPORTERS[progress](config.steps if steps is None else steps, label=label)
    return progress
