"""Reader for the IDX format of MNIST and FashionMNIST (gzipped or raw)."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

_GZIP_MAGIC = b"\x1f\x8b"
_UINT8_TYPE = 0x08


def read_idx(path: str | os.PathLike[str], ndim: int) -> np.ndarray:
    """Read an unsigned-byte IDX file with `ndim` dimensions (magic 0x0000080<ndim>).

    Gzip compression is detected from the content, not the file name. The file must hold exactly
    the bytes its header announces; anything else raises ``ValueError`` naming the file.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:  # BadGzipFile is an OSError; a cut stream is an EOFError
            raise ValueError(f"{path}: corrupt gzip stream ({err})") from None
    expected_magic = (_UINT8_TYPE << 8) | ndim
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated IDX file: expected at least 4 bytes, found {len(raw)}")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        raise ValueError(
            f"{path}: bad IDX magic number: expected 0x{expected_magic:08X} "
            f"(uint8, {ndim} dimensions), found 0x{magic:08X}"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"{path}: truncated IDX header: expected {header_size} bytes, found {len(raw)}")
    dims = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected_size = header_size + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected_size:
        what = "truncated" if len(raw) < expected_size else "oversized"
        raise ValueError(
            f"{path}: {what} IDX file: header announces dimensions {dims}, i.e. {expected_size} bytes, "
            f"found {len(raw)}"
        )
    # Copy so the caller owns a writable array instead of a view on an immutable bytes object.
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims).copy()


def read_idx_images(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX image file (magic 0x00000803) as a uint8 array of shape (N, H, W)."""
    return read_idx(path, 3)


def read_idx_labels(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX label file (magic 0x00000801) as an int64 array of shape (N,)."""
    return read_idx(path, 1).astype(np.int64)
