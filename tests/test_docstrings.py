"""Every public name has a docstring: the API reference (docs/api/) is generated from them."""

from __future__ import annotations

import importlib
import re
import types

import pytest

# The public namespaces: each one's __all__ is its public surface.
NAMESPACES = (
    "varbayes",
    "varbayes.nn",
    "varbayes.nn.functional",
    "varbayes.nn.utils",
    "varbayes.optim",
    "varbayes.optim.lr_scheduler",
    "varbayes.train",
    "varbayes.infer",
    "varbayes.metrics",
    "varbayes.io",
    "varbayes.data",
    "varbayes.plot",
    "varbayes.ncsm",
)


def own_doc(obj: object) -> str:
    """The docstring written for obj itself (an instance such as vb.float32 is documented by its type).

    Generated text does not count: the signature lines pybind11 puts in a function's docstring and
    the signature a dataclass gets as its docstring, nor a docstring inherited from a base class.
    """
    if not isinstance(obj, (type, types.ModuleType)) and not callable(obj):
        obj = type(obj)
    doc = obj.__doc__
    if isinstance(obj, type) and any(doc is base.__doc__ for base in obj.__mro__[1:]):
        return ""
    name = re.escape(getattr(obj, "__name__", ""))
    signature = re.compile(rf"^\s*(\d+\.\s+)?{name}\(.*\)( -> .*)?$|^Overloaded function\.$")
    return "\n".join(line for line in (doc or "").splitlines() if not signature.match(line)).strip()


def public_names(namespace: str) -> list[str]:
    """The namespace's __all__, or else the public names it defines itself."""
    module = importlib.import_module(namespace)
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    return sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_") and getattr(obj, "__module__", None) == namespace
    )


CASES = [(ns, name) for ns in NAMESPACES for name in public_names(ns)]


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_namespace_has_docstring_and_names(namespace):
    module = importlib.import_module(namespace)
    assert own_doc(module), f"{namespace} has no module docstring"
    assert public_names(namespace), f"{namespace} has no public names"


@pytest.mark.parametrize(("namespace", "name"), CASES, ids=[f"{ns}.{n}" for ns, n in CASES])
def test_public_name_has_docstring(namespace, name):
    obj = getattr(importlib.import_module(namespace), name)
    assert own_doc(obj), f"{namespace}.{name} has no docstring"
