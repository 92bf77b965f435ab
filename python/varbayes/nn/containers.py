"""Containers and shape layers written in Python on top of the C++ Module: ModuleList,
ModuleDict, ParameterList, ParameterDict, Flatten and Unflatten, as in ``torch.nn``. Their
members are ordinary registered submodules/parameters, so parameters(), state_dict(), optimizers
and checkpoints see them under PyTorch's key names ("0.weight", "block.bias", "0")."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .. import _core, io
from .._checks import is_int
from .._core import Module, Tensor
from .modules import Parameter


def _index(container: Module, idx: Any) -> int:
    """idx as a position in [0, len(container)); IndexError as a Python list's."""
    n = len(container)
    i = operator.index(idx)
    if not -n <= i < n:
        raise IndexError(f"index {idx} is out of range for {type(container).__name__} of length {n}")
    return i % n


class ModuleList(Module):
    """Holds submodules in a list; they are registered under the names "0", "1", ...

    Parameters
    ----------
    modules : iterable of Module, optional
        Initial modules.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _reset(self, modules: list[Module]) -> None:
        # Renumbers after an insertion or deletion so the names stay "0".."n-1", as PyTorch's.
        for name, _ in self.named_children():
            delattr(self, name)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self.named_children())

    def __iter__(self) -> Iterator[Module]:
        return iter(self.children())

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(self.children()[idx])
        return self.children()[_index(self, idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(self, idx)), module)

    def __delitem__(self, idx: int | slice) -> None:
        modules = self.children()
        del modules[idx if isinstance(idx, slice) else _index(self, idx)]
        self._reset(modules)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Adds module at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Appends every module of an iterable; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, got {type(modules).__name__}"
            )
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Inserts module before position index (as list.insert)."""
        modules = self.children()
        modules.insert(operator.index(index), module)
        self._reset(modules)

    def pop(self, idx: int = -1) -> Module:
        """Removes and returns the module at idx."""
        module = self[idx]
        del self[idx]
        return module

    def __repr__(self) -> str:
        # PyTorch's layout: runs of identical consecutive children print once as "(i-j): n x child".
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                child = reprs[start].replace("\n", "\n  ")
                label = f"({start})" if i - start == 1 else f"({start}-{i - 1}): {i - start} x"
                lines.append(f"{label}: {child}" if i - start == 1 else f"{label} {child}")
                start = i
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


class _NamedDict(Module):
    """The dict interface of ModuleDict and ParameterDict over a module's direct members, in
    insertion order: subclasses give the members (``items``) and register one (``__setitem__``)."""

    def __init__(self, values: Any = None) -> None:
        super().__init__()
        if values is not None:
            self.update(values)

    def items(self) -> list[tuple[str, Any]]:
        """(name, member) pairs, in insertion order."""
        raise NotImplementedError

    def __setitem__(self, key: str, value: Any) -> None:
        raise NotImplementedError

    def __getitem__(self, key: str) -> Any:
        return dict(self.items())[key]

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self.items())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def keys(self) -> list[str]:
        """The names, in insertion order."""
        return [name for name, _ in self.items()]

    def values(self) -> list[Any]:
        """The members, in insertion order."""
        return [value for _, value in self.items()]

    def pop(self, key: str) -> Any:
        """Removes and returns the member of that name."""
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        """Removes every member."""
        for key in self.keys():
            del self[key]

    def update(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Adds (or replaces) members from a mapping or from (name, value) pairs."""
        kind = type(self).__name__
        if isinstance(values, Mapping):
            pairs = list(values.items())
        elif isinstance(values, Iterable):
            pairs = []
            for j, item in enumerate(values):
                if not isinstance(item, (tuple, list)) or len(item) != 2:
                    raise ValueError(
                        f"{kind}.update: element #{j} should be a (name, value) pair, got {item!r}"
                    )
                pairs.append(tuple(item))
        else:
            raise TypeError(
                f"{kind}.update should be called with a mapping or pairs, got {type(values).__name__}"
            )
        for key, value in pairs:
            self[key] = value


class ModuleDict(_NamedDict):
    """Holds submodules by name, in insertion order.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional
        Initial modules.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__(modules)

    def items(self) -> list[tuple[str, Module]]:
        """(name, module) pairs, in insertion order."""
        return list(self.named_children())

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)


