"""Layers and building blocks (``vb.nn``), as in ``torch.nn``."""

from .._core import Dropout, Identity, Linear, Module, Parameter, ReLU, Sequential, Sigmoid, Softplus, Tanh
from . import functional, utils

__all__ = [
    "Dropout",
    "Identity",
    "Linear",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "functional",
    "utils",
]
