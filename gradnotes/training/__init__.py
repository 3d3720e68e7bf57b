"""Train one network: a deep MLP on a small dataset, and a record of how every layer learns.

The pieces, each in a private module and re-exported here (one public path per name):

========================== =====================================================================
``MLP``                    the classifier, its forward and backward pass written out (``_mlp``)
``cross_entropy``          its loss and gradient (``_losses``)
``OPTIMIZERS``             SGD, momentum, RMSprop, Adam, AdamW, as torch updates (``_optimizers``)
``DATASETS``               spirals, moons, circles (``_datasets``)
``TrainingConfig``         the checked settings of a run (``_config``)
``Recorder``               the arrays a run fills, step by step (``_recorder``)
``train``                  the loop: config -> batches, gradients, updates -> run (``_loop``)
``TrainingRun``            the immutable record that plots and widgets read (``_run``)
``Progress``               what a long run shows while it trains; ``progress=`` of ``train`` (``_progress``)
``trainability_grid``      accuracy over sigma_w^2 x depth, Schoenholz et al.'s 6 xi_c (``_trainability``)
========================== =====================================================================

Examples
--------
>>> from gradnotes.training import spirals, train
>>> X, y = spirals(50, seed=0)
>>> run = train(X, y, depth=3, width=16, steps=50, seed=0)
>>> run.config["depth"], run.grad_norms.shape, bool(run.final_loss < run.losses[0])
(3, (50, 4), True)
"""

from ._config import MAX_STEPS, TrainingConfig
from ._datasets import DATASETS, circles, make_dataset, moons, spirals
from ._losses import cross_entropy
from ._loop import train
from ._mlp import BATCHNORM_MOMENTUM, MLP, Cache
from ._optimizers import OPTIMIZERS, SGD, Adam, AdamW, Momentum, Optimizer, RMSprop, get_optimizer
from ._progress import AUTO_SECONDS, REPORTERS, Progress, estimate_seconds
from ._recorder import Recorder, layer_saturation
from ._run import TrainingRun
from ._trainability import TASKS, TRAINABILITY_GRID, TrainabilityGrid, blobs, trainability_grid

__all__ = [
    "MLP", "Cache", "BATCHNORM_MOMENTUM", "cross_entropy",
    "OPTIMIZERS", "Optimizer", "SGD", "Momentum", "RMSprop", "Adam", "AdamW", "get_optimizer",
    "DATASETS", "spirals", "moons", "circles", "make_dataset",
    "TrainingConfig", "MAX_STEPS", "Recorder", "layer_saturation", "train", "TrainingRun",
    "Progress", "AUTO_SECONDS", "REPORTERS", "estimate_seconds",
    "trainability_grid", "TrainabilityGrid", "TASKS", "blobs", "TRAINABILITY_GRID",
]
