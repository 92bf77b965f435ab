"""Data sets, samplers and the DataLoader of ``torch.utils.data``, with its names and defaults.

Batches are collated as PyTorch's ``default_collate`` does, with one difference of this engine:
its tensors are floating point, so integer and boolean values (class labels) are batched into
NumPy arrays (int64 for Python ints), which ``cross_entropy`` and ``vb.train.fit`` take as
targets. Random choices (shuffling, splits, random and weighted samplers) draw from a
``vb.Generator`` (``generator=``), else from the default generator that ``vb.manual_seed`` seeds.
Loading runs in the calling process: ``num_workers`` must be 0.
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .. import _core
from .._checks import check_count, is_int
from ..creation import tensor

# ---- data sets -------------------------------------------------------------------------------


class Dataset:
    """A map-style data set: ``dataset[i]`` for ``0 <= i < len(dataset)``.

    Subclasses define ``__getitem__`` and ``__len__``; ``a + b`` concatenates two data sets.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A data set read as a stream: subclasses define ``__iter__`` (and ``__len__`` if known).

    A DataLoader batches it in the order it yields; it takes no sampler and no shuffle.
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        raise TypeError("an IterableDataset cannot be concatenated with +")


class TensorDataset(Dataset):
    """Samples ``(t0[i], t1[i], ...)`` of tensors or NumPy arrays sharing their first dimension.

    Parameters
    ----------
    *tensors : Tensor or numpy.ndarray
        Indexed along the first dimension.

    Examples
    --------
    >>> ds = vb.utils.data.TensorDataset(vb.tensor([[1.0], [2.0]]), np.array([0, 1]))
    >>> len(ds), ds[1][1]
    (2, np.int64(1))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = []
        for i, t in enumerate(tensors):
            if not isinstance(t, (_core.Tensor, np.ndarray)) or t.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {i} must be a tensor or array with a first dimension, "
                    f"got {type(t).__name__} of shape {tuple(getattr(t, 'shape', ()))}"
                )
            sizes.append(t.shape[0])
        if len(set(sizes)) > 1:
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: int | list[int]) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several map-style data sets one after the other.

    Parameters
    ----------
    datasets : iterable of Dataset
        Non-empty; none of them an ``IterableDataset``.
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of {len(self)} samples")
        d = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[d - 1] if d else 0
        return self.datasets[d][index - start]


def _uniform(n: int, generator: _core.Generator | None) -> np.ndarray:
    """n uniform draws in [0, 1) from a vb.Generator (the default one when None)."""
    if n == 0:
        return np.zeros(0)
    return _core.rand(n, dtype=_core.float64, generator=generator).numpy()


def _permutation(n: int, generator: _core.Generator | None) -> list[int]:
    return np.argsort(_uniform(n, generator), kind="stable").tolist()


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: _core.Generator | None = None
) -> list[Subset]:
    """Splits ``dataset`` at random into non-overlapping Subsets of the given lengths.

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int or float
        Lengths summing to ``len(dataset)``, or fractions summing to 1 (floored, then the
        remainder given one by one to the first subsets, as PyTorch does).
    generator : vb.Generator, optional
        The source of the permutation.

    Returns
    -------
    list of Subset

    Examples
    --------
    >>> parts = vb.utils.data.random_split(range(10), [0.7, 0.3], generator=vb.Generator(0))
    >>> [len(p) for p in parts], sorted(parts[0].indices + parts[1].indices) == list(range(10))
    ([7, 3], True)
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
    if any(not is_int(x) or x < 0 for x in lengths):
        raise ValueError(f"lengths must be non-negative integers or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _permutation(n, generator)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start : start + int(length)]))
        start += int(length)
    return out


# ---- samplers: the order of indices ------------------------------------------------------------


class Sampler:
    """Base class of index samplers: ``__iter__`` yields indices (or lists of them, batch samplers)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1.

    Parameters
    ----------
    data_source : sized
    """

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices: a new permutation each pass, or draws with replacement.

    Parameters
    ----------
    data_source : sized
    replacement : bool
        Draw ``num_samples`` indices with replacement.
    num_samples : int, optional
        How many indices per pass (default ``len(data_source)``; more than that needs
        replacement or takes further permutations).
    generator : vb.Generator, optional
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: _core.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None:
            check_count("num_samples", num_samples)
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = generator

    @property
    def num_samples(self) -> int:
        """Indices per pass."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if self.replacement:
            draws = np.minimum((_uniform(self.num_samples, self.generator) * n).astype(np.int64), n - 1)
            yield from draws.tolist()
            return
        left = self.num_samples
        while left > 0:
            order = _permutation(n, self.generator)
            yield from order[:left]
            left -= len(order[:left])

    def __len__(self) -> int:
        return self.num_samples


class WeightedRandomSampler(Sampler):
    """Indices drawn with probabilities proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative, finite, not all zero.
    num_samples : int
        Indices per pass.
    replacement : bool
        Without replacement, ``num_samples`` must not exceed the number of weights.
    generator : vb.Generator, optional
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: _core.Generator | None = None,
    ) -> None:
        check_count("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights.numpy() if isinstance(weights, _core.Tensor) else weights, dtype=np.float64)
        if w.ndim != 1 or not np.all(np.isfinite(w) & (w >= 0)) or not w.sum() > 0:
            raise ValueError(
                "weights must be a 1-D sequence of non-negative finite numbers, not all zero, got shape "
                f"{w.shape}"
            )
        if not replacement and num_samples > np.count_nonzero(w):
            raise RuntimeError(
                f"cannot draw {num_samples} samples without replacement from {np.count_nonzero(w)} "
                "non-zero weights"
            )
        self.weights, self.num_samples, self.replacement = w, int(num_samples), replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        u = _uniform(self.num_samples if self.replacement else len(self.weights), self.generator)
        if self.replacement:
            cdf = np.cumsum(self.weights) / self.weights.sum()
            draws = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
        else:
            # Efraimidis-Spirakis: the largest u**(1/w) keys are a draw without replacement with
            # the same law as drawing one index at a time.
            with np.errstate(divide="ignore"):
                keys = np.where(self.weights > 0, np.log(u) / self.weights, -np.inf)
            draws = np.argsort(-keys, kind="stable")[: self.num_samples]
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from another sampler.

    Parameters
    ----------
    sampler : Sampler or iterable of int
    batch_size : int
    drop_last : bool
        Drops the last, incomplete batch.
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not is_int(batch_size) or batch_size < 1:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[int]]:
        yield from _chunks(iter(self.sampler), self.batch_size, self.drop_last)

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def _chunks(items: Iterator[Any], size: int, drop_last: bool) -> Iterator[list[Any]]:
    while True:
        chunk = [x for _, x in zip(range(size), items, strict=False)]
        if not chunk or (drop_last and len(chunk) < size):
            return
        yield chunk


