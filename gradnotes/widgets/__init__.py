"""Explorers: ipywidgets controls wired to the probe (gradnotes) and the plots (gradnotes.plots).

Import explicitly (``from gradnotes import widgets``). Each explorer is an
``ipywidgets.VBox`` with its picture in ``.image`` (an ``ipywidgets.Image``),
``.update(**controls)`` to move controls from code, ``.state`` for the numbers
behind the picture and ``.render(**controls)`` for PNG bytes of any setting.
"""

from .activation import ActivationExplorer, activation_explorer
from .gradient import GradientExplorer, gradient_explorer
from .init import InitExplorer, init_explorer
from .recurrent import RNNExplorer, rnn_explorer
from .training import TrainingExplorer, training_explorer
from .static import StaticExplorer, static_explorer, static_in_book

# In the book build (GRADNOTES_STATIC=1) the factories return precomputed, kernel-free explorers.
gradient_explorer, activation_explorer, init_explorer, rnn_explorer, training_explorer = map(
    static_in_book, (gradient_explorer, activation_explorer, init_explorer, rnn_explorer, training_explorer))

__all__ = [
    "gradient_explorer", "GradientExplorer",
    "activation_explorer", "ActivationExplorer",
    "init_explorer", "InitExplorer",
    "rnn_explorer", "RNNExplorer",
    "training_explorer", "TrainingExplorer",
    "static_explorer", "StaticExplorer", "static_in_book",
]
