"""Mean-field theory of signal and gradient propagation (Poole et al. 2016; Schoenholz et al. 2017).

In a wide random network with weights ``W_ij ~ N(0, sigma_w**2 / N)`` and biases
``b_i ~ N(0, sigma_b**2)``, the pre-activations of a layer are Gaussian with a
second moment ``q`` that follows the *length map*

.. math:: q^{l} = \\sigma_w^2\\, \\mathbb E_z\\big[\\varphi(\\sqrt{q^{l-1}}\\, z)^2\\big] + \\sigma_b^2,
          \\qquad z \\sim \\mathcal N(0, 1),

and the squared gradient norm is multiplied, per layer, by

.. math:: \\chi^{(l)} = \\sigma_w^2\\, \\mathbb E_z\\big[\\varphi'(\\sqrt{q^{l}}\\, z)^2\\big].

At the fixed point ``q*`` of the length map this factor is ``chi_1``: below 1
(ordered phase) gradients vanish geometrically with depth, above 1 (chaotic
phase) they explode; ``chi_1 = 1`` is the edge of chaos (and where ``chi_1``
jumps across 1 instead, :func:`edge_of_chaos` says so).

Every function takes an activation name (or :class:`~gradnotes.Activation`)
and the scales ``sigma_w``, ``sigma_b``; use
:meth:`~gradnotes.Initializer.sigma_w` (or ``NetworkSpec.sigma_w``) to
translate an initializer and a gain.

Layout (private modules, re-exported here; one public path per name):

=================  ==============================================================
``_quadrature``    the one Gaussian quadrature (kinks, large and small q)
``_fixed_point``   the one fixed-point solver (a length map as a callable)
``_maps``          length map, fixed point, chi_1, variance/gradient profiles
``_correlation``   the c-map of two inputs, c*, chi_c and the depth scales xi_q, xi_c
``_dual``          the same c-map as a power series: fast, for sliders and a grid of xi_c
``_critical``      the edge of chaos, continuous or a jump
``_phase``         chi_1 on a grid: exact and tabulated
``_trace``         predictions for a probed network (``Trace.spec``)
=================  ==============================================================

Examples
--------
>>> from gradnotes import theory
>>> round(theory.chi1("tanh", 2 ** 0.5, 0.0), 3)
1.106
"""

from ._correlation import (DepthScales, chi_c, correlation_map, correlation_profile, depth_scales,
                           fixed_point_correlation)
from ._dual import CMapSeries, CorrelationGrid, c_map_series, correlation_grid, fast_correlation_profile
from ._critical import DiscontinuousEdgeError, EdgeOfChaos, critical_sigma_w, edge_of_chaos
from ._maps import chi1, fixed_point, gradient_profile, length_map, variance_profile, weight_gradient_profile
from ._phase import phase_axes, phase_diagram, phase_grid
from ._quadrature import expect, gaussian_expectation
from ._trace import predicted_grad_norms, predicted_variance

__all__ = [
    "length_map", "fixed_point", "chi1", "variance_profile", "gradient_profile", "weight_gradient_profile",
    "critical_sigma_w", "edge_of_chaos", "EdgeOfChaos", "DiscontinuousEdgeError",
    "phase_diagram", "phase_axes", "phase_grid", "predicted_variance", "predicted_grad_norms",
    "gaussian_expectation", "expect",
    "correlation_map", "fixed_point_correlation", "chi_c", "depth_scales", "DepthScales", "correlation_profile",
    "c_map_series", "CMapSeries", "fast_correlation_profile", "correlation_grid", "CorrelationGrid",
]
