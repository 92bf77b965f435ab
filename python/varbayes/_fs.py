"""Crash-safe file writes: a temporary file in the target's directory, flushed, then renamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def writable_directory(path: Path) -> Path:
    """The directory that ``atomic_write_bytes(path, ...)`` writes in.

    Parameters
    ----------
    path : Path
        The file about to be written.

    Returns
    -------
    Path
        Its directory, checked up front by callers that must not fail halfway.

    Raises
    ------
    OSError
        ``FileNotFoundError``, ``IsADirectoryError`` or ``PermissionError``: what writing would meet.
    """
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"directory {directory} does not exist (writing {path})")
    if path.is_dir():  # else the rename would fail naming the temporary file
        raise IsADirectoryError(f"{path} is a directory, not a file to write")
    if not os.access(directory, os.W_OK):
        raise PermissionError(f"directory {directory} is not writable (writing {path})")
    return directory


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Calls ``write(temporary_path)`` for a temporary file beside ``path``, then renames it to ``path``.

    Parameters
    ----------
    path : Path
        The destination; an interrupted write leaves it as it was.
    write : callable
        Writes the complete file at the temporary path it is given (e.g. ``fig.savefig``).
    """
    directory = writable_directory(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=directory)
    try:
        # mkstemp creates the file private (0600); give it the usual permissions under the umask.
        os.fchmod(fd, default_file_mode())
        os.close(fd)
        write(tmp)
        with open(tmp, "rb+") as f:
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file in the same directory and a rename.

    Parameters
    ----------
    path : Path
        The destination file.
    data : bytes
        Its complete new content.
    """
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def default_file_mode() -> int:
    """The permissions a newly created file gets under the current umask (``0o666 & ~umask``).

    Returns
    -------
    int
        The mode bits.
    """
    # Reading the umask means setting it; this is the only way, and it is restored at once.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
