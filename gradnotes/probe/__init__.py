"""Measure a random network: describe it, draw it, push a batch forward and back, record each layer.

* :class:`NetworkSpec`: the network, described once and checked in one place;
* :func:`simulate`: draw the network and run the probe, returning a :class:`Trace`;
* :class:`ProbeCache`: the same probe for networks that differ in one setting at
  a time (what an explorer's slider asks for);
* :func:`propagate`: the forward and backward kernel alone, on prepared arrays.

Everything here is compute: no plotting import. The draws themselves come from
:mod:`gradnotes.noise`; the predictions to compare with, from :mod:`gradnotes.theory`.
"""

from ._cache import ProbeCache
from ._kernel import Pass, propagate
from ._simulate import MEMORY_LIMIT, simulate
from ._spec import DTYPES, NetworkSpec
from ._trace import HISTOGRAM_BINS, HISTOGRAM_SAMPLE, Trace, histogram_edges, layer_histograms

__all__ = [
    "NetworkSpec", "DTYPES", "simulate", "MEMORY_LIMIT", "ProbeCache", "propagate", "Pass", "Trace",
    "HISTOGRAM_BINS", "HISTOGRAM_SAMPLE", "histogram_edges", "layer_histograms",
]
