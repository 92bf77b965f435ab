"""Minibatches of (x, y) arrays for ``fit`` and ``sgld_sample``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _core
from ._checks import check_count
from .creation import tensor
from .utils import data


class DataLoader(data.DataLoader):
    """Minibatches of (x, y) from NumPy arrays or tensors; seeded shuffling, optional drop_last.

    A ``vb.utils.data.DataLoader`` over the rows of the arrays (its ``dataset``), which it slices
    a batch at a time. y may be None (yields x only); float arrays become tensors (float64 kept),
    integer targets stay NumPy int64 arrays (class labels).

    Parameters
    ----------
    x, y : array or Tensor
        Inputs and targets with the sample dimension first (y optional).
    batch_size : int
        Rows per batch.
    shuffle : bool
        A new seeded permutation every epoch.
    drop_last : bool
        Drops the last, incomplete batch.
    seed : int, optional
        The shuffling seed (NumPy's ``default_rng``).
    """

    def __init__(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        self.x = _as_array(x, "x")
        self.y = None if y is None else _as_array(y, "y")
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"x has {len(self.x)} rows but y has {len(self.y)}")
        rows = ArrayRows(self.x, self.y)
        super().__init__(
            rows,
            check_count("batch_size", batch_size),
            sampler=SeededPermutation(len(rows), seed) if shuffle else None,
            drop_last=drop_last,
            collate_fn=lambda batch: batch,  # ArrayRows.__getitems__ gives whole batches
        )


class ArrayRows(data.Dataset):
    """The rows of x (and y) as a data set; ``__getitems__`` slices a batch of rows at once.

    Parameters
    ----------
    x : numpy.ndarray
    y : numpy.ndarray, optional
    """

    def __init__(self, x: np.ndarray, y: np.ndarray | None) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> Any:
        return self.__getitems__([index])

    def __getitems__(self, indices: list[int]) -> Any:
        """The batch of these rows: x, or (x, y), as tensors (integer targets as int64 arrays)."""
        xb = _to_tensor(self.x[indices])
        return xb if self.y is None else (xb, _to_tensor(self.y[indices]))


class SeededPermutation(data.Sampler):
    """A new permutation of range(n) each pass, from NumPy's ``default_rng(seed)``.

    Parameters
    ----------
    n : int
    seed : int, optional
    """

    def __init__(self, n: int, seed: int | None) -> None:
        self.n, self.rng = n, np.random.default_rng(seed)

    def __iter__(self) -> Iterator[int]:
        return iter(self.rng.permutation(self.n).tolist())

    def __len__(self) -> int:
        return self.n


def loader_of(data: Any, batch_size: int, shuffle: bool, seed: int | None, name: str) -> Any:
    """The minibatch loader for ``data``: (x, y) arrays become a ``DataLoader``; a loader (this
    module's, or a ``vb.utils.data.DataLoader``) is used as it is. Refuses a loader that yields
    nothing (drop_last with fewer rows than a batch): looping over it would do no work and report
    no error.

    Parameters
    ----------
    data : DataLoader, vb.utils.data.DataLoader or (x, y)
        What ``fit`` or ``sgld_sample`` was given.
    batch_size, shuffle, seed
        For a ``DataLoader`` built from arrays.
    name : str
        How errors name the loader.

    Returns
    -------
    An iterable of (x, y) batches with ``len``.
    """
    loader = DataLoader(*data, batch_size, shuffle, seed=seed) if isinstance(data, (tuple, list)) else data
    if not (hasattr(loader, "__iter__") and hasattr(loader, "__len__")):
        raise TypeError(
            f"{name} must be (x, y) arrays or a loader of batches with len(), got {type(data).__name__}"
        )
    if len(loader) == 0:
        if isinstance(loader, DataLoader):
            raise ValueError(
                f"{name} yields no batch: {len(loader.x)} rows, batch_size={loader.batch_size} and "
                "drop_last=True; use a batch size of at most the number of rows or drop_last=False"
            )
        raise ValueError(f"{name} yields no batch (len() is 0)")
    return loader


def dataset_size(loader: Any) -> int:
    """The number of data points a loader draws its batches from (N of the ELBO and of SGLD).

    Parameters
    ----------
    loader : vb.utils.data.DataLoader
        (which ``DataLoader`` is)

    Returns
    -------
    int
    """
    return len(loader.dataset)


def _as_array(a: Any, name: str) -> np.ndarray:
    arr = a.numpy() if isinstance(a, _core.Tensor) else np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a sample dimension, got a scalar")
    if len(arr) == 0:  # (before the finiteness check, whose reshape cannot infer a size from 0 rows)
        raise ValueError(f"DataLoader got zero samples ({name} has shape {arr.shape})")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
        if bad.any():
            raise ValueError(f"{name} has non-finite values (NaN or inf) in row {int(np.argmax(bad))}")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


def _to_tensor(a: np.ndarray) -> Any:
    if a.dtype.kind in "iub":
        return a.astype(np.int64)
    return tensor(a, dtype=_core.float64 if a.dtype == np.float64 else _core.float32)


__all__ = ["ArrayRows", "DataLoader", "SeededPermutation", "dataset_size", "loader_of"]
