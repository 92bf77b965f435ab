"""Layers and building blocks (``vb.nn``), as in ``torch.nn``, plus the Bayesian layers."""

from .._core import (
    BayesLinear,
    BayesLinearLRT,
    Dropout,
    Identity,
    Linear,
    Module,
    NormalPrior,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Softplus,
    Tanh,
    kl,
)
from . import functional, utils
from .bayes import EnsemblePrior, GaussianHead, GaussianLikelihood, ensemble_prior, sampling

__all__ = [
    "BayesLinear",
    "BayesLinearLRT",
    "Dropout",
    "EnsemblePrior",
    "GaussianHead",
    "GaussianLikelihood",
    "Identity",
    "Linear",
    "Module",
    "NormalPrior",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "ensemble_prior",
    "functional",
    "kl",
    "sampling",
    "utils",
]
