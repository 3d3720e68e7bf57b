"""The standard-normal draws behind one simulated network.

Everything random in :func:`gradnotes.simulate` is a fixed transform of these
draws, so a network is fully determined by ``(depth, width, batch, seed)``
plus its settings. Each kind of draw has its own child stream of the seed, so
the first ``k`` layers of a deep network are the same numbers as a ``k``-layer
network with the same seed: moving a depth slider adds layers on top and does
not reshuffle the ones below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_int

__all__ = ["Noise", "draw_noise"]


@dataclass(frozen=True, eq=False)
class Noise:
    """Standard-normal float64 draws, read-only.

    Attributes
    ----------
    inputs : ndarray, shape (batch, width)
    readout : ndarray, shape (batch, width)
        The random projection that defines the loss.
    weights : ndarray, shape (depth, width, width)
    biases : ndarray, shape (depth, width)
    seed : int
    """

    inputs: np.ndarray
    readout: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    seed: int

    @property
    def depth(self) -> int:
        return self.weights.shape[0]

    @property
    def width(self) -> int:
        return self.inputs.shape[1]

    @property
    def batch(self) -> int:
        return self.inputs.shape[0]

    def truncate(self, depth: int) -> "Noise":
        """The draws of the first ``depth`` layers: those of a ``depth``-layer network."""
        depth = check_int("depth", depth, low=1, high=self.depth)
        return Noise(self.inputs, self.readout, self.weights[:depth], self.biases[:depth], self.seed)

    def __repr__(self) -> str:
        return f"Noise(depth={self.depth}, width={self.width}, batch={self.batch}, seed={self.seed})"


def draw_noise(depth: int, width: int, batch: int, seed: int) -> Noise:
    """Draw the inputs, read-out, weights and biases of a network as N(0, 1) numbers.

    Examples
    --------
    >>> a = draw_noise(depth=5, width=4, batch=3, seed=0)
    >>> b = draw_noise(depth=2, width=4, batch=3, seed=0)
    >>> bool((a.weights[:2] == b.weights).all()), a
    (True, Noise(depth=5, width=4, batch=3, seed=0))
    """
    seed = check_int("seed", seed, low=0)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    arrays = (
        streams[0].standard_normal((batch, width)),
        streams[1].standard_normal((batch, width)),
        streams[2].standard_normal((depth, width, width)),
        streams[3].standard_normal((depth, width)),
    )
    for a in arrays:
        a.flags.writeable = False
    return Noise(*arrays, seed=seed)
