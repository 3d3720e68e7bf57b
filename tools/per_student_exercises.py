"""Give the numeric exercises their per-student parameters in the notebooks (issue 17).

The checks of ``gradnotes.check`` now call the answer of a numeric exercise
with parameters (``check.parameters("<exercise>")``: the chapter's values in a
notebook, the student's own in grading). This tool makes the notebooks agree:
for each such exercise it edits, by cell id,

- the exercise's statement (the parameter named as an argument, the chapter's
  value and how a graded run differs),
- the solution cell (the answer function takes the parameters and computes
  from them; the student edition's stub gets the same signature),
- chapter prose that pointed at the exercise's answer,
- the stored output of a check cell that the new checks would print
  differently: the three whose number of cases changed (a bracketed answer is
  now one case, so that the count does not tell a direction), and those of
  the parametrized exercises if a run stored an error there; the solution is
  run and checked for that, so that nbval still matches.

Each edit replaces a known passage by its new text; a cell that already has
the new text is left alone, so running the tool twice changes nothing. A
passage that is in neither form (someone changed the cell) is reported and the
notebook is not written.

Usage::

    python tools/per_student_exercises.py [NOTEBOOK_DIR]            # default notebooks/
    python tools/per_student_exercises.py --check [NOTEBOOK_DIR]    # exit 1 if an edit is still to be made
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradnotes import check  # noqa: E402
from gradnotes.check import MIME, CheckResult  # noqa: E402


def given(exercise: str) -> str:
    """The sentence of a statement that names the chapter's parameters and says that grading uses others."""
    values = ", ".join(f"`{k}={v!r}`" for k, v in check.parameters(exercise).items())
    return (f"\nHere the check calls your function with {values} (see `check.parameters(\"{exercise}\")`);\n"
            "a graded run calls it with values of your own, so compute the answer from the arguments.")


