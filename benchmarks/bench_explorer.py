"""The gradient explorer against the usual notebook approach, and through a real kernel.

(a) *naive*: how tutorials build it. ``interactive_output``-style: every control change
    runs a straightforward float64 textbook forward/backward written out below (weights
    drawn afresh from the seed, ``np.histogram`` per layer), makes a new pyplot figure,
    saves it with ``bbox_inches="tight"`` (what the inline backend does) and puts the PNG
    into an ``ipywidgets.Output``.
(b) *ours*: ``GradientExplorer.update`` for the same sequence of control moves.
(c) *kernel*: a comm message that moves a slider, sent to a real ipykernel the way the
    browser does, until the kernel emits the Image's new value; paired with the kernel's
    own time for that redraw.
(d) *import*: cold ``import gradnotes`` against ``import numpy, matplotlib, ipywidgets``,
    and ``import gradnotes.widgets``, in fresh interpreters.

All times are medians and 90th percentiles of runs interleaved in one process.
"""

from __future__ import annotations

import base64
import io
import math
import os
import queue
import resource
import subprocess
import sys
import time

import numpy as np

from . import Report, median

#: Targets from the issue.
TARGET_P50_MS, TARGET_P90_MS, TARGET_SPEEDUP, TARGET_KERNEL_EXTRA_MS, TARGET_IMPORT_RATIO = 60, 100, 12, 10, 1.1
CONFIGS = [dict(depth=50, width=256, batch=256), dict(depth=100, width=128, batch=256)]


def p90(values) -> float:
    return float(np.percentile(values, 90))


