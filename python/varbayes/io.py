"""Checkpoints without pickle: ``vb.save(obj, path)`` / ``vb.load(path)``.

File layout (little-endian): the 8-byte magic ``VARBAYES``, a uint32 format version, a uint64
header length, a UTF-8 JSON header, the raw array bytes, and a SHA-256 of everything before it.
The header describes the object tree (modules as type + config + children + state, objects of
the types registered with ``register`` as their tagged state, dicts/lists/numbers/strings) and
where each array lies. Loading never executes code from the file; only registered types can be
built. Files are written to a temporary file, flushed to disk and renamed, so a crash never
leaves half a file.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import _core
from ._checks import is_int
from ._fs import atomic_write_bytes
from .creation import tensor

MAGIC = b"VARBAYES"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIQ")
_DIGEST = 32


class CheckpointError(ValueError):
    """A file that is not a valid varbayes checkpoint (foreign, truncated or corrupted)."""


# ---- types that can be saved ------------------------------------------------------------------
# Each savable type registers itself where it is defined, so this module imports nothing above it.
# A module type is rebuilt from a config and its state; any other type is turned into a state of
# plain values and arrays and back.

_MODULE_TYPES: dict[str, tuple[Callable[[Any], dict[str, Any]], Callable[[dict[str, Any]], Any]]] = {}
_TYPES: dict[str, tuple[type, Callable[[Any], Any], Callable[[Any], Any]]] = {}
# Files of format 1 name a registered type by its tag only; these tags were written before the
# defining module was recorded, so loading them imports that module from here.
_FORMAT_1_DEFINERS = {"scaler": "varbayes.ncsm.preprocess", "sample_bank": "varbayes.infer"}
# The header's structural entries ("__array__", "__dict__", ...), which no registered type may shadow.
_RESERVED_TAGS = ("array", "dict", "list", "module", "module_ref", "tensor")


def register_module_type(
    cls: type, config: Callable[[Any], dict[str, Any]], build: Callable[[dict[str, Any]], Any]
) -> None:
    """Makes a Module class savable and loadable.

    Parameters
    ----------
    cls : type
        A ``vb.nn.Module`` subclass.
    config : callable
        ``config(module)`` gives the JSON-able constructor arguments of a module.
    build : callable
        ``build(config)`` constructs a module from them; its children and state are restored
        afterwards.
    """
    _MODULE_TYPES[_type_key(cls)] = (config, build)


def register(cls: type, tag: str, to_state: Callable[[Any], Any], from_state: Callable[[Any], Any]) -> None:
    """Makes instances of a (non-Module) class savable with ``vb.save``.

    Parameters
    ----------
    cls : type
        The class; instances of its subclasses are saved with it unless they register themselves.
    tag : str
        The name of the type in the file (a lowercase identifier, unique among registered types).
    to_state : callable
        ``to_state(obj)`` gives what is saved: numbers, strings, arrays, tensors, modules, and
        dicts/lists of them.
    from_state : callable
        ``from_state(state)`` gives what ``vb.load`` returns for it.

    Examples
    --------
    >>> class Interval:
    ...     def __init__(self, lo, hi):
    ...         self.lo, self.hi = lo, hi
    >>> vb.io.register(Interval, "interval", lambda i: [i.lo, i.hi], lambda s: Interval(*s))
    """
    if not tag.isidentifier() or tag != tag.lower() or tag.startswith("_"):
        raise ValueError(f"a type tag must be a lowercase identifier not starting with '_', got {tag!r}")
    if tag in _RESERVED_TAGS:
        raise ValueError(
            f"the tag {tag!r} is reserved for the file's own entries ({', '.join(_RESERVED_TAGS)})"
        )
    if tag in _TYPES and _TYPES[tag][0] is not cls:
        raise ValueError(f"the tag {tag!r} is already registered for {_TYPES[tag][0].__qualname__}")
    _TYPES[tag] = (cls, to_state, from_state)


def _type_key(cls: type) -> str:
    # Qualified names, so a user class that shares a builtin's short name cannot collide with it.
    return f"{cls.__module__}.{cls.__qualname__}"


def _tag_of(obj: Any) -> str | None:
    """The tag of the most derived registered class of ``obj``."""
    tags = {cls: tag for tag, (cls, _, _) in _TYPES.items()}
    return next((tags[c] for c in type(obj).__mro__ if c in tags), None)


def _import_definer(module: str) -> None:
    """Imports a module of this package that registers a type a file names (never any other)."""
    if module.split(".")[0] == __name__.split(".")[0]:
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # the caller reports the unknown type


def _register_builtins() -> None:
    nn = _core
    register_module_type(nn.Sequential, lambda m: {}, lambda c: nn.Sequential())
    for cls in (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Softplus, nn.Identity, nn.SiLU, nn.Mish, nn.Softsign):
        register_module_type(cls, lambda m: {}, lambda c, cls=cls: cls())
    register_module_type(
        nn.GELU, lambda m: {"approximate": m.approximate}, lambda c: nn.GELU(c["approximate"])
    )
    register_module_type(nn.ELU, lambda m: {"alpha": m.alpha}, lambda c: nn.ELU(c["alpha"]))
    register_module_type(
        nn.LeakyReLU,
        lambda m: {"negative_slope": m.negative_slope},
        lambda c: nn.LeakyReLU(c["negative_slope"]),
    )
    register_module_type(
        nn.Hardtanh,
        lambda m: {"min_val": m.min_val, "max_val": m.max_val},
        lambda c: nn.Hardtanh(c["min_val"], c["max_val"]),
    )
    for cls in (nn.Softmax, nn.LogSoftmax):
        register_module_type(cls, lambda m: {"dim": m.dim}, lambda c, cls=cls: cls(c["dim"]))
    register_module_type(
        nn.PReLU,
        lambda m: {"num_parameters": m.num_parameters, "dtype": m.weight.dtype.name},
        lambda c: nn.PReLU(c["num_parameters"], dtype=c["dtype"]),
    )
    register_module_type(nn.Dropout, lambda m: {"p": m.p}, lambda c: nn.Dropout(c["p"]))

    def linear_config(m: Any) -> dict[str, Any]:
        weight = m.weight if hasattr(m, "weight") and isinstance(m, nn.Linear) else m.weight_mu
        return {
            "in_features": m.in_features,
            "out_features": m.out_features,
            "bias": (m.bias if isinstance(m, nn.Linear) else m.bias_mu) is not None,
            "dtype": weight.dtype.name,
        }

    register_module_type(
        nn.Linear,
        linear_config,
        lambda c: nn.Linear(c["in_features"], c["out_features"], c["bias"], dtype=c["dtype"]),
    )
    for cls in (nn.BayesLinear, nn.BayesLinearLRT):
        register_module_type(
            cls,
            lambda m: {**linear_config(m), "sample": m.sample},
            lambda c, cls=cls: _with_sample(
                cls(c["in_features"], c["out_features"], c["bias"], dtype=c["dtype"]), c
            ),
        )
    register_module_type(
        nn.NormalPrior,
        lambda m: {"shape": list(m.mean.shape), "trainable": m.trainable, "dtype": m.mean.dtype.name},
        lambda c: nn.NormalPrior(
            _core.zeros(*c["shape"], dtype=c["dtype"]),
            _core.ones(*c["shape"], dtype=c["dtype"]),
            c["trainable"],
        ),
    )
    # Optimizer states load as a marked dict, to be passed to an optimizer's load_state_dict
    # (``load(path, into=optimizer)``): the parameters they belong to are not in the file.
    register(_core.Optimizer, "optimizer", lambda o: o.state_dict(), lambda s: {"__optimizer__": s})


def _with_sample(layer: Any, config: dict[str, Any]) -> Any:
    layer.sample = config["sample"]
    return layer


_register_builtins()


# ---- encoding --------------------------------------------------------------------------------


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.module_ids: dict[int, int] = {}
        # The encoded modules are kept alive: a bound module's Python wrapper can die between
        # visits (and its id be reused), so shared submodules would not be recognised by id().
        self.modules: list[Any] = []

    def array(self, a: np.ndarray) -> dict[str, Any]:
        a = np.asarray(a, order="C")  # (ascontiguousarray would turn 0-d arrays into 1-d)
        if a.dtype.kind not in "fiub":
            raise TypeError(f"cannot save an array of dtype {a.dtype}")
        self.arrays.append(a)
        return {"__array__": len(self.arrays) - 1}

    def module(self, m: Any) -> dict[str, Any]:
        if id(m) in self.module_ids:  # shared submodules (e.g. one prior for many layers) stay shared
            return {"__module_ref__": self.module_ids[id(m)]}
        name = _type_key(type(m))
        if name not in _MODULE_TYPES:
            raise TypeError(
                f"vb.save cannot describe a {name}; register it with vb.io.register_module_type, "
                "or save its state_dict() instead"
            )
        self.module_ids[id(m)] = len(self.module_ids)
        self.modules.append(m)
        config, _ = _MODULE_TYPES[name]
        return {
            "__module__": name,
            "id": self.module_ids[id(m)],
            "config": config(m),
            "training": m.training,
            "children": [[n, self.module(c)] for n, c in m.named_children()],
            "state": {k: self.array(v) for k, v in m.state_dict().items() if "." not in k},
        }

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return self.array(obj)
        if isinstance(obj, _core.Tensor):
            return {"__tensor__": self.array(obj.numpy())}
        if isinstance(obj, _core.Module):
            return self.module(obj)
        if isinstance(obj, dict):
            if not all(isinstance(k, (str, int)) for k in obj):
                raise TypeError("vb.save: dict keys must be strings or integers")
            return {"__dict__": [[k, self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"__list__": [self.encode(v) for v in obj], "tuple": isinstance(obj, tuple)}
        tag = _tag_of(obj)
        if tag is None:
            raise TypeError(
                f"vb.save cannot save an object of type {type(obj).__name__}; register it with vb.io.register"
            )
        cls, to_state, _ = _TYPES[tag]
        return {f"__{tag}__": self.encode(to_state(obj)), "defined_in": cls.__module__}


def copy_module(module: Any) -> Any:
    """A new module with the architecture and state of ``module``, rebuilt as ``load`` would.

    Parameters
    ----------
    module : Module
        Its type and those of its children must be registered (``register_module_type``).

    Returns
    -------
    Module
        An independent copy.
    """
    enc = _Encoder()
    return _Decoder(enc.arrays).decode(enc.module(module))


def save(obj: Any, path: str | os.PathLike[str] | BinaryIO) -> None:
    """Writes ``obj`` to ``path`` atomically, with a checksum.

    Parameters
    ----------
    obj : object
        A module, an array, a tensor, a number or string, an object of a registered type
        (optimizer, scheduler, scaler, sample bank, ...), or dicts/lists/tuples of them.
    path : path or binary file object
        The checkpoint file; an interrupted save leaves an existing file as it was. As with
        ``torch.save``, a binary file object such as ``io.BytesIO`` works too (how models travel
        between processes without pickling engine objects).

    Raises
    ------
    TypeError
        For a value of a type that cannot be saved (naming the type).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ckpt.vb"
    >>> vb.save({"model": vb.nn.Linear(2, 1), "epoch": 3}, path)
    >>> vb.load(path)["epoch"]
    3
    """
    enc = _Encoder()
    tree = enc.encode(obj)
    entries, offset = [], 0
    for a in enc.arrays:
        entries.append({"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset, "nbytes": a.nbytes})
        offset += a.nbytes
    header = json.dumps({"format": "varbayes-checkpoint", "object": tree, "arrays": entries}).encode()
    body = (
        _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header + b"".join(a.tobytes() for a in enc.arrays)
    )
    data = body + hashlib.sha256(body).digest()
    if hasattr(path, "write"):
        path.write(data)
    else:
        atomic_write_bytes(Path(path), data)


# ---- decoding --------------------------------------------------------------------------------


def load(path: str | os.PathLike[str] | BinaryIO, into: Any = None) -> Any:
    """Reads a checkpoint written by ``save``.

    Modules are rebuilt (architecture, parameters, priors, buffers); optimizer and scheduler
    states come back as dicts, or are loaded into ``into`` when it is given (which also works for
    modules: their state is loaded in place).

    Parameters
    ----------
    path : path or binary file object
        The checkpoint file, or a binary file object positioned at the checkpoint.
    into : Module, Optimizer or LRScheduler, optional
        An object to load the saved state into.

    Returns
    -------
    object
        What was saved (or ``into``).

    Raises
    ------
    CheckpointError
        For a file that is not a valid checkpoint (foreign, truncated, corrupted, or naming a
        type that is not registered).
    """
    if hasattr(path, "read"):
        data = path.read()
        p = Path(getattr(path, "name", f"<{type(path).__name__}>"))
    else:
        p = Path(path)
        if p.is_dir():
            raise IsADirectoryError(f"checkpoint {p} is a directory, not a file")
        if not p.is_file():
            raise FileNotFoundError(f"checkpoint {p} does not exist")
        data = p.read_bytes()
    if len(data) < _PREFIX.size + _DIGEST or data[:8] != MAGIC:
        raise CheckpointError(f"{p} is not a varbayes checkpoint (bad magic or too short)")
    magic, version, header_len = _PREFIX.unpack_from(data)
    if not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(f"{p} has format version {version}; this varbayes reads 1 to {FORMAT_VERSION}")
    body, digest = data[:-_DIGEST], data[-_DIGEST:]
    if _PREFIX.size + header_len > len(body):
        raise CheckpointError(f"{p} is truncated (header of {header_len} bytes does not fit)")
    if hashlib.sha256(body).digest() != digest:
        raise CheckpointError(f"{p} is corrupted or truncated (checksum mismatch)")
    try:
        header = json.loads(body[_PREFIX.size : _PREFIX.size + header_len])
        blob = memoryview(body)[_PREFIX.size + header_len :]
        arrays = [_read_array(blob, e) for e in header["arrays"]]
        obj = _Decoder(arrays).decode(header["object"])
    # A header can pass the checksum and still not be ours (the checksum is no signature): any
    # structure the decoder does not expect is a malformed checkpoint, however deep it fails.
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        if isinstance(exc, CheckpointError):
            raise CheckpointError(f"{p}: {exc}") from None
        raise CheckpointError(f"{p}: malformed checkpoint header ({exc})") from None
    return obj if into is None else _load_into(into, obj, p)


def _read_array(blob: memoryview, e: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(e["dtype"])
    if dtype.kind not in "fiub":
        raise CheckpointError(f"array of unsupported dtype {dtype}")
    shape = tuple(int(s) for s in e["shape"])
    start, nbytes = int(e["offset"]), int(e["nbytes"])
    if (
        nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        or start < 0
        or start + nbytes > len(blob)
    ):
        raise CheckpointError("array entry out of bounds")
    return np.frombuffer(blob[start : start + nbytes], dtype=dtype).reshape(shape).copy()


class _Decoder:
    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self.modules: dict[int, Any] = {}

    def array(self, ref: dict[str, Any]) -> np.ndarray:
        i = ref["__array__"]
        if not is_int(i) or not 0 <= i < len(self.arrays):
            raise CheckpointError(f"array reference {i!r} out of range")
        return self.arrays[i]

    def module(self, d: dict[str, Any]) -> Any:
        name = d["__module__"]
        if name not in _MODULE_TYPES and isinstance(name, str):
            _import_definer(name.rpartition(".")[0])
        if name not in _MODULE_TYPES:
            raise CheckpointError(
                f"unknown module type {name!r} (register it with vb.io.register_module_type)"
            )
        m = _MODULE_TYPES[name][1](d["config"])
        self.modules[d["id"]] = m
        for child_name, child in d["children"]:
            m.add_module(child_name, self.decode(child))
        own = {k: self.array(v) for k, v in d["state"].items()}
        if own:
            state = {k: v for k, v in m.state_dict().items() if "." in k}
            state.update(own)
            m.load_state_dict(state)
        m.train(d["training"])
        return m

    def registered(self, tag: str, obj: dict[str, Any]) -> Any:
        if tag not in _TYPES:
            defined_in = obj.get("defined_in", _FORMAT_1_DEFINERS.get(tag))
            if isinstance(defined_in, str):
                _import_definer(defined_in)
        if tag not in _TYPES:
            raise CheckpointError(
                f"unknown entry in header: {sorted(obj)} (a type registered with vb.io.register? "
                "import the module that registers it before loading)"
            )
        return _TYPES[tag][2](self.decode(obj[f"__{tag}__"]))

    def decode(self, obj: Any) -> Any:
        if not isinstance(obj, dict):
            if isinstance(obj, list):
                raise CheckpointError("unexpected bare list in header")
            return obj
        if "__array__" in obj:
            return self.array(obj)
        if "__tensor__" in obj:
            return tensor(self.array(obj["__tensor__"]))  # keeps the saved dtype
        if "__module_ref__" in obj:
            return self.modules[obj["__module_ref__"]]
        if "__module__" in obj:
            return self.module(obj)
        if "__dict__" in obj:
            return {k: self.decode(v) for k, v in obj["__dict__"]}
        if "__list__" in obj:
            items = [self.decode(v) for v in obj["__list__"]]
            return tuple(items) if obj.get("tuple") else items
        tags = [k[2:-2] for k in obj if k.startswith("__") and k.endswith("__")]
        if len(tags) == 1:
            return self.registered(tags[0], obj)
        raise CheckpointError(f"unknown entry in header: {sorted(obj)}")


def _load_into(target: Any, obj: Any, path: Path) -> Any:
    if isinstance(target, _core.Module):
        if not isinstance(obj, _core.Module):
            raise CheckpointError(f"{path} does not hold a module")
        target.load_state_dict(obj.state_dict())
    elif isinstance(obj, dict) and ("__optimizer__" in obj or "__scheduler__" in obj):
        target.load_state_dict(next(iter(obj.values())))
    else:
        raise CheckpointError(f"{path} holds nothing that can be loaded into a {type(target).__name__}")
    return target


__all__ = ["CheckpointError", "copy_module", "load", "register", "register_module_type", "save"]
