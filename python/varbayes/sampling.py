"""Integer random tensors: ``vb.randint`` and ``vb.randperm``, drawn from the same counter-based
generators as ``vb.rand`` (float64 uniforms, so every integer below 2**53 is reachable)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Generator, Tensor, float64, from_numpy, int64, rand
from .creation import tensor


def randint(
    *args: Any, generator: Generator | None = None, dtype: Any = int64, requires_grad: bool = False
) -> Tensor:
    """Integers drawn uniformly from [low, high), as ``torch.randint``.

    Parameters
    ----------
    *args
        ``(high, size)`` or ``(low, high, size)``; size is a tuple of ints.
    generator : Generator, optional
        The generator to draw from (the default generator when None).
    dtype : DType, optional
        The result's dtype (int64 by default).
    requires_grad : bool, optional
        Only for floating dtypes, as in torch.

    Returns
    -------
    Tensor
        A tensor of the given size.
    """
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError(f"randint() takes (high, size) or (low, high, size), got {len(args)} arguments")
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (low, high)):
        raise TypeError(f"randint(): low and high must be integers, got {low!r} and {high!r}")
    if high <= low:
        raise ValueError(f"randint(): expected low < high, got low={low}, high={high}")
    if high - low > 2**53:
        raise ValueError(f"randint(): the range high - low = {high - low} is larger than 2**53")
    u = rand(*tuple(size), dtype=float64, generator=generator).numpy()
    # floor(low + u * span) stays below high: u < 1 and the span is exact in float64.
    values = low + np.minimum(np.floor(u * (high - low)), high - low - 1).astype(np.int64)
    return tensor(values, dtype=dtype, requires_grad=requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = int64) -> Tensor:
    """A random permutation of 0..n-1, as ``torch.randperm``.

    Parameters
    ----------
    n : int
        The number of elements (non-negative).
    generator : Generator, optional
        The generator to draw from (the default generator when None).
    dtype : DType, optional
        The result's dtype (int64 by default).

    Returns
    -------
    Tensor
        A 1-D tensor holding each of 0..n-1 once.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"randperm(): n must be a non-negative integer, got {n!r}")
    keys = rand(int(n), dtype=float64, generator=generator).numpy()
    order = np.argsort(keys, kind="stable").astype(np.int64)
    return from_numpy(order) if dtype == int64 else tensor(order, dtype=dtype)
