"""Functions of ``vb.nn.functional``: the engine's ops under their PyTorch names, and the losses
with PyTorch's signatures, composed from differentiable ops.

Every loss takes ``reduction='mean' | 'sum' | 'none'`` (and the legacy ``size_average``/``reduce``
flags where PyTorch still has them). Elementwise losses require ``input`` and ``target`` of the same
shape (PyTorch broadcasts them with a warning; here a mismatch is a ValueError, as ``mse_loss``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _core
from .._core import (
    Tensor,
    dropout,
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    linear,
    log_softmax,
    mish,
    prelu,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    tanh,
    where,
)
from ..creation import tensor

_REDUCTIONS = ("mean", "sum", "none")


def reduction_from_legacy(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction string, from PyTorch's deprecated ``size_average``/``reduce`` flags when
    either is given (both default to True), else ``reduction`` checked."""
    if size_average is not None or reduce is not None:
        if reduce is False:
            return "none"
        return "mean" if size_average is not False else "sum"
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction (expected 'mean', 'sum' or 'none')"
        )
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _check_same_shape(input: Tensor, target: Any, op: str) -> Tensor:
    target = target if isinstance(target, Tensor) else tensor(target, dtype=input.dtype)
    for name, t in (("input", input), ("target", target)):
        if not t.dtype.is_floating_point:
            raise TypeError(f"{op}: expected floating-point tensors, got {name} of dtype {t.dtype.name}")
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{op}: input shape {list(input.shape)} and target shape {list(target.shape)} differ"
        )
    return target


def class_targets(target: Any, op: str) -> np.ndarray:
    """Class-index targets as an int64 NumPy array (any shape): from a sequence, a NumPy integer
    array or a tensor holding integral values. The one place that reads class targets."""
    values = target.numpy() if isinstance(target, Tensor) else np.asarray(target)
    if values.dtype.kind == "f":
        if not (np.all(np.isfinite(values)) and np.array_equal(np.round(values), values)):
            raise ValueError(f"{op}: class targets must be integers, got non-integral values")
    elif values.dtype.kind not in "iu":
        raise TypeError(f"{op}: class targets must be integers, got an array of dtype {values.dtype}")
    return values.astype(np.int64)


def _class_weight(weight: Any, classes: int, op: str) -> np.ndarray:
    w = np.asarray(weight.detach().numpy() if isinstance(weight, Tensor) else weight, dtype=np.float64)
    if w.shape != (classes,):
        raise ValueError(f"{op}: weight must have shape ({classes},) for {classes} classes, got {w.shape}")
    return w


def _weighted_nll(
    logp: Tensor, target: Any, weight: Any, ignore_index: int, op: str
) -> tuple[Tensor, np.ndarray]:
    """``-weight[t] * logp[t]`` per target (zero where ``t == ignore_index``), shaped as the
    targets, and the weights ``weight[t]`` (zero where ignored) that a mean divides by.

    logp is (C,) with a 0-d target, (N, C) with (N,) or (N, C, d1, ...) with (N, d1, ...)."""
    t = class_targets(target, op)
    if logp.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    classes = logp.shape[0] if logp.ndim == 1 else logp.shape[1]
    expected = () if logp.ndim == 1 else (logp.shape[0],) + tuple(logp.shape[2:])
    if t.shape != expected:
        raise ValueError(
            f"{op}: target shape {t.shape} does not match input shape {tuple(logp.shape)} "
            f"(expected {expected})"
        )
    rows = logp.reshape(1, classes) if logp.ndim == 1 else logp
    if logp.ndim > 2:  # classes last, then one row per target
        rows = rows.permute(0, *range(2, logp.ndim), 1).reshape(-1, classes)
    flat = t.reshape(-1)
    keep = flat != ignore_index
    safe = np.where(keep, flat, 0)
    w = keep.astype(np.float64)
    if weight is not None:
        w = w * _class_weight(weight, classes, op)[np.clip(safe, 0, classes - 1)]
    loss = _core.nll_loss(rows, safe, reduction="none")  # range-checks the kept targets
    if weight is not None or not keep.all():
        loss = loss * tensor(w, dtype=loss.dtype)
    return loss.reshape(*t.shape), w.reshape(t.shape)


