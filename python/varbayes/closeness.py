"""Tolerance comparisons of tensors: ``vb.isclose``, ``vb.allclose`` and ``vb.equal``, as torch's."""

from __future__ import annotations

from . import _core
from ._core import Tensor, logical_and, logical_or


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (or equal), as ``torch.isclose``.

    Parameters
    ----------
    input, other : Tensor
        The values compared (broadcasting); infinities are close only to themselves.
    rtol, atol : float, optional
        Relative and absolute tolerance.
    equal_nan : bool, optional
        Whether two NaNs count as close.

    Returns
    -------
    Tensor
        A bool tensor of the broadcast shape.
    """
    close = input == other
    if _core.bool in (input.dtype, other.dtype):
        return close  # bool values have no distance; torch compares them exactly too
    if equal_nan:
        close = logical_or(close, logical_and(input != input, other != other))
    error = _core.abs(input - other)
    finite = (error - error) == 0  # false for inf and NaN
    return logical_or(close, logical_and(finite, error <= atol + rtol * _core.abs(other)))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether every element of ``isclose(input, other, ...)`` holds, as a Python bool."""
    return isclose(input, other, rtol, atol, equal_nan).all().item()


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements (dtypes may differ), as ``torch.equal``."""
    return input.shape == other.shape and (input == other).all().item()
