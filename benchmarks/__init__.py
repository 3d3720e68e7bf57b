"""Benchmarks for gradnotes: ``python -m benchmarks [--quick] [--only NAME]``.

Each ``bench_*.py`` module has ``main(quick=False)``, which prints markdown
tables to stdout and saves the same text under ``benchmarks/results/`` (git-
ignored). The helpers below are shared by those modules; importing this
package has no side effects.

This machine is shared and noisy: absolute times drift with load, so the
benchmarks interleave the implementations they compare and quote medians and
ratios measured side by side.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

__all__ = [
    "RESULTS", "MAX_OTHER_LOAD", "ATTEMPTS", "Report", "OtherLoad", "interleave", "choose_reps",
    "median", "retry_while_loaded",
]

#: Where ``Report.save`` writes; created on first save.
RESULTS = Path(__file__).resolve().parent / "results"

#: A measurement is repeated (up to ATTEMPTS runs) when other processes took more of the CPU.
MAX_OTHER_LOAD, ATTEMPTS = 0.10, 2

median = statistics.median


def interleave(
    fns: Mapping[str, Callable[[], object]], reps: int, blocks: int = 4, settle: float = 0.2
) -> dict[str, list[float]]:
    """Time each function ``reps`` times, taking turns in ``blocks`` blocks (a a a, b b b, a a a, ...).

    Turns spread slow drifts of the machine's load evenly over the contenders.
    Each block starts with untimed calls until ``settle`` seconds have passed
    (at least one call): after its last call a BLAS or OpenMP thread pool keeps
    its threads spinning for up to ~0.1 s (OpenBLAS's pthreads, torch's libgomp),
    and on two cores that spinning slows whatever runs next 3-7x. Alternating
    single calls would time that hand-over instead of the libraries.
    Garbage collection is off while timing, as in :mod:`timeit`.

    Returns
    -------
    dict
        Name -> list of ``reps`` wall-clock times in seconds.
    """
    blocks = max(1, min(blocks, reps))
    sizes = [reps // blocks + (i < reps % blocks) for i in range(blocks)]
    times: dict[str, list[float]] = {name: [] for name in fns}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for size in sizes:
            for name, fn in fns.items():
                start = time.perf_counter()
                fn()
                while time.perf_counter() - start < settle:
                    fn()
                for _ in range(size):
                    start = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - start)
    finally:
        if was_enabled:
            gc.enable()
    return times


def choose_reps(seconds_per_rep: float, budget: float, low: int = 3, high: int = 200) -> int:
    """Repeats that fit in ``budget`` seconds, clamped to ``[low, high]``."""
    if seconds_per_rep <= 0:
        return high
    return max(low, min(high, int(budget / seconds_per_rep)))


class OtherLoad:
    """Share of the machine's CPU that other processes used during a ``with`` block.

    Busy time from ``/proc/stat`` minus this process's own CPU time (all its
    threads), over wall time times cores. ``fraction`` is None where
    ``/proc/stat`` does not exist. A benchmark can re-measure when it is high.
    """

    fraction: float | None = None

    def __enter__(self) -> "OtherLoad":
        self._start = _cpu_snapshot()
        return self

    def __exit__(self, *exc) -> None:
        end = _cpu_snapshot()
        if self._start is None or end is None:
            return
        wall, busy, own = (b - a for a, b in zip(self._start, end))
        self.fraction = max(0.0, busy - own) / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0

    def __str__(self) -> str:
        return "n/a" if self.fraction is None else f"{self.fraction:.0%}"


def _cpu_snapshot() -> tuple[float, float, float] | None:
    """(wall s, machine busy CPU s, this process's CPU s), or None without /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    return time.perf_counter(), busy, time.process_time()


def retry_while_loaded(measure: Callable[[], object], retry_until: float = 0.0, attempts: int = ATTEMPTS,
                       max_load: float = MAX_OTHER_LOAD) -> tuple[object, OtherLoad]:
    """``(measure(), OtherLoad)`` of the least loaded of up to ``attempts`` runs.

    ``measure`` runs again only while other processes took more than
    ``max_load`` of the CPU and ``time.perf_counter()`` is before ``retry_until``,
    so a busy machine cannot stretch a benchmark run without bound.
    """
    best = None
    for _ in range(attempts):
        with OtherLoad() as load:
            result = measure()
        if best is None or (load.fraction or 0) < (best[1].fraction or 0):
            best = result, load
        if (load.fraction or 0) <= max_load or time.perf_counter() > retry_until:
            break
    return best


class Report:
    """Markdown text printed as it is produced and kept for :meth:`save`.

    Rows appear on stdout as soon as they are measured, so a long run shows
    progress, and stdout is the same markdown that lands in the file.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def header(self, columns: Sequence[str]) -> None:
        self.line("| " + " | ".join(columns) + " |")
        self.line("|" + "|".join("---:" for _ in columns) + "|")

    def row(self, cells: Sequence[object]) -> None:
        self.line("| " + " | ".join(str(c) for c in cells) + " |")

    def save(self, name: str) -> Path:
        """Write the text to ``benchmarks/results/<name>.md`` and return the path."""
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.md"
        path.write_text("\n".join(self.lines) + "\n")
        return path
