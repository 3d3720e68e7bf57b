"""``gradnotes.train`` against the same training loop in PyTorch.

Both sides train the same MLP from the same initial weights (``run.initial_model``)
on the whole spirals set with Adam, float32, one BLAS thread (``train`` limits
itself to one; torch is set to one). torch does the bare loop: forward,
cross-entropy, backward, the per-layer ``||dL/dW||`` and ``optimizer.step()``.
``train`` does that plus what the book reads from a run: update-to-data ratios
every step, and every ``steps // 20`` steps an evaluation of the whole set with
saturated and dead units. The final losses are compared first, so both sides
provably did the same training.
"""

from __future__ import annotations

import os

import numpy as np

from gradnotes import spirals, train

from . import Report, interleave, median

#: (depth, activation, init, steps) of the runs the book makes.
CONFIGS = [(6, "tanh", "xavier_normal", 300), (10, "relu", "he_normal", 300), (20, "sigmoid", "xavier_normal", 500)]
QUICK_CONFIGS = CONFIGS[:1]
WIDTH, LR, REPS, QUICK_REPS = 64, 3e-3, 5, 2
#: Final losses of the two loops must agree to this relative tolerance (float32, hundreds of Adam steps).
RTOL = 2e-2
TORCH_ACTIVATIONS = {"tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid"}


def torch_loop(torch, run, X, y):
    """A callable that trains a torch copy of ``run.initial_model`` and returns the final full-set loss."""
    act = getattr(torch, TORCH_ACTIVATIONS[run.config["activation"]])
    x, target = torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y)
    steps = run.config["steps"]

    def go():
        m = run.initial_model
        ws = [torch.tensor(np.array(w), requires_grad=True) for w in m.weights]
        bs = [torch.tensor(np.array(b), requires_grad=True) for b in m.biases]
        opt = torch.optim.Adam(ws + bs, lr=LR)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            h = x
            for w, b in zip(ws[:-1], bs[:-1]):
                h = act(h @ w + b)
            loss = torch.nn.functional.cross_entropy(h @ ws[-1] + bs[-1], target)
            loss.backward()
            torch.stack([torch.linalg.vector_norm(w.grad) for w in ws]).numpy()  # what train records
            opt.step()
        with torch.no_grad():
            h = x
            for w, b in zip(ws[:-1], bs[:-1]):
                h = act(h @ w + b)
            return float(torch.nn.functional.cross_entropy(h @ ws[-1] + bs[-1], target))

    return go


def main(quick: bool = False) -> None:
    import torch  # deferred: only the benchmarks need it

    torch.set_num_threads(1)
    X, y = spirals(100, seed=0)
    report = Report()
    report.line("## Training: `gradnotes.train` vs the same loop in PyTorch" + (" (quick smoke run)" if quick else ""))
    report.line()
    report.line(__doc__.split("\n\n", 1)[1].replace("\n", " ").strip())
    report.line()
    report.header(["depth", "activation", "steps", "reps", "train s", "torch loop s", "train/torch",
                   "final loss train", "final loss torch"])
    for depth, activation, init, steps in (QUICK_CONFIGS if quick else CONFIGS):
        kwargs = dict(depth=depth, width=WIDTH, activation=activation, init=init, optimizer="adam", lr=LR,
                      steps=steps, seed=0)
        run = train(X, y, **kwargs)
        loop = torch_loop(torch, run, X, y)
        ours, theirs = run.final_loss, loop()
        if not np.isclose(ours, theirs, rtol=RTOL, atol=1e-3):
            raise AssertionError(f"final losses differ: train {ours:.5g}, torch {theirs:.5g} ({kwargs})")
        reps = QUICK_REPS if quick else REPS
        times = interleave({"train": lambda: train(X, y, **kwargs), "torch": loop}, reps, blocks=reps, settle=0.0)
        a, b = median(times["train"]), median(times["torch"])
        report.row([depth, activation, steps, reps, f"{a:.2f}", f"{b:.2f}", f"**{a / b:.2f}**", f"{ours:.4g}",
                    f"{theirs:.4g}"])
    report.line()
    print(f"(saved to {os.path.relpath(report.save('training'))})")
