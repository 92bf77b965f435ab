"""Shared helpers of the benchmark scripts: options, one child process per thread count, interleaved
timing, the environment record, a table printer and atomic JSON output.

Thread counts: OpenBLAS (NumPy) and MKL/OpenMP (PyTorch) read their thread counts from the
environment when they load, and threadpoolctl is not a dependency, so every thread count runs in
its own child process started with OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set;
the child also calls ``vb.set_num_threads(n)`` and checks PyTorch's count (see ``set_threads``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LIBRARIES = ("varbayes", "numpy", "torch")
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def parse_args(description: str, name: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--repeat", type=int, default=None, help="timed rounds per configuration")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few rounds (a smoke test)")
    parser.add_argument("--json", type=Path, default=RESULTS_DIR / f"{name}.json", help="output JSON path")
    # Internal: set by the parent when it starts a child for one thread count (or one ISA level).
    parser.add_argument("--child-out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--isa-child", action="store_true", help=argparse.SUPPRESS)  # internal: one ISA level
    args = parser.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",")]
    if args.repeat is None:
        args.repeat = 3 if args.quick else 7
    if args.repeat < 1 or min(args.threads) < 1:
        parser.error("--repeat and --threads must be positive")
    return args


def import_torch() -> Any:
    """PyTorch if installed, else None (the benchmarks then report it as unavailable)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def set_threads(n: int) -> dict[str, int]:
    """Called in a child started with ``thread_env(n)``; returns the thread counts in effect.

    PyTorch already has n threads from OMP_NUM_THREADS, and ``torch.set_num_threads`` is called
    only if it does not: with torch 2.13, an explicit call (even with the current count) made
    every small op enter a parallel region, about 10 ms each on a loaded 2-core machine."""
    import varbayes as vb

    vb.set_num_threads(n)
    counts = {"varbayes": vb.get_num_threads()}
    torch = import_torch()
    if torch is not None:
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
        counts["torch"] = torch.get_num_threads()
    return counts


def run_child(script: str, argv: Sequence[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    """Runs ``script`` in a fresh interpreter with extra environment variables and returns the
    JSON it writes to ``out`` (passed as ``--child-out``; the child may put more files beside it)."""
    cmd = [sys.executable, script, *argv, "--child-out", str(out)]
    subprocess.run(cmd, env={**os.environ, **env}, check=True)
    return json.loads(out.read_text())


def thread_env(n: int) -> dict[str, str]:
    return dict.fromkeys(THREAD_ENV_VARS, str(n))


def child_argv(args: argparse.Namespace, threads: int) -> list[str]:
    return ["--threads", str(threads), "--repeat", str(args.repeat), *(["--quick"] * args.quick)]


def run_per_thread_count(script: str, args: argparse.Namespace, tmp: Path) -> dict[int, dict[str, Any]]:
    """The child results of ``script`` for each thread count of ``args``, one process each."""
    return {
        n: run_child(script, child_argv(args, n), thread_env(n), tmp / f"threads_{n}.json")
        for n in args.threads
    }


def sample_seconds(quick: bool) -> float:
    """How long one timing sample lasts: long enough for the clock, short enough for many rounds."""
    return 0.002 if quick else 0.05


def time_interleaved(
    candidates: dict[str, Callable[[], Any]], repeat: int, min_time: float
) -> dict[str, dict[str, float]]:
    """Best and median seconds per call of each candidate.

    The machine may be shared, so the candidates are timed alternately, one sample each per round,
    and the best of the rounds is the headline (the median shows the noise). A sample repeats the
    call enough times to last about ``min_time`` seconds, so short calls are not clock-bound.
    """
    number = {}
    for name, fn in candidates.items():
        fn()  # warm-up: first-touch allocations, optimizer state, lazy initialisation
        start = time.perf_counter()
        fn()
        number[name] = max(1, round(min_time / max(time.perf_counter() - start, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            start = time.perf_counter()
            for _ in range(number[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / number[name])
    return {
        name: {"best_s": min(s), "median_s": statistics.median(s), "calls_per_sample": number[name]}
        for name, s in samples.items()
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def environment() -> dict[str, Any]:
    """What the numbers depend on: CPU and ISA, library versions, and how busy the machine was."""
    import numpy as np

    import varbayes as vb

    torch = import_torch()
    return {
        "cpu_info": vb.cpu_info(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "varbayes": getattr(vb, "__version__", None),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        # Inherited by the children: OpenMP's wait policy decides how a loaded machine hurts them.
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def format_value(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [list(headers), *[[format_value(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        # First column (the workload) left-aligned, numbers right-aligned.
        print(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes atomically (temporary file in the same directory, then rename), so a reader never
    sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
