"""The numpy probe against PyTorch CPU autograd, against the machine's matmul peak, and
healthy against vanishing and exploding networks.

Both sides do the same work on the same float arrays: a plain MLP
``z = h @ W`` (no bias), ``h = tanh(z)``, loss ``sum(R * h_L)`` with
``R = output_grad``, forward, backward, and the Frobenius norm of every
``dL/dW_l``. numpy is :func:`gradnotes.propagate` with ``stats=False`` (it also
computes a few norms torch does not: ``||z_l||``, ``||dL/dh_l||``, ``||dL/db_l||``).
The vanishing rows swap tanh for sigmoid: its gradient falls below float32's
range, where torch (like the plain pass) computes in subnormal numbers and then 0,
and the rescaled probe does not (their norms are compared where float32 holds them).
"""

from __future__ import annotations

import math
import os
import time
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import gradnotes
from gradnotes import ACTIVATIONS, INITIALIZERS, draw_noise, propagate

from . import (
    ATTEMPTS,
    MAX_OTHER_LOAD,
    OtherLoad,
    Report,
    choose_reps,
    interleave,
    median,
    retry_while_loaded,
)

DEPTHS, WIDTHS, BATCHES, DTYPES = (10, 50, 100), (64, 256), (128, 512), ("float32", "float64")
QUICK_DEPTHS, QUICK_WIDTHS, QUICK_BATCHES = (10, 50), (64, 256), (128,)
#: Vanishing cells (sigmoid, float32) added to the table; they do not count towards the tanh medians.
VANISHING_CELLS = [(100, 64, 128, "float32", "sigmoid"), (100, 256, 128, "float32", "sigmoid"),
                   (100, 256, 512, "float32", "sigmoid")]
QUICK_VANISHING_CELLS = VANISHING_CELLS[1:2]
#: Norms below this are not compared with torch: its float32 norms square entries, which underflow.
COMPARABLE = 1e-15
#: Per-layer gradient norms must agree with torch to this relative tolerance.
RTOL = {"float32": 1e-3, "float64": 1e-9}
#: Targets from the issue.
MAX_RATIO, MAX_MEDIAN_RATIO_FLOAT32, MIN_PEAK_FRACTION = 1.0, 0.8, 0.70
#: A vanishing or exploding network may cost at most this many times a healthy one of the same size.
MAX_COST_RATIO = 1.3
#: Cells are measured again when other processes were busy only this long into the run.
RETRY_SECONDS = 150
PEAK_N = 2048
TORCH_FN = {"tanh": "tanh", "sigmoid": "sigmoid"}


def make_network(depth: int, width: int, batch: int, dtype: str, seed: int = 0, gain: float = 1.0):
    """Inputs, xavier-normal weights and ``dL/dh_L`` as in :func:`gradnotes.simulate`."""
    noise = draw_noise(depth, width, batch, seed)
    init = INITIALIZERS["xavier_normal"]
    weights = [init.from_normal(w, gain).astype(dtype) for w in noise.weights]
    output_grad = (noise.readout / math.sqrt(batch * width)).astype(dtype)
    return noise.inputs.astype(dtype), weights, output_grad


def numpy_probe(inputs, weights, output_grad, activation="tanh", **options):
    """A callable that runs the numpy probe and returns the per-layer ``||dL/dW_l||``."""
    act = ACTIVATIONS[activation]
    options = {"stats": False, **options}

    def run():
        with np.errstate(all="ignore"):
            return propagate(inputs, weights, None, output_grad, act, **options).grad_weight_norms
    return run


def torch_probe(torch, inputs, weights, output_grad, activation="tanh"):
    """The same pass with torch autograd, on leaf tensors sharing numpy's memory."""
    x, r = torch.from_numpy(inputs), torch.from_numpy(output_grad)
    ws = [torch.from_numpy(w).requires_grad_() for w in weights]
    fn = getattr(torch, TORCH_FN[activation])

    def run():
        for w in ws:
            w.grad = None
        h = x
        for w in ws:
            h = fn(h @ w)
        (h * r).sum().backward()
        # _foreach_norm is what clip_grad_norm_ uses: the fastest per-tensor norms torch has.
        return torch.stack(torch._foreach_norm([w.grad for w in ws])).numpy()
    return run


class Timing(NamedTuple):
    numpy: float  # median seconds
    torch: float
    reps: int
    diff: float  # max relative difference of the per-layer norms
    load: OtherLoad

    @property
    def ratio(self) -> float:
        return self.numpy / self.torch


