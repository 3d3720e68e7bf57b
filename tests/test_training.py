"""gradnotes.training as a package: one public path per name, and the refactored engine gives
bit for bit the runs of the one before it."""

import hashlib
import math

import numpy as np
import pytest

import gradnotes
from gradnotes import training

TOP_LEVEL = ["train", "TrainingRun", "MLP", "OPTIMIZERS", "get_optimizer", "DATASETS", "make_dataset", "spirals"]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_names_are_the_packages(name):
    assert getattr(gradnotes, name) is getattr(training, name)
    assert name in gradnotes.__all__


def test_every_public_name_has_one_path():
    for name in training.__all__:
        obj = getattr(training, name)
        module = getattr(obj, "__module__", None)
        if module is not None and callable(obj):
            # defined in a private submodule, shown under the package
            assert module.startswith("gradnotes.training._"), (name, module)
    for old in ("mlp", "losses", "optimizers", "datasets", "training_run"):
        with pytest.raises(ModuleNotFoundError):
            __import__(f"gradnotes.{old}")


# -- the same numbers as before the refactoring ------------------------------------------

X, Y = training.spirals(100, seed=0)
CONFIGS = {  # small, and between them every option of train()
    "tanh_adam": dict(depth=6, width=64, activation="tanh", optimizer="adam", lr=1e-3, steps=100, seed=0),
    "relu_batchnorm": dict(depth=5, width=32, activation="relu", init="he_normal", norm="batch", residual=True,
                           dropout=0.2, optimizer="momentum", lr=0.05, clip="norm", clip_threshold=1.0,
                           batch_size=64, steps=60, seed=3),
    "gelu_layernorm_f64": dict(depth=4, width=24, activation="gelu", norm="layer", optimizer="sgd", lr=0.1,
                               weight_decay=1e-3, l1=1e-3, clip="value", clip_threshold=0.5, dtype="float64",
                               batch_size=50, steps=50, eval_every=7, seed=7),
    "leaky_adamw_nobias": dict(depth=8, width=16, activation="leaky_relu", init="orthogonal", gain=1.2,
                               output_gain=0.5, bias=False, optimizer="adamw", lr=3e-3,
                               optimizer_options={"betas": (0.8, 0.99)}, steps=40, seed=11),
    "relu_diverges": dict(depth=6, width=64, activation="relu", init="normal", optimizer="sgd", lr=1.0,
                          steps=50, seed=0),
}

# Recorded from the pre-refactor engine (gradnotes/training.py at commit ca6a049, the flat modules),
# numpy 2 / OpenBLAS on the project's machine: final loss and accuracy, a few per-layer numbers, and a
# digest of every recorded array, both networks' parameters and statistics, and the repr.
# A different BLAS build may round float32 sums differently; on this build they must match exactly.
PRE_REFACTOR = {
    "tanh_adam": (dict(
        final_loss=0.05186780219179733, final_accuracy=0.9933333333333333, diverged_step=None,
        loss_last=0.05397454317678542, grad_first=0.13651305109710554, grad_output_last=0.04123788955798468,
        ratio_first_last=-2.6791805020796415, saturation_end=0.168125, std_end=0.6490857105798301), "601e91558b3cb524"),
    "relu_batchnorm": (dict(
        final_loss=0.13514139212369594, final_accuracy=0.97, diverged_step=None, loss_last=0.4555080672452023,
        grad_first=0.9832497690212616, grad_output_last=1.490728603321526, ratio_first_last=-2.5524474414770078,
        saturation_end=0.5361458333333333, std_end=1.6945639446050846), "dfd14791a9cbdf57"),
    "gelu_layernorm_f64": (dict(
        final_loss=0.5021403261967452, final_accuracy=0.76, diverged_step=None, loss_last=0.47085881075341357,
        grad_first=1.0001717207924468, grad_output_last=0.6821876010859138, ratio_first_last=-1.5527469160752587,
        saturation_end=0.13875, std_end=0.6616903429836417), "6f42b990898fe6c9"),
    "leaky_adamw_nobias": (dict(
        final_loss=0.7638979346429309, final_accuracy=0.5433333333333333, diverged_step=None,
        loss_last=0.7806508936236302, grad_first=0.004583135760351332, grad_output_last=0.14431740163163664,
        ratio_first_last=-2.0158395129669073, saturation_end=0.0, std_end=0.6737402543205332), "710615c73122675d"),
    "relu_diverges": (dict(
        final_loss=math.nan, final_accuracy=math.nan, diverged_step=1, loss_last=12931.609598341385,
        grad_first=5749.313325955734, grad_output_last=11082.750456366268, ratio_first_last=2.7115134099323615,
        saturation_end=0.52765625, std_end=1911.6886229485842), "36db544a239459de"),
}
FIELDS = ("losses", "grad_norms", "grad_total_norms", "update_ratios", "checkpoint_steps", "checkpoint_losses",
          "train_accuracy", "saturation", "dead_units", "activation_stds")


def digest(run) -> str:
    h = hashlib.sha256()
    for name in FIELDS:
        h.update(np.ascontiguousarray(getattr(run, name)).tobytes())
    for m in (run.model, run.initial_model):
        for a in (m.params, m.running_mean, m.running_var):
            h.update(a.tobytes())
    h.update(repr(run).encode())
    return h.hexdigest()[:16]


def numbers(r) -> dict:
    last = (r.diverged_step if r.diverged_step is not None else len(r.losses)) - 1  # last step with an update
    return dict(final_loss=r.final_loss, final_accuracy=r.final_accuracy, diverged_step=r.diverged_step,
                loss_last=float(r.losses[last]), grad_first=float(r.grad_norms[0, 0]),
                grad_output_last=float(r.grad_norms[last, -1]),
                ratio_first_last=float(r.update_ratios[max(last - 1, 0), 0]),
                saturation_end=float(r.saturation[-1].max()), std_end=float(r.activation_stds[-1, -1]))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_bit_identical_to_the_pre_refactor_engine(name):
    run = training.train(X, Y, **CONFIGS[name])
    expected, expected_digest = PRE_REFACTOR[name]
    got = numbers(run)
    for key, want in expected.items():
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(got[key]), f"{name}: {key} = {got[key]!r}, before the refactoring nan"
        else:
            assert got[key] == want, f"{name}: {key} = {got[key]!r}, before the refactoring {want!r}"
    assert digest(run) == expected_digest, f"{name}: some recorded number differs from the pre-refactor run"
