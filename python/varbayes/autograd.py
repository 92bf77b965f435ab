"""Grad-mode context managers (thread-local, as the engine's grad mode)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ._core import is_grad_enabled, set_grad_enabled

F = TypeVar("F", bound=Callable[..., Any])


class ModeSwitch:
    """Sets a thread-local engine flag inside a ``with`` block, or around every call of a
    decorated function (each call gets its own switch, so decorated functions are re-entrant)."""

    def __init__(self, mode: bool, get: Callable[[], bool], set_: Callable[[bool], None]) -> None:
        self._mode, self._get, self._set = mode, get, set_
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(self._get())
        self._set(self._mode)

    def __exit__(self, *exc: object) -> None:
        self._set(self._previous.pop())

    def __call__(self, func: F) -> F:
        mode, get, set_ = self._mode, self._get, self._set

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with ModeSwitch(mode, get, set_):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(ModeSwitch):  # noqa: N801  (PyTorch's spelling)
    """Ops inside do not record the autograd graph: ``with vb.no_grad(): ...`` or ``@vb.no_grad()``."""

    def __init__(self) -> None:
        super().__init__(False, is_grad_enabled, set_grad_enabled)


class enable_grad(ModeSwitch):  # noqa: N801
    """Turns graph recording back on inside a ``no_grad`` region."""

    def __init__(self) -> None:
        super().__init__(True, is_grad_enabled, set_grad_enabled)
