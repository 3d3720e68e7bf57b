"""The one table of PyTorch references for the activations (a test helper, not a test module).

Every test that compares with torch autograd takes its activation from here, so an
activation added to the registry is missing in one place only (and
``test_activations.py`` fails until it is added).
"""

from __future__ import annotations


def torch_activation(torch, activation):
    """The torch function equal to ``activation`` (an :class:`~gradnotes.Activation`), its parameters included."""
    F = torch.nn.functional
    p = dict(activation.params)
    table = {
        "linear": lambda x: x,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, p.get("negative_slope", 0.01)),
        "elu": lambda x: F.elu(x, p.get("alpha", 1.0)),
        "selu": F.selu,
        "gelu": F.gelu,  # the exact erf form, like gradnotes
        "silu": F.silu,
        # F.softplus switches to x above x = 20 (an approximation that is off by up to 2e-9); logaddexp is exact
        "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),
    }
    return table[activation.name]