def _reduce_weighted(loss: Tensor, w: np.ndarray, reduction: str) -> Tensor:
    # A weighted mean divides by the total weight of the targets, as PyTorch (NaN when all ignored).
    if reduction == "mean":
        return loss.sum() / float(w.sum())
    return _reduce(loss, reduction)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class-index targets under log-probabilities.

    Parameters
    ----------
    input : Tensor
        Log-probabilities (C,), (N, C) or (N, C, d1, ...).
    target : array-like or Tensor
        Class indices of shape (), (N,) or (N, d1, ...); integral values.
    weight : Tensor, optional
        Per-class weights (C,).
    ignore_index : int
        Targets with this value contribute nothing (and no weight to a mean).
    reduction : {'mean', 'sum', 'none'}
        'mean' divides by the total weight of the non-ignored targets.

    Returns
    -------
    Tensor
        The loss (0-d, or the target's shape with 'none').
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    loss, w = _weighted_nll(input, target, weight, ignore_index, "nll_loss")
    return _reduce_weighted(loss, w, reduction)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and class-index targets or class probabilities.

    Parameters
    ----------
    input : Tensor
        Logits (C,), (N, C) or (N, C, d1, ...); the class dimension is 1 (0 when unbatched).
    target : array-like or Tensor
        Class indices (the input's shape without the class dimension) or, when it has the
        input's own shape, class probabilities.
    weight : Tensor, optional
        Per-class weights (C,).
    ignore_index : int
        Class-index targets with this value contribute nothing.
    reduction : {'mean', 'sum', 'none'}
        'mean' divides by the total weight of the targets (by the batch size for probabilities).
    label_smoothing : float
        In [0, 1]: the target mixes in this much of the uniform distribution.

    Returns
    -------
    Tensor
        The loss.
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have a class dimension, got a 0-d tensor")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    shape = [1] * input.ndim
    shape[class_dim] = classes
    w = None if weight is None else tensor(_class_weight(weight, classes, "cross_entropy"), dtype=input.dtype)
    wlogp = logp if w is None else logp * w.reshape(*shape)
    target_shape = np.shape(target.numpy() if isinstance(target, Tensor) else target)
    if target_shape == tuple(input.shape):  # class probabilities
        p = target if isinstance(target, Tensor) else tensor(target, dtype=input.dtype)
        if label_smoothing > 0:
            p = p * (1.0 - label_smoothing) + label_smoothing / classes
        loss = -(wlogp * p).sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() / classes)
        return _reduce(loss, reduction)
    nll, tw = _weighted_nll(logp, target, weight, ignore_index, "cross_entropy")
    if label_smoothing == 0:
        return _reduce_weighted(nll, tw, reduction)
    keep = class_targets(target, "cross_entropy") != ignore_index
    smooth = -wlogp.sum(class_dim) * tensor(keep.astype(np.float64), dtype=input.dtype)
    if reduction == "mean":
        # PyTorch divides the smoothing term by the target weights (the count without weights).
        total = float(tw.sum()) if weight is not None else float(keep.sum())
        smooth = smooth.sum() / total
    else:
        smooth = _reduce(smooth, reduction)
    return _reduce_weighted(nll, tw, reduction) * (1.0 - label_smoothing) + smooth * (
        label_smoothing / classes
    )


def mse_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error ``(input - target)**2``, optionally times ``weight`` (broadcast to input).

    Parameters
    ----------
    input, target : Tensor
        Same shapes.
    reduction : {'mean', 'sum', 'none'}
    weight : Tensor, optional
        Elementwise weights broadcast to the input's shape.

    Returns
    -------
    Tensor
    """
    return _pointwise(input, target, size_average, reduce, reduction, weight, "mse_loss", lambda d: d * d)


def l1_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error ``|input - target|``, optionally times ``weight``; the arguments are those
    of :func:`mse_loss`."""
    return _pointwise(input, target, size_average, reduce, reduction, weight, "l1_loss", abs)


def smooth_l1_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target);
    the L1 loss when beta is 0.

    Parameters
    ----------
    input, target : Tensor
        Same shapes.
    reduction : {'mean', 'sum', 'none'}
    beta : float
        Non-negative threshold between the quadratic and the linear part.

    Returns
    -------
    Tensor
    """
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")

    def loss(d: Tensor) -> Tensor:
        a = abs(d)
        return a if beta == 0 else where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta)

    return _pointwise(input, target, size_average, reduce, reduction, None, "smooth_l1_loss", loss)


def huber_loss(
    input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (d = input - target).

    Parameters
    ----------
    input, target : Tensor
        Same shapes.
    reduction : {'mean', 'sum', 'none'}
    delta : float
        Positive threshold between the quadratic and the linear part.
    weight : Tensor, optional
        Elementwise weights broadcast to the input's shape.

    Returns
    -------
    Tensor
    """
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")

    def loss(d: Tensor) -> Tensor:
        a = abs(d)
        return where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)

    return _pointwise(input, target, None, None, reduction, weight, "huber_loss", loss)