def time_pair(torch, cell, budget, retry_until=0.0) -> Timing:
    """Check that numpy and torch agree on ``cell``, then time them in turns."""
    depth, width, batch, dtype, activation = (*cell, "tanh")[:5]
    arrays = make_network(depth, width, batch, dtype)
    fns = {"numpy": numpy_probe(*arrays, activation), "torch": torch_probe(torch, *arrays, activation)}
    a, b = (np.asarray(fn(), np.float64) for fn in fns.values())  # also the first warm-up
    held = a > COMPARABLE
    diff = float(np.max(np.abs(a - b)[held] / np.abs(b)[held]))
    if not diff <= RTOL[dtype]:
        raise RuntimeError(
            f"per-layer gradient norms disagree at depth={depth} width={width} batch={batch} "
            f"{dtype}: max relative difference {diff:.3g} > rtol {RTOL[dtype]:g}; not timing a wrong answer"
        )

    def measure():
        warm = interleave(fns, 1)  # warm-up, and the cost of one rep
        reps = choose_reps(warm["numpy"][0] + warm["torch"][0], budget)
        return interleave(fns, reps, blocks=3 if budget >= 0.5 else 2)

    times, load = retry_while_loaded(measure, retry_until)
    return Timing(median(times["numpy"]), median(times["torch"]), len(times["numpy"]), diff, load)


def compare(report, torch, cells, budget, retry_until) -> dict:
    """The main table; returns {cell: Timing}."""
    report.header(["activation", "dtype", "depth", "width", "batch", "reps", "numpy ms", "torch ms",
                   "numpy/torch", "max rel diff", "other load"])
    results = {}
    for cell in cells:
        results[cell] = t = time_pair(torch, cell, budget, retry_until)
        ratio = f"**{t.ratio:.2f}**" if t.ratio > MAX_RATIO else f"{t.ratio:.2f}"
        report.row([(*cell, "tanh")[4], cell[3], *cell[:3], t.reps, f"{t.numpy * 1e3:.2f}",
                    f"{t.torch * 1e3:.2f}", ratio, f"{t.diff:.1e}", t.load])
    return results


def _label(cell) -> str:
    depth, width, batch, dtype, activation = (*cell, "tanh")[:5]
    return f"{activation} {dtype} depth {depth} width {width} batch {batch}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def summarize(report, results) -> None:
    vanishing = {cell: t.ratio for cell, t in results.items() if len(cell) > 4}
    ratios = {cell: t.ratio for cell, t in results.items() if len(cell) == 4}
    report.line()
    for dtype in DTYPES:
        m = median([r for cell, r in ratios.items() if cell[3] == dtype])
        target = f" (target <= {MAX_MEDIAN_RATIO_FLOAT32}: {_verdict(m <= MAX_MEDIAN_RATIO_FLOAT32)})"
        report.line(f"- median numpy/torch, tanh, {dtype}: {m:.2f}" + (target if dtype == "float32" else ""))
    m = median(ratios.values())
    report.line(f"- median numpy/torch, tanh, all {len(ratios)} cells: {m:.2f} (target <= 1.0: {_verdict(m <= 1.0)})")
    if vanishing:
        report.line(f"- vanishing (sigmoid) cells, numpy/torch: {', '.join(f'{r:.2f}' for r in vanishing.values())} "
                    "(torch runs through subnormal numbers there, the rescaled probe does not)")
    worst = max(ratios, key=ratios.get)
    slow = [cell for cell, r in ratios.items() if r > MAX_RATIO]
    detail = f"; numpy slower in {len(slow)} of {len(ratios)} cells, bold above" if slow else ""
    report.line(f"- worst cell: {ratios[worst]:.2f} at {_label(worst)} "
                f"(target <= {MAX_RATIO} in every cell: {_verdict(not slow)}{detail})")
    loaded = [_label(c) for c, t in results.items() if (t.load.fraction or 0) > MAX_OTHER_LOAD]
    if loaded:
        report.line(f"- other processes used > {MAX_OTHER_LOAD:.0%} of the CPU (after up to {ATTEMPTS} "
                    f"attempts) at: {', '.join(loaded)}; treat those cells with care")


#: Networks of one size, healthy and not: (label, activation, gain). Vanishing sigmoid takes the gradient to
#: 1e-62 at depth 100; tanh at gain 0.3 takes the activations down as well (the forward tangent regime);
#: tanh at gain 3 grows the gradient 1e14-fold; linear at gain 4 overflows float32 in the forward pass.
REGIMES = [("healthy", "tanh", 1.0), ("vanishing gradient", "sigmoid", 1.0),
           ("vanishing signal", "tanh", 0.3), ("exploding gradient", "tanh", 3.0),
           ("forward overflow", "linear", 4.0)]


