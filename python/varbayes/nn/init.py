"""Parameter initialisation (``vb.nn.init``), as ``torch.nn.init``: every function fills its
tensor in place without recording a graph and returns it. Random fills draw from varbayes'
generator (``generator=``, else the default one), so a seed reproduces them; the values are not
PyTorch's random stream."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import _core
from .._core import Generator, Tensor
from ..autograd import no_grad
from ..creation import tensor as new_tensor

_UNIT_GAIN = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as PyTorch's.

    Parameters
    ----------
    nonlinearity : str
        'linear', 'conv1d'..'conv_transpose3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu' or 'selu'.
    param : float, optional
        The negative slope of 'leaky_relu' (default 0.01).

    Returns
    -------
    float
    """
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel): in and out times the kernel size.

    Parameters
    ----------
    tensor : Tensor
        At least 2-D.

    Returns
    -------
    tuple of int
    """
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


# PyTorch code calls the private spelling.
_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        tensor.copy_(values if isinstance(values, Tensor) else new_tensor(values, dtype=tensor.dtype))
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fills tensor with U(a, b) draws.

    Parameters
    ----------
    tensor : Tensor
    a, b : float
        Lower and upper bound.
    generator : Generator, optional

    Returns
    -------
    Tensor
        tensor itself.
    """
    u = _core.rand(*tensor.shape, dtype=tensor.dtype, generator=generator)
    return _fill(tensor, u * (b - a) + a)


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fills tensor with N(mean, std**2) draws.

    Parameters
    ----------
    tensor : Tensor
    mean, std : float
    generator : Generator, optional

    Returns
    -------
    Tensor
        tensor itself.
    """
    z = _core.randn(*tensor.shape, dtype=tensor.dtype, generator=generator)
    return _fill(tensor, z * std + mean)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Fills tensor with N(mean, std**2) draws truncated to [a, b] (inverse-CDF sampling).

    Parameters
    ----------
    tensor : Tensor
    mean, std : float
    a, b : float
        Absolute bounds, a < b.
    generator : Generator, optional

    Returns
    -------
    Tensor
        tensor itself.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: a must be below b, got a={a}, b={b}")
    from scipy import special  # on first use: ``import varbayes`` does not load SciPy

    lo, hi = special.ndtr((a - mean) / std), special.ndtr((b - mean) / std)
    u = _core.rand(*tensor.shape, dtype=_core.float64, generator=generator).numpy()
    values = mean + std * special.ndtri(lo + u * (hi - lo))
    return _fill(tensor, np.clip(values, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills tensor with val; returns it."""
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fills tensor with 0; returns it."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fills tensor with 1; returns it."""
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fills a 2-D tensor with the identity (ones on the diagonal); returns it."""
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (got shape {tuple(tensor.shape)})")
    return _fill(tensor, _core.eye(*tensor.shape, dtype=tensor.dtype))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)); returns tensor."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)); returns tensor."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan).

    Parameters
    ----------
    tensor : Tensor
        At least 2-D.
    a : float
        Negative slope of the leaky_relu that follows (for the gain).
    mode : {'fan_in', 'fan_out'}
    nonlinearity : str
        See :func:`calculate_gain`.
    generator : Generator, optional

    Returns
    -------
    Tensor
        tensor itself.
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan); arguments as :func:`kaiming_uniform_`."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fills tensor (viewed as rows x rest) with a (semi-)orthogonal matrix times gain: the Q of a
    QR decomposition of a Gaussian matrix, signs fixed by R's diagonal; returns tensor.

    Parameters
    ----------
    tensor : Tensor
        At least 2-D.
    gain : float
    generator : Generator, optional

    Returns
    -------
    Tensor
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"Only tensors with 2 or more dimensions are supported (got shape {tuple(tensor.shape)})"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _core.randn(rows, cols, dtype=_core.float64, generator=generator).numpy()
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
