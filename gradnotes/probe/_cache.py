"""Compute helpers behind the explorers: a probe that answers a slider quickly.

:class:`ProbeCache` runs the same probe as :func:`~gradnotes.simulate`, but
keeps everything that does not change when one control moves:

* the standard-normal draws, drawn once at ``max_depth`` layers for the current
  width, batch and seed (a shallower network uses the first layers of them, as
  :func:`~gradnotes.simulate` does);
* per initializer, the float32 weights at ``gain = 1`` (a uniform or orthogonal
  transform is paid once), so a gain change is one multiplication per layer;
* the inputs, the read-out gradient and the biases;
* the last forward pass (a :class:`~gradnotes.probe.ForwardState`): when only the
  depth changes, the layers it already has are not computed again.

Nothing here imports matplotlib; the mean-field predictions an explorer draws
come from :mod:`gradnotes.theory` (``predicted_grad_norms(trace)``).
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict

import numpy as np

from .._checks import check_bool, check_int
from .._params import RULES
from ..noise import draw_noise
from ._forward import ForwardState
from ._simulate import readout_gradient, run
from ._spec import NetworkSpec
from ._trace import Trace

__all__ = ["ProbeCache"]


class ProbeCache:
    """:func:`~gradnotes.simulate` for networks that differ in one setting at a time.

    ``cache.trace(...)`` takes the arguments of :func:`~gradnotes.simulate`
    (float32 only) and returns the same kind of :class:`~gradnotes.Trace`; at
    ``gain = 1`` it is the very same numbers. Only the last ``keep`` noise draws
    (one per width, batch and seed) are kept.

    Parameters
    ----------
    max_depth : int
        Draws are made for this many layers; deeper networks are refused.
    keep : int
        How many (width, batch, seed) settings to keep draws and weights for.
    adapt_threads : bool
        Let the probe's matrix products run on one BLAS thread or all of them,
        whichever has recently been faster (needs ``threadpoolctl``). On an idle
        machine two threads win; when another process keeps a core busy,
        OpenBLAS's threads wait on each other and one thread is several times
        faster. The numbers do not depend on the choice.

    Examples
    --------
    >>> import gradnotes
    >>> from gradnotes.probe import ProbeCache
    >>> cache = ProbeCache(max_depth=20)
    >>> a = cache.trace(depth=10, width=32, activation="tanh", batch=16)
    >>> b = gradnotes.simulate(10, 32, "tanh", batch=16)
    >>> bool((a.grad_weight_norms == b.grad_weight_norms).all())
    True
    """

    def __init__(self, max_depth: int = 100, keep: int = 2, adapt_threads: bool = True):
        self.max_depth = check_int("max_depth", max_depth, low=1, high=RULES["depth"].high)
        self.keep = check_int("keep", keep, low=1)
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._threads = _ThreadChooser() if check_bool("adapt_threads", adapt_threads) else None

    def _entry(self, width: int, batch: int, seed: int) -> _Entry:
        key = (width, batch, seed)
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry(draw_noise(self.max_depth, width, batch, seed))
            self._entries[key] = entry
            while len(self._entries) > self.keep:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        return entry

    def trace(self, depth: int, width: int, activation="tanh", init: str = "xavier_normal", **settings) -> Trace:
        """Run the probe; the arguments are those of :func:`~gradnotes.simulate` (float32 only)."""
        return self.run(NetworkSpec.build(depth, width, activation, init, max_depth=self.max_depth, **settings))

    def run(self, spec: NetworkSpec) -> Trace:
        """The probe of ``spec``'s network, from the kept draws and weights."""
        if spec.dtype != "float32":
            raise ValueError(f"dtype={spec.dtype!r} is not cached; allowed: 'float32' (use simulate for float64)")
        if spec.depth > self.max_depth:
            raise ValueError(f"depth={spec.depth} is out of range; allowed: [1, {self.max_depth}]")
        entry = self._entry(spec.width, spec.batch, spec.seed)
        weights = entry.weights(spec.initializer, spec.gain, spec.depth)
        biases = entry.biases(spec.bias_std, spec.depth)
        with _Timed(self._threads, spec.depth * spec.width**2 * spec.batch):
            return run(spec, entry.inputs, weights, biases, entry.output_grad, forward=entry.forward)

    def __repr__(self) -> str:
        kept = ", ".join(f"(width={w}, batch={b}, seed={s})" for w, b, s in self._entries)
        return f"ProbeCache(max_depth={self.max_depth}, kept=[{kept}])"


