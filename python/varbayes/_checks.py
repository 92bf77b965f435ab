"""Argument checks shared by the Python layer, so that each is spelled once."""

from __future__ import annotations

import numbers
from typing import Any


def is_int(value: Any) -> bool:
    """A Python or NumPy integer; never a bool (``True`` is not a batch size of 1)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
