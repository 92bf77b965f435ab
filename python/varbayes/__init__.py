"""varbayes: Bayesian neural networks on a C++20 tensor + reverse-mode autodiff engine.

The engine (tensors, ops, autograd, modules, optimizers, kernels) lives in the compiled module
``varbayes._core``; this package re-exports it under the public names and adds the Python
layers (Bayesian training, NCSM workflow, data, metrics).
"""

from . import _core
from ._core import (
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
    DType,
    empty,
    exp,
    eye,
    flatten,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    get_num_threads,
    index_select,
    is_grad_enabled,
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

from . import nn, optim  # noqa: E402  (after the core names they use)
from .predict import Prediction, predict  # noqa: E402
from . import io, metrics, train  # noqa: E402
from .io import load, save  # noqa: E402

__version__ = "0.1.0"

__all__ = [name for name in dir(_core) if not name.startswith("_") and name not in {"Module", "Optimizer"}]
__all__ += ["enable_grad", "no_grad", "tensor", "nn", "optim", "Prediction", "predict", "io", "metrics", "train", "load", "save", "__version__"]
