"""gradnotes: make gradient flow in deep networks visible and checkable.

The compute layer (this package's top level) has no plotting import; plots live
in ``gradnotes.plots`` and widgets in ``gradnotes.widgets``.
"""

from .activations import ACTIVATIONS, SATURATION_RATIO, Activation, get_activation
from .initializers import INITIALIZERS, Initializer, get_initializer
from .noise import Noise, draw_noise
from .normalization import NORMS
from .probe import DTYPES, NetworkSpec, SeedSpread, Trace, propagate, simulate, simulate_seeds
from .probe import jacobian_singular_values, measure_correlations
from .training import DATASETS, MLP, OPTIMIZERS, TrainingRun, get_optimizer, make_dataset, spirals, train
from . import chains, clipping, probe, recurrent, theory

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "SATURATION_RATIO",
    "INITIALIZERS", "Initializer", "get_initializer",
    "NORMS", "DTYPES", "Noise", "draw_noise",
    "simulate", "simulate_seeds", "SeedSpread", "propagate", "Trace", "NetworkSpec",
    "probe", "theory", "chains", "clipping", "recurrent",
    "measure_correlations", "jacobian_singular_values",
    "DATASETS", "make_dataset", "spirals", "MLP", "OPTIMIZERS", "get_optimizer", "TrainingRun", "train",
]

__version__ = "0.1.0"


def __getattr__(name):
    # ``gradnotes.plots`` and ``gradnotes.widgets`` load matplotlib / ipywidgets:
    # import them on first use, so ``import gradnotes`` stays light.
    if name in ("plots", "widgets", "explore"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
