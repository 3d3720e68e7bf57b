"""gradnotes: make gradient flow in deep networks visible and checkable.

The compute layer (this package's top level) has no plotting import; plots live
in ``gradnotes.plots`` and widgets in ``gradnotes.widgets``.
"""

from .activations import ACTIVATIONS, SATURATION_RATIO, Activation, get_activation
from .initializers import INITIALIZERS, Initializer, get_initializer
from .noise import Noise, draw_noise
from .normalization import NORMS
from .probe import DTYPES, propagate, simulate
from .trace import Trace
from . import theory

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "SATURATION_RATIO",
    "INITIALIZERS", "Initializer", "get_initializer",
    "NORMS", "DTYPES", "Noise", "draw_noise",
    "simulate", "propagate", "Trace", "theory",
]

__version__ = "0.1.0"
