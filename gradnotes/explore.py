"""Deprecated: ``gradnotes.explore`` was split (this shim lasts one release).

======================================  ==========================================
was                                     now
======================================  ==========================================
``explore.ProbeCache``                  :class:`gradnotes.probe.ProbeCache`
``explore.summarize(trace)``            :meth:`gradnotes.Trace.summary`
``explore.predicted_grad_norms``        :func:`gradnotes.theory.predicted_grad_norms`
``explore.predicted_variance``          :func:`gradnotes.theory.predicted_variance`
``explore.weight_gradient_profile``     :func:`gradnotes.theory.weight_gradient_profile`
``explore.phase_grid``                  :func:`gradnotes.theory.phase_grid`
======================================  ==========================================
"""

import warnings

_MOVED = {
    "ProbeCache": "gradnotes.probe",
    "predicted_grad_norms": "gradnotes.theory",
    "predicted_variance": "gradnotes.theory",
    "weight_gradient_profile": "gradnotes.theory",
    "phase_grid": "gradnotes.theory",
}


def summarize(trace) -> dict:
    """Deprecated: use ``trace.summary()``."""
    warnings.warn("gradnotes.explore.summarize(trace) is deprecated; use trace.summary()",
                  DeprecationWarning, stacklevel=2)
    return trace.summary()


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    warnings.warn(f"gradnotes.explore.{name} is deprecated; use {_MOVED[name]}.{name}",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(_MOVED[name]), name)
