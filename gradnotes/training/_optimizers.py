"""Gradient-descent optimizers that follow PyTorch's update rules step for step.

``OPTIMIZERS`` maps a name to a class; ``OPTIMIZERS[name](lr=..., ...)`` makes
an optimizer whose ``step(params, grads)`` updates each array of ``params``
*in place* (so views into a larger array stay valid) and keeps its own state
(momentum buffers, running averages, the step count) between calls, one entry
per position in the list.

With ``g`` the gradient, ``p`` the parameter, ``t`` the step count (from 1):

========== ===================================================================================
sgd        ``p -= lr * g``
momentum   ``b = mu * b + g`` (``b = g`` at the first step), ``p -= lr * b`` (torch's convention:
           the learning rate multiplies the buffer, not the gradient inside it)
rmsprop    ``v = alpha * v + (1 - alpha) g**2``, ``p -= lr * g / (sqrt(v) + eps)``
adam       ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g**2``,
           ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``
adamw      Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before the step
========== ===================================================================================

``eps`` is added *outside* the square root, as in torch. ``weight_decay`` is
torch's coupled L2 term, ``g <- g + weight_decay * p``, applied before anything
else, except for ``decoupled_weight_decay=True`` (AdamW).
"""

from __future__ import annotations

import abc
import inspect
import math
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from .._checks import check_bool, check_choice, check_float

__all__ = ["Optimizer", "SGD", "Momentum", "RMSprop", "Adam", "AdamW", "OPTIMIZERS", "get_optimizer"]


