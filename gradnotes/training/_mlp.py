"""A deep MLP classifier in numpy, its forward and backward pass written out.

With ``depth`` hidden layers of ``width`` units and ``C`` classes:

.. math::

    z_l = h_{l-1} W_l + b_l, \\qquad a_l = \\varphi(N(z_l)), \\qquad
    h_l = h_{l-1} + D(a_l) \\ \\text{(residual, } l \\ge 2\\text{)} \\ \\text{or}\\ h_l = D(a_l),

    \\text{logits} = h_L W_\\text{out} + b_\\text{out}, \\qquad
    \\text{loss} = \\frac{1}{B} \\sum_b \\Big(\\log \\sum_c e^{\\text{logits}_{bc}} - \\text{logits}_{b y_b}\\Big),

where ``h_0`` is the input, ``N`` is batch or layer normalization without a
learned scale or shift (:mod:`gradnotes.normalization`) or nothing, and ``D``
is inverted dropout: ``a * mask / (1 - p)`` with ``mask ~ Bernoulli(1 - p)``
while training, the identity in evaluation. Layer 1 changes the width (2 to
``width``), so skips start at layer 2.

All parameters live in one flat vector, ``params``, in the order
``W_1, b_1, ..., W_L, b_L, W_out, b_out`` (that of torch's ``model.parameters()``);
``weights`` and ``biases`` are views into it, and ``grads`` has the same layout.
An optimizer therefore updates the whole network with a handful of array operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .._checks import check_float, check_rng
from .._params import Flag, Integer, Real, check
from ..activations import Activation, get_activation
from ..initializers import get_initializer
from ..normalization import EPS, NORMS, normalize, normalize_backward
from ._losses import cross_entropy

__all__ = ["MLP", "Cache", "BATCHNORM_MOMENTUM"]

#: Running batch-norm statistics move this far towards each batch's (as torch's default).
BATCHNORM_MOMENTUM = 0.1


def _dropout_rule(name: str, value) -> float:
    """A dropout probability, in ``[0, 1)``: ``p = 1`` would drop every unit."""
    p = check_float(name, value, low=0.0, high=1.0)
    if p >= 1.0:
        raise ValueError(f"{name}={p} is out of range; allowed: [0, 1)")
    return p


#: Rules for the parameters only the MLP has; the shared concepts (depth, width,
#: gain, residual, norm, dtype, seed) are declared in :data:`gradnotes._params.RULES`.
MLP_RULES = MappingProxyType({
    "n_in": Integer(1, 4096),
    "n_classes": Integer(2, 4096),
    "output_gain": Real(0.0, 1e3),
    "bias": Flag(),
    "dropout": _dropout_rule,
})


def check_bias(bias, bias_std) -> tuple[bool, float]:
    """``(bias, bias_std)`` checked: random biases need biases."""
    bias, bias_std = check("bias", bias, MLP_RULES["bias"]), check("bias_std", bias_std)
    if bias_std > 0 and not bias:
        raise ValueError(f"bias_std={bias_std} needs bias=True; allowed with bias=False: 0")
    return bias, bias_std


def check_norm_width(width: int, norm: str | None) -> None:
    """Refuse a width too small for ``norm`` (layer norm needs 2 units); the batch is checked where it is known."""
    if norm is not None:
        NORMS[norm].check_size(batch=2, width=width)


@dataclass(eq=False)
class Cache:
    """Buffers for one batch size: what the forward pass keeps for the backward pass.

    Layer ``l`` is at index ``l - 1``. ``hidden[l]`` is the input of layer ``l + 1``
    (``hidden[0]`` the data, ``hidden[-1]`` the input of the output layer);
    ``pre[l]`` the (normalized) ``z`` that enters ``phi``; ``post[l] = phi(pre[l])``
    before dropout; ``masks[l]`` the dropout factors ``mask / (1 - p)``;
    ``inv_stds[l]`` the normalization's ``1 / sigma``; ``train`` whether the last
    pass was in training mode. ``delta``, ``g`` and ``g_below`` are backward scratch.

    Reusing one Cache for every step saves allocating fresh arrays each time (which
    costs more than the arithmetic at these sizes); a pass overwrites the previous
    one's contents, logits included.
    """

    hidden: list
    pre: np.ndarray  # (depth, batch, width)
    post: np.ndarray
    masks: np.ndarray | None
    skips: np.ndarray | None  # storage for h_l when it is not post[l] itself
    inv_stds: list
    logits: np.ndarray  # (batch, n_classes)
    delta: np.ndarray  # (batch, width)
    g: np.ndarray
    g_below: np.ndarray
    train: bool = False

    @property
    def batch(self) -> int:
        return self.logits.shape[0]


class MLP:
    """A fully connected classifier: ``depth`` hidden layers of ``width`` units.

    Parameters
    ----------
    n_in, n_classes, depth, width : int
    activation : str or Activation
    init : str
        A name in ``INITIALIZERS``; hidden layers get ``gain``, the output layer ``output_gain``.
    bias : bool
        Whether the layers have biases.
    bias_std : float
        Biases start at zero (the default), or drawn ``N(0, bias_std**2)`` in the
        hidden layers (``sigma_b`` of the mean-field theory; the output bias stays 0).
        They are drawn after the weights, so the weights do not depend on ``bias_std``.
    residual : bool
        ``h_l = h_{l-1} + D(phi(N(z_l)))`` for layers 2..depth.
    norm : {None, "batch", "layer"}
        A name in ``NORMS`` (``"none"`` is ``None``). Batch norm uses batch
        statistics while training and running averages (momentum 0.1, unbiased
        variance, as torch) in evaluation. Layer norm of a
        point whose ``z`` is the same in every unit (the origin, with zero biases)
        multiplies its gradient by ``1/sqrt(EPS) = 316`` per layer: in float32
        about 15 such layers overflow, exactly as in torch.
    dropout : float
        Probability ``p`` of dropping a hidden unit while training, in [0, 1).
    dtype : {"float32", "float64"}
    rng : numpy.random.Generator
        Draws the initial weights.

    Examples
    --------
    >>> net = MLP(2, 3, depth=4, width=16, rng=np.random.default_rng(0))
    >>> net.params.size == 2*16 + 16 + 3 * (16*16 + 16) + 16*3 + 3, [W.shape for W in net.weights][-2:]
    (True, [(16, 16), (16, 3)])
    """

    def __init__(self, n_in: int, n_classes: int, depth: int, width: int, activation="tanh",
                 init: str = "xavier_normal", *, gain: float = 1.0, output_gain: float = 1.0,
                 bias: bool = True, bias_std: float = 0.0, residual: bool = False, norm: str | None = None,
                 dropout: float = 0.0, dtype: str = "float32", rng: np.random.Generator):
        self.activation: Activation = get_activation(activation)
        initializer = get_initializer(init)
        n_in = check("n_in", n_in, MLP_RULES["n_in"])
        n_classes = check("n_classes", n_classes, MLP_RULES["n_classes"])
        self.depth = depth = check("depth", depth)
        self.width = width = check("width", width)
        gain = check("gain", gain)
        output_gain = check("output_gain", output_gain, MLP_RULES["output_gain"])
        self.bias, bias_std = check_bias(bias, bias_std)
        self.residual = check("residual", residual, Flag())  # on or off: one block (post-activation)
        self.norm = norm = check("norm", norm)
        check_norm_width(width, norm)
        self._norm = None if norm is None else NORMS[norm]
        self.dropout = check("dropout", dropout, MLP_RULES["dropout"])
        self.dtype = np.dtype(check("dtype", dtype)).type
        check_rng("rng", rng)

        self.shapes = [(n_in, width)] + [(width, width)] * (depth - 1) + [(width, n_classes)]
        sizes = []
        for fan_in, fan_out in self.shapes:
            sizes += [fan_in * fan_out] + ([fan_out] if bias else [])
        self.segment_sizes = np.array(sizes)
        self.segment_starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.weight_segments = np.arange(0, len(sizes), 2 if bias else 1)  # the rest are biases
        self.params = np.zeros(int(np.sum(sizes)), self.dtype)
        self.grads = np.zeros_like(self.params)
        self._bind()
        for l, W in enumerate(self.weights):
            g = output_gain if l == depth else gain
            W[...] = initializer.from_normal(rng.standard_normal(W.shape), g)
        if bias_std > 0:
            for b in self.biases[:-1]:
                b[...] = bias_std * rng.standard_normal(b.shape)
        self.running_mean = np.zeros((depth, width), self.dtype)
        self.running_var = np.ones((depth, width), self.dtype)

    def _bind(self):
        """Make ``weights``, ``biases``, ``grad_weights``, ``grad_biases`` views into the flat vectors."""
        def views(flat):
            ws, bs = [], []
            k = 0
            for fan_in, fan_out in self.shapes:
                ws.append(flat[k:k + fan_in * fan_out].reshape(fan_in, fan_out))
                k += fan_in * fan_out
                if self.bias:
                    bs.append(flat[k:k + fan_out])
                    k += fan_out
            return ws, (bs if self.bias else None)

        self.weights, self.biases = views(self.params)
        self.grad_weights, self.grad_biases = views(self.grads)

    # -- forward ----------------------------------------------------------------
    def new_cache(self, batch: int) -> Cache:
        """Empty buffers for forward and backward passes on batches of ``batch`` points."""
        def empty(*shape):
            return np.empty(shape, self.dtype)

        L, B, w = self.depth, batch, self.width
        return Cache(
            hidden=[None] * (L + 1), pre=empty(L, B, w), post=empty(L, B, w),
            masks=empty(L, B, w) if self.dropout > 0 else None,
            skips=empty(L, B, w) if self.dropout > 0 or self.residual else None,
            inv_stds=[None] * L, logits=empty(B, self.shapes[-1][1]),
            delta=empty(B, w), g=empty(B, w), g_below=empty(B, w),
        )

    def forward(self, X: np.ndarray, *, train: bool = False, rng: np.random.Generator | None = None,
                masks=None, cache: Cache | None = None):
        """Logits for a batch ``X`` of shape ``(B, n_in)``, and the :class:`Cache` for backward.

        ``train=True`` uses batch statistics (and updates the running ones) and
        dropout; its masks are drawn from ``rng``, or given as ``masks``, a list of
        ``depth`` arrays of 0s and 1s of shape ``(B, width)`` (for tests).
        ``cache`` (from :meth:`new_cache`) is reused instead of allocating new
        buffers; the returned logits are then its buffer.
        """
        X = np.asarray(X, dtype=self.dtype)
        if cache is None:
            cache = self.new_cache(X.shape[0])
        elif cache.batch != X.shape[0]:
            raise ValueError(f"cache is for batches of {cache.batch} points; X has {X.shape[0]}")
        act, norm, dropping = self.activation, self._norm, train and self.dropout > 0
        cache.train = train
        cache.hidden[0] = h = X
        for l in range(self.depth):
            z = np.matmul(h, self.weights[l], out=cache.pre[l])
            if self.bias:
                z += self.biases[l]
            if norm is not None and norm.couples_examples and not train:  # batch norm: running statistics
                cache.inv_stds[l] = 1 / np.sqrt(self.running_var[l] + self.dtype(EPS))
                z -= self.running_mean[l]
                z *= cache.inv_stds[l]
            elif norm is not None:
                if norm.couples_examples:
                    self._update_running_stats(l, z)
                cache.inv_stds[l] = normalize(z, norm.axis, out=z)
            a = act.forward_into(z, cache.post[l])
            if dropping or (self.residual and l > 0):
                h_new = cache.skips[l]
                if dropping:
                    self._dropout_mask(l, rng, masks, out=cache.masks[l])
                    np.multiply(a, cache.masks[l], out=h_new)
                else:
                    np.copyto(h_new, a)
                if self.residual and l > 0:
                    h_new += h
            else:
                h_new = a
            cache.hidden[l + 1] = h = h_new
        logits = np.matmul(h, self.weights[-1], out=cache.logits)
        if self.bias:
            logits += self.biases[-1]
        return logits, cache

    def _update_running_stats(self, l, z):
        m = self.dtype(BATCHNORM_MOMENTUM)
        n = z.shape[0]
        self.running_mean[l] += m * (z.mean(axis=0) - self.running_mean[l])
        self.running_var[l] += m * (z.var(axis=0) * self.dtype(n / max(n - 1, 1)) - self.running_var[l])

    def _dropout_mask(self, l, rng, masks, out):
        """Write ``mask / (1 - p)`` into ``out``, ``mask ~ Bernoulli(1 - p)`` (or ``masks[l]``)."""
        if masks is not None:
            out[...] = masks[l]
        elif rng is None:
            raise ValueError("forward(train=True) with dropout > 0 needs rng (or masks)")
        else:
            rng.random(out=out, dtype=self.dtype)
            np.greater_equal(out, self.dropout, out=out, casting="unsafe")  # 1.0 = keep
        out *= self.dtype(1 / (1 - self.dropout))
        return out

    # -- backward ---------------------------------------------------------------
    def backward(self, cache: Cache, dlogits: np.ndarray) -> None:
        """Fill ``grads`` (all of it) with ``dL/dparams``, given ``dL/dlogits`` from a forward pass."""
        dlogits = np.asarray(dlogits, dtype=self.dtype)
        np.matmul(cache.hidden[-1].T, dlogits, out=self.grad_weights[-1])
        if self.bias:
            np.sum(dlogits, axis=0, out=self.grad_biases[-1])
        g, g_below = cache.g, cache.g_below
        np.matmul(dlogits, self.weights[-1].T, out=g)  # dL/dh_L
        norm, dropped = self._norm, cache.train and self.dropout > 0
        for l in range(self.depth - 1, -1, -1):
            delta = self.local_derivative(cache, l, out=cache.delta)  # phi'(pre_l)
            delta *= g
            if dropped:
                delta *= cache.masks[l]
            if norm is not None and norm.couples_examples and not cache.train:
                delta *= cache.inv_stds[l]  # evaluation-mode batch norm is a fixed affine map
            elif norm is not None:
                normalize_backward(delta, cache.pre[l], cache.inv_stds[l], norm.axis)
            np.matmul(cache.hidden[l].T, delta, out=self.grad_weights[l])
            if self.bias:
                np.sum(delta, axis=0, out=self.grad_biases[l])
            if l > 0:
                np.matmul(delta, self.weights[l].T, out=g_below)
                if self.residual:
                    g_below += g  # the skip passes the gradient through unchanged
                g, g_below = g_below, g

    def local_derivative(self, cache: Cache, l: int, out: np.ndarray | None = None) -> np.ndarray:
        """``phi'`` at layer ``l + 1``'s units for the cached batch, shape (B, width)."""
        act = self.activation
        out = np.empty_like(cache.post[l]) if out is None else out
        if act.has_derivative_from_output:
            return act.derivative_from_output_into(cache.post[l], out)  # e.g. 1 - h**2 for tanh
        return act.derivative_into(cache.pre[l], out)

    def loss_and_grad(self, X, y, *, rng=None, masks=None, cache: Cache | None = None) -> float:
        """One training-mode forward and backward pass; fills ``grads``, returns the mean loss."""
        logits, cache = self.forward(X, train=True, rng=rng, masks=masks, cache=cache)
        loss, dlogits = cross_entropy(logits, y)
        self.backward(cache, dlogits)
        return loss

    # -- use --------------------------------------------------------------------
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities in evaluation mode, shape ``(B, n_classes)``."""
        logits, _ = self.forward(X, train=False)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def copy(self, *, frozen: bool = False) -> "MLP":
        """An independent copy; with ``frozen=True`` its parameters and statistics are read-only."""
        new = object.__new__(MLP)
        new.__dict__.update(self.__dict__)
        for name in ("params", "grads", "running_mean", "running_var"):
            a = getattr(self, name).copy()
            a.flags.writeable = not frozen
            setattr(new, name, a)
        new._bind()
        return new

    def __repr__(self) -> str:
        return (f"MLP(depth={self.depth}, width={self.width}, activation={self.activation!r}, "
                f"residual={self.residual}, norm={self.norm!r}, dropout={self.dropout:g}, "
                f"params={self.params.size})")
