"""varbayes: Bayesian neural networks on a C++20 tensor + reverse-mode autodiff engine.

The engine (tensors, ops, autograd, modules, optimizers, kernels) lives in the compiled module
``varbayes._core``; this package re-exports it under the public names and adds the Python
layers (Bayesian training, Langevin sampling, NCSM workflow, data, metrics).
"""

from . import _core, cuda, infer, io, likelihood, nn, optim, return_types, train, utils
from ._core import (
    DType,
    Generator,
    Node,
    Tensor,
    abs,
    acos,
    acosh,
    add,
    all,
    amax,
    amin,
    any,
    arange,
    argmax,
    argmin,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    bool,
    can_cast,
    cat,
    ceil,
    clamp,
    clone,
    contiguous,
    cos,
    cosh,
    cpu_info,
    default_generator,
    div,
    double,
    elu,
    empty,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    eye,
    flatten,
    float,
    float32,
    float64,
    floor,
    floor_divide,
    fmod,
    frac,
    from_numpy,
    full,
    full_like,
    gelu,
    get_num_threads,
    hardtanh,
    hypot,
    index_select,
    int,
    int32,
    int64,
    is_grad_enabled,
    isfinite,
    isinf,
    isnan,
    kl_normal,
    leaky_relu,
    lerp,
    linspace,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logit,
    logsumexp,
    long,
    manual_seed,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mish,
    mul,
    nan_to_num,
    neg,
    nonzero,
    ones,
    ones_like,
    permute,
    pow,
    prelu,
    promote_types,
    rand,
    randn,
    reciprocal,
    relu,
    remainder,
    reshape,
    result_type,
    round,
    rsqrt,
    sample_gaussian,
    set_grad_enabled,
    set_num_threads,
    sigmoid,
    sign,
    silu,
    sin,
    sinh,
    softmax,
    softplus,
    softsign,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tan,
    tanh,
    transpose,
    trunc,
    unsqueeze,
    var,
    where,
    zeros,
    zeros_like,
)
from .autograd import enable_grad, no_grad
from .closeness import allclose, equal, isclose
from .creation import tensor
from .device import device
from .io import load, save  # noqa: E402
from .predict import Prediction, predict  # noqa: E402
from .sampling import randint, randperm

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]

# Modules with heavier dependencies (SciPy, matplotlib, the data readers) load on first use, so
# that ``import varbayes as vb; vb.ncsm.load_table(...)`` works as the docs write it without
# every import paying for them.
_LAZY_SUBMODULES = ("data", "metrics", "ncsm", "plot")


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
