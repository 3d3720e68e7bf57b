"""The same probe over several seeds: a finite network is one draw, so show the spread.

A random network of width ``N`` is one sample. Over ``L`` layers its log-norms
fluctuate with a variance of about ``L / N`` (Hanin & Nica 2020; Hanin &
Rolnick 2018: the squared norm is close to log-normal, with a log-variance that
grows like the sum of ``1 / n_l`` over the layers), so at widths of a few
hundred and tens of layers two seeds can differ by a factor of two. A number
from one seed is evidence only together with its spread; :func:`simulate_seeds`
measures it.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._arrays import readonly
from .._checks import check_int
from .._params import check
from ._simulate import simulate

__all__ = ["SeedSpread", "simulate_seeds", "MAX_SEEDS"]

#: More seeds than this are refused (each one is a full probe).
MAX_SEEDS = 256


@dataclass(frozen=True, eq=False)
class SeedSpread:
    """One measurement of a probed network, repeated over seeds.

    Attributes
    ----------
    values : ndarray, shape (seeds,) or (seeds, k)
        The measurement for each seed (a number, or a per-layer profile of ``k`` values), read-only.
    seeds : tuple of int
        The seeds, in the order of ``values``.
    measure : str
        What was measured (the name given, or the function's name).

    Statistics are over seeds (axis 0): :attr:`median`, :attr:`quartiles`,
    :attr:`mean`, :attr:`std`, :attr:`low`, :attr:`high`. Ratios of gradient
    norms are close to log-normal, so the median and quartiles are the robust
    summary; the mean is dominated by the largest draw.

    Examples
    --------
    >>> s = SeedSpread(np.array([1.0, 2.0, 4.0, 8.0]), (0, 1, 2, 3), "demo")
    >>> float(s.median), [float(v) for v in s.quartiles], float(s.mean)
    (3.0, [1.75, 5.0], 3.75)
    >>> s
    SeedSpread(demo over 4 seeds: median 3, quartiles 1.75 to 5, range 1 to 8)
    """

    values: np.ndarray
    seeds: tuple
    measure: str = ""

    def __post_init__(self):
        object.__setattr__(self, "values", readonly(np.asarray(self.values, dtype=float)))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        if len(self.seeds) != len(self.values):
            raise ValueError(f"seeds has {len(self.seeds)} entries but values has {len(self.values)}; "
                             "allowed: one value (or profile) per seed")

    @property
    def median(self) -> np.ndarray | float:
        return np.median(self.values, axis=0)

    @property
    def quartiles(self) -> tuple:
        """The 25th and 75th percentiles over seeds."""
        q25, q75 = np.percentile(self.values, [25, 75], axis=0)
        return q25, q75

    @property
    def mean(self) -> np.ndarray | float:
        return np.mean(self.values, axis=0)

    @property
    def std(self) -> np.ndarray | float:
        """The standard deviation over seeds (``ddof=1``; 0 for a single seed)."""
        return np.std(self.values, axis=0, ddof=1) if len(self.seeds) > 1 else np.zeros_like(self.values[0])

    @property
    def low(self) -> np.ndarray | float:
        return np.min(self.values, axis=0)

    @property
    def high(self) -> np.ndarray | float:
        return np.max(self.values, axis=0)

    def describe(self, fmt: str = ".3g") -> str:
        """``"median m (quartiles a to b, n seeds)"`` for a scalar measurement.

        Examples
        --------
        >>> SeedSpread(np.array([0.5, 1.0, 2.0]), (0, 1, 2)).describe(".2f")
        'median 1.00 (quartiles 0.75 to 1.50, 3 seeds)'
        """
        if self.values.ndim != 1:
            raise ValueError(f"describe() needs one number per seed; values has shape {self.values.shape}")
        q25, q75 = self.quartiles
        return f"median {self.median:{fmt}} (quartiles {q25:{fmt}} to {q75:{fmt}}, {len(self.seeds)} seeds)"

    def __repr__(self) -> str:
        name = f"{self.measure} over " if self.measure else ""
        if self.values.ndim != 1:
            return f"SeedSpread({name}{len(self.seeds)} seeds, profiles of {self.values.shape[1]} values)"
        q25, q75 = self.quartiles
        return (f"SeedSpread({name}{len(self.seeds)} seeds: median {self.median:.3g}, quartiles {q25:.3g} to "
                f"{q75:.3g}, range {self.low:.3g} to {self.high:.3g})")


def _seed_list(seeds) -> tuple:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        return tuple(range(check_int("seeds", seeds, low=1, high=MAX_SEEDS)))
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a count or a sequence of seeds; got {seeds!r} of type {type(seeds).__name__}")
    chosen = tuple(check("seed", s) for s in seeds)
    if not 1 <= len(chosen) <= MAX_SEEDS:
        raise ValueError(f"seeds has {len(chosen)} entries; allowed: 1 to {MAX_SEEDS} seeds")
    return chosen


def _measurer(measure) -> tuple[Callable, str]:
    if callable(measure):
        return measure, getattr(measure, "__name__", "measure")
    if isinstance(measure, str):
        def read(trace):
            value = getattr(trace, measure)
            return value() if callable(value) else value
        return read, measure
    raise TypeError(f"measure must be a Trace attribute or method name, or a function of a Trace; "
                    f"got {type(measure).__name__}")


def simulate_seeds(depth: int, width: int, activation="tanh", init: str = "xavier_normal", *,
                   measure: str | Callable | Mapping = "first_last_ratio", seeds: int | Iterable[int] = 8,
                   **options) -> SeedSpread | dict:
    """Run :func:`~gradnotes.simulate` once per seed and collect one measurement of each Trace.

    Parameters
    ----------
    depth, width, activation, init, **options
        As for :func:`~gradnotes.simulate` (``gain``, ``bias_std``, ``batch``, ``norm``, ``dtype``, ...);
        ``seed`` and ``noise`` are not accepted (the seeds are the point).
    measure : str or callable
        The name of a Trace attribute (``"grad_activation_norms"``) or of a method called without
        arguments (``"first_last_ratio"``, ``"per_layer_factor"``), or a function ``Trace -> float or
        array``. Every seed must give the same shape. A mapping ``{label: measure}`` measures several
        things on the same networks (each seed is simulated once).
    seeds : int or iterable of int
        A count ``n`` (seeds ``0 .. n-1``) or the seeds themselves; 1 to :data:`MAX_SEEDS`.

    Returns
    -------
    SeedSpread, or dict of label -> SeedSpread for a mapping of measures

    Examples
    --------
    Xavier's scale with ReLU halves the mean square per layer; one network of
    width 64 is one draw around that, and the seeds spread:

    >>> s = simulate_seeds(10, 64, "relu", "xavier_normal", seeds=6,
    ...                    measure=lambda t: t.preactivation_second_moments[-1] / t.preactivation_second_moments[0])
    >>> s.values.shape, bool(s.low < 2.0**-9 < s.high)
    ((6,), True)
    >>> simulate_seeds(5, 16, measure="grad_weight_norms", seeds=[3, 4]).values.shape
    (2, 5)
    >>> both = simulate_seeds(5, 16, measure={"ratio": "first_last_ratio", "q": "preactivation_second_moments"}, seeds=3)
    >>> both["ratio"].values.shape, both["q"].values.shape
    ((3,), (3, 5))
    """
    for forbidden in ("seed", "noise"):
        if forbidden in options:
            raise TypeError(f"simulate_seeds() takes no {forbidden!r}; allowed: seeds=<count or sequence>")
    chosen = _seed_list(seeds)
    several = isinstance(measure, Mapping)
    readers = {label: _measurer(m) for label, m in (measure.items() if several else [(None, measure)])}
    values = {label: [] for label in readers}
    for s in chosen:
        trace = simulate(depth, width, activation, init, seed=s, **options)
        for label, (read, _) in readers.items():
            values[label].append(np.asarray(read(trace), dtype=float))
    spreads = {}
    for label, (_, name) in readers.items():
        shapes = {v.shape for v in values[label]}
        if len(shapes) != 1:
            raise ValueError(f"measure={name!r} gave values of different shapes over seeds: {sorted(shapes)}")
        spreads[label] = SeedSpread(np.stack(values[label]), chosen, name if label is None else str(label))
    return spreads if several else spreads[None]
