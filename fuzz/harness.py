"""Coverage-guided fuzzing (atheris) of the readers of untrusted files: IDX, CIFAR-10 python/binary
batches and .npz, NCSM tables and MFDn .res files, and checkpoints.

Each target writes the fuzzer's bytes to a file and calls the reader. Documented errors
(ValueError and its subclasses, e.g. CheckpointError and NCSMDataError) are fine; any other
exception, a crash or a hang is a bug. Run one target: ``python fuzz/harness.py TARGET -runs=N``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris
import numpy  # noqa: F401  (imported before instrumentation: only our code is instrumented)
import scipy.interpolate  # noqa: F401

with atheris.instrument_imports(include=["varbayes"]):
    import varbayes as vb
    from varbayes.data import cifar, idx
    from varbayes.ncsm import data as ncsm_data

TARGETS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "idx_images": (".idx", idx.read_idx_images),
    "idx_labels": (".idx", idx.read_idx_labels),
    "cifar_python": ("", cifar.read_cifar_python_batch),
    "cifar_binary": (".bin", cifar.read_cifar_binary_batch),
    "npz": (".npz", cifar.read_cifar_npz),
    "ncsm_table": (".dat", ncsm_data.load_table),
    "mfdn_res": (".res", lambda p: ncsm_data.load_table(p, min_nmax_values=1)),
    "checkpoint": (".vb", vb.load),
}


def make_target(name: str) -> Callable[[bytes], None]:
    suffix, reader = TARGETS[name]
    directory = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    path = directory / f"input{suffix}"

    def test_one_input(data: bytes) -> None:
        path.write_bytes(data)
        try:
            reader(path)
        except ValueError:
            pass  # the documented error for malformed input

    return test_one_input


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer flags]")
    name = sys.argv.pop(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    atheris.Setup(sys.argv, make_target(name))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