# ---- collation ---------------------------------------------------------------------------------


def default_collate(batch: Sequence[Any]) -> Any:
    """Stacks a list of samples into a batch, keeping their structure (PyTorch's default_collate).

    Tensors are stacked; NumPy arrays and scalars become tensors of their dtype (Python floats
    float64, ints int64, bools bool; NumPy integer types without a tensor dtype, such as uint8,
    int64); strings stay lists; dicts, tuples and lists are collated per field (tuples and lists
    give lists, named tuples keep their type).

    Parameters
    ----------
    batch : sequence
        Samples of one structure.

    Returns
    -------
    The batch.

    Examples
    --------
    >>> out = vb.utils.data.default_collate([(np.array([1.0, 2.0]), 0), (np.array([3.0, 4.0]), 1)])
    >>> out[0].shape, out[1].tolist()
    ((2, 2), [0, 1])
    """
    elem = batch[0]
    if isinstance(elem, _core.Tensor):
        return _core.stack(list(batch), 0)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        return _numeric(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, float):
        return _numeric(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, bool):
        return tensor(list(batch), dtype=_core.bool)
    if isinstance(elem, numbers.Integral):
        return tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})  # type: ignore[call-arg]
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch, strict=True)]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem)}"
    )


def _numeric(a: np.ndarray) -> Any:
    if a.dtype.kind == "f":
        return tensor(a, dtype=_core.float64 if a.dtype == np.float64 else _core.float32)
    if a.dtype.kind in "iu":
        return tensor(a if a.dtype in (np.int32, np.int64) else a.astype(np.int64))
    if a.dtype.kind == "b":
        return tensor(a)
    raise TypeError(f"default_collate: batch must contain numeric arrays; found dtype {a.dtype}")


# ---- the loader --------------------------------------------------------------------------------


class DataLoader:
    """Batches of a data set, as ``torch.utils.data.DataLoader`` yields them (in this process).

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        Anything with ``__getitem__`` and ``__len__``, or an iterable data set. A data set with
        ``__getitems__(indices)`` is read a batch at a time, its result passed to ``collate_fn``.
    batch_size : int or None
        Samples per batch; None yields the samples one by one, uncollated.
    shuffle : bool
        A new random order every epoch (a ``RandomSampler``).
    sampler : Sampler or iterable of int, optional
        The order of the indices (instead of ``shuffle``).
    batch_sampler : Sampler or iterable of lists of int, optional
        The batches of indices (instead of ``batch_size``, ``shuffle``, ``sampler``, ``drop_last``).
    num_workers : int
        Must be 0: loading in worker processes is not implemented.
    collate_fn : callable, optional
        Turns a list of samples into a batch (``default_collate``).
    drop_last : bool
        Drops the last, incomplete batch.
    generator : vb.Generator, optional
        The source of the shuffling.

    Examples
    --------
    >>> ds = vb.utils.data.TensorDataset(vb.tensor(np.arange(10.0).reshape(5, 2)), np.arange(5))
    >>> [tuple(x.shape) for x, y in vb.utils.data.DataLoader(ds, batch_size=2)]
    [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[list[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        drop_last: bool = False,
        generator: _core.Generator | None = None,
    ) -> None:
        if not is_int(num_workers) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if num_workers > 0:
            raise NotImplementedError(
                f"num_workers={num_workers}: vb.utils.data.DataLoader loads in the calling process "
                "only; use num_workers=0"
            )
        if batch_size is not None and (not is_int(batch_size) or batch_size < 1):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        self.dataset, self.num_workers, self.generator = dataset, 0, generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                        f"{name}={value}"
                    )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                    "and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.collate_fn = collate_fn or (default_collate if self._auto_batching else _no_collate)

    @property
    def _auto_batching(self) -> bool:
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            samples = iter(self.dataset)
            if self.batch_size is None:
                yield from (self.collate_fn(s) for s in samples)
            else:
                yield from (self.collate_fn(c) for c in _chunks(samples, self.batch_size, self.drop_last))
        elif self.batch_sampler is not None:
            # A data set with __getitems__ fetches a batch in one call (as in PyTorch).
            fetch = getattr(self.dataset, "__getitems__", None)
            for indices in self.batch_sampler:
                indices = list(indices)
                yield self.collate_fn(fetch(indices) if fetch else [self.dataset[i] for i in indices])
        else:
            for i in self.sampler:  # type: ignore[union-attr]
                yield self.collate_fn(self.dataset[i])

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]


def _no_collate(sample: Any) -> Any:
    # Without auto-batching PyTorch only converts NumPy arrays to tensors (default_convert).
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "fiub":
        return _numeric(sample)
    return sample


__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "random_split",
]
