"""Compute helpers behind the explorers: a probe that answers a slider quickly.

:class:`ProbeCache` runs the same probe as :func:`~gradnotes.simulate`, but
keeps everything that does not change when one control moves:

* the standard-normal draws, drawn once at ``max_depth`` layers for the current
  width, batch and seed (a shallower network uses the first layers of them, as
  :func:`~gradnotes.simulate` does);
* per initializer, the float32 weights at ``gain = 1`` (a uniform or orthogonal
  transform is paid once), so a gain change is one multiplication per layer;
* the inputs, the read-out gradient and the biases.

The functions below turn a :class:`~gradnotes.Trace` into the mean-field
predictions the plots overlay and into the plain numbers an explorer reports.
Nothing here imports matplotlib.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from . import theory
from ._checks import check_bool, check_int
from .activations import get_activation
from .initializers import get_initializer
from .noise import draw_noise
from .probe import check_network, propagate
from .trace import Trace

__all__ = [
    "ProbeCache", "mean_field", "predicted_variance", "predicted_grad_norms",
    "weight_gradient_profile", "phase_grid", "summarize",
]


class ProbeCache:
    """:func:`~gradnotes.simulate` for networks that differ in one setting at a time.

    ``cache.trace(...)`` takes the arguments of :func:`~gradnotes.simulate`
    (float32 only) and returns the same kind of :class:`~gradnotes.Trace`; at
    ``gain = 1`` it is the very same numbers. Only the last ``keep`` noise draws
    (one per width, batch and seed) are kept.

    Parameters
    ----------
    max_depth : int
        Draws are made for this many layers; deeper networks are refused.
    keep : int
        How many (width, batch, seed) settings to keep draws and weights for.
    adapt_threads : bool
        Let the probe's matrix products run on one BLAS thread or all of them,
        whichever has recently been faster (needs ``threadpoolctl``). On an idle
        machine two threads win; when another process keeps a core busy,
        OpenBLAS's threads wait on each other and one thread is several times
        faster. The numbers do not depend on the choice.

    Examples
    --------
    >>> import gradnotes
    >>> cache = ProbeCache(max_depth=20)
    >>> a = cache.trace(depth=10, width=32, activation="tanh", batch=16)
    >>> b = gradnotes.simulate(10, 32, "tanh", batch=16)
    >>> bool((a.grad_weight_norms == b.grad_weight_norms).all())
    True
    """

    def __init__(self, max_depth: int = 100, keep: int = 2, adapt_threads: bool = True):
        self.max_depth = check_int("max_depth", max_depth, low=1, high=1000)
        self.keep = check_int("keep", keep, low=1)
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._threads = _ThreadChooser() if check_bool("adapt_threads", adapt_threads) else None

    def _entry(self, width: int, batch: int, seed: int) -> "_Entry":
        key = (width, batch, seed)
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry(draw_noise(self.max_depth, width, batch, seed))
            self._entries[key] = entry
            while len(self._entries) > self.keep:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        return entry

    def trace(
        self,
        depth: int,
        width: int,
        activation="tanh",
        init: str = "xavier_normal",
        *,
        gain: float = 1.0,
        bias_std: float = 0.0,
        batch: int = 256,
        residual: bool = False,
        norm: str | None = None,
        seed: int = 0,
        residual_scale: float = 1.0,
    ) -> Trace:
        """Run the probe; the arguments are those of :func:`~gradnotes.simulate`."""
        act = get_activation(activation)
        initializer = get_initializer(init)
        depth, width, batch, gain, bias_std, residual, residual_scale = check_network(
            depth, width, batch, gain, bias_std, residual, residual_scale, norm, max_depth=self.max_depth)
        seed = check_int("seed", seed, low=0)

        entry = self._entry(width, batch, seed)
        weights = entry.weights(initializer, gain, depth)
        biases = entry.biases(bias_std, depth)
        with np.errstate(all="ignore"):
            with _Timed(self._threads, depth * width * width * batch):
                result = propagate(entry.inputs, weights, biases, entry.output_grad, act,
                                   residual=residual, norm=norm, residual_scale=residual_scale)
            return Trace.from_pass(
                result,
                config=dict(
                    depth=depth, width=width, batch=batch, activation=act.name,
                    activation_params=dict(act.params), init=initializer.name, gain=gain,
                    bias_std=bias_std, residual=residual, norm=norm, dtype="float32", seed=seed,
                    residual_scale=residual_scale,
                ),
                activation=act,
                weights=weights,
                biases=biases,
                output_grad=entry.output_grad,
            )

    def __repr__(self) -> str:
        kept = ", ".join(f"(width={w}, batch={b}, seed={s})" for w, b, s in self._entries)
        return f"ProbeCache(max_depth={self.max_depth}, kept=[{kept}])"


#: Beyond this q theory's expectations are evaluated at a capped q (its ``_Q_EVAL_MAX``).
_Q_THEORY_MAX = 1e30


class _ThreadChooser:
    """One BLAS thread or all: whichever ran the last few probes faster per unit of work."""

    EXPLORE_EVERY = 16

    def __init__(self):
        self._controller = None
        self.options = None
        self.times: dict = {}
        self.calls = 0

    def _setup(self) -> bool:
        if self.options is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # optional: without it the BLAS keeps its own setting
                self.options = ()
                return False
            self._controller = ThreadpoolController()
            blas = [lib.num_threads for lib in self._controller.lib_controllers if lib.user_api == "blas"]
            most = max(blas, default=1)
            self.options = (1, most) if most > 1 else ()
            self.times = {n: [] for n in self.options}
        return bool(self.options)

    def pick(self):
        if not self._setup():
            return None
        self.calls += 1
        untried = [n for n, t in self.times.items() if not t]
        if untried:
            return untried[0]
        ranked = sorted(self.options, key=lambda n: float(np.median(self.times[n])))
        return ranked[1] if self.calls % self.EXPLORE_EVERY == 0 else ranked[0]

    def limit(self, n):
        return self._controller.limit(limits=n, user_api="blas")

    def record(self, n, seconds_per_unit: float) -> None:
        kept = self.times[n]
        kept.append(seconds_per_unit)
        del kept[:-5]


class _Timed:
    """``with _Timed(chooser, work):`` runs the block on the chosen BLAS threads and records its speed."""

    def __init__(self, chooser, work: float):
        self.chooser, self.work = chooser, max(work, 1.0)
        self.n = self.limit = None

    def __enter__(self):
        if self.chooser is not None:
            self.n = self.chooser.pick()
            if self.n is not None:
                self.limit = self.chooser.limit(self.n)
                self.limit.__enter__()
                self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.limit is not None:
            self.chooser.record(self.n, (time.perf_counter() - self.start) / self.work)
            self.limit.__exit__(*exc)
        return False


#: Initializers whose transformed weights one noise draw keeps.
_KEEP_INITS = 4


class _Entry:
    """Everything derived from one noise draw, built lazily layer by layer."""

    def __init__(self, noise):
        self.noise = noise
        batch, width = noise.inputs.shape
        self.inputs = noise.inputs.astype(np.float32)
        self.output_grad = (noise.readout / math.sqrt(batch * width)).astype(np.float32)
        self._unit: OrderedDict[str, list] = OrderedDict()  # init name -> float32 weights at gain 1
        self._scaled: dict[str, tuple] = {}    # init name -> (gain, list of scaled weights)
        self._biases: tuple = (None, [])       # (bias_std, list of float32 biases)

    def weights(self, initializer, gain: float, depth: int) -> list:
        unit = self._unit.setdefault(initializer.name, [])
        self._unit.move_to_end(initializer.name)
        while len(self._unit) > _KEEP_INITS:  # bound the memory a reader touring every init needs
            old, _ = self._unit.popitem(last=False)
            self._scaled.pop(old, None)
        for w in self.noise.weights[len(unit):depth]:
            # The same float64 transform and cast as simulate(), so gain 1 gives identical numbers.
            a = initializer.from_normal(w, 1.0).astype(np.float32, copy=False)
            a.flags.writeable = False
            unit.append(a)
        if gain == 1.0:
            return unit[:depth]
        cached_gain, scaled = self._scaled.get(initializer.name, (None, []))
        if cached_gain != gain:
            scaled = []
        factor = np.float32(gain)
        for a in unit[len(scaled):depth]:
            s = a * factor
            s.flags.writeable = False
            scaled.append(s)
        self._scaled[initializer.name] = (gain, scaled)
        return scaled[:depth]

    def biases(self, bias_std: float, depth: int):
        if bias_std == 0:
            return None
        std, kept = self._biases
        if std != bias_std:
            kept = []
        for b in self.noise.biases[len(kept):depth]:
            kept.append((b * bias_std).astype(np.float32))
        self._biases = (bias_std, kept)
        return kept[:depth]


# --- mean-field predictions for a Trace ------------------------------------


def mean_field(config: dict):
    """The mean-field description of a probed network, or ``None`` where it does not apply.

    Parameters
    ----------
    config : dict
        ``Trace.config``.

    Returns
    -------
    (Activation, float, float) or None
        The activation (with its parameters), ``sigma_w`` and ``sigma_b``; ``None``
        for residual or normalized networks, which the mean-field recursion of
        :mod:`gradnotes.theory` does not describe.
    """
    if config["residual"] or config["norm"] is not None:
        return None
    act = get_activation(config["activation"], **config["activation_params"])
    width = config["width"]
    sigma_w = get_initializer(config["init"]).sigma_w(width, width, config["gain"])
    return act, sigma_w, config["bias_std"]


def predicted_variance(trace: Trace):
    """``theory.variance_profile`` for the trace's network (``None`` if it does not apply).

    Compare with ``trace.preactivation_second_moments``; the inputs are N(0, 1).
    """
    mf = mean_field(trace.config)
    if mf is None:
        return None
    act, sigma_w, sigma_b = mf
    with np.errstate(over="ignore", invalid="ignore"):
        q = theory.variance_profile(act, sigma_w, sigma_b, trace.depth)
    # theory evaluates its expectations at q <= 1e30 at most, so larger values are not predictions
    return np.where(q < _Q_THEORY_MAX, q, np.inf)


def weight_gradient_profile(activation, sigma_w: float, sigma_b: float, depth: int) -> np.ndarray:
    """Predicted ``||dL/dW_l|| / ||dL/dW_L||`` for layers ``l = 1..depth``.

    ``dL/dW_l = h_{l-1}^T delta_l`` with ``delta_l = phi'(z_l) * dL/dh_l``. When
    the examples of a batch are uncorrelated its squared norm is about
    ``N E[h_{l-1}^2] E[phi'(z_l)^2] ||dL/dh_l||^2``: the gradient profile of
    :func:`gradnotes.theory.gradient_profile` times the size of the layer's input
    and of its local derivative, both read off the mean-field ``q^l``.

    .. math:: \\frac{\\|\\partial L/\\partial W_l\\|}{\\|\\partial L/\\partial W_L\\|}
              = \\sqrt{\\frac{m_{l-1}\\, d_l}{m_{L-1}\\, d_L}}\\,
                \\frac{\\|\\partial L/\\partial h_l\\|}{\\|\\partial L/\\partial h_L\\|},
              \\quad m_{l} = \\mathbb E[\\varphi(\\sqrt{q^{l}}z)^2],\\;
              d_l = \\mathbb E[\\varphi'(\\sqrt{q^l} z)^2],\\; m_0 = 1.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(weight_gradient_profile("linear", 0.5, 0.0, depth=3), 4)
    array([1., 1., 1.])

    (In a linear network the input of layer ``l`` shrinks by ``sigma_w`` per layer
    going up exactly as its gradient shrinks going down, so every layer's weight
    gradient is the same size.)
    """
    act = get_activation(activation)
    profile = _weight_gradient_profile(act.name, tuple(sorted(act.params.items())),
                                       float(sigma_w), float(sigma_b), check_int("depth", depth, low=1))
    return profile.copy()


@lru_cache(maxsize=64)
def _weight_gradient_profile(name, params, sigma_w, sigma_b, depth):
    act = get_activation(name, **dict(params))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        q = theory.variance_profile(act, sigma_w, sigma_b, depth)
        grad_h = theory.gradient_profile(act, sigma_w, sigma_b, depth)
        q_eval = np.nan_to_num(q, nan=1e300, posinf=1e300)
        m = np.concatenate(([1.0], theory.length_map(act, 1.0, 0.0, q_eval[:-1])))
        d = np.array([theory.chi1(act, 1.0, 0.0, q=float(x)) for x in q_eval])
        size = m * d
        return np.sqrt(size / size[-1]) * grad_h


def predicted_grad_norms(trace: Trace):
    """Mean-field ``||dL/dW_l||``, matched to the measured top layer (``None`` if it does not apply).

    ``None`` also when the measured top-layer gradient is zero or not finite, or
    the prediction itself is not finite and positive anywhere.
    """
    mf = mean_field(trace.config)
    top = float(trace.grad_weight_norms[-1])
    if mf is None or not (math.isfinite(top) and top > 0):
        return None
    profile = weight_gradient_profile(*mf, trace.depth)
    with np.errstate(over="ignore", invalid="ignore"):
        pred = profile * top
    if not np.any(np.isfinite(pred) & (pred > 0)):
        return None
    return pred


#: q values of the tables behind :func:`phase_grid`: 20 per decade from 1e-12 to 1e12.
_Q_TABLE = np.logspace(-12.0, 12.0, 481)


@lru_cache(maxsize=32)
def _moment_tables(name, params):
    """``log E[phi(sqrt(q) z)**2]`` and ``log E[phi'(sqrt(q) z)**2]`` on ``_Q_TABLE``."""
    act = get_activation(name, **dict(params))
    with np.errstate(all="ignore"):
        v = np.asarray(theory.length_map(act, 1.0, 0.0, _Q_TABLE), dtype=float)
        d = np.array([theory.chi1(act, 1.0, 0.0, q=float(q)) for q in _Q_TABLE])
    tiny = np.finfo(float).tiny
    return np.log(np.maximum(v, tiny)), np.log(np.maximum(d, tiny))


def _interp_loglog(q, log_table):
    return np.exp(np.interp(np.log(np.clip(q, _Q_TABLE[0], _Q_TABLE[-1])), np.log(_Q_TABLE), log_table))


def phase_grid(activation, sigma_w, sigma_b) -> np.ndarray:
    """``chi_1`` on a grid, as :func:`gradnotes.theory.phase_diagram`, fast enough for a slider.

    The two Gaussian expectations the mean-field recursion needs,
    ``E[phi(sqrt(q) z)**2]`` and ``E[phi'(sqrt(q) z)**2]``, are tabulated once
    per activation over ``q`` in ``[1e-12, 1e12]`` (20 points per decade,
    interpolated log-log) with :func:`gradnotes.theory.length_map` and
    :func:`gradnotes.theory.chi1`; the fixed point ``q*`` of every grid point is
    then found by the same bracketing and bisection as the theory module, on
    the tables. Agrees with :func:`~gradnotes.theory.phase_diagram` to about
    1e-3 relative (exactly for linear and ReLU-like activations, whose tables are
    straight lines), at ~1/50 of the cost.

    Returns
    -------
    ndarray, shape (len(sigma_b), len(sigma_w))
        Rows follow ``sigma_b``, columns ``sigma_w``, like ``theory.phase_diagram``.

    Examples
    --------
    >>> import numpy as np
    >>> grid = phase_grid("relu", [1.0, 2 ** 0.5, 2.0], [0.0, 0.5])
    >>> np.round(grid, 6)
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]])
    """
    act = get_activation(activation)
    sw, sb = theory.phase_axes(sigma_w, sigma_b)
    log_v, log_d = _moment_tables(act.name, tuple(sorted(act.params.items())))
    sw2, sb2 = np.meshgrid(sw**2, sb**2)

    def g(q):
        return sw2 * _interp_loglog(q, log_v) + sb2 - q

    # Bracket the stable fixed point reached from q = 1, then bisect (as theory._fixed_point).
    lo, hi = np.zeros(sw2.shape), np.ones(sw2.shape)
    growing = g(hi) > 0
    while np.any(growing):
        lo = np.where(growing, hi, lo)
        hi = np.where(growing, hi * 2, hi)
        growing &= (g(hi) > 0) & (hi < _Q_TABLE[-1])
    diverged = g(hi) > 0
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        up = g(mid) >= 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    q = np.where(diverged, _Q_TABLE[-1], 0.5 * (lo + hi))
    chi = sw2 * _interp_loglog(q, log_d)
    chi.flags.writeable = False
    return chi


# --- the numbers behind a picture --------------------------------------------


def summarize(trace: Trace) -> dict:
    """Plain numbers describing a trace, for an explorer's ``state``.

    Keys: ``grad_weight_norms``, ``saturation``, ``dead_units``,
    ``preactivation_second_moments`` (lists, layer 1 first), ``first_last_ratio``
    (``||dL/dW_1|| / ||dL/dW_L||``), ``overflow_layer`` (first forward overflow),
    ``overflowed_layers`` (1-based), ``zero_gradient_layers``, ``sigma_w``,
    ``sigma_b`` and ``chi1`` (``None`` where mean field does not apply).
    """
    g = trace.grad_weight_norms
    with np.errstate(all="ignore"):
        ratio = float(g[0] / g[-1]) if g[-1] != 0 else math.inf if g[0] != 0 else math.nan
    mf = mean_field(trace.config)
    chi = sw = sb = None
    if mf is not None:
        act, sw, sb = mf
        chi = _chi1(act.name, tuple(sorted(act.params.items())), sw, sb)
    return dict(
        grad_weight_norms=g.tolist(),
        first_last_ratio=ratio,
        overflow_layer=trace.overflow_layer,
        overflowed_layers=(np.flatnonzero(trace.overflowed) + 1).tolist(),
        zero_gradient_layers=(np.flatnonzero(g == 0) + 1).tolist(),
        saturation=trace.saturation.tolist(),
        dead_units=trace.dead_units.tolist(),
        preactivation_second_moments=trace.preactivation_second_moments.tolist(),
        sigma_w=sw,
        sigma_b=sb,
        chi1=chi,
    )


@lru_cache(maxsize=256)
def _chi1(name, params, sigma_w, sigma_b):
    with np.errstate(all="ignore"):
        return theory.chi1(get_activation(name, **dict(params)), sigma_w, sigma_b)
