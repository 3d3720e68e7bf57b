"""Explorers: ipywidgets controls wired to the probe (gradnotes) and the plots (gradnotes.plots).

Import explicitly (``from gradnotes import widgets``). Each explorer is an
``ipywidgets.VBox`` with its picture in ``.image`` (an ``ipywidgets.Image``),
``.update(**controls)`` to move controls from code, ``.state`` for the numbers
behind the picture and ``.render(**controls)`` for PNG bytes of any setting.

Each factory is decorated with :func:`~gradnotes.widgets.static.book_explorer`
in its own module: in the book build (``GRADNOTES_STATIC=1``) it returns a
precomputed, kernel-free explorer, and its grid is in ``static.GRIDS``. The
names below are those very objects (``gradnotes.widgets.gradient_explorer is
gradnotes.widgets.gradient.gradient_explorer``); a new explorer adds one line here.
"""

from .activation import ActivationExplorer, activation_explorer
from .edge import EdgeExplorer, edge_explorer
from .gradient import GradientExplorer, gradient_explorer
from .init import InitExplorer, init_explorer
from .recurrent import RNNExplorer, rnn_explorer
from .training import TrainingExplorer, training_explorer
from .static import StaticExplorer, book_explorer, static_explorer, static_in_book

__all__ = [
    "gradient_explorer", "GradientExplorer",
    "activation_explorer", "ActivationExplorer",
    "init_explorer", "InitExplorer",
    "rnn_explorer", "RNNExplorer",
    "training_explorer", "TrainingExplorer",
    "edge_explorer", "EdgeExplorer",
    "static_explorer", "StaticExplorer", "static_in_book", "book_explorer",
]