def _pointwise(
    input: Tensor,
    target: Any,
    size_average: bool | None,
    reduce: bool | None,
    reduction: str,
    weight: Any,
    op: str,
    fn: Any,
) -> Tensor:
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    target = _check_same_shape(input, target, op)
    loss = fn(input - target)
    if weight is not None:
        loss = loss * weight
        if tuple(loss.shape) != tuple(input.shape):
            raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} does not broadcast to the input")
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log v + (input - target)**2 / v)``, v = max(var, eps),
    plus ``0.5 log(2 pi)`` with ``full``.

    Parameters
    ----------
    input, target : Tensor
        Means and observations, same shapes.
    var : Tensor or float
        Variances: the input's shape, a shape that broadcasts to it, or (as PyTorch) the input's
        shape without its last dimension (one variance per row).
    full : bool
    eps : float
        Lower clamp of the variance (the gradient passes the clamp unchanged, as PyTorch's).
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
    """
    if isinstance(var, Tensor) and input.ndim > 0 and tuple(var.shape) == tuple(input.shape[:-1]):
        var = var.unsqueeze(-1)  # PyTorch's homoscedastic-per-row form, before any broadcasting
    return _core.gaussian_nll_loss(input, target, var, full=full, eps=eps, reduction=reduction)


def binary_cross_entropy(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities x, each log clamped at -100 as in
    PyTorch, optionally times ``weight``.

    Parameters
    ----------
    input : Tensor
        Probabilities in [0, 1].
    target : Tensor
        Same shape as input, values in [0, 1].
    weight : Tensor, optional
        Weights broadcast to the input's shape.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    target = _check_same_shape(input, target, "binary_cross_entropy")
    values = input.detach().numpy()
    if not np.all((values >= 0) & (values <= 1)):
        raise RuntimeError("binary_cross_entropy: all elements of input must be between 0 and 1")
    log_x = _core.clamp(_core.log(input), min=-100.0)
    log_1mx = _core.clamp(_core.log(1.0 - input), min=-100.0)
    loss = -(target * log_x + (1.0 - target) * log_1mx)
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits:
    ``(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``, optionally times ``weight``.

    Parameters
    ----------
    input : Tensor
        Logits.
    target : Tensor
        Same shape as input, values in [0, 1].
    weight : Tensor, optional
        Weights broadcast to the input's shape.
    reduction : {'mean', 'sum', 'none'}
    pos_weight : Tensor, optional
        Weight of the positive term, broadcast along the last (class) dimension.

    Returns
    -------
    Tensor
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    target = _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    log_sigmoid_neg = softplus(-input)  # -log(1 - sigmoid(x)) - x = softplus(-x)
    if pos_weight is None:
        loss = (1.0 - target) * input + log_sigmoid_neg
    else:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * log_sigmoid_neg
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target (log target - input)`` with ``input`` as
    log-probabilities (0 where target is 0).

    Parameters
    ----------
    input : Tensor
        Log-probabilities.
    target : Tensor
        Probabilities (log-probabilities with ``log_target``), same shape as input.
    reduction : {'mean', 'batchmean', 'sum', 'none'}
        'batchmean' divides the sum by the batch size (input.shape[0]), the true KL per sample;
        'mean' divides by the number of elements.
    log_target : bool
        Whether target holds log-probabilities.

    Returns
    -------
    Tensor
    """
    batchmean = reduction == "batchmean" and size_average is None and reduce is None
    reduction = "sum" if batchmean else reduction_from_legacy(size_average, reduce, reduction)
    target = _check_same_shape(input, target, "kl_div")
    if log_target:
        loss = _core.exp(target) * (target - input)
    else:
        positive = target > 0
        # log of 1 where target is 0, so neither the value nor the gradient sees log(0).
        loss = target * (_core.log(where(positive, target, 1.0)) - input)
    total = _reduce(loss, reduction)
    return total / (input.shape[0] if input.ndim > 0 else 1) if batchmean else total


def poisson_nll_loss(
    input: Tensor,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target input`` (log_input) or
    ``input - target log(input + eps)``; with ``full`` the Stirling term of ``log(target!)``
    for targets above 1.

    Parameters
    ----------
    input : Tensor
        Log-rates (log_input) or rates.
    target : Tensor
        Counts, same shape as input.
    log_input : bool
    full : bool
    eps : float
        Keeps log(input) finite when log_input is False.
    reduction : {'mean', 'sum', 'none'}

    Returns
    -------
    Tensor
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    target = _check_same_shape(input, target, "poisson_nll_loss")
    if log_input:
        loss = _core.exp(input) - target * input
    else:
        loss = input - target * _core.log(input + eps)
    if full:
        above = target > 1
        t = where(above, target, 1.0)  # the term is masked to 0 at and below 1
        stirling = t * _core.log(t) - t + 0.5 * _core.log(t * (2 * math.pi))
        loss = loss + stirling * above
    return _reduce(loss, reduction)


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "class_targets",
    "cross_entropy",
    "dropout",
    "elu",
    "gaussian_nll_loss",
    "gelu",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "prelu",
    "reduction_from_legacy",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
]
