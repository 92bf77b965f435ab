"""Readers for the three CIFAR-10 layouts: official python batches, binary batches, and ``.npz`` arrays.

Each returns uint8 images in NHWC order; shapes, counts and label ranges of whole splits are checked by
the loader in :mod:`varbayes.data.datasets`, once for every format.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import numpy as np

IMAGE_SHAPE = (32, 32, 3)
_PIXELS = 32 * 32 * 3
_RECORD_SIZE = 1 + _PIXELS  # binary batches: one label byte, then the planar RGB pixels

# The official batches are Python 2 pickles of a dict of lists, strings and one uint8 ndarray; rebuilding
# that array needs exactly these globals (numpy >= 2 names the module numpy._core), and nothing else is
# ever resolved, so a hostile file cannot reach os.system or any other callable.
_RECONSTRUCT = np.empty(0, dtype=np.uint8).__reduce__()[0]
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _RefusedGlobal(Exception):
    """A pickle asked for a global outside the allow-list."""


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise _RefusedGlobal(f"{module}.{name}") from None


def _planar_to_nhwc(pixels: np.ndarray) -> np.ndarray:
    """(N, 3072) rows of R, G, B planes -> contiguous (N, 32, 32, 3)."""
    return np.ascontiguousarray(pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def read_cifar_python_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read one official python batch (``data_batch_1`` ... ``test_batch``) as (images NHWC uint8, labels).

    The pickle is loaded by an unpickler that resolves only numpy's array reconstruction; any other global
    raises ``ValueError`` ("refusing to unpickle"), before anything of it runs.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            # latin1 turns Python 2 byte strings into str and is what numpy's array state expects.
            batch = _BatchUnpickler(f, encoding="latin1").load()
    except _RefusedGlobal as err:
        raise ValueError(
            f"{path}: refusing to unpickle global {err}: a CIFAR-10 batch only needs numpy's array "
            f"reconstruction, so this file is not one (and may be malicious)"
        ) from None
    except Exception as err:  # any decoding failure of an untrusted file is a bad file
        raise ValueError(
            f"{path}: not a readable CIFAR-10 python batch ({type(err).__name__}: {err})"
        ) from err
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict, found {type(batch).__name__}")
    # Python 2 pickles yield str keys under latin1; pickles written by Python 3 may have bytes keys.
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    missing = {"data", "labels"} - batch.keys()
    if missing:
        raise ValueError(f"{path}: batch lacks the keys {sorted(missing)}; found {sorted(map(str, batch))}")
    data = batch["data"]
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != _PIXELS
    ):
        found = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else type(data)
        raise ValueError(f"{path}: 'data' must be a uint8 array of shape (N, {_PIXELS}), found {found}")
    labels = np.asarray(batch["labels"])
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != len(data):
        raise ValueError(
            f"{path}: 'labels' must be {len(data)} integers (one per image), found {labels.dtype} "
            f"of shape {labels.shape}"
        )
    return _planar_to_nhwc(data), labels.astype(np.int64)


def read_cifar_binary_batch(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read one binary batch (``data_batch_1.bin`` ...): 3073-byte records of a label and 3072 pixels."""
    path = Path(path)
    raw = path.read_bytes()
    if not raw or len(raw) % _RECORD_SIZE:
        raise ValueError(
            f"{path}: expected a whole number of {_RECORD_SIZE}-byte records, found {len(raw)} bytes "
            f"({len(raw) / _RECORD_SIZE:.3f} records)"
        )
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _RECORD_SIZE)
    return _planar_to_nhwc(records[:, 1:]), records[:, 0].astype(np.int64)


def read_cifar_npz(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read ``x_train, y_train, x_test, y_test`` from an ``.npz`` file (never unpickling objects)."""
    path = Path(path)
    keys = ("x_train", "y_train", "x_test", "y_test")
    # np.load would try a non-zip file as .npy or pickle; refuse it up front with a clear message.
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not an .npz (zip) archive")
    with np.load(path, allow_pickle=False) as arrays:
        missing = [k for k in keys if k not in arrays.files]
        if missing:
            raise ValueError(f"{path}: missing arrays {missing}; found {arrays.files}")
        x_train, y_train, x_test, y_test = (arrays[k] for k in keys)
    return x_train, y_train, x_test, y_test