#: notebook -> cell id -> [(old passage, new passage)]
EDITS = {
    "01_why_depth_multiplies": {
        "f6e02666": [(
            "A chain of 20 sigmoid layers with weight $w = 1$. What is the **largest** value $|dz_{20}/dx|$ can take, "
            "for any\ninput? Return your prediction from `predict_chain_bound` and run the check (within a factor of "
            "ten counts).",
            "A chain of `depth` sigmoid layers with weight $w = 1$. What is the **largest** value $|dz_L/dx|$ can take, "
            "for any\ninput? Return your prediction, a formula in `depth`, from `predict_chain_bound(depth)` and run "
            "the check (within a\nfactor of ten counts). " + given("sigmoid_chain_bound"))],
        "26a72ed3": [("def predict_chain_bound():", "def predict_chain_bound(depth):"),
                     ("return 0.25 ** 20", "return 0.25 ** depth")],
        "abfb241a": [(
            "Find the **smallest width** $n$ for which it shrinks by less than 1% per step.",
            "Find the **smallest width** $n$ for which it shrinks by less than `percent`% per step: "
            "`smallest_width(percent)`\nreturns it. " + given("width_for_one_percent"))],
        "e973963c": [("def smallest_width():", "def smallest_width(percent):"),
                     ("lyapunov_exponent(n, 1.0)) >= 0.01:", "lyapunov_exponent(n, 1.0)) >= percent / 100:")],
    },
    "03_vanishing_gradients": {
        "3ef2f092": [(
            "```{exercise} Predict, then run: thirty sigmoid layers",
            "```{exercise} Predict, then run: a deep sigmoid network"), (
            "Before looking back at the first experiment: by what factor is the gradient of layer 1 smaller than that "
            "of layer 30\nin the sigmoid network (width 256, Xavier)? Within two powers of ten counts.",
            "Before looking back at the first experiment: by what factor is the gradient of layer 1 smaller than that "
            "of the last\nlayer in a sigmoid network of `depth` layers (width 256, Xavier)? Return it from "
            "`predict_sigmoid_ratio(depth)`;\nwithin two powers of ten counts. " + given("sigmoid_vanishing_ratio"))],
        "817c0817": [("def predict_sigmoid_ratio():", "def predict_sigmoid_ratio(depth):"),
                     ("return 0.24 ** 29", "return 0.24 ** (depth - 1)")],
        "1dd6d995": [(
            "sigmoid network (width 256, `xavier_normal`, `dtype=\"float64\"`, `seed=0`) first fall below $10^{-6}$? "
            "Use `simulate`\nor the explorer.",
            "sigmoid network (width 256, `xavier_normal` with gain `gain`, `dtype=\"float64\"`, `seed=0`) first fall "
            "below\n$10^{-6}$? `depth_below_a_millionth(gain)` returns it; use `simulate` or the explorer. "
            + given("sigmoid_depth_threshold"))],
        "f0b71931": [("def depth_below_a_millionth():", "def depth_below_a_millionth(gain):"),
                     ('"xavier_normal", dtype="float64", seed=0)',
                      '"xavier_normal", gain=gain, dtype="float64", seed=0)')],
    },
    "04_exploding_gradients": {
        "f076eaf7": [(
            "A linear RNN with spectral radius $\\rho = 1.1$. How many times larger is the gradient 50 steps back than "
            "at the\nlast step? Within a factor of three counts.",
            "A linear RNN with spectral radius $\\rho$ = `rho`. How many times larger is the gradient `steps` steps "
            "back than at\nthe last step? Return it from `predict_rnn_growth(rho, steps)`; within a factor of three "
            "counts. " + given("linear_rnn_growth"))],
        "3aef1ae9": [("def predict_rnn_growth():", "def predict_rnn_growth(rho, steps):"),
                     ("return 1.1 ** 50", "return rho ** steps")],
        "d3bfb865": [(
            "For tanh with bias variance $\\sigma_b^2 = 0.05$, find the critical weight scale $\\sigma_w$ (where "
            "$\\chi_1 = 1$),\nwithin 2%. The phase diagram of chapter 5 and `theory.chi1` help.",
            "For tanh with bias variance $\\sigma_b^2$ = `sigma_b2`, find the critical weight scale $\\sigma_w$ (where "
            "$\\chi_1 = 1$),\nwithin 1%: `critical_sigma_w(sigma_b2)` returns it. The phase diagram of chapter 5 and "
            "`theory.chi1` help\n(whose `sigma_b` is $\\sqrt{\\sigma_b^2}$). " + given("critical_gain_tanh"))],
        "6cb976d1": [("def critical_sigma_w():", "def critical_sigma_w(sigma_b2):"),
                     ('theory.chi1("tanh", mid, np.sqrt(0.05))', 'theory.chi1("tanh", mid, np.sqrt(sigma_b2))')],
    },
    "05_initialization": {
        "53c23ad3": [(
            "A 30-layer ReLU network with $\\operatorname{Var}[W] = 1/n$. By what factor is the mean square $q^{30}$ "
            "of the\nlast layer's pre-activations smaller than $q^1$? Within a factor of ten counts.",
            "A ReLU network of `depth` layers with $\\operatorname{Var}[W] = 1/n$. By what factor is the mean square "
            "$q^L$ of the\nlast layer's pre-activations smaller than $q^1$? Return it from "
            "`predict_relu_signal(depth)`; within a factor of ten\ncounts. " + given("relu_xavier_signal"))],
        "955babf9": [("def predict_relu_signal():", "def predict_relu_signal(depth):"),
                     ("return 2.0 ** -29", "return 2.0 ** -(depth - 1)")],
    },
    "07_normalization": {
        "757d8759": [(
            "In a 50-layer ReLU network (`he_normal`, width 256, batch 256, `seed=0`) with batch norm, by what factor "
            "per layer\ndoes the weight gradient grow on its way down? Compare your number with $\\sqrt{\\pi/(\\pi-1)}$,"
            " keeping in mind that\nat width = batch the theory's assumption does not hold.",
            "In a 50-layer ReLU network (`he_normal`, width 256, batch 256, seed `seed`) with batch norm, by what "
            "factor per\nlayer does the weight gradient grow on its way down? `bn_growth_factor(seed)` returns it, "
            "computed (within 0.05%).\nCompare your number with $\\sqrt{\\pi/(\\pi-1)}$, keeping in mind that at width "
            "= batch the theory's assumption does\nnot hold. " + given("batchnorm_growth_factor"))],
        "6e33851d": [("def bn_growth_factor():", "def bn_growth_factor(seed):"),
                     ('norm="batch", batch=256, seed=0)', 'norm="batch", batch=256, seed=seed)')],
    },
    "08_residual_connections": {
        "a90f401c": [(
            "Through how many different paths can the gradient travel from the output of a stack of 10 residual "
            "blocks back to\nits input? (A path chooses, at each block, the skip connection or the branch.)",
            "Through how many different paths can the gradient travel from the output of a stack of `blocks` "
            "residual blocks back\nto its input? (A path chooses, at each block, the skip connection or the branch.) "
            "Return it from\n`predict_paths(blocks)`. " + given("residual_paths"))],
        "a39f55d8": [("def predict_paths():", "def predict_paths(blocks):"),
                     ("return 2 ** 10", "return 2 ** blocks")],
    },
    "09_training_dynamics": {
        "f20e4bd3": [(
            "A classifier with 5 classes starts with all its outputs close to zero. What is its cross-entropy loss "
            "before training?",
            "A classifier with `classes` classes starts with all its outputs close to zero. What is its cross-entropy "
            "loss before\ntraining? Return it from `predict_initial_loss(classes)`. " + given("initial_loss"))],
        "f30d1aa3": [("def predict_initial_loss():", "def predict_initial_loss(classes):"),
                     ("return math.log(5)", "return math.log(classes)")],
        "b2efa58c": [(
            "`run.update_ratios[:, 0]` (layer 1, over the 100 steps) lies between $-3.1$ and $-2.9$.",
            "`run.update_ratios[:, 0]` (layer 1, over the 100 steps) lies within 0.1 of `target`, a log10 ratio near "
            "$-3$:\n`adam_lr_for_ratio(target)` returns it. " + given("adam_lr_for_ratio"))],
        "bb1b4221": [
            ("start from lr close to 1e-3 * std(W_1) and adjust.", "start from lr close to 10**target * std(W_1)."),
            ("def adam_lr_for_ratio():", "def adam_lr_for_ratio(target):"),
            ("    for lr in np.geomspace(1e-4, 1e-2, 41):\n"
             "        r = gradnotes.train(X, y, depth=6, width=64, activation=\"tanh\", init=\"xavier_normal\", "
             "optimizer=\"adam\",\n"
             "                            lr=lr, steps=100, seed=0)\n"
             "        if -3.1 <= np.median(r.update_ratios[:, 0]) <= -2.9:\n"
             "            return float(lr)\n",
             "    low, high = -5.0, -3.0  # log10 of learning rates whose ratios lie below and above every target\n"
             "    for _ in range(30):  # bisection: the ratio grows with the learning rate\n"
             "        mid = (low + high) / 2\n"
             "        r = gradnotes.train(X, y, depth=6, width=64, activation=\"tanh\", init=\"xavier_normal\", "
             "optimizer=\"adam\",\n"
             "                            lr=10**mid, steps=100, seed=0)\n"
             "        ratio = np.median(r.update_ratios[:, 0])\n"
             "        if abs(ratio - target) <= 0.1:\n"
             "            return float(10**mid)\n"
             "        low, high = (mid, high) if ratio < target else (low, mid)\n")],
    },
    "10_myths_and_facts": {
        "f26815c5": [(
            "A 20-layer ReLU network (no biases) has weights with variance $1/n$ (Xavier's, for equal fan-in and "
            "fan-out). By what\nfactor is the second moment of the activations of layer 20 smaller than that of the "
            "input? Return the factor (a number\nbelow 1).",
            "A ReLU network of `depth` layers (no biases) has weights with variance $1/n$ (Xavier's, for equal fan-in "
            "and\nfan-out). By what factor is the second moment of the activations of its last layer smaller than "
            "that of the input?\nReturn the factor (a number below 1) from `predict_relu_xavier_factor(depth)`. "
            + given("relu_xavier_shrink"))],
        "e05ce38b": [("def predict_relu_xavier_factor():", "def predict_relu_xavier_factor(depth):"),
                     ("return 0.5**20", "return 0.5**depth")],
        "21913c49": [(
            "With `gradnotes.theory.chi1(\"sigmoid\", sigma_w, 0.0)`, find the $\\sigma_w$ at which a sigmoid network "
            "without biases is\ncritical ($\\chi_1 = 1$), within 1%. Then train the 20-layer network of myth 6 at "
            "that gain and at a gain of 4.",
            "With `gradnotes.theory.chi1(\"sigmoid\", sigma_w, sigma_b)`, find the $\\sigma_w$ at which a sigmoid "
            "network whose biases\nhave standard deviation $\\sigma_b$ = `sigma_b` is critical ($\\chi_1 = 1$), within "
            "0.2%: `sigmoid_critical_sigma_w(sigma_b)`\nreturns it. How far has the bias moved the edge from where it "
            "is without biases? " + given("sigmoid_critical_gain"))],
        "a6f061d8": [("def sigmoid_critical_sigma_w():", "def sigmoid_critical_sigma_w(sigma_b):"),
                     ('theory.chi1("sigmoid", mid, 0.0)', 'theory.chi1("sigmoid", mid, sigma_b)')],
        # the verdict's 10.15 is the scale without biases; the exercise now asks for it with a bias
        "85e19beb": [("{ref}`ex-sigmoid-critical` finds the critical scale.",
                      "{ref}`ex-sigmoid-critical` finds how far a bias moves it.")],
    },
    "11_myths_about_training": {
        "a9827ec5": [(
            "A weight has gradient $g = 10^{-12}$ at Adam's first step, with learning rate $10^{-3}$, "
            "$\\beta_1 = 0.9$,\n$\\beta_2 = 0.999$ and $\\epsilon = 10^{-8}$. How far does the weight move?",
            "A weight has a tiny gradient `g` at Adam's first step, with learning rate $10^{-3}$, $\\beta_1 = 0.9$,\n"
            "$\\beta_2 = 0.999$ and $\\epsilon = 10^{-8}$. How far does the weight move? Return it from "
            "`predict_adam_tiny_step(g)`. " + given("adam_tiny_step"))],
        "ef11c8aa": [("def predict_adam_tiny_step():", "def predict_adam_tiny_step(g):"),
                     ("return 1e-3 * 1e-12 / (1e-12 + 1e-8)", "return 1e-3 * g / (g + 1e-8)")],
        "d463a2bb": [(
            "Train the 20-layer sigmoid network of myth 8 with Adam (learning rate $3\\cdot 10^{-3}$, 500 steps,\n"
            "`seed=0`) and `optimizer_options={\"eps\": 1e-20}`, and return its final accuracy. Did it train?",
            "Train the 20-layer sigmoid network of myth 8 with Adam (learning rate $3\\cdot 10^{-3}$, 500 steps,\n"
            "seed `seed`) and `optimizer_options={\"eps\": 1e-20}`: `accuracy_with_tiny_eps(seed)` returns its final "
            "accuracy.\nDid it train? " + given("adam_eps_rescue"))],
        "41e631a5": [("def accuracy_with_tiny_eps():", "def accuracy_with_tiny_eps(seed):"),
                     ("steps=500, seed=0, optimizer_options", "steps=500, seed=seed, optimizer_options")],
        # the verdict's 52.0% is the run with seed 0; the exercise now asks for another seed's
        "935a2195": [("{ref}`ex-adam-eps` repeats the small-$\\epsilon$ run.",
                      "{ref}`ex-adam-eps` repeats the small-$\\epsilon$ run from another seed.")],
    },
}

