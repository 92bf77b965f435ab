"""Grad-mode context managers (thread-local, as the engine's grad mode)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ._core import is_grad_enabled, set_grad_enabled

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    """Sets grad mode inside a ``with`` block, or around every call of a decorated function."""

    _mode: bool

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(is_grad_enabled())
        set_grad_enabled(self._mode)

    def __exit__(self, *exc: object) -> None:
        set_grad_enabled(self._previous.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801  (PyTorch's spelling)
    """Ops inside do not record the autograd graph: ``with vb.no_grad(): ...`` or ``@vb.no_grad()``."""

    _mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Turns graph recording back on inside a ``no_grad`` region."""

    _mode = True
