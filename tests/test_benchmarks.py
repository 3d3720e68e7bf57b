"""The benchmarks' own machinery still fits the code it times (``make bench`` is not run by ``make test``).

Timings are never asserted here; only that the steps a benchmark calls exist and return what it reads.
"""

from benchmarks import bench_explorer


def test_the_update_split_runs_the_explorers_steps():
    # bench_explorer.split_update times GradientExplorer's compute, draw and PNG steps one by one;
    # it broke once when _compute began returning a Probed instead of a tuple.
    from gradnotes.widgets import gradient_explorer

    config = dict(depth=6, width=16, batch=8)
    ours = gradient_explorer(**config)
    seq = bench_explorer.moves(config, 1)
    parts = bench_explorer.split_update(ours, seq)
    assert set(parts) == {"compute", "draw", "png"}
    assert all(len(times) == len(seq) and all(t > 0 for t in times) for times in parts.values())



def test_the_in_process_column_makes_the_browsers_moves(monkeypatch):
    # bench_e2e's in-process column once made other moves than the browser: after its warm-up move the
    # width slider alternated 256/128 in process and 256/512 in JupyterLab. The browser's moves from
    # 256: right (512), left (256), right, left.
    from benchmarks import bench_e2e

    seen = []
    step = bench_e2e._step

    def recording(control, k):
        ms = step(control, k)
        seen.append(control.value)
        return ms

    monkeypatch.setattr(bench_e2e, "_step", recording)
    times = bench_e2e.in_process("gradient_explorer", dict(depth=3, width=256, batch=4), ["width"], 4)
    assert len(times["width"]) == 4
    assert seen[1:] == [512, 256, 512, 256]