class _ThreadChooser:
    """One BLAS thread or all: whichever ran its latest probe faster per unit of work.

    The latest run, not a median of several: contention starts and stops with
    other processes, and on two shared cores OpenBLAS's threads then run 10-20x
    slower than one thread (they spin waiting for each other), so a choice that
    was right a minute ago must be dropped after one slow run, not three (a
    100-layer, 512-wide probe takes 20-30 s that way). For the same reason more
    threads are not even tried while the machine's load average is at least its
    number of cores, i.e. while another process keeps a core busy.
    """

    EXPLORE_EVERY = 16

    def __init__(self, load=None):
        self._controller = None
        self.options = None
        self.times: dict = {}
        self.calls = 0
        self._load = _busy_cores if load is None else load  # () -> load average over cores

    def _setup(self) -> bool:
        if self.options is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # optional: without it the BLAS keeps its own setting
                self.options = ()
                return False
            self._controller = ThreadpoolController()
            blas = [lib.num_threads for lib in self._controller.lib_controllers if lib.user_api == "blas"]
            most = max(blas, default=1)
            self.options = (1, most) if most > 1 else ()
            self.times = {n: [] for n in self.options}
        return bool(self.options)

    def pick(self):
        if not self._setup():
            return None
        self.calls += 1
        if self._load() >= 1.0:
            return self.options[0]  # one thread: the others are someone else's now
        untried = [n for n, t in self.times.items() if not t]
        if untried:
            return untried[0]
        ranked = sorted(self.options, key=lambda n: self.times[n][-1])
        return ranked[1] if self.calls % self.EXPLORE_EVERY == 0 else ranked[0]

    def limit(self, n):
        return self._controller.limit(limits=n, user_api="blas")

    def record(self, n, seconds_per_unit: float) -> None:
        kept = self.times[n]
        kept.append(seconds_per_unit)
        del kept[:-5]


def _busy_cores() -> float:
    """The 1-minute load average per core (0 where the platform has none)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):
        return 0.0


class _Timed:
    """``with _Timed(chooser, work):`` runs the block on the chosen BLAS threads and records its speed."""

    def __init__(self, chooser, work: float):
        self.chooser, self.work = chooser, max(work, 1.0)
        self.n = self.limit = None

    def __enter__(self):
        if self.chooser is not None:
            self.n = self.chooser.pick()
            if self.n is not None:
                self.limit = self.chooser.limit(self.n)
                self.limit.__enter__()
                self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.limit is not None:
            self.chooser.record(self.n, (time.perf_counter() - self.start) / self.work)
            self.limit.__exit__(*exc)
        return False


#: Initializers whose transformed weights one noise draw keeps.
_KEEP_INITS = 4


class _Entry:
    """Everything derived from one noise draw, built lazily layer by layer."""

    def __init__(self, noise):
        self.noise = noise
        self.inputs = noise.inputs.astype(np.float32)
        self.output_grad = readout_gradient(noise, np.float32)
        self._unit: OrderedDict[str, list] = OrderedDict()  # init name -> float32 weights at gain 1
        self._scaled: dict[str, tuple] = {}    # init name -> (gain, list of scaled weights)
        self._biases: tuple = (None, [])       # (bias_std, list of float32 biases)
        # The last forward pass: a deeper (or shallower) network through the same weights resumes it.
        self.forward = ForwardState()

    def weights(self, initializer, gain: float, depth: int) -> list:
        unit = self._unit.setdefault(initializer.name, [])
        self._unit.move_to_end(initializer.name)
        while len(self._unit) > _KEEP_INITS:  # bound the memory a reader touring every init needs
            old, _ = self._unit.popitem(last=False)
            self._scaled.pop(old, None)
        for w in self.noise.weights[len(unit):depth]:
            # The same float64 transform and cast as simulate(), so gain 1 gives identical numbers.
            a = initializer.from_normal(w, 1.0).astype(np.float32, copy=False)
            a.flags.writeable = False
            unit.append(a)
        if gain == 1.0:
            return unit[:depth]
        cached_gain, scaled = self._scaled.get(initializer.name, (None, []))
        if cached_gain != gain:
            scaled = []
        factor = np.float32(gain)
        for a in unit[len(scaled):depth]:
            s = a * factor
            s.flags.writeable = False
            scaled.append(s)
        self._scaled[initializer.name] = (gain, scaled)
        return scaled[:depth]

    def biases(self, bias_std: float, depth: int):
        if bias_std == 0:
            return None
        std, kept = self._biases
        if std != bias_std:
            kept = []
        for b in self.noise.biases[len(kept):depth]:
            kept.append((b * bias_std).astype(np.float32))
        self._biases = (bias_std, kept)
        return kept[:depth]
