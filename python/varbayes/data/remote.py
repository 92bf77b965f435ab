"""Downloading with md5 verification, and tar extraction that cannot write outside its target."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from urllib.request import urlopen

from .._fs import default_file_mode

_CHUNK = 1 << 20


def fetch(url: str, dest: Path, md5: str, *, timeout: float = 60.0) -> Path:
    """Download `url` to `dest` and check its md5.

    The bytes go to a temporary file beside `dest`, renamed to `dest` only once the checksum matches, so
    an interrupted or corrupted download never leaves a file that looks complete. A mismatch raises
    ``ValueError``; network failures propagate as ``OSError`` (``urllib.error.URLError``).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.fchmod(fd, default_file_mode())  # mkstemp creates the file private (0600)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=timeout) as response:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != md5:
            raise ValueError(
                f"{url}: md5 mismatch: expected {md5}, got {digest.hexdigest()}; download discarded"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def extract_tar(archive: Path, dest: Path) -> None:
    """Extract the regular files and directories of `archive` under `dest`.

    Every member is checked before anything is written: absolute paths, ``..`` components, links and
    device files raise ``ValueError``, so a hostile archive cannot write outside `dest`.
    """
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
                raise ValueError(
                    f"{archive}: refusing to extract member {member.name!r} (absolute path, '..', link or "
                    f"special file)"
                )
        for member in members:
            target = dest.joinpath(*PurePosixPath(member.name).parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # extractfile returns None only for non-regular members
            with source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
