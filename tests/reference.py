"""Reference implementations for op tests: one op namespace per library, and finite differences.

An op under test is written once as ``fn(L, *inputs)``, where ``L`` is one of the namespaces below
(``VB`` for varbayes, ``NP`` for float64 NumPy/SciPy, ``torch_reference(torch)`` for PyTorch). Each
namespace offers the varbayes names and signatures (``L.amax(x, dim, keepdim)``,
``L.cross_entropy(x, [targets])``); operators and indexing work on all three.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special

import varbayes as vb


class Api:
    """A namespace looked up in several sources in order: dicts of overrides, then modules."""

    def __init__(self, *sources: Any) -> None:
        self._sources = sources

    def __getattr__(self, name: str) -> Any:
        for source in self._sources:
            value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
            if value is not None:
                return value
        raise AttributeError(name)


def _all_dims(x: Any, dim: Any) -> Any:
    return tuple(range(x.ndim)) if dim is None else dim


def _reduce(fn: Callable[..., Any], x: np.ndarray, dim: Any, keepdim: bool, **kw: Any) -> np.ndarray:
    return np.asarray(fn(x, axis=dim, keepdims=keepdim, **kw))


def _np_var(x: np.ndarray, dim: Any = None, correction: int = 1, keepdim: bool = False) -> np.ndarray:
    return _reduce(np.var, x, dim, keepdim, ddof=correction)


def _flatten(x: np.ndarray, start_dim: int = 0, end_dim: int = -1) -> np.ndarray:
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1 :])


def _reduction(loss: Any, reduction: str) -> Any:
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()


def _np_nll_loss(logp: np.ndarray, target: Sequence[int], reduction: str = "mean") -> np.ndarray:
    return np.asarray(_reduction(-logp[np.arange(len(target)), target], reduction))


def _np_cross_entropy(x: np.ndarray, target: Sequence[int], reduction: str = "mean") -> np.ndarray:
    return _np_nll_loss(special.log_softmax(x, axis=1), target, reduction)


def _np_gaussian_nll_loss(
    x: np.ndarray,
    y: np.ndarray,
    v: np.ndarray,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> np.ndarray:
    v = np.maximum(v, eps)
    loss = 0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * np.log(2 * np.pi) if full else 0.0)
    return np.asarray(_reduction(loss, reduction))


def _np_round(x: np.ndarray, decimals: int = 0) -> np.ndarray:
    return np.asarray(np.round(x, decimals))


def _np_logit(x: np.ndarray, eps: float | None = None) -> np.ndarray:
    return np.asarray(special.logit(x if eps is None else np.clip(x, eps, 1 - eps)))


def _np_lerp(start: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    # PyTorch's two forms (exact at both ends), so that infinities give its results.
    diff = end - start
    return np.asarray(np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight)))


def _np_gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "tanh":
        return np.asarray(0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))))
    return np.asarray(x * special.ndtr(x))


def _np_prelu(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    w = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if weight.size > 1 else weight.reshape(())
    return np.asarray(np.where(x > 0, x, w * x))


METHODS = {"expand": lambda x, shape: x.expand(*shape), "view": lambda x, shape: x.view(*shape)}
VB = Api(METHODS, vb, vb.nn.functional)

NP = Api(
    {
        "neg": np.negative,
        "sub": np.subtract,
        "mul": np.multiply,
        "div": np.divide,
        "pow": np.power,
        "clamp": lambda x, min=None, max=None: np.clip(x, min, max),
        "relu": lambda x: np.where(x < 0, 0.0, x),
        "sigmoid": special.expit,
        "softplus": lambda x: np.logaddexp(0.0, x),
        "sum": lambda x, dim=None, keepdim=False: _reduce(np.sum, x, dim, keepdim),
        "mean": lambda x, dim=None, keepdim=False: _reduce(np.mean, x, dim, keepdim),
        "amax": lambda x, dim=None, keepdim=False: _reduce(np.max, x, dim, keepdim),
        "amin": lambda x, dim=None, keepdim=False: _reduce(np.min, x, dim, keepdim),
        "var": _np_var,
        "logsumexp": lambda x, dim=None, keepdim=False: _reduce(special.logsumexp, x, dim, keepdim),
        "view": np.reshape,
        "expand": np.broadcast_to,
        "transpose": np.swapaxes,
        "permute": np.transpose,
        "unsqueeze": np.expand_dims,
        "squeeze": lambda x, dim=None: np.squeeze(x, axis=dim),
        "flatten": _flatten,
        "index_select": lambda x, dim, index: np.take(x, index, axis=dim),
        "cat": lambda xs, dim=0: np.concatenate(xs, axis=dim),
        "stack": lambda xs, dim=0: np.stack(xs, axis=dim),
        "softmax": lambda x, dim=-1: special.softmax(x, axis=dim),
        "log_softmax": lambda x, dim=-1: special.log_softmax(x, axis=dim),
        "linear": lambda x, w, b=None: x @ w.T + (0.0 if b is None else b),
        "nll_loss": _np_nll_loss,
        "cross_entropy": _np_cross_entropy,
        "mse_loss": lambda x, y, reduction="mean": np.asarray(_reduction((x - y) ** 2, reduction)),
        "gaussian_nll_loss": _np_gaussian_nll_loss,
        "asin": np.arcsin,
        "acos": np.arccos,
        "atan": np.arctan,
        "asinh": np.arcsinh,
        "acosh": np.arccosh,
        "atanh": np.arctanh,
        "erf": special.erf,
        "erfc": special.erfc,
        "erfinv": special.erfinv,
        "rsqrt": lambda x: 1 / np.sqrt(x),
        "round": _np_round,
        "frac": lambda x: x - np.trunc(x),
        "logit": _np_logit,
        "atan2": np.arctan2,
        "lerp": _np_lerp,
        "gelu": _np_gelu,
        "silu": lambda x: x * special.expit(x),
        "elu": lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x)),
        "leaky_relu": lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x),
        "mish": lambda x: x * np.tanh(np.logaddexp(0.0, x)),
        "hardtanh": lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
        "softsign": lambda x: x / (1 + np.abs(x)),
        "prelu": _np_prelu,
    },
    np,
)


def torch_reference(torch: Any) -> Api:
    """The PyTorch namespace with varbayes signatures (pass the imported torch module)."""
    F = torch.nn.functional

    def reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda x, dim=None, keepdim=False: fn(x, dim=_all_dims(x, dim), keepdim=keepdim)

    def targets(t: Sequence[int]) -> Any:
        return torch.tensor(t, dtype=torch.int64)

    def with_targets(loss: Callable[..., Any]) -> Callable[..., Any]:
        return lambda x, t, reduction="mean": loss(x, targets(t), reduction=reduction)

    return Api(
        {
            "sum": reduce(torch.sum),
            "mean": reduce(torch.mean),
            "amax": reduce(torch.amax),
            "amin": reduce(torch.amin),
            "logsumexp": reduce(torch.logsumexp),
            "squeeze": lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
            "index_select": lambda x, dim, index: torch.index_select(x, dim, targets(index)),
            "nll_loss": with_targets(F.nll_loss),
            "cross_entropy": with_targets(F.cross_entropy),
            "softplus": F.softplus,
            "linear": F.linear,
            "mse_loss": F.mse_loss,
            "gaussian_nll_loss": F.gaussian_nll_loss,
            **{
                name: getattr(F, name)
                for name in ("gelu", "silu", "elu", "leaky_relu", "mish", "hardtanh", "softsign", "prelu")
            },
        },
        METHODS,
        torch,
    )


def numerical_grads(
    f: Callable[..., np.ndarray], arrays: Sequence[np.ndarray], g: np.ndarray, h: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of sum(f(*arrays) * g) with respect to each array (float64)."""
    grads = []
    for k, a in enumerate(arrays):
        grad = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            values = []
            for step in (h, -h):
                moved = [x.copy() for x in arrays]
                moved[k][idx] += step
                values.append(np.sum(f(*moved) * g))
            grad[idx] = (values[0] - values[1]) / (2 * h)
        grads.append(grad)
    return grads


def assert_same_state(a: Any, b: Any) -> None:
    """Two modules have the same state entries, dtypes and values (bit for bit)."""
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name, value in sa.items():
        assert sb[name].dtype == value.dtype, name
        np.testing.assert_array_equal(sb[name], value, err_msg=name)
