"""Named tuples returned by ops, as ``torch.return_types``: ``x.max(dim)`` gives ``max(values, indices)``."""

from __future__ import annotations

from typing import Any, NamedTuple


class max(NamedTuple):  # noqa: N801  (torch.return_types.max)
    """The largest values along a dimension and their int64 indices."""

    values: Any
    indices: Any


class min(NamedTuple):  # noqa: N801  (torch.return_types.min)
    """The smallest values along a dimension and their int64 indices."""

    values: Any
    indices: Any


__all__ = ["max", "min"]
