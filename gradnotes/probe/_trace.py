"""The result of one probe: a small, immutable record of what each layer did."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._arrays import readonly as _frozen
from ..activations import Activation
from ._spec import NetworkSpec

__all__ = ["Trace", "HISTOGRAM_BINS", "HISTOGRAM_SAMPLE"]

#: Bins of the per-layer activation histograms.
HISTOGRAM_BINS = 48
#: About this many values per layer (whole rows of the batch) feed the histograms.
HISTOGRAM_SAMPLE = 4096
#: Histogram range of an activation that is unbounded on that side, when no data says more.
UNBOUNDED_EDGE = 4.0
#: An edge that follows the data is rounded up to one of these times a power of ten.
NICE_MANTISSAS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
#: The farthest an edge follows the data (the range's width stays finite in float64); beyond: the end bins.
MAX_EDGE = 4e307


@dataclass(frozen=True, eq=False)
class Trace:
    """What :func:`~gradnotes.simulate` measured, layer by layer (input side first).

    Besides the arrays below, a Trace answers the questions the chapters keep
    asking: :meth:`first_last_ratio`, :meth:`per_layer_factor`, and the mean-field
    description of its network (:attr:`sigma_w`, :attr:`sigma_b`, :attr:`chi1`).

    Attributes
    ----------
    spec : NetworkSpec
        The network that was probed (frozen).
    config : mapping
        ``spec`` as a read-only mapping of plain values (depth, width, batch,
        activation, activation_params, init, gain, bias_std, residual, norm, dtype,
        seed, residual_scale).
    inputs : ndarray (batch, width)
        ``h_0``.
    weights, biases : tuple of ndarray
        ``W_l`` of shape (width, width) and ``b_l`` of shape (width,) (zeros when
        ``bias_std = 0``).
    output_grad : ndarray (batch, width)
        ``dL/dh_L``, the gradient the loss sends into the top layer.
    loss : float
    grad_weight_norms : ndarray (depth,)
        ``||dL/dW_l||_F``, float64. The backward pass is rescaled (see
        :mod:`gradnotes.probe._kernel`), so these are the true norms even far below
        the dtype's range: 1e-62 where a plain float32 pass gives 0. Only beyond
        float64's range are they 0 or inf; ``log10_grad_weight_norms`` is not.
    grad_bias_norms : ndarray (depth,)
        ``||dL/db_l||``.
    grad_activation_norms : ndarray (depth,)
        ``||dL/dh_l||_F``, l = 1..depth (the last one is ``||output_grad||``).
    grad_input_norm : float
        ``||dL/dh_0||_F``.
    log10_grad_weight_norms, log10_grad_activation_norms : ndarray (depth,)
        log10 of the two norms above, finite wherever the norm is not exactly 0
        (``-inf`` there), even where float64 itself underflows (a 1000-layer sigmoid network).
    float32_underflow : ndarray of bool (depth,)
        Layers where float32 underflows: ``dL/dW_l`` is not 0, but every entry is
        below float32's smallest normal number (``2**-126``, about 1.2e-38). A plain
        float32 backward pass computes these layers in subnormal numbers, losing
        digits, and a few layers further down gives exactly 0 (a 100-layer sigmoid
        network: 0 in its lowest ~30 layers, all inside this mask). The same mask
        whatever the run's dtype.
    activation_means, activation_stds : ndarray (depth,)
        Mean and standard deviation of all entries of ``h_l``.
    preactivation_second_moments : ndarray (depth,)
        Mean of ``z_l**2``: the mean-field length ``q^l``.
    saturation : ndarray (depth,)
        Fraction of entries of layer l whose local derivative is at most
        ``Activation.saturation_level``: saturated units (tanh: ``|h| > 0.97``) or,
        for ReLU, dead ones (derivative exactly 0). Zero for activations that never
        saturate.
    dead_units : ndarray (depth,)
        Fraction of units saturated or dead for every example of the batch.
    histogram_edges : ndarray (bins + 1,)
        The activation's output range, widened to the sampled values where they
        go beyond it or the range is unbounded (:func:`histogram_edges`).
    activation_histograms : ndarray (depth, bins)
        Fraction of a fixed sample of ``h_l`` (the first rows of the batch, about
        4096 values) in each bin; values beyond the edges count in the end bins,
        non-finite ones in none.
    overflowed : ndarray of bool (depth,)
        Layers whose activations or gradients a plain pass in the run's dtype
        would hold inf or NaN in (the rescaled pass may still report a finite
        gradient norm there).
    overflow_layer : int or None
        The first layer (1-based) whose forward activations are not finite; every
        layer above it is not finite either. ``None`` when the forward pass is finite.
    grad_weights, grad_biases : tuple of ndarray or None
        Full gradients, kept only with ``keep_grads=True``.
    """

    spec: NetworkSpec = field(repr=False)
    inputs: np.ndarray = field(repr=False)
    weights: tuple = field(repr=False)
    biases: tuple = field(repr=False)
    output_grad: np.ndarray = field(repr=False)
    loss: float
    grad_weight_norms: np.ndarray
    grad_bias_norms: np.ndarray
    grad_activation_norms: np.ndarray
    grad_input_norm: float
    activation_means: np.ndarray
    activation_stds: np.ndarray
    preactivation_second_moments: np.ndarray
    saturation: np.ndarray
    dead_units: np.ndarray
    histogram_edges: np.ndarray
    activation_histograms: np.ndarray
    overflowed: np.ndarray
    overflow_layer: int | None
    log10_grad_weight_norms: np.ndarray = field(default=None, repr=False)
    log10_grad_activation_norms: np.ndarray = field(default=None, repr=False)
    float32_underflow: np.ndarray = field(default=None, repr=False)
    grad_weights: tuple | None = field(default=None, repr=False)
    grad_biases: tuple | None = field(default=None, repr=False)

    @classmethod
    def from_pass(cls, result, *, spec: NetworkSpec, weights, biases, output_grad) -> "Trace":
        """Summarize a :class:`~gradnotes.probe.Pass` of ``spec``'s network into a Trace."""
        activation = spec.activation
        hidden = result.hidden
        depth, batch, width = hidden.shape[0] - 1, hidden.shape[1], hidden.shape[2]
        layers = hidden[1:].reshape(depth, -1)
        scales = result.hidden_log2_scales  # h_l = hidden[l] * 2**scales[l]: nonzero where h vanished
        finite_fwd = np.array([math.isfinite(float(row.sum())) or bool(np.isfinite(row).all()) for row in layers])
        means = np.ldexp([float(row.mean(dtype=np.float64)) for row in layers], scales[1:])
        stds = np.ldexp([float(row.std(dtype=np.float64)) for row in layers], scales[1:])
        grads_ok = np.isfinite(result.grad_weight_norms) & np.isfinite(result.grad_activation_norms)
        overflowed = ~(finite_fwd & grads_ok) | result.grad_overflow
        bad = np.flatnonzero(~finite_fwd)
        rows = min(batch, -(-HISTOGRAM_SAMPLE // width))
        sample = hidden[1:, :rows, :]
        if scales.any():
            sample = np.ldexp(sample.astype(np.float64), scales[1:, None, None])
        edges = histogram_edges(activation, sample=sample)
        hist = layer_histograms(sample, edges)
        zeros = np.zeros(width, dtype=hidden.dtype)
        loss = math.ldexp(float(np.dot(output_grad.reshape(-1).astype(np.float64), hidden[-1].reshape(-1))),
                          int(scales[-1]))
        return cls(
            spec=spec,
            inputs=_frozen(hidden[0].copy()),
            weights=tuple(_frozen(w) for w in weights),
            biases=tuple(_frozen(b) for b in biases) if biases is not None else tuple(_frozen(zeros) for _ in weights),
            output_grad=_frozen(output_grad),
            loss=loss,
            grad_weight_norms=_frozen(result.grad_weight_norms),
            grad_bias_norms=_frozen(result.grad_bias_norms),
            grad_activation_norms=_frozen(result.grad_activation_norms),
            grad_input_norm=float(result.grad_input_norm),
            activation_means=_frozen(means),
            activation_stds=_frozen(stds),
            preactivation_second_moments=_frozen(result.preactivation_second_moments),
            saturation=_frozen(result.saturation),
            dead_units=_frozen(result.dead_units),
            histogram_edges=_frozen(edges),
            activation_histograms=_frozen(hist),
            overflowed=_frozen(overflowed),
            overflow_layer=int(bad[0]) + 1 if bad.size else None,
            log10_grad_weight_norms=_frozen(result.log10_grad_weight_norms),
            log10_grad_activation_norms=_frozen(result.log10_grad_activation_norms),
            float32_underflow=_frozen(result.float32_underflow),
            grad_weights=None if result.grad_weights is None else tuple(_frozen(g) for g in result.grad_weights),
            grad_biases=None if result.grad_biases is None else tuple(_frozen(g) for g in result.grad_biases),
        )

    @property
    def config(self):
        """The settings of the run as a read-only mapping (see :meth:`NetworkSpec.config`)."""
        return self.spec.config()

    @property
    def depth(self) -> int:
        return len(self.weights)

    # -- the numbers chapters ask for ------------------------------------------
    def first_last_ratio(self, of: str = "grad_weight_norms") -> float:
        """Layer 1's value of a per-layer quantity over the top layer's, e.g. ``||dL/dW_1|| / ||dL/dW_L||``.

        ``of`` names a per-layer attribute (``"grad_weight_norms"``,
        ``"grad_activation_norms"``, ``"preactivation_second_moments"``, ...).
        ``inf`` when only the top is 0, ``nan`` when both are.

        Examples
        --------
        >>> from gradnotes import simulate
        >>> t = simulate(depth=10, width=64, activation="linear", init="xavier_normal", gain=0.5)
        >>> f"{t.first_last_ratio('grad_activation_norms'):.1e}"   # about 0.5**9
        '1.9e-03'
        """
        values = self._per_layer(of)
        first, last = float(values[0]), float(values[-1])
        if last == 0:
            return math.nan if first == 0 or math.isnan(first) else math.inf
        return first / last

    def per_layer_factor(self, of: str = "grad_weight_norms") -> float:
        """The geometric mean factor per layer, ``first_last_ratio(of) ** (1 / (depth - 1))``.

        What one layer multiplies the quantity by on average, going from the top
        down to layer 1 (``nan`` for a one-layer network).
        """
        if self.depth < 2:
            return math.nan
        return self.first_last_ratio(of) ** (1 / (self.depth - 1))

    def _per_layer(self, of: str) -> np.ndarray:
        values = getattr(self, of, None) if of in _PER_LAYER else None
        if values is None:
            raise ValueError(f"of={of!r} is not a per-layer quantity; choose one of {list(_PER_LAYER)}")
        return values

    @property
    def sigma_w(self) -> float:
        """The mean-field ``sigma_w`` of the network's square layers (``spec.sigma_w``)."""
        return self.spec.sigma_w

    @property
    def sigma_b(self) -> float:
        """The mean-field ``sigma_b``, the bias standard deviation."""
        return self.spec.sigma_b

    @property
    def chi1(self) -> float | None:
        """Mean-field ``chi_1`` at the length fixed point; ``None`` for residual or normalized networks."""
        if not self.spec.mean_field_applies:
            return None
        from .. import theory  # theory predicts; the probe only measures, so import on use

        return _chi1(theory, self.spec)

    def summary(self) -> dict:
        """Plain numbers describing the trace (JSON-able), for an explorer's ``state``.

        Keys: ``grad_weight_norms``, ``saturation``, ``dead_units``,
        ``preactivation_second_moments`` (lists, layer 1 first), ``first_last_ratio``
        (``||dL/dW_1|| / ||dL/dW_L||``), ``overflow_layer`` (first forward overflow),
        ``overflowed_layers`` (1-based), ``zero_gradient_layers`` (exactly 0, e.g. dead
        ReLUs or zero weights), ``float32_underflow_layers`` (where float32
        underflows, see :attr:`float32_underflow`), ``log10_grad_weight_norms``, ``sigma_w``,
        ``sigma_b`` and ``chi1`` (``None`` where mean field does not apply).
        """
        g = self.grad_weight_norms
        mean_field = self.spec.mean_field_applies
        return dict(
            grad_weight_norms=g.tolist(),
            first_last_ratio=self.first_last_ratio(),
            overflow_layer=self.overflow_layer,
            overflowed_layers=(np.flatnonzero(self.overflowed) + 1).tolist(),
            zero_gradient_layers=(np.flatnonzero(np.isneginf(self.log10_grad_weight_norms)) + 1).tolist(),
            float32_underflow_layers=(np.flatnonzero(self.float32_underflow) + 1).tolist(),
            log10_grad_weight_norms=self.log10_grad_weight_norms.tolist(),
            saturation=self.saturation.tolist(),
            dead_units=self.dead_units.tolist(),
            preactivation_second_moments=self.preactivation_second_moments.tolist(),
            sigma_w=self.sigma_w if mean_field else None,
            sigma_b=self.sigma_b if mean_field else None,
            chi1=self.chi1,
        )

    @property
    def overflow(self) -> bool:
        """Whether any layer overflowed (forward or backward)."""
        return bool(self.overflowed.any())

    def __repr__(self) -> str:
        c = self.config
        params = "".join(f", {k}={v:g}" for k, v in c["activation_params"].items())
        head = (
            f"Trace(depth={c['depth']}, width={c['width']}, batch={c['batch']}, "
            f"activation={c['activation']!r}{params}, init={c['init']!r}, gain={c['gain']:g}, "
            f"bias_std={c['bias_std']:g}, residual={c['residual']!r}, norm={c['norm']!r}, "
            f"dtype={c['dtype']!r}, seed={c['seed']})"
        )
        g = self.grad_weight_norms
        lines = [
            head,
            f"  ||dL/dW||  layer 1: {g[0]:.3g}   layer {self.depth}: {g[-1]:.3g}",
            f"  std(h)     layer 1: {self.activation_stds[0]:.3g}   layer {self.depth}: {self.activation_stds[-1]:.3g}",
            f"  saturated  max over layers: {100 * float(np.max(self.saturation)):.1f}%",
        ]
        if self.overflow:
            first = int(np.flatnonzero(self.overflowed)[0]) + 1
            fwd = "none" if self.overflow_layer is None else f"from layer {self.overflow_layer}"
            lines.append(f"  overflow   {int(self.overflowed.sum())} layers (first: {first}); forward: {fwd}")
        else:
            lines.append("  overflow   none")
        return "\n".join(lines)


#: Per-layer quantities :meth:`Trace.first_last_ratio` can compare.
_PER_LAYER = ("grad_weight_norms", "grad_bias_norms", "grad_activation_norms", "activation_stds",
              "preactivation_second_moments", "saturation", "dead_units")


def _chi1(theory, spec: NetworkSpec) -> float:
    with np.errstate(all="ignore"):
        return float(theory.chi1(spec.activation, spec.sigma_w, spec.sigma_b))


def histogram_edges(activation: Activation, bins: int = HISTOGRAM_BINS, *, sample=None) -> np.ndarray:
    """Bin edges of the activation histograms: the activation's output range, or the data's where it goes further.

    A bounded side of the output range (tanh's -1 and 1, sigmoid's 0 and 1) is
    kept while every finite value of ``sample`` lies within it. An unbounded
    side, or one the sample leaves (a residual stream grows beyond the
    activation's range), reaches the sample's largest finite magnitude on that
    side, rounded up to a round number (:data:`NICE_MANTISSAS` times a power
    of ten), so no value lands beyond the edges. Where both sides are unbounded
    the range is symmetric. With no sample, or no finite value on an unbounded
    side, that side is ``UNBOUNDED_EDGE`` (4); no edge goes beyond ``MAX_EDGE``
    (values of an exploding network near float64's limit count in the end bins).

    Parameters
    ----------
    activation : Activation
    bins : int
    sample : array_like, optional
        The values the histograms count (any shape).

    Returns
    -------
    ndarray (bins + 1,)

    Examples
    --------
    >>> from gradnotes import get_activation
    >>> tanh, relu, linear = (get_activation(n) for n in ("tanh", "relu", "linear"))
    >>> histogram_edges(tanh, 4, sample=[0.5, -0.9]).tolist()   # inside tanh's range: the range
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    >>> histogram_edges(tanh, 4, sample=[0.5, 3.2]).tolist()    # a residual stream beyond it: the data
    [-1.0, 0.25, 1.5, 2.75, 4.0]
    >>> histogram_edges(relu, 4, sample=[0.0, 17.0]).tolist(), histogram_edges(relu, 4).tolist()
    ([0.0, 5.0, 10.0, 15.0, 20.0], [0.0, 1.0, 2.0, 3.0, 4.0])
    >>> histogram_edges(linear, 2, sample=[-2.2e-5, 1e-5]).tolist()
    [-2.5e-05, 0.0, 2.5e-05]
    >>> histogram_edges(linear, 2, sample=[1.7e308, -1e300]).tolist()
    [-4e+307, 0.0, 4e+307]
    """
    low, high = activation.output_range
    below = above = 0.0  # the sample's largest finite magnitude below 0 / above 0
    if sample is not None:
        x = np.asarray(sample, dtype=np.float64).ravel()
        x = x[np.isfinite(x)]
        if x.size:
            below, above = min(max(-float(x.min()), 0.0), MAX_EDGE), min(max(float(x.max()), 0.0), MAX_EDGE)
    free_low = not math.isfinite(low) or -below < low
    free_high = not math.isfinite(high) or above > high
    if free_low and free_high and not math.isfinite(low) and not math.isfinite(high):
        below = above = max(below, above)
    if free_low:
        low = -_nice_ceil(below) if below > 0 else (-UNBOUNDED_EDGE if not math.isfinite(low) else low)
    if free_high:
        high = _nice_ceil(above) if above > 0 else (UNBOUNDED_EDGE if not math.isfinite(high) else high)
    return np.linspace(low, high, bins + 1)


def _nice_ceil(x: float) -> float:
    """The smallest ``m * 10**k >= x`` with ``m`` in :data:`NICE_MANTISSAS` (``x > 0``)."""
    k = math.floor(math.log10(x))
    for m in NICE_MANTISSAS:
        edge = float(f"{m}e{k}")
        if edge >= x:
            return edge
    return float(f"1e{k + 2}")  # pragma: no cover - subnormal x: its decimal exponent is off by one or two


def layer_histograms(sample: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per-layer fraction of values in each bin, all layers in one ``bincount``.

    ``sample`` has shape ``(depth, ...)``; values beyond the edges land in the
    end bins, non-finite values are dropped.
    """
    depth = sample.shape[0]
    bins = edges.size - 1
    x = sample.reshape(depth, -1).astype(np.float64)
    finite = np.isfinite(x)
    scaled = (np.where(finite, x, 0.0) - edges[0]) * (bins / (edges[-1] - edges[0]))
    idx = np.clip(scaled, 0, bins - 1).astype(np.int64)
    idx += np.arange(depth)[:, None] * bins
    counts = np.bincount(idx[finite], minlength=depth * bins).reshape(depth, bins)
    return counts / x.shape[1]
