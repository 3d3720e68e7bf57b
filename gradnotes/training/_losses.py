"""The classifier's loss: mean softmax cross-entropy, with its gradient."""

from __future__ import annotations

import numpy as np

__all__ = ["cross_entropy"]


def cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean softmax cross-entropy and its gradient with respect to the logits.

    .. math:: L = \\frac{1}{B} \\sum_b \\Big(\\log \\sum_c e^{o_{bc}} - o_{b y_b}\\Big), \\qquad
              \\frac{\\partial L}{\\partial o} = \\frac{\\operatorname{softmax}(o) - \\operatorname{onehot}(y)}{B}

    Parameters
    ----------
    logits : ndarray, shape (B, C)
    y : ndarray of int, shape (B,)

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (B, C)

    With all logits equal the loss is ``ln C``: the reference value for an untrained classifier.

    Examples
    --------
    >>> loss, d = cross_entropy(np.zeros((2, 3)), np.array([0, 2]))
    >>> round(loss, 4), round(float(np.log(3)), 4), d[0].round(3).tolist()
    (1.0986, 1.0986, [-0.333, 0.167, 0.167])
    """
    rows = np.arange(len(y))
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp never overflows
    lse = np.log(np.exp(shifted).sum(axis=1))
    loss = float(np.mean(lse - shifted[rows, y], dtype=np.float64))
    dlogits = np.exp(shifted - lse[:, None])
    dlogits[rows, y] -= 1
    dlogits /= len(y)
    return loss, dlogits