#: notebook -> (check cell id, exercise): checks whose number of cases changed (a bracketed answer is one case now).
RECOUNTED = {
    "01_why_depth_multiplies": ("fd1f628f", "width_for_one_percent"),
    "03_vanishing_gradients": ("ceac0e8d", "sigmoid_depth_threshold"),
    "08_residual_connections": ("2ed95a54", "residual_scale_limit"),
}
#: Cases a right answer passes in each of those checks (a whole-number or range case, then the bracket).
_CASES = 2


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _check_cell(nb, exercise: str):
    """The cell ``check.<exercise>(<function>)`` and the name of its function."""
    for cell in nb.cells:
        match = re.match(rf"check\.{exercise}\((\w+)\)", _source(cell)) if cell.cell_type == "code" else None
        if match:
            return cell, match.group(1)
    return None, None


def _solved(nb, exercise: str) -> CheckResult:
    """Run the chapter's imports and the solution of ``exercise``, then its check (as executing the notebook would)."""
    _, function = _check_cell(nb, exercise)
    imports = next(c for c in nb.cells if c.cell_type == "code" and "import gradnotes" in _source(c)
                   and "gradnotes-install" not in c.get("metadata", {}).get("tags", []))
    solution = next(c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in _source(c))
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(_source(imports) + "\n" + _source(solution), f"<{exercise}>", "exec"), namespace)  # noqa: S102
    return check.EXERCISES[exercise](namespace[function])


