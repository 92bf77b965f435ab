"""``vb.tensor``: a copying constructor from Python numbers, nested lists and array-likes."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import DType, Tensor, from_numpy

# NumPy element types a tensor keeps as they are (torch.tensor keeps them too).
_KEPT = ("float32", "float64", "int32", "int64", "bool")


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Parameters
    ----------
    data : number, nested sequence, NumPy array or Tensor
        The values. Ragged or non-numeric data raise ValueError / TypeError.
    dtype : DType, NumPy dtype or name, optional
        The element type. By default it is inferred as ``torch.tensor`` does: Python ints give
        int64, bools give bool and floats float32; NumPy arrays and scalars and tensors keep a
        float32, float64, int32, int64 or bool dtype. Other NumPy types raise TypeError unless
        ``dtype`` is given.
    requires_grad : bool, optional
        Whether to record operations on the result (floating dtypes only).

    Returns
    -------
    Tensor
        A contiguous tensor that owns its memory.
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
    target = _inferred(data, array) if dtype is None else _numpy_dtype(dtype)
    result = from_numpy(np.array(array, dtype=target, order="C", copy=True))
    if requires_grad:
        result.requires_grad_(True)
    return result


def _inferred(data: Any, array: np.ndarray) -> np.dtype:
    # Python floats are float32 by default (as in PyTorch); NumPy data keeps its type.
    from_python = not isinstance(data, (np.ndarray, np.generic, Tensor))
    if array.dtype.kind == "f" and from_python:
        return np.dtype("float32")
    if array.dtype.name not in _KEPT:
        raise TypeError(
            f"tensor(): NumPy dtype {array.dtype.name} has no tensor dtype; tensors are "
            "float32, float64, int32, int64 or bool (pass dtype= to convert)"
        )
    return array.dtype


def _numpy_dtype(dtype: Any) -> np.dtype:
    if isinstance(dtype, DType):
        return np.dtype(dtype.name)
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"tensor(): unsupported dtype {dtype!r}") from None
    if result.name not in _KEPT:
        raise TypeError(
            f"tensor(): unsupported dtype {result.name}; tensors are float32, float64, int32, int64 or bool"
        )
    return result