class ParameterDict(_NamedDict):
    """Holds parameters by name, in insertion order; plain tensors are wrapped in
    :class:`Parameter` (requires_grad=True).

    Parameters
    ----------
    parameters : mapping or iterable of (str, Tensor) pairs, optional
        Initial parameters.
    """

    def __init__(self, parameters: Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None = None) -> None:
        super().__init__(parameters)

    def items(self) -> list[tuple[str, Tensor]]:
        """(name, parameter) pairs, in insertion order."""
        return list(self.named_parameters(recurse=False))

    def __setitem__(self, key: str, value: Tensor) -> None:
        self.register_parameter(key, _as_parameter(value))

    def extra_repr(self) -> str:
        # PyTorch names the tensor type here ("FloatTensor"), where ParameterList names the dtype.
        types = {"float32": "FloatTensor", "float64": "DoubleTensor"}
        return _parameter_lines(self.items(), lambda p: f"varbayes.{types[p.dtype.name]}")


def _parameter_lines(items: list[tuple[str, Tensor]], type_name: Callable[[Tensor], str]) -> str:
    """PyTorch's repr lines of a parameter container: "(name): Parameter containing: [type of size AxB]"."""
    return "\n".join(
        f"  ({name}): Parameter containing: [{type_name(p)} of size {'x'.join(map(str, p.shape))}]"
        for name, p in items
    )


class ParameterList(Module):
    """Holds parameters in a list, registered under the names "0", "1", ...; plain tensors are
    wrapped in :class:`Parameter` (requires_grad=True).

    Parameters
    ----------
    values : iterable of Tensor, optional
        Initial parameters.
    """

    def __init__(self, values: Iterable[Tensor] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return len(self.named_parameters(recurse=False))

    def __iter__(self) -> Iterator[Tensor]:
        return iter(self.parameters(recurse=False))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(self.parameters(recurse=False)[idx])
        return getattr(self, str(_index(self, idx)))

    def __setitem__(self, idx: int, value: Tensor) -> None:
        self.register_parameter(str(_index(self, idx)), _as_parameter(value))

    def append(self, value: Tensor) -> ParameterList:
        """Adds a parameter at the end; returns self."""
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Tensor]) -> ParameterList:
        """Appends every tensor of an iterable; returns self."""
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                f"ParameterList.extend should be called with an iterable, got {type(values).__name__}"
            )
        for v in list(values):
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return _parameter_lines(self.named_parameters(recurse=False), lambda p: f"varbayes.{p.dtype.name}")


def _as_parameter(value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"ParameterList holds tensors, got {type(value).__name__}")
    return value if isinstance(value, Parameter) else Parameter(value)


class Flatten(Module):
    """Merges dimensions start_dim..end_dim into one (by default all but the batch dimension).

    Parameters
    ----------
    start_dim, end_dim : int
        First and last dimension to merge (negative counts from the end).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension ``dim`` into ``unflattened_size`` (one entry may be -1).

    Parameters
    ----------
    dim : int
        The dimension to split (negative counts from the end).
    unflattened_size : tuple or list of int
        The new sizes; their product must equal the size of ``dim``.
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)) or not all(is_int(s) for s in unflattened_size):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got {unflattened_size!r}"
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        shape = list(input.shape)
        d = self.dim % len(shape) if -len(shape) <= self.dim < len(shape) else None
        if d is None:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for a {len(shape)}-d input")
        return input.reshape(*shape[:d], *self.unflattened_size, *shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size!r}"


# Checkpoints: module lists and dicts are rebuilt empty (their children are restored by name
# afterwards); parameter containers are built with placeholders of the saved shapes that load fills.
for _cls in (ModuleList, ModuleDict):
    io.register_module_type(_cls, lambda m: {}, lambda c, cls=_cls: cls())


def _parameter_specs(m: Any) -> dict[str, Any]:
    return {
        "parameters": [[n, list(p.shape), p.dtype.name, p.requires_grad] for n, p in m.named_parameters()]
    }


def _placeholders(c: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(n, Parameter(_core.zeros(*shape, dtype=dt), rg)) for n, shape, dt, rg in c["parameters"]]


io.register_module_type(
    ParameterList, _parameter_specs, lambda c: ParameterList(p for _, p in _placeholders(c))
)
io.register_module_type(ParameterDict, _parameter_specs, lambda c: ParameterDict(_placeholders(c)))
io.register_module_type(
    Flatten, lambda m: {"start_dim": m.start_dim, "end_dim": m.end_dim}, lambda c: Flatten(**c)
)
io.register_module_type(
    Unflatten,
    lambda m: {"dim": m.dim, "unflattened_size": list(m.unflattened_size)},
    lambda c: Unflatten(c["dim"], tuple(c["unflattened_size"])),
)

__all__ = ["Flatten", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Unflatten"]
