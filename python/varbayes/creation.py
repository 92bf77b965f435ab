"""``vb.tensor``: a copying constructor from Python numbers, nested lists and array-likes."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Tensor, float32, float64, from_numpy


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    The dtype defaults to float32, except that float64 NumPy arrays and float64 tensors keep
    float64. Integers and booleans are converted. Ragged or non-numeric data raise an error.
    """
    if isinstance(data, Tensor):
        array = data.numpy()
    else:
        try:
            array = np.asarray(data)
        except ValueError as exc:  # NumPy refuses ragged nested sequences
            raise ValueError(
                f"tensor(): ragged nested sequence, every row must have the same length ({exc})"
            ) from None
    if array.dtype == object:
        raise ValueError(
            "tensor(): data must be numbers in a rectangular nesting, got objects or a ragged sequence"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tensor(): unsupported element type {array.dtype}; expected numbers")
    if dtype is None:
        dtype = float64 if array.dtype == np.float64 and not _is_python_data(data) else float32
    target = (
        np.dtype("float64") if dtype in (float64, "float64", np.float64) else np.dtype(_numpy_name(dtype))
    )
    result = from_numpy(np.array(array, dtype=target, order="C", copy=True))
    if requires_grad:
        result.requires_grad_(True)
    return result


def _is_python_data(data: Any) -> bool:
    # Python floats are float32 by default (as in PyTorch); NumPy float64 arrays stay float64.
    return not isinstance(data, (np.ndarray, np.generic, Tensor))


def _numpy_name(dtype: Any) -> str:
    if dtype in (float32, "float32", np.float32):
        return "float32"
    name = np.dtype(dtype).name
    if name not in ("float32", "float64"):
        raise TypeError(f"tensor(): unsupported dtype {name}; tensors are float32 or float64")
    return name