def cpu_seconds() -> float:
    """CPU time of this process, all threads (BLAS included): less sensitive to other load than wall time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- (a) the naive baseline, written the way a tutorial does ---------------------------

def naive_forward_backward(depth, width, activation, init, gain, bias_std, residual, norm, batch, seed):
    """Textbook float64 MLP probe: per-layer ||dL/dW||, histograms, saturation."""
    rng = np.random.default_rng(seed)
    std = {"zeros": 0.0, "normal": 1.0, "standard_uniform": 1 / math.sqrt(3 * width),
           "lecun_normal": 1 / math.sqrt(width), "lecun_uniform": 1 / math.sqrt(width),
           "xavier_normal": math.sqrt(1 / width), "xavier_uniform": math.sqrt(1 / width),
           "he_normal": math.sqrt(2 / width), "he_uniform": math.sqrt(2 / width),
           "orthogonal": 1 / math.sqrt(width)}[init] * gain
    f, df = {
        "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
        "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
        "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
        "linear": (lambda z: z, lambda z: np.ones_like(z)),
    }.get(activation, (np.tanh, lambda z: 1 - np.tanh(z) ** 2))
    x = rng.standard_normal((batch, width))
    Ws = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    bs = [rng.standard_normal(width) * bias_std for _ in range(depth)]
    hs, zs = [x], []
    with np.errstate(all="ignore"):
        for W, b in zip(Ws, bs):
            z = hs[-1] @ W + b
            if norm is not None:
                axis = 0 if norm == "batch" else 1
                z = (z - z.mean(axis, keepdims=True)) / np.sqrt(z.var(axis, keepdims=True) + 1e-5)
            zs.append(z)
            hs.append(hs[-1] + f(z) if residual else f(z))
        g = rng.standard_normal((batch, width)) / math.sqrt(batch * width)
        grad_norms, saturation, hists = [], [], []
        for l in reversed(range(depth)):
            d = df(zs[l])
            saturation.append(np.mean(np.abs(d) < 0.06))
            delta = g * d
            grad_norms.append(np.linalg.norm(hs[l].T @ delta))
            g = delta @ Ws[l].T + (g if residual else 0)
        for h in hs[1:]:
            hists.append(np.histogram(h, bins=48, range=(-4, 4))[0] / h.size)
    return np.array(grad_norms[::-1]), np.array(saturation[::-1]), np.array(hists)


def make_naive():
    """A callable ``update(**controls)`` in the style of ``interactive_output``."""
    import matplotlib

    matplotlib.use("agg")
    import ipywidgets
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    out = ipywidgets.Output()

    def update(**c):
        grads, sat, hists = naive_forward_backward(**c)
        layers = np.arange(1, c["depth"] + 1)
        # The same picture as the explorer's: three panels, log scales, colour bar, legends.
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
        axes[0].semilogy(layers, grads, "o-", ms=3, label="measured")
        axes[0].set(title="Gradient per layer", xlabel="layer", ylabel="||dL/dW|| (log scale)")
        axes[0].legend()
        axes[0].grid(True)
        image = axes[1].imshow(np.where(hists.T > 0, hists.T, np.nan), aspect="auto", origin="lower",
                               extent=(0.5, c["depth"] + 0.5, -4, 4), norm=LogNorm(1e-4, 1))
        fig.colorbar(image, ax=axes[1], label="fraction of units")
        axes[1].set(title="Activations per layer", xlabel="layer", ylabel="activation value h")
        axes[2].plot(layers, 100 * sat, "o-", ms=3, label="saturated")
        axes[2].set(title="Saturation", xlabel="layer", ylabel="% of units", ylim=(0, 100))
        axes[2].legend()
        axes[2].grid(True)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")  # what the inline backend does
        plt.close(fig)
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": base64.b64encode(buf.getvalue()).decode()}},)
        return out

    return update


# --- (b) the control moves -----------------------------------------------------------------

def moves(config, steps_per_control: int):
    """A reader's session: each control moved a few steps and back, one update per step."""
    base = dict(config, activation="tanh", init="xavier_normal", gain=1.0, bias_std=0.0,
                residual=False, norm=None, seed=0)
    d, w = config["depth"], config["width"]
    plan = {
        "depth": [min(d + k, 100) if d + k <= 100 else d - 2 * k for k in (1, 2, 3, -1, -2, 4, 0, -3)],
        "gain": [1.1, 1.25, 1.5, 2.0, 0.8, 0.6, 1.0, 1.3],
        "activation": ["relu", "sigmoid", "gelu", "elu", "silu", "tanh", "softplus", "selu"],
        "init": ["he_normal", "lecun_normal", "xavier_uniform", "orthogonal", "he_uniform",
                 "normal", "xavier_normal", "lecun_uniform"],
        "width": [w // 2, w, w // 2, w, w // 2, w, w // 2, w],
        "bias_std": [0.1, 0.3, 0.5, 0.2, 0.0, 0.4, 0.05, 0.0],
        "residual": [True, False] * 4,
        "norm": ["batch", None, "layer", None] * 2,
    }
    seq = []
    for name, values in plan.items():
        state = dict(base)
        for v in values[:steps_per_control]:
            state[name] = v
            seq.append((name, dict(state)))
        base_back = dict(base)
        seq.append((name, base_back))  # back to the start
    return seq


def split_update(ours, seq) -> dict:
    """Where an update's time goes: the steps of ``GradientExplorer._draw`` timed one by one."""
    from gradnotes.widgets._canvas import encode_png

    parts = {"compute": [], "draw": [], "png": []}
    for _, c in seq:
        values = {**ours.values(), **c}
        t0 = time.perf_counter()
        probed = ours._compute(values)
        t1 = time.perf_counter()
        ours._figure.show(probed, keep_limits=True)
        ours._figure.canvas.draw()
        t2 = time.perf_counter()
        encode_png(ours._figure.canvas.rgba())
        t3 = time.perf_counter()
        for k, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2)):
            parts[k].append(dt)
    return parts


