"""Functions of ``vb.nn.functional`` (the engine's ops under their PyTorch names)."""

from .._core import (
    cross_entropy,
    dropout,
    gaussian_nll_loss,
    linear,
    log_softmax,
    mse_loss,
    nll_loss,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)

__all__ = [
    "cross_entropy",
    "dropout",
    "gaussian_nll_loss",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]