class Optimizer(abc.ABC):
    """Base class: validates ``step``'s arguments and keeps one state dict per parameter.

    Subclasses implement ``_update(p, g, state)``, which changes ``p`` in place.
    """

    name: ClassVar[str] = "optimizer"

    def __init__(self, lr: float, weight_decay: float = 0.0):
        self.lr = check_float("lr", lr, low=0.0)
        self.weight_decay = check_float("weight_decay", weight_decay, low=0.0)
        self.state: list[dict] = []
        self.steps = 0

    def step(self, params, grads) -> None:
        """Apply one update to every array in ``params`` (in place), given ``grads``.

        Parameters
        ----------
        params : list of ndarray
            Writeable float arrays; the same list (same shapes) at every call.
        grads : list of ndarray
            ``dL/dp`` for each array, same shapes as ``params``; not modified.
        """
        params, grads = list(params), list(grads)
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length; got {len(params)} and {len(grads)}")
        if not self.state:
            self.state = [{} for _ in params]
        elif len(self.state) != len(params):
            raise ValueError(
                f"params has {len(params)} arrays but this optimizer was stepped with {len(self.state)}; "
                "allowed: the same list at every step (make a new optimizer for new parameters)"
            )
        for i, (p, g) in enumerate(zip(params, grads)):
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
                raise TypeError(f"params[{i}] must be a writeable float ndarray; got {type(p).__name__}")
            g = np.asarray(g)
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape} but params[{i}] has shape {p.shape}")
        self.steps += 1
        for p, g, state in zip(params, grads, self.state):
            self._update(p, np.asarray(g, dtype=p.dtype), state)

    def _decayed(self, p, g):
        """The gradient with torch's coupled L2 term ``weight_decay * p`` added (a new array)."""
        return g + self.weight_decay * p if self.weight_decay else g

    @abc.abstractmethod
    def _update(self, p, g, state) -> None:
        """Update one parameter array ``p`` in place from its gradient ``g`` and ``state``."""

    def _hyper(self) -> dict:
        return {"lr": self.lr, "weight_decay": self.weight_decay}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({inner})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``).

    .. math:: b_t = \\mu b_{t-1} + (1 - \\text{dampening})\\, g_t \\ (b_1 = g_1), \\qquad
              p_t = p_{t-1} - \\text{lr}\\, b_t

    With ``nesterov=True`` the step uses ``g_t + mu b_t`` instead of ``b_t``.

    Examples
    --------
    >>> p = np.array([1.0]); opt = SGD(lr=0.1, momentum=0.9)
    >>> for _ in range(2): opt.step([p], [np.array([2.0])])
    >>> p  # 1 - 0.1*2 - 0.1*(0.9*2 + 2)
    array([0.42])
    """

    name = "sgd"

    def __init__(self, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(lr, weight_decay)
        self.momentum = check_float("momentum", momentum, low=0.0, high=1.0)
        self.dampening = check_float("dampening", dampening, low=0.0, high=1.0)
        self.nesterov = check_bool("nesterov", nesterov)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0; got momentum={self.momentum}, "
                f"dampening={self.dampening}"
            )

    def _update(self, p, g, state):
        d_p = self._decayed(p, g)
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d_p.copy()
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * d_p
            d_p = d_p + self.momentum * buf if self.nesterov else buf
        p -= self.lr * d_p

    def _hyper(self):
        h = super()._hyper()
        if self.momentum or type(self) is not SGD:
            h.update(momentum=self.momentum, dampening=self.dampening, nesterov=self.nesterov)
        return h


class Momentum(SGD):
    """:class:`SGD` with ``momentum=0.9`` by default: classical (heavy-ball) momentum."""

    name = "momentum"

    def __init__(self, lr: float = 1e-3, momentum: float = 0.9, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(lr, momentum, dampening, weight_decay, nesterov)


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``): divide by a running root mean square of the gradient.

    .. math:: v_t = \\alpha v_{t-1} + (1 - \\alpha) g_t^2, \\qquad
              p_t = p_{t-1} - \\text{lr}\\, \\frac{g_t}{\\sqrt{v_t} + \\epsilon}

    ``centered=True`` subtracts the squared running mean of ``g`` under the root;
    ``momentum > 0`` accumulates ``g / (sqrt(v) + eps)`` in a buffer first.

    Examples
    --------
    >>> p = np.array([1.0]); RMSprop(lr=0.01).step([p], [np.array([3.0])])
    >>> p  # v = 0.01 * 9, step = 0.01 * 3 / 0.3
    array([0.9])
    """

    name = "rmsprop"

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False):
        super().__init__(lr, weight_decay)
        self.alpha = check_float("alpha", alpha, low=0.0, high=1.0)
        self.eps = check_float("eps", eps, low=0.0)
        self.momentum = check_float("momentum", momentum, low=0.0, high=1.0)
        self.centered = check_bool("centered", centered)

    def _update(self, p, g, state):
        g = self._decayed(p, g)
        if not state:
            state["square_avg"] = np.zeros_like(p)
            if self.centered:
                state["grad_avg"] = np.zeros_like(p)
            if self.momentum:
                state["momentum_buffer"] = np.zeros_like(p)
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * g * g
        if self.centered:
            m = state["grad_avg"]
            m += (1 - self.alpha) * (g - m)
            avg = np.sqrt(v - m * m)
        else:
            avg = np.sqrt(v)
        avg += self.eps
        if self.momentum:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            p -= self.lr * buf
        else:
            p -= self.lr * (g / avg)

    def _hyper(self):
        return {**super()._hyper(), "alpha": self.alpha, "eps": self.eps, "momentum": self.momentum,
                "centered": self.centered}


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``; ``decoupled_weight_decay=True`` is ``torch.optim.AdamW``).

    .. math:: m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t, \\quad v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2,
              \\quad p_t = p_{t-1} - \\frac{\\text{lr}}{1-\\beta_1^t}\\,
              \\frac{m_t}{\\sqrt{v_t}/\\sqrt{1-\\beta_2^t} + \\epsilon}

    The first step moves every entry by almost exactly ``lr`` (``m/sqrt(v) = sign(g)``),
    whatever the size of its gradient, *as long as* ``|g| >> eps``: this is why Adam
    can move layers whose gradients are small, and also why its update is not a
    gradient step. A gradient far below ``eps`` moves only ``lr * |g| / eps``:
    gradients that have vanished to ``1e-14`` stay vanished.

    Examples
    --------
    >>> p = np.array([1.0, 1.0]); Adam(lr=0.1).step([p], [np.array([1e-6, -50.0])])
    >>> np.round(p, 4)  # a gradient of 1e-6 moves as far as -50 does; eps = 1e-8 shaves 1%
    array([0.901, 1.1  ])
    """

    name = "adam"

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False):
        super().__init__(lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2); got {betas!r}")
        self.betas = (check_float("betas[0]", betas[0], low=0.0, high=1.0),
                      check_float("betas[1]", betas[1], low=0.0, high=1.0))
        if max(self.betas) >= 1.0:
            raise ValueError(f"betas={tuple(betas)} is out of range; allowed: each in [0, 1)")
        self.eps = check_float("eps", eps, low=0.0)
        self.decoupled_weight_decay = check_bool("decoupled_weight_decay", decoupled_weight_decay)

    def _update(self, p, g, state):
        beta1, beta2 = self.betas
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
        state["step"] += 1
        t = state["step"]
        if self.weight_decay and self.decoupled_weight_decay:
            p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g = self._decayed(p, g)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)  # torch: exp_avg.lerp_(grad, 1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        step_size = self.lr / (1 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
        p -= step_size * (m / denom)

    def _hyper(self):
        h = {**super()._hyper(), "betas": self.betas, "eps": self.eps}
        if type(self) is Adam and self.decoupled_weight_decay:
            h["decoupled_weight_decay"] = True
        return h


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), ``torch.optim.AdamW``'s defaults."""

    name = "adamw"

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(lr, betas, eps, weight_decay, decoupled_weight_decay=True)


#: Name -> optimizer class.
OPTIMIZERS = MappingProxyType({cls.name: cls for cls in (SGD, Momentum, RMSprop, Adam, AdamW)})


def get_optimizer(optimizer: str, **options) -> Optimizer:
    """``OPTIMIZERS[optimizer](**options)``, with clear errors for unknown names and options.

    Examples
    --------
    >>> get_optimizer("momentum", lr=0.1)
    Momentum(lr=0.1, weight_decay=0, momentum=0.9, dampening=0, nesterov=False)
    """
    cls = OPTIMIZERS[check_choice("optimizer", optimizer, OPTIMIZERS)]
    allowed = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
    for key in options:
        if key not in allowed:
            raise ValueError(f"{key!r} is not an option of optimizer={optimizer!r}; allowed: {allowed}")
    return cls(**options)