def _store(cell, bundle: dict) -> None:
    """The check cell's stored result becomes ``bundle``, keeping its output type and execution count."""
    outputs = [o for o in cell.get("outputs", []) if "data" in o]
    if outputs:
        outputs[-1]["data"] = bundle
    else:
        cell.outputs = [nbformat.v4.new_output("execute_result", data=bundle, execution_count=None)]


def _stored(cell) -> dict | None:
    data = [o["data"].get(MIME) for o in cell.get("outputs", []) if "data" in o]
    return data[-1] if data else None


def refresh_outputs(nb, chapter: str) -> tuple[list[str], list[str]]:
    """Stored check results that the new checks would no longer print: a changed count, or an answer that now
    takes parameters (a notebook executed between the new checks and this tool shows an error there)."""
    done, problems = [], []
    names = [ex.name for ex in check.CHAPTERS[chapter] if ex.parameters]
    if chapter in RECOUNTED:
        names.append(RECOUNTED[chapter][1])
    for name in names:
        cell, _ = _check_cell(nb, name)
        if cell is None:
            problems.append(f"{chapter}: no check cell for {name}")
            continue
        stored = _stored(cell) or {}
        if stored.get("status") == "passed":
            if name not in {e for _, e in RECOUNTED.values()} or stored.get("cases_total") == _CASES:
                continue
            ex = check.EXERCISES[name]  # it passed: only the count changed
            result = CheckResult(exercise=name, number=ex.number, title=ex.title, status="passed",
                                 cases_passed=_CASES, cases_total=_CASES, hint=ex.hint)
        else:
            result = _solved(nb, name)
        if not result.passed:
            problems.append(f"{chapter}: the solution of {name} does not pass: {result.feedback}")
            continue
        _store(cell, result._repr_mimebundle_())
        done.append(f"{chapter}: stored output of check.{name} ({result.cases_total} cases)")
    return done, problems