def bench_updates(report, quick):
    from gradnotes.widgets import gradient_explorer

    naive = make_naive()
    rows, results = [], {}
    for config in CONFIGS:
        steps = 3 if quick else 8
        seq = moves(config, steps)
        ours = gradient_explorer(**config)
        # Warm-up pass: first visits pay one-off costs (noise draw per width, the
        # orthogonal QR per init, the phase of the figure's first full draw); reported apart.
        cold = []
        for _, c in seq:
            t = time.perf_counter()
            ours.update(**c)
            cold.append(time.perf_counter() - t)
        naive(**seq[0][1])
        times = {"naive": {}, "ours": {}, "cpu": {}}
        naive_every = 2 if not quick else 4  # the naive side is ~10x slower: every other step
        for i, (name, c) in enumerate(seq):
            t, cpu = time.perf_counter(), cpu_seconds()
            ours.update(**c)
            times["ours"].setdefault(name, []).append(time.perf_counter() - t)
            times["cpu"].setdefault(name, []).append(cpu_seconds() - cpu)
            if i % naive_every == 0:
                t = time.perf_counter()
                naive(**c)
                times["naive"].setdefault(name, []).append(time.perf_counter() - t)
        parts = split_update(ours, seq)
        label = f"depth {config['depth']}, width {config['width']}, batch {config['batch']}"
        all_ours = [x for v in times["ours"].values() for x in v]
        all_naive = [x for v in times["naive"].values() for x in v]
        results[label] = (all_ours, all_naive)
        all_cpu = [x for v in times["cpu"].values() for x in v]
        for name in times["ours"]:
            o = times["ours"][name]
            n = times["naive"].get(name, [])
            rows.append([label, name, len(o), f"{median(o) * 1e3:.1f}", f"{p90(o) * 1e3:.1f}",
                         f"{median(times['cpu'][name]) * 1e3:.1f}",
                         f"{median(n) * 1e3:.0f}" if n else "-", f"{median(n) / median(o):.0f}x" if n else "-"])
        rows.append([label, "**all moves**", len(all_ours), f"**{median(all_ours) * 1e3:.1f}**",
                     f"**{p90(all_ours) * 1e3:.1f}**", f"{median(all_cpu) * 1e3:.1f}",
                     f"**{median(all_naive) * 1e3:.0f}**", f"**{median(all_naive) / median(all_ours):.0f}x**"])
        rows.append([label, "first visits (cold)", len(cold), f"{median(cold) * 1e3:.1f}",
                     f"{p90(cold) * 1e3:.1f}", "", "-", "-"])
        rows.append([label, "where it goes (p50 ms): " + ", ".join(f"{k} {median(v) * 1e3:.1f}"
                                                              for k, v in parts.items()),
                     len(seq), "", "", "", "", ""])
        ours.close()
    report.line("### (a, b) Update time per control move")
    report.line()
    report.line("Each control is moved a few steps and back (one update per step), for both sizes; "
                "ours and the naive baseline alternate. Times in ms, wall clock; *CPU* is the process's CPU "
                "time over all its threads (less sensitive to other processes' load); speed-up = naive "
                "median / ours median. *where it goes*: compute (probe + predictions), draw (artists, "
                "blitting), png (encoding).")
    report.line()
    report.header(["network", "control", "n", "ours p50", "ours p90", "ours CPU p50", "naive p50", "speed-up"])
    for r in rows:
        report.row(r)
    return results


# --- (c) a real kernel --------------------------------------------------------------------

KERNEL_SETUP = """
import time, json
from gradnotes.widgets import gradient_explorer
e = gradient_explorer(depth=50, width=256, batch=256)
print(json.dumps({name: c.model_id for name, c in e.controls.items()} | {"image": e.image.model_id}
                 | {"gain_values": list(e.controls["gain"].values)}))
"""
#: A burst: this many slider messages sent back to back (a drag), then the pictures counted.
BURST = 6


