"""Plots of gradnotes results: each function takes results and an ``ax``, draws, returns artists.

Import explicitly (``from gradnotes import plots``); importing :mod:`gradnotes`
alone does not load matplotlib. Nothing here changes matplotlib's global state.
"""

from ._style import ACTIVATION_COLORS, COLORS, activation_color
from .activations import ActivationArtists, plot_activation
from .chains import plot_chain_derivatives, plot_product_norms
from .edge import (
    CMapArtists, plot_c_map, plot_correlation_layers, plot_depth_scales, plot_singular_spectra, plot_trainability,
)
from .figure import BookFigure, subplots
from .gradients import (
    GradNormArtists, HeatmapArtists, SaturationArtists,
    plot_activation_heatmap, plot_grad_norms, plot_saturation,
)
from .recurrent import RNNArtists, plot_cliff, plot_rnn_gradients, plot_rnn_trace
from .seeds import SeedBandArtists, plot_seed_band
from .training import (
    DecisionRegions, plot_decision_regions, plot_layer_gradients, plot_loss_curves, plot_training,
    plot_unit_health, plot_update_ratios,
)
from .theory import PhaseArtists, VarianceArtists, plot_phase_diagram, plot_variance_profile

__all__ = [
    "COLORS", "ACTIVATION_COLORS", "activation_color",
    "plot_activation", "ActivationArtists",
    "plot_grad_norms", "GradNormArtists",
    "plot_activation_heatmap", "HeatmapArtists",
    "plot_saturation", "SaturationArtists",
    "plot_variance_profile", "VarianceArtists",
    "plot_phase_diagram", "PhaseArtists",
    "subplots", "BookFigure",
    "plot_chain_derivatives", "plot_product_norms",
    "plot_rnn_gradients", "plot_rnn_trace", "RNNArtists", "plot_cliff",
    "plot_seed_band", "SeedBandArtists",
    "plot_loss_curves", "plot_layer_gradients", "plot_update_ratios", "plot_unit_health",
    "plot_decision_regions", "DecisionRegions", "plot_training",
    "plot_c_map", "CMapArtists", "plot_correlation_layers", "plot_depth_scales", "plot_trainability",
    "plot_singular_spectra",
]
