"""Plots for gradients through time and the one-neuron cliff."""

from __future__ import annotations

import numpy as np

from ._style import COLORS, FONT, NOTE_BOX, log_limits, style_axes

__all__ = ["plot_rnn_gradients", "plot_cliff", "plot_rnn_trace", "RNNArtists"]


def plot_rnn_gradients(traces, ax, *, title="Gradient flowing back through time"):
    """``||dL/dh_t||`` against the number of steps back, one line per RNN trace (log axis).

    Overflowed steps are marked at the top edge.

    Parameters
    ----------
    traces : sequence of :class:`~gradnotes.recurrent.RNNTrace`
    ax : matplotlib Axes

    Returns
    -------
    list of Line2D
    """
    cmap = _diverging
    lines = []
    for tr in traces:
        g = tr.grad_norms[::-1]  # index = steps back from the loss
        back = np.arange(g.size)
        ok = np.isfinite(g) & (g > 0)
        color = cmap(tr.spectral_radius)
        # beyond 1e100 a line is far out of the frame; clipping keeps matplotlib's log transform finite
        (line,) = ax.plot(back[ok], np.minimum(g[ok], 1e100), lw=2, color=color, label=f"spectral radius {tr.spectral_radius:g}")
        lines.append(line)
        if tr.overflow_step is not None:
            first = g.size - 1 - tr.overflow_step
            ax.plot(back[first:], np.ones(g.size - first), ls="none", marker="|", color=COLORS["overflow"],
                    transform=ax.get_xaxis_transform(), clip_on=False)
            ax.annotate(f"overflow {first} steps back", (first, 0.97), xycoords=ax.get_xaxis_transform(),
                        ha="right", va="top", fontsize=FONT["note"], color=COLORS["overflow"], bbox=dict(NOTE_BOX))
    ax.set_yscale("log")
    finite = np.concatenate([t.grad_norms[np.isfinite(t.grad_norms)] for t in traces])
    lo, hi = log_limits(finite)
    ax.set_ylim(max(lo, 1e-60), min(hi, 1e60))  # beyond, lines leave the frame: the note says why
    ax.set_xlabel("steps back from the loss (T - t)", fontsize=FONT["label"])
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$ (log scale)", fontsize=FONT["label"])
    ax.set_title(title, fontsize=FONT["title"])
    ax.legend(fontsize=FONT["legend"], frameon=False, loc="lower left")
    style_axes(ax)
    return lines


def _diverging(rho: float):
    """Blue below 1, grey at 1, red above: the colour says on which side of the edge a radius is.

    ``log2(rho)`` from -1 to 1 spans matplotlib's "coolwarm" map (darkened in the middle).
    """
    from matplotlib import colormaps

    if abs(rho - 1) < 1e-9:
        return "#222222"
    t = 0.5 + 0.5 * float(np.clip(np.log2(max(rho, 1e-12)), -1, 1))
    t = 0.5 + np.sign(t - 0.5) * max(abs(t - 0.5), 0.2)  # keep near-1 radii distinguishable
    return colormaps["coolwarm"](t)


def plot_cliff(surface, ax, *, descents=(), colorbar: bool = True, title=None):
    """The one-neuron loss surface with gradient-descent paths drawn on it.

    Parameters
    ----------
    surface : :class:`~gradnotes.recurrent.Surface`
    ax : matplotlib Axes
    descents : sequence of :class:`~gradnotes.recurrent.Descent`
        Each drawn as a path from its start (circle) to its end (cross).
    """
    mesh = ax.pcolormesh(surface.w, surface.b, surface.loss, shading="auto", cmap="cividis", rasterized=True)
    if colorbar:
        cb = ax.figure.colorbar(mesh, ax=ax, pad=0.02)
        cb.set_label(r"loss $(\sigma(x_{50}) - 0.7)^2$", fontsize=FONT["label"])
        cb.ax.tick_params(labelsize=FONT["tick"])
    colors = {"none": COLORS["overflow"], "norm": "#FFFFFF", "value": "#56B4E9"}
    names = {"none": "no clipping", "norm": "clip by norm", "value": "clip by value"}
    for d in descents:
        c = colors.get(d.method, "#FFFFFF")
        label = names.get(d.method, d.method) + ("" if d.method == "none" else f" ({d.threshold:g})")
        ax.plot(d.path[:, 0], d.path[:, 1], "-", color=c, lw=1.6, label=label, clip_on=True)
        ax.plot(*d.path[0], "o", color=c, ms=6, mec="black", mew=0.6)
        ax.plot(*d.path[-1], "X", color=c, ms=8, mec="black", mew=0.6)
        w_end, b_end = d.path[-1]
        outside = not (surface.w[0] <= w_end <= surface.w[-1] and surface.b[0] <= b_end <= surface.b[-1])
        if outside:
            ax.annotate(f"{names.get(d.method, d.method)}: thrown to\n(w, b) = ({w_end:.0f}, {b_end:.0f})",
                        (0.02, 0.03), xycoords="axes fraction", fontsize=FONT["note"], color=c,
                        bbox=dict(NOTE_BOX, fc="black", alpha=0.6))
    ax.set_xlim(surface.w[0], surface.w[-1])
    ax.set_ylim(surface.b[0], surface.b[-1])
    ax.set_xlabel("recurrent weight w", fontsize=FONT["label"])
    ax.set_ylabel("bias b", fontsize=FONT["label"])
    ax.set_title(title or r"One-neuron RNN $x_t = w\,\sigma(x_{t-1}) + b$: a cliff in the loss", fontsize=FONT["title"])
    if descents:
        ax.legend(fontsize=FONT["legend"], loc="upper right", framealpha=0.9)
    ax.tick_params(labelsize=FONT["tick"])
    return mesh


