"""The words under a picture for the mean-field phase: ordered, critical or chaotic, with a tolerance.

``chi_1`` is computed in floating point: He initialization of a ReLU network
gives ``sigma_w**2 / 2 = 1.0000000000000004``, not 1. A label that compares
with ``<`` and ``>`` would call the edge of chaos "chaotic"; within
:data:`CRITICAL_RTOL` of 1 it is "critical".

Examples
--------
>>> phase(2 ** 0.5 * 2 ** 0.5 / 2), phase(0.9), phase(1.1)
('critical', 'ordered', 'chaotic')
>>> phase(1 + 2e-6), phase(1 - 5e-7)
('chaotic', 'critical')
"""

from __future__ import annotations

__all__ = ["CRITICAL_RTOL", "phase"]

#: ``chi_1`` within this relative distance of 1 is "critical" (far below what a slider step moves it).
CRITICAL_RTOL = 1e-6


def phase(chi1: float, rtol: float = CRITICAL_RTOL) -> str:
    """``"ordered"`` (``chi_1 < 1``: gradients vanish), ``"critical"`` (within ``rtol`` of 1) or ``"chaotic"``."""
    if abs(chi1 - 1.0) <= rtol:
        return "critical"
    return "ordered" if chi1 < 1 else "chaotic"