def cost_ratios(report, budget, retry_until, depth=100, width=256, batch=256) -> dict:
    """Rescaled and plain pass (with statistics, as the explorers run it) for each regime; ratios to healthy."""
    fns = {}
    for label, activation, gain in REGIMES:
        arrays = make_network(depth, width, batch, "float32", gain=gain)
        fns[label, "plain"] = numpy_probe(*arrays, activation, rescale=False, stats=True)
        fns[label, "rescaled"] = numpy_probe(*arrays, activation, stats=True)

    def measure():
        warm = interleave(fns, 1, settle=0.0)
        return interleave(fns, choose_reps(sum(t[0] for t in warm.values()), budget * 4, low=3, high=15),
                          blocks=3, settle=0.0)

    with threadpool_limits(limits=1, user_api="blas"):  # the arithmetic is the point, not the threads
        times, load = retry_while_loaded(measure, retry_until)
    ms = {key: median(t) * 1e3 for key, t in times.items()}
    report.line()
    report.line(f"### Healthy, vanishing and exploding networks (depth {depth}, width {width}, batch {batch}, "
                f"float32, `propagate` with statistics, 1 BLAS thread, {len(times[REGIMES[0][0], 'plain'])} "
                f"reps each in turns, other load {load})")
    report.line()
    report.header(["network", "activation, gain", "plain ms", "plain / healthy", "rescaled ms",
                   "rescaled / healthy", "plain / rescaled"])
    ratios = {}
    for label, activation, gain in REGIMES:
        plain, scaled = ms[label, "plain"], ms[label, "rescaled"]
        ratios[label] = r = scaled / ms["healthy", "rescaled"]
        shown = f"**{r:.2f}**" if r > MAX_COST_RATIO else f"{r:.2f}"
        report.row([label, f"{activation}, {gain:g}", f"{plain:.1f}", f"{plain / ms['healthy', 'plain']:.2f}",
                    f"{scaled:.1f}", shown, f"{plain / scaled:.1f}x"])
    worst = max(ratios, key=ratios.get)
    report.line()
    report.line(f"- worst rescaled / healthy: {ratios[worst]:.2f} ({worst}; target <= {MAX_COST_RATIO}: "
                f"{_verdict(ratios[worst] <= MAX_COST_RATIO)}). Sigmoid's own activation and derivative cost "
                "more than tanh's, which the ratio includes.")
    return ratios