class RNNArtists:
    """One RNN trace against steps back, with Pascanu's bound; :meth:`update` shows another.

    The dashed line is ``(rho * max|phi'|)**k``: Pascanu et al.'s upper bound on how
    much the gradient can grow in ``k`` steps, exact for a linear RNN with an
    orthogonal-times-``rho`` matrix.

    Attributes
    ----------
    line, bound, overflow : Line2D
    note : Text
    """

    def __init__(self, trace, ax, *, max_steps: int | None = None):
        self.ax = ax
        style_axes(ax)
        ax.set_yscale("log")
        ax.set_xlabel("steps back from the loss (T - t)", fontsize=FONT["label"])
        ax.set_ylabel(r"$\|\partial L / \partial h_t\|$ (log scale)", fontsize=FONT["label"])
        ax.set_title("Gradient flowing back through time", loc="left", fontsize=FONT["title"], fontweight="bold")
        (self.bound,) = ax.plot([], [], color=COLORS["prediction"], ls="--", lw=1.3,
                                label=r"bound $(\rho\,\max|\varphi'|)^{T-t}$")
        (self.line,) = ax.plot([], [], color=COLORS["gradient"], lw=2, label="measured")
        (self.overflow,) = ax.plot([], [], ls="none", marker="^", color=COLORS["overflow"], ms=6,
                                   transform=ax.get_xaxis_transform(), clip_on=False)
        self.note = ax.text(0.98, 0.06, "", transform=ax.transAxes, ha="right", va="bottom",
                            fontsize=FONT["note"], bbox=dict(NOTE_BOX))
        self.legend = ax.legend(fontsize=FONT["legend"], framealpha=0.9, edgecolor="none", loc="best")
        self.max_steps = max_steps
        self.update(trace)

    @property
    def artists(self) -> list:
        return [self.bound, self.line, self.overflow, self.note, self.legend]

    def update(self, trace, *, gamma: float = 1.0, keep_limits: bool = False) -> "RNNArtists":
        g = trace.grad_norms[::-1]
        k = np.arange(g.size)
        ok = np.isfinite(g) & (g > 0)
        self.line.set_data(k, np.where(ok, np.minimum(g, 1e100), np.nan))
        with np.errstate(all="ignore"):
            bound = np.minimum((trace.spectral_radius * gamma) ** k.astype(float), 1e100)
        self.bound.set_data(k, bound)
        bad = k[~np.isfinite(g)]
        self.overflow.set_data(bad, np.ones(bad.size))
        zero = k[g == 0]
        if bad.size:
            text = f"overflow from {bad[0]} steps back"
        elif zero.size:
            text = f"exactly zero from {zero[0]} steps back"
        else:
            text = f"{g.size - 1} steps back: gradient x {g[-1]:.2g}"
        self.note.set_text(text)
        self.ax.set_xlim(0, self.max_steps or g.size - 1)
        values = np.concatenate([g[ok], bound[np.isfinite(bound) & (bound > 0)]])
        lo, hi = log_limits(values, self.ax.get_ylim() if keep_limits else None)
        self.ax.set_ylim(max(lo, 1e-100), min(hi, 1e100))
        return self


def plot_rnn_trace(trace, ax, *, gamma: float = 1.0) -> RNNArtists:
    """One RNN trace with Pascanu's bound ``(rho * gamma)**k`` (``gamma = max|phi'|``)."""
    return RNNArtists(trace, ax).update(trace, gamma=gamma)
