"""The Python halves of the C++ Module API: the ``Parameter`` class and the result of
``Module.load_state_dict``."""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import _core
from .._core import Tensor


class _ParameterMeta(type(Tensor)):  # type: ignore[misc]
    # A module's parameters are engine tensors flagged as parameters (the C++ core registers them);
    # isinstance asks the flag, as PyTorch's metaclass does for tensors marked as parameters.
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and _core.is_parameter(obj)


class Parameter(Tensor, metaclass=_ParameterMeta):
    """A tensor that a Module registers as a parameter when assigned to one of its attributes.

    ``Parameter(data, requires_grad=True)`` returns a detached alias of ``data`` (the same
    memory) flagged as a parameter; the object is a ``Tensor``, and ``isinstance(p, Parameter)``
    is true for it and for every tensor in ``module.parameters()``.

    Parameters
    ----------
    data : Tensor, optional
        The values (an empty float32 tensor when None).
    requires_grad : bool
        Whether the optimizer should see a gradient for it.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Tensor:  # type: ignore[misc]
        return _core.Parameter(_core.empty(0) if data is None else data, requires_grad)


class IncompatibleKeys(NamedTuple):
    """What ``Module.load_state_dict`` could not match: keys the module has that the state lacks,
    and keys of the state the module does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"
