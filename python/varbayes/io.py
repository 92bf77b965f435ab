"""Checkpoints without pickle: ``vb.save(obj, path)`` / ``vb.load(path)``.

File layout (little-endian): the 8-byte magic ``VARBAYES``, a uint32 format version, a uint64
header length, a UTF-8 JSON header, the raw array bytes, and a SHA-256 of everything before it.
The header describes the object tree (modules as type + config + children + state, optimizer and
scheduler states, MinMax scalers, SGLD sample banks, dicts/lists/numbers/strings) and where each
array lies. Loading never executes code from the file; only the module types registered here can
be built. Files are written to a temporary file, flushed to disk and renamed, so a crash never
leaves half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from ._checks import is_int
from .creation import tensor

MAGIC = b"VARBAYES"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sIQ")
_DIGEST = 32


class CheckpointError(ValueError):
    """A file that is not a valid varbayes checkpoint (foreign, truncated or corrupted)."""


# ---- module types that can be rebuilt: name -> (config of a module, module from a config) ----

_MODULE_TYPES: dict[str, tuple[Callable[[Any], dict[str, Any]], Callable[[dict[str, Any]], Any]]] = {}


def register_module_type(
    cls: type, config: Callable[[Any], dict[str, Any]], build: Callable[[dict[str, Any]], Any]
) -> None:
    """Makes a Module class loadable: ``config(module)`` gives JSON-able constructor arguments,
    ``build(config)`` constructs it (children and state are restored afterwards)."""
    _MODULE_TYPES[_type_key(cls)] = (config, build)


def _type_key(cls: type) -> str:
    # Qualified names, so a user class that shares a builtin's short name cannot collide with it.
    return f"{cls.__module__}.{cls.__qualname__}"


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
    from .nn.bayes import GaussianHead, GaussianLikelihood

    register_module_type(
        GaussianLikelihood,
        lambda m: {"trainable": m.std_rho.requires_grad},
        lambda c: GaussianLikelihood(trainable=c["trainable"]),
    )
    register_module_type(
        GaussianHead,
        lambda m: {"in_features": m.linear.in_features, "out_features": m.out_features, "min_var": m.min_var},
        lambda c: GaussianHead(c["in_features"], c["out_features"], c["min_var"]),
    )


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
        from .infer import SampleBank
        from .ncsm.preprocess import MinMaxScaler
        from .optim.lr_scheduler import LRScheduler

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
        if isinstance(obj, _core.Optimizer):
            return {"__optimizer__": self.encode(obj.state_dict())}
        if isinstance(obj, LRScheduler):
            return {"__scheduler__": self.encode(obj.state_dict())}
        if isinstance(obj, MinMaxScaler):
            return {"__scaler__": self.encode(obj.to_dict())}
        if isinstance(obj, SampleBank):
            return {"__sample_bank__": self.encode(obj.to_dict())}
        if isinstance(obj, dict):
            if not all(isinstance(k, (str, int)) for k in obj):
                raise TypeError("vb.save: dict keys must be strings or integers")
            return {"__dict__": [[k, self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"__list__": [self.encode(v) for v in obj], "tuple": isinstance(obj, tuple)}
        raise TypeError(f"vb.save cannot save an object of type {type(obj).__name__}")


def copy_module(module: Any) -> Any:
    """A new module with the architecture and state of ``module``, rebuilt as ``load`` would (its
    type must be registered)."""
    enc = _Encoder()
    return _Decoder(enc.arrays).decode(enc.module(module))


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Writes obj (a module, optimizer, scheduler, scaler, sample bank, array, tensor, or dicts/lists of them)
    to path atomically, with a checksum."""
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
    atomic_write_bytes(Path(path), body + hashlib.sha256(body).digest())


def writable_directory(path: Path) -> Path:
    """The directory that ``atomic_write_bytes(path, ...)`` writes in; raises the OSError that
    writing would meet (checked up front by callers that must not fail halfway)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"directory {directory} does not exist (writing {path})")
    if path.is_dir():  # else the rename would fail naming the temporary file
        raise IsADirectoryError(f"{path} is a directory, not a file to write")
    if not os.access(directory, os.W_OK):
        raise PermissionError(f"directory {directory} is not writable (writing {path})")
    return directory


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes data to path through a temporary file in the same directory and a rename."""
    directory = writable_directory(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp creates the file private (0600); give it the usual permissions under the umask.
        os.fchmod(fd, default_file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    # The rename itself is durable only once the directory entry is on disk.
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def default_file_mode() -> int:
    """The permissions a newly created file gets under the current umask (0o666 & ~umask)."""
    # Reading the umask means setting it; this is the only way, and it is restored at once.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


# ---- decoding --------------------------------------------------------------------------------


def load(path: str | os.PathLike[str], into: Any = None) -> Any:
    """Reads a checkpoint written by ``save``. Modules are rebuilt (architecture, parameters,
    priors, buffers); optimizer and scheduler states come back as dicts, or are loaded into
    ``into`` when it is given (which also works for modules: their state is loaded in place)."""
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

    def decode(self, obj: Any) -> Any:
        if not isinstance(obj, dict):
            if isinstance(obj, list):
                raise CheckpointError("unexpected bare list in header")
            return obj
        if "__array__" in obj:
            return self.array(obj)
        if "__tensor__" in obj:
            a = self.array(obj["__tensor__"])
            return tensor(a, dtype=_core.float64 if a.dtype == np.float64 else _core.float32)
        if "__module_ref__" in obj:
            return self.modules[obj["__module_ref__"]]
        if "__module__" in obj:
            return self.module(obj)
        if "__dict__" in obj:
            return {k: self.decode(v) for k, v in obj["__dict__"]}
        if "__list__" in obj:
            items = [self.decode(v) for v in obj["__list__"]]
            return tuple(items) if obj.get("tuple") else items
        if "__optimizer__" in obj:
            return {"__optimizer__": self.decode(obj["__optimizer__"])}
        if "__scheduler__" in obj:
            return {"__scheduler__": self.decode(obj["__scheduler__"])}
        if "__scaler__" in obj:
            from .ncsm.preprocess import MinMaxScaler

            return MinMaxScaler.from_dict(self.decode(obj["__scaler__"]))
        if "__sample_bank__" in obj:
            from .infer import SampleBank

            return SampleBank.from_dict(self.decode(obj["__sample_bank__"]))
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


__all__ = ["CheckpointError", "atomic_write_bytes", "copy_module", "load", "register_module_type", "save"]
