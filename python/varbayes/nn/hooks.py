"""Forward hooks of modules (``register_forward_pre_hook`` / ``register_forward_hook``), as
PyTorch's. The C++ Module keeps one ``ForwardHooks`` per hooked module, so hooks also fire when a
C++ container (Sequential) calls the module."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

_ids = itertools.count()


class RemovableHandle:
    """Returned by the hook registrations; ``remove()`` (or leaving a ``with`` block) unregisters
    the hook."""

    def __init__(self, hooks: dict[int, Callable[..., Any]]) -> None:
        self._hooks = hooks
        self.id = next(_ids)

    def remove(self) -> None:
        """Unregisters the hook (again is a no-op)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class ForwardHooks:
    """The forward pre-hooks and hooks of one module, each run in registration order."""

    def __init__(self) -> None:
        self.pre: dict[int, Callable[..., Any]] = {}
        self.post: dict[int, Callable[..., Any]] = {}

    def add(self, kind: str, hook: Callable[..., Any]) -> RemovableHandle:
        """Registers hook as a 'pre' hook ``hook(module, args)`` or a 'post' hook
        ``hook(module, args, output)``; returns its handle."""
        if not callable(hook):
            raise TypeError(f"forward hook must be callable, got {type(hook).__name__}")
        hooks = self.pre if kind == "pre" else self.post
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def call(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """module.forward(*args, **kwargs) through the hooks: a pre-hook's non-None result replaces
        the arguments (a non-tuple becomes a 1-tuple), a hook's non-None result the output."""
        for hook in list(self.pre.values()):
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = module.forward(*args, **kwargs)
        for hook in list(self.post.values()):
            result = hook(module, args, output)
            if result is not None:
                output = result
        return output
