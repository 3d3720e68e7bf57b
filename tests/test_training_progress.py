"""gradnotes.training._progress and train(progress=...): long runs show themselves, short ones stay silent,
and an interrupted run stops cleanly with what it has done."""

import subprocess
import sys

import numpy as np
import pytest

from gradnotes.training import AUTO_SECONDS, REPORTERS, SGD, Adam, Progress, estimate_seconds, spirals, train
from gradnotes.training import _progress

X, Y = spirals(30, seed=0)
SMALL = dict(depth=3, width=16, steps=40, seed=0)


def test_the_default_prints_nothing_for_a_short_run(capsys):
    run = train(X, Y, **SMALL)
    assert capsys.readouterr() == ("", "")
    assert not run.interrupted and run.interrupted_step is None


def test_auto_shows_a_line_on_stderr_when_the_estimate_is_long(capsys, monkeypatch):
    monkeypatch.setattr(_progress, "AUTO_SECONDS", 0.0)
    train(X, Y, **SMALL)
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("\rtrain: step ") and err.endswith("\n")
    assert "step 40/40 (100%)" in err and "done" in err
    capsys.readouterr()
    train(X, Y, progress=False, **SMALL)  # False silences it whatever the estimate
    assert capsys.readouterr() == ("", "")


def test_true_and_line_show_a_line_whatever_the_estimate(capsys):
    for progress in (True, "line"):
        train(X, Y, progress=progress, **SMALL)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.rstrip().endswith("done") and "step 40/40" in err


def test_a_callback_sees_every_update_and_the_end_and_changes_nothing():
    seen = []
    run = train(X, Y, progress=seen.append, **SMALL)
    quiet = train(X, Y, progress=False, **SMALL)
    assert [p.step for p in seen] == list(range(1, 41)) + [40]
    assert all(not p.finished for p in seen[:-1]) and seen[-1].finished and not seen[-1].interrupted
    assert seen[-1].steps == 40 and seen[-1].loss == run.losses[-1]
    np.testing.assert_array_equal(run.losses, quiet.losses)
    np.testing.assert_array_equal(run.model.params, quiet.model.params)


def test_a_diverged_run_says_so_at_the_end():
    seen = []
    run = train(X, Y, depth=10, width=64, activation="relu", init="he_normal", gain=1.5, optimizer="sgd",
                lr=0.05, steps=300, progress=seen.append)
    assert run.diverged and seen[-1].finished and seen[-1].diverged and seen[-1].step == run.diverged_step


def interrupt_at(step):
    def callback(p):
        if p.step == step and not p.finished:
            raise KeyboardInterrupt
    return callback


def test_an_interrupted_run_returns_what_it_did_marked_as_interrupted():
    run = train(X, Y, progress=interrupt_at(7), **{**SMALL, "steps": 50})
    seven = train(X, Y, **{**SMALL, "steps": 7})
    assert run.interrupted and run.interrupted_step == 7 and not run.diverged
    np.testing.assert_array_equal(run.model.params, seven.model.params)  # exactly 7 updates were made
    np.testing.assert_array_equal(run.losses[:7], seven.losses)
    assert np.isnan(run.losses[7:]).all() and np.isnan(run.update_ratios[7:]).all()
    assert run.checkpoint_steps[-1] == 7 and run.final_accuracy == seven.final_accuracy
    assert run.final_loss == pytest.approx(seven.final_loss)
    assert "interrupted after 7 of 50 steps" in repr(run) and "nan" not in repr(run)


def test_an_update_cut_short_is_undone(monkeypatch):
    step = Adam.step
    calls = []

    def half_then_interrupt(self, params, grads):
        calls.append(1)
        if len(calls) == 5:
            params[0] += 1.0  # the update has begun to write...
            raise KeyboardInterrupt  # ...when the reader presses stop
        return step(self, params, grads)

    monkeypatch.setattr(Adam, "step", half_then_interrupt)
    run = train(X, Y, **SMALL)
    monkeypatch.setattr(Adam, "step", step)
    four = train(X, Y, **{**SMALL, "steps": 4})
    assert run.interrupted_step == 4
    np.testing.assert_array_equal(run.model.params, four.model.params)