def matmul_gflops(n: int, reps: int, dtype=np.float32) -> float:
    """Median GFLOP/s of an ``n x n`` matmul with the current BLAS threads."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    out = np.empty((n, n), dtype)
    times = interleave({"mm": lambda: np.matmul(a, b, out=out)}, reps, blocks=1)["mm"]
    return 2 * n**3 / median(times) / 1e9


def peak_fraction(report, torch, depths, batches, budget, threads, retry_until) -> None:
    """Width 256 float32 on one thread: achieved GFLOP/s against the one-thread matmul peak."""
    width, fractions = 256, {}
    with threadpool_limits(limits=1, user_api="blas"):
        peak, load = retry_while_loaded(lambda: matmul_gflops(PEAK_N, reps=3 if budget < 0.5 else 7), retry_until)
    report.line()
    report.line(f"One-thread matmul peak (float32 {PEAK_N}x{PEAK_N}, BLAS limited to 1 thread): "
                f"**{peak:.0f} GFLOP/s** (other load {load}). Probe at width {width}, float32, numpy "
                f"and torch each on 1 thread; GFLOP/s counts 3 matmuls per layer, "
                f"6 * batch * width^2 * depth flops; target >= {MIN_PEAK_FRACTION:.0%} of peak.")
    report.line()
    report.header(["depth", "batch", "reps", "numpy ms", "numpy GFLOP/s", "numpy % of peak",
                   "torch ms", "torch GFLOP/s", "torch % of peak", "other load"])
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            for depth in depths:
                for batch in batches:
                    t = time_pair(torch, (depth, width, batch, "float32"), budget, retry_until)
                    flops = 6 * batch * width**2 * depth
                    g_np, g_torch = flops / t.numpy / 1e9, flops / t.torch / 1e9
                    fractions[depth, batch] = f = g_np / peak
                    shown = f"**{f:.1%}**" if f < MIN_PEAK_FRACTION else f"{f:.1%}"
                    report.row([depth, batch, t.reps, f"{t.numpy * 1e3:.2f}", f"{g_np:.0f}", shown,
                                f"{t.torch * 1e3:.2f}", f"{g_torch:.0f}", f"{g_torch / peak:.1%}", t.load])
    finally:
        torch.set_num_threads(threads)
    low = [f"depth {d} batch {b}" for (d, b), f in fractions.items() if f < MIN_PEAK_FRACTION]
    report.line()
    report.line(f"- numpy at width {width} on one thread reaches {min(fractions.values()):.0%}-"
                f"{max(fractions.values()):.0%} of peak (target >= {MIN_PEAK_FRACTION:.0%}: "
                + ("met)" if not low else f"**missed** at {', '.join(low)})"))


def simulate_overhead(report, budget, retry_until) -> None:
    """The whole :func:`gradnotes.simulate` (weight transforms, statistics) against the bare pass."""
    depth, width, batch = 50, 256, 256
    noise = draw_noise(depth, width, batch, seed=0)
    fns = {
        "propagate": numpy_probe(*make_network(depth, width, batch, "float32")),
        "seed": lambda: gradnotes.simulate(depth, width, batch=batch, dtype="float32", seed=0),
        "noise": lambda: gradnotes.simulate(depth, width, batch=batch, dtype="float32", noise=noise),
    }

    def measure():
        warm = interleave(fns, 1)
        return interleave(fns, choose_reps(sum(t[0] for t in warm.values()), budget), blocks=3)

    times, load = retry_while_loaded(measure, retry_until)
    ms = {name: median(t) * 1e3 for name, t in times.items()}
    report.line()
    report.line(f"- full `simulate(depth={depth}, width={width}, batch={batch}, float32, tanh)`, 2 threads, "
                f"{len(times['seed'])} reps, other load {load}: **{ms['noise']:.1f} ms** reusing the noise "
                f"draws (as the widgets do), {ms['seed']:.1f} ms from a seed (draws the noise each time); "
                f"bare `propagate(stats=False)` {ms['propagate']:.1f} ms, so weight transforms and "
                f"statistics add {ms['noise'] - ms['propagate']:.1f} ms ({ms['noise'] / ms['propagate']:.2f}x).")


def numpy_blas() -> dict:
    """threadpoolctl's record of the BLAS numpy calls (read before torch is imported)."""
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    ours = [info for info in blas if "numpy" in info["filepath"]] or blas
    if not ours:
        raise RuntimeError("threadpoolctl cannot see numpy's BLAS, so its threads are unknown")
    return ours[0]


def main(quick: bool = False) -> None:
    blas = numpy_blas()
    import torch  # deferred: ~2 s to import, and only the benchmarks need it

    threads, torch_default = blas["num_threads"], torch.get_num_threads()
    torch.set_num_threads(threads)
    depths, widths, batches = (QUICK_DEPTHS, QUICK_WIDTHS, QUICK_BATCHES) if quick else (DEPTHS, WIDTHS, BATCHES)
    budget = 0.1 if quick else 1.0
    retry_until = time.perf_counter() + (0 if quick else RETRY_SECONDS)
    report = Report()
    report.line("## Probe: numpy `propagate` vs PyTorch autograd" + (" (quick smoke run)" if quick else ""))
    report.line()
    report.line(f"numpy {np.__version__} ({blas['internal_api']} {blas['version']}, "
                f"{blas.get('architecture', '?')}), BLAS threads **{threads}**; torch {torch.__version__}, "
                f"threads **{torch.get_num_threads()}** (set to numpy's; torch's own default here: "
                f"{torch_default}); os.cpu_count() = {os.cpu_count()}. Both run with the machine's default "
                f"{threads} threads.")
    report.line()
    report.line("Forward + backward + per-layer `||dL/dW||_F` of `z = h @ W`, `h = tanh(z)`, "
                "`loss = sum(R * h_L)`, xavier_normal weights. Times are medians of repeats taken in "
                "turns, in blocks (numpy x k, torch x k, numpy x k, ...), each block after >= 0.2 s of "
                "untimed calls so the other library's spinning threads have gone idle. Norms checked "
                f"against torch first (rtol {RTOL['float32']:g} float32, {RTOL['float64']:g} float64). "
                "'other load': CPU share used by other processes meanwhile.")
    report.line()
    cells = [(d, w, b, dtype) for dtype in DTYPES for d in depths for w in widths for b in batches]
    cells += QUICK_VANISHING_CELLS if quick else VANISHING_CELLS
    summarize(report, compare(report, torch, cells, budget, retry_until))
    cost_ratios(report, budget, retry_until)
    peak_fraction(report, torch, depths, batches, budget, threads, retry_until)
    simulate_overhead(report, budget, retry_until)
    print(f"\n(saved to {os.path.relpath(report.save('probe'))})")