def edit(nb, chapter: str) -> tuple[list[str], list[str]]:
    """Make this tool's edits to notebook ``nb`` of ``chapter`` in place; return (done, problems)."""
    done, problems = [], []
    cells = {c.get("id"): c for c in nb.cells}
    for cell_id, replacements in EDITS.get(chapter, {}).items():
        cell = cells.get(cell_id)
        if cell is None:
            problems.append(f"{chapter}: no cell {cell_id}")
            continue
        source = _source(cell)
        for old, new in replacements:
            new = re.sub(r" +\n", "\n", new)  # a sentence of given() starts a line of its own
            if old in source:
                source = source.replace(old, new)
                done.append(f"{chapter} {cell_id}: {old.splitlines()[0][:60]}")
            elif new not in source:
                problems.append(f"{chapter} {cell_id}: found neither the old nor the new text of {old[:60]!r}")
        cell.source = source
    more, trouble = refresh_outputs(nb, chapter)
    return done + more, problems + trouble


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="?", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if an edit is still to be made")
    args = parser.parse_args(argv)
    status = 0
    for chapter in sorted(set(EDITS) | set(RECOUNTED)):
        path = args.notebooks / f"{chapter}.ipynb"
        nb = nbformat.read(path, as_version=4)
        done, problems = edit(nb, chapter)
        for line in problems:
            print("PROBLEM", line)
        for line in done:
            print("would edit" if args.check else "edited", line)
        if problems:
            status = 2
        elif done and args.check:
            status = max(status, 1)
        elif done:
            nbformat.write(nb, path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