def test_an_interrupt_before_the_first_update_still_gives_a_run(monkeypatch):
    def stop(self, params, grads):
        raise KeyboardInterrupt

    monkeypatch.setattr(SGD, "step", stop)
    run = train(X, Y, optimizer="sgd", lr=0.1, **SMALL)
    assert run.interrupted_step == 0 and np.isnan(run.losses).all()
    assert run.checkpoint_steps.tolist() == [0] and run.final_accuracy == run.train_accuracy[0]
    assert "interrupted after 0 of 40 steps" in repr(run)


def test_the_estimate_grows_with_the_work_and_sorts_the_book_from_the_issue():
    base = train(*spirals(100, seed=0), depth=20, width=64, steps=1).config
    book = base.replace(steps=500, eval_every=None)  # the book's longest: 20 x 64, 500 full-batch steps, 300 points
    seconds = [estimate_seconds(book.replace(**change))
               for change in ({}, {"depth": 40}, {"width": 128}, {"steps": 1000})]
    assert seconds[0] < min(seconds[1:]) and seconds[1] == pytest.approx(2 * seconds[0], rel=0.1)
    assert seconds[0] < AUTO_SECONDS
    issue = base.replace(width=2048, depth=30, steps=100_000)  # issue 19's example: days here
    assert estimate_seconds(issue) > 86400
    assert estimate_seconds(book) == estimate_seconds(book)  # no timing: the same call, the same answer


def test_the_bar_is_a_widget_that_ends_in_a_colour(monkeypatch):
    pytest.importorskip("ipywidgets")
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    bar = REPORTERS["bar"](100)
    assert len(shown) == 1 and bar.bar.max == 100
    bar(Progress(30, 100, 0.5, 1.0))
    assert bar.bar.value == 30 and "step 30/100" in bar.text.value
    bar(Progress(60, 100, 0.5, 2.0, finished=True, interrupted=True))
    assert bar.bar.value == 60 and bar.bar.bar_style == "warning" and "interrupted" in bar.text.value


def test_true_in_a_notebook_chooses_the_bar(monkeypatch):
    made = []
    monkeypatch.setattr(_progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(_progress, "REPORTERS", {"bar": lambda steps, label: made.append(steps) or (lambda p: None),
                                                 "line": REPORTERS["line"]})
    train(X, Y, progress=True, **SMALL)
    assert made == [40]


def test_the_compute_layer_does_not_import_widgets():
    code = ("import sys, gradnotes.training as t; X, y = t.spirals(10); t.train(X, y, steps=3, progress=True); "
            "print('ipywidgets' in sys.modules, 'IPython' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False" and "step 3/3" in out.stderr


@pytest.mark.parametrize("bad", ["yes", "none", 1, 2.0, [True]])
def test_bad_progress_values_are_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"progress=.*allowed: 'auto', True, False, 'bar', 'line' or a callable"):
        train(X, Y, progress=bad, **SMALL)


def test_progress_reads_well():
    assert str(Progress(0, 10, float("nan"), 0.0)) == "step 0/10 (0%)  0:00 elapsed, about ? left"
    assert str(Progress(3, 4, float("nan"), 61.0, unit="run")) == "run 3/4 (75%)  1:01 elapsed, about 0:20 left"
    assert "1 day 0:00:00 elapsed, about 2 days 0:00:00 left" in str(Progress(1, 3, 1.0, 86400.0))


def test_ctrl_c_in_a_real_process_returns_the_partial_run():
    import signal

    code = """
import sys
from gradnotes.training import spirals, train
X, y = spirals(100, seed=0)
def started(p):
    if p.step == 1 and not p.finished:
        print("started", flush=True)
run = train(X, y, depth=20, width=256, steps=100000, progress=started)
print(run.interrupted, 0 < run.interrupted_step < 100000, run.checkpoint_steps[-1] == run.interrupted_step, flush=True)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == "True True True"
