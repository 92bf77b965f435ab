"""Argument checks shared by the Python layer, so that each is spelled once."""

from __future__ import annotations

import numbers
from typing import Any


def is_int(value: Any) -> bool:
    """A Python or NumPy integer; never a bool (``True`` is not a batch size of 1)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_count(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as a Python int (NumPy integers reach deque(maxlen=) and JSON, which refuse
    them); a ValueError naming ``name`` unless it is an integer >= ``minimum`` (1 or 0)."""
    if not is_int(value) or value < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{name} must be {kind} integer, got {value!r}")
    return int(value)
