"""The edge of chaos: the ``sigma_w`` where ``chi_1`` crosses 1, and what happens when it jumps across.

For most activations ``chi_1``, as a function of ``sigma_w`` at a fixed
``sigma_b``, is continuous, and the edge of chaos is the ``sigma_w`` where
``chi_1 = 1``: gradients neither vanish nor explode geometrically there, and
the depth over which they change (``-1 / log chi_1``) diverges. Where ``q*``
leaves 0 continuously (tanh without bias at ``sigma_w = 1``; SELU without bias
at ``sigma_w**2 = 2 / (lambda**2 (1 + alpha**2))``, ``sigma_w = 0.6905``) this
is still a crossing: ``chi_1 = sigma_w**2 d(0)`` meets 1 exactly where the
length map's slope at 0 does.

**When chi_1 jumps.** For GELU (and SiLU) at small ``sigma_b`` the length map
has, for ``2 < sigma_w**2 < 4``, an *unstable* fixed point ``q_u`` above a
stable one near 0. From the input's ``q0 = 1`` the signal dies while
``q_u > 1`` (``q* ~ 0``, ``chi_1 = sigma_w**2 d(0) < 1``) and blows up once
``q_u < 1`` (``q* = inf``, ``chi_1 = sigma_w**2 d(inf) > 1``). The boundary
between the phases is the ``sigma_w`` where ``q_u = q0``, but no setting has
``chi_1 = 1``: the transition is first order, not critical. Arbitrarily close
to it on either side gradients still change geometrically (by
``sqrt(chi1_below)`` or ``sqrt(chi1_above)`` per layer); where it lies depends
on the input's second moment ``q0``, not only on the activation; and a finite
network next to it lingers near ``q_u`` for many layers with a per-layer
factor ``chi1_at_q0 = sigma_w**2 d(q0)`` before it falls to one side. So
:func:`critical_sigma_w` refuses such a point with
:class:`DiscontinuousEdgeError`, and :func:`edge_of_chaos` describes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._params import check
from ..activations import get_activation
from ._maps import derivative_moment, exact_fixed_point

__all__ = ["EdgeOfChaos", "DiscontinuousEdgeError", "edge_of_chaos", "critical_sigma_w"]

#: A crossing whose two sides differ by more than this in chi_1 is a jump. (Where q* grows without
#: bound as sigma_w approaches the edge, softplus, the two sides differ by ~1e-6: q* is capped at 1e12.)
JUMP_TOL = 1e-4
_SIGMA_W_RANGE = (1e-2, 1e2)


@dataclass(frozen=True)
class EdgeOfChaos:
    """Where ``chi_1`` crosses 1 as ``sigma_w`` grows at a fixed ``sigma_b``.

    Attributes
    ----------
    activation : str
        The activation's display name.
    sigma_b, sigma_w : float
        The setting; ``sigma_w`` is the crossing (to ~1e-13 relative).
    chi1_below, chi1_above : float
        ``chi_1`` just below and just above ``sigma_w``: both 1 at a continuous
        edge; on either side of 1 at a jump.
    q_below, q_above : float
        The fixed point ``q*`` just below and above.
    chi1_at_q0 : float
        ``sigma_w**2 E[phi'(z)**2]``: the per-layer factor while the signal stays
        at the input's ``q0 = 1`` (at a jump, the unstable fixed point).
    """

    activation: str
    sigma_b: float
    sigma_w: float
    chi1_below: float
    chi1_above: float
    q_below: float
    q_above: float
    chi1_at_q0: float

    @property
    def continuous(self) -> bool:
        """Whether ``chi_1`` passes through 1 (a critical point) rather than jumping across it."""
        return abs(self.chi1_above - self.chi1_below) <= JUMP_TOL

    def __repr__(self) -> str:
        head = f"EdgeOfChaos({self.activation!r}, sigma_b={self.sigma_b:g}: "
        if self.continuous:
            return head + f"chi_1 = 1 at sigma_w = {self.sigma_w:.6g}, q* = {self.q_below:.4g})"
        return head + (f"chi_1 jumps {self.chi1_below:.4g} -> {self.chi1_above:.4g} at sigma_w = "
                       f"{self.sigma_w:.6g}, q* {self.q_below:.4g} -> {self.q_above:.4g})")


class DiscontinuousEdgeError(ValueError):
    """``chi_1`` jumps across 1 instead of passing through it; ``.edge`` describes the jump."""

    __module__ = "gradnotes.theory"  # its public path, in tracebacks

    def __init__(self, message: str, edge: EdgeOfChaos):
        super().__init__(message)
        self.edge = edge


def edge_of_chaos(activation, sigma_b: float = 0.0) -> EdgeOfChaos:
    """Locate the crossing of ``chi_1 = 1`` in ``sigma_w`` (in ``[0.01, 100]``), continuous or not.

    Bisection on ``log sigma_w`` for a change of sign of ``chi_1 - 1``, with
    ``chi_1`` at the fixed point reached from ``q0 = 1``; the two ends of the
    final bracket tell a critical point from a jump (see the module docstring).

    Examples
    --------
    >>> edge_of_chaos("selu")                      # where q* leaves 0
    EdgeOfChaos('SELU', sigma_b=0: chi_1 = 1 at sigma_w = 0.690486, q* = 0)
    >>> edge = edge_of_chaos("gelu")               # q* jumps from 0 to inf
    >>> edge.continuous, round(edge.chi1_below, 3), round(edge.chi1_above, 3)
    (False, 0.588, 1.176)
    """
    act = get_activation(activation)
    sigma_b = check("sigma_b", sigma_b)

    def at(log_sw: float) -> tuple[float, float]:
        sw2 = math.exp(2 * log_sw)
        q = exact_fixed_point(act, sw2, sigma_b**2)
        return float(sw2 * derivative_moment(act, q)), float(q)

    lo, hi = (math.log(s) for s in _SIGMA_W_RANGE)
    if at(lo)[0] > 1 or at(hi)[0] < 1:
        raise ValueError(f"activation={act.name!r} with sigma_b={sigma_b:g} has no critical sigma_w "
                         f"in [{_SIGMA_W_RANGE[0]:g}, {_SIGMA_W_RANGE[1]:g}]")
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if at(mid)[0] < 1 else (lo, mid)
        if hi - lo < 1e-13:
            break
    (chi_lo, q_lo), (chi_hi, q_hi) = at(lo), at(hi)
    sigma_w = math.exp(0.5 * (lo + hi))
    return EdgeOfChaos(act.display_name, sigma_b, sigma_w, chi_lo, chi_hi, q_lo, q_hi,
                       float(sigma_w**2 * derivative_moment(act, 1.0)))


def critical_sigma_w(activation, sigma_b: float = 0.0) -> float:
    """The ``sigma_w`` at which ``chi_1 = 1`` for the given ``sigma_b`` (the edge of chaos).

    Raises
    ------
    DiscontinuousEdgeError
        (a ``ValueError``) where ``chi_1`` jumps across 1 instead of passing
        through it, so that no ``sigma_w`` is critical (GELU at small
        ``sigma_b``); its ``.edge`` is the :class:`EdgeOfChaos` with the jump.
    ValueError
        When ``chi_1`` does not cross 1 for ``sigma_w`` in ``[0.01, 100]``.

    Examples
    --------
    >>> round(critical_sigma_w("tanh", 0.0), 6)
    1.0
    >>> round(critical_sigma_w("tanh", 0.05 ** 0.5) ** 2, 2)
    1.76
    >>> round(critical_sigma_w("selu", 0.0), 4)    # sigma_w**2 = 2 / (lambda**2 (1 + alpha**2))
    0.6905
    >>> critical_sigma_w("gelu", 0.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gradnotes.theory.DiscontinuousEdgeError: activation='gelu' with sigma_b=0 has no critical sigma_w: ...
    """
    edge = edge_of_chaos(activation, sigma_b)
    if not edge.continuous:
        name = get_activation(activation).name
        raise DiscontinuousEdgeError(
            f"activation={name!r} with sigma_b={edge.sigma_b:g} has no critical sigma_w: chi_1 jumps from "
            f"{edge.chi1_below:.4g} to {edge.chi1_above:.4g} at sigma_w={edge.sigma_w:.6g}, where q* jumps "
            f"from {edge.q_below:.4g} to {edge.q_above:.4g}; allowed: a sigma_b where chi_1 passes through 1 "
            f"(theory.edge_of_chaos describes the jump)", edge)
    return edge.sigma_w
