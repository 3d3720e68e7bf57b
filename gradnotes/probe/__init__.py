"""Measure a random network: describe it, draw it, push a batch forward and back, record each layer.

* :class:`NetworkSpec`: the network, described once and checked in one place;
* :data:`RESIDUALS`: the residual blocks (``"pre"``, the standard one, and ``"post"``);
* :func:`simulate`: draw the network and run the probe, returning a :class:`Trace`;
* :func:`simulate_seeds`: the same probe over several seeds, summarized as a :class:`SeedSpread`;
* :class:`ProbeCache`: the same probe for networks that differ in one setting at
  a time (what an explorer's slider asks for);
* :func:`propagate`: the forward and backward kernel alone, on prepared arrays;
* :func:`measure_correlations`: two inputs' correlation layer by layer (against the c-map);
* :func:`jacobian_singular_values`: the input-output Jacobian's spectrum (dynamical isometry).

Everything here is compute: no plotting import. The draws themselves come from
:mod:`gradnotes.noise`; the predictions to compare with, from :mod:`gradnotes.theory`.
"""

from ._cache import ProbeCache
from ._correlation import Correlations, measure_correlations
from ._forward import ForwardState
from ._jacobian import input_output_jacobian, jacobian_singular_values
from ._kernel import Pass, propagate
from ._residual import RESIDUALS, Residual, residual_kind
from ._seeds import SeedSpread, simulate_seeds
from ._simulate import MEMORY_LIMIT, simulate
from ._spec import DTYPES, NetworkSpec
from ._trace import HISTOGRAM_BINS, HISTOGRAM_SAMPLE, Trace, histogram_edges, layer_histograms

__all__ = [
    "NetworkSpec", "DTYPES", "simulate", "simulate_seeds", "SeedSpread", "MEMORY_LIMIT", "ProbeCache",
    "propagate", "Pass", "ForwardState", "Trace", "RESIDUALS", "Residual", "residual_kind",
    "HISTOGRAM_BINS", "HISTOGRAM_SAMPLE", "histogram_edges", "layer_histograms",
    "measure_correlations", "Correlations", "jacobian_singular_values", "input_output_jacobian",
]