def bench_kernel(report, quick):
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        ids = _execute(kc, KERNEL_SETUP)
        import json

        ids = json.loads(ids.strip().splitlines()[-1])
        n = 6 if quick else 30
        # The gain slider offers exact values (a SelectionSlider): the browser sends the option's index.
        one = ids["gain_values"].index(1.0)
        gains = [one + k % 10 + 1 for k in range(n)]
        depths = [50 + (k % 7) - 3 for k in range(n)]
        rt, upd = [], []
        for k in range(n):
            control, state = ("gain", {"index": gains[k]}) if k % 2 == 0 else ("depth", {"value": depths[k]})
            rt.append(_round_trip(kc, ids[control], ids["image"], state))
            # the kernel's own time for that very update (compute, draw, encode, send)
            upd.append(float(_execute(kc, "print(e.last_redraw_seconds)").strip()))
        bursts = [_burst(kc, ids["depth"], ids["image"], [40 + 2 * i + k % 2 for i in range(BURST)])
                  for k in range(2 if quick else 6)]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    report.line()
    report.line("### (c) Round trip through a real kernel")
    report.line()
    report.line("A `comm_msg` with `method: update` and `state: {index}` (gain, a slider over exact values) or `{value}` (depth) for the slider's "
                "model id (as the browser sends it) into an ipykernel running the explorer (depth 50, width "
                "256, batch 256), timed until the kernel emits the Image model's new value; paired with the "
                "kernel's own time for that same redraw (`last_redraw_seconds`: read controls, compute, "
                "draw, encode, hand to the Image). The difference is what the kernel and the messaging add.")
    report.line()
    report.header(["", "n", "p50 ms", "p90 ms"])
    report.row(["round trip (comm in, image out)", len(rt), f"{median(rt) * 1e3:.1f}", f"{p90(rt) * 1e3:.1f}"])
    report.row(["the same redraws, timed in the kernel", len(upd), f"{median(upd) * 1e3:.1f}",
                f"{p90(upd) * 1e3:.1f}"])
    added = [r - u for r, u in zip(rt, upd)]
    report.row(["**kernel and messaging cost** (paired)", len(added), f"**{median(added) * 1e3:.1f}**",
                f"{p90(added) * 1e3:.1f}"])
    report.line()
    report.line(f"A burst: {BURST} depth messages sent back to back (what a drag sends when the browser "
                "does not wait), pictures the kernel sent for them, and the time from the first message to "
                "the last picture (whose depth is the last message's).")
    report.line()
    report.header(["bursts", "pictures per burst (median)", "last picture p50 ms", "max ms"])
    report.row([len(bursts), median([b[0] for b in bursts]), f"{median([b[1] for b in bursts]) * 1e3:.0f}",
                f"{max(b[1] for b in bursts) * 1e3:.0f}"])
    return rt, upd


def _execute(kc, code: str, timeout: float = 120) -> str:
    msg_id = kc.execute(code)
    out = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "stream":
            out.append(msg["content"]["text"])
        elif kind == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out)


def _update_message(kc, control_id: str, state: dict):
    return kc.session.msg("comm_msg", {"comm_id": control_id,
                                       "data": {"method": "update", "state": state, "buffer_paths": []}})


def _is_picture(reply, image_id: str) -> bool:
    content = reply["content"]
    if not (reply["msg_type"] == "comm_msg" and content.get("comm_id") == image_id
            and content["data"].get("method") == "update" and ["value"] in content["data"].get("buffer_paths", [])):
        return False
    if not reply["buffers"] or bytes(reply["buffers"][0][:8]) != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError("the image update carries no PNG")
    return True


