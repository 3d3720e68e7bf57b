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

