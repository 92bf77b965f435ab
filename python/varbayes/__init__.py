"""varbayes: Bayesian neural networks on a C++20 tensor + reverse-mode autodiff engine.

The engine (tensors, ops, autograd, modules, optimizers, kernels) lives in the compiled module
``varbayes._core``; this package re-exports it under the public names and adds the Python
layers (Bayesian training, Langevin sampling, NCSM workflow, data, metrics).
"""

from . import _core, infer, io, metrics, nn, optim, train
from ._core import (
    DType,
    Generator,
    Node,
    Tensor,
    abs,
    add,
    arange,
    cat,
    clamp,
    clone,
    contiguous,
    cpu_info,
    default_generator,
    div,
    empty,
    exp,
    eye,
    flatten,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    generator_scope,
    get_num_threads,
    index_select,
    is_grad_enabled,
    kl_normal,
    linspace,
    log,
    log1p,
    log_softmax,
    logsumexp,
    manual_seed,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    ones,
    ones_like,
    permute,
    pow,
    rand,
    randn,
    reciprocal,
    relu,
    reshape,
    sample_gaussian,
    set_grad_enabled,
    set_num_threads,
    sigmoid,
    sign,
    softmax,
    softplus,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
    zeros,
    zeros_like,
)
from .autograd import enable_grad, no_grad
from .creation import tensor
from .io import load, save  # noqa: E402
from .predict import Prediction, predict  # noqa: E402

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]

# Subpackages with heavier dependencies (SciPy, matplotlib, the data readers) load on first use, so
# that ``import varbayes as vb; vb.ncsm.load_table(...)`` works as the README writes it without
# every import paying for them.
_LAZY_SUBMODULES = ("data", "ncsm", "plot")


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