def _round_trip(kc, control_id: str, image_id: str, state: dict) -> float:
    """Seconds from sending the update to the new picture (which may follow the kernel's idle:
    a change from the browser is drawn from the event loop, see Explorer)."""
    msg = _update_message(kc, control_id, state)
    start = time.perf_counter()
    kc.shell_channel.send(msg)
    elapsed, idle = None, False
    while elapsed is None or not idle:
        reply = kc.get_iopub_msg(timeout=60)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if elapsed is None and _is_picture(reply, image_id):
            elapsed = time.perf_counter() - start
        idle = idle or (reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle")
    return elapsed


def _burst(kc, control_id: str, image_id: str, values, quiet: float = 1.5) -> tuple[int, float]:
    """Send ``values`` back to back; (pictures sent, seconds from the first message to the last picture)."""
    start = time.perf_counter()
    for v in values:
        kc.shell_channel.send(_update_message(kc, control_id, {"value": v}))
    pictures, last = 0, None
    while True:
        try:
            reply = kc.get_iopub_msg(timeout=quiet)
        except queue.Empty:  # nothing for `quiet` seconds
            break
        if _is_picture(reply, image_id):
            pictures, last = pictures + 1, time.perf_counter() - start
    if not pictures:
        raise RuntimeError("the kernel sent no picture for a burst")
    return pictures, last


# --- (d) import time --------------------------------------------------------------------

def bench_imports(report, quick):
    stmts = {
        "python (nothing)": "pass",
        "import gradnotes": "import gradnotes",
        "import numpy, matplotlib, ipywidgets": "import numpy, matplotlib, ipywidgets",
        "import gradnotes.widgets": "import gradnotes.widgets",
    }
    reps = 3 if quick else 9
    times = {k: [] for k in stmts}
    for _ in range(reps):
        for name, stmt in stmts.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", stmt], check=True)
            times[name].append(time.perf_counter() - start)
    base = median(times["python (nothing)"])
    cost = {k: median(v) - base for k, v in times.items()}
    report.line()
    report.line("### (d) Cold import, fresh interpreter (median of "
                f"{reps}, interleaved; interpreter start-up of {base * 1e3:.0f} ms subtracted)")
    report.line()
    report.header(["statement", "ms"])
    for name in list(stmts)[1:]:
        report.row([f"`{name}`", f"{cost[name] * 1e3:.0f}"])
    return cost


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main(quick: bool = False) -> None:
    report = Report()
    report.line("## Explorer: update time, kernel round trip, import" + (" (quick smoke run)" if quick else ""))
    report.line()
    report.line(f"os.cpu_count() = {os.cpu_count()}; load average at start "
                f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (a shared machine: compare within this run).")
    report.line()
    updates = bench_updates(report, quick)
    rt, upd = bench_kernel(report, quick)
    imports = bench_imports(report, quick)

    main_label = next(iter(updates))
    ours, naive = updates[main_label]
    ratio = imports["import gradnotes"] / imports["import numpy, matplotlib, ipywidgets"]
    report.line()
    report.line("### Targets")
    report.line()
    report.header(["target", "measured", "verdict"])
    report.row([f"update p50 <= {TARGET_P50_MS} ms ({main_label})", f"{median(ours) * 1e3:.1f} ms",
                verdict(median(ours) * 1e3 <= TARGET_P50_MS)])
    report.row([f"update p90 <= {TARGET_P90_MS} ms ({main_label})", f"{p90(ours) * 1e3:.1f} ms",
                verdict(p90(ours) * 1e3 <= TARGET_P90_MS)])
    report.row([f">= {TARGET_SPEEDUP}x faster than the naive baseline (medians)",
                f"{median(naive) / median(ours):.1f}x", verdict(median(naive) / median(ours) >= TARGET_SPEEDUP)])
    extra = median([r - u for r, u in zip(rt, upd)]) * 1e3
    report.row([f"kernel round trip <= update + {TARGET_KERNEL_EXTRA_MS} ms (p50 of paired differences)",
                f"{median(rt) * 1e3:.1f} ms round trip, +{extra:.1f} ms over the redraw",
                verdict(extra <= TARGET_KERNEL_EXTRA_MS)])
    report.row([f"import gradnotes <= {TARGET_IMPORT_RATIO}x numpy + matplotlib + ipywidgets",
                f"{ratio:.2f}x ({imports['import gradnotes'] * 1e3:.0f} vs "
                f"{imports['import numpy, matplotlib, ipywidgets'] * 1e3:.0f} ms)",
                verdict(ratio <= TARGET_IMPORT_RATIO)])
    path = report.save("explorer")
    print(f"\n(saved to {os.path.relpath(path)})")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
