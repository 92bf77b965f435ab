"""No-core shell model (NCSM) extrapolation: data loading, preprocessing and the classic baseline.

Pure NumPy/SciPy; nothing here needs the compiled engine.
"""

from .baseline import (
    BaselineResult,
    ConvergedEstimate,
    ExponentialFit,
    converged_estimate,
    exponential_baseline,
    fit_exponential,
    variational_minimum,
)
from .data import NCSMDataError, NCSMTable, load_table
from .preprocess import MinMaxScaler, NotFittedError, Split, densify, split

__all__ = [
    "BaselineResult",
    "ConvergedEstimate",
    "ExponentialFit",
    "MinMaxScaler",
    "NCSMDataError",
    "NCSMTable",
    "NotFittedError",
    "Split",
    "converged_estimate",
    "densify",
    "exponential_baseline",
    "fit_exponential",
    "load_table",
    "split",
    "variational_minimum",
]
