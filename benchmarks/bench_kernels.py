"""Kernel benchmark: GEMM GFLOP/s and elementwise/reduction ns per element, varbayes vs NumPy vs
PyTorch at the same thread count; the machine's FMA peak; GEMM at every VARBAYES_ISA level the CPU
supports, checked for agreement with the scalar kernels.

    PYTHONPATH=python python benchmarks/bench_kernels.py [--threads 1,2] [--repeat 7] [--quick]
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from common import (
    LIBRARIES,
    child_argv,
    environment,
    import_torch,
    parse_args,
    print_table,
    ratio,
    run_child,
    run_per_thread_count,
    sample_seconds,
    set_threads,
    thread_env,
    time_interleaved,
    write_json,
)


class GemmShape(NamedTuple):
    """C (m x n) = A (m x k) @ B (k x n); with b_transposed, B is the transposed view of an n x k
    array, as the weight in a Linear layer's forward x @ W^T."""

    m: int
    k: int
    n: int
    dtype: str
    b_transposed: bool = False

    @property
    def label(self) -> str:
        return f"{self.dtype} {self.m}x{self.k}x{self.n}" + (" x@W^T" if self.b_transposed else "")

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(0)
        a = rng.standard_normal((self.m, self.k)).astype(self.dtype)
        if self.b_transposed:
            return a, rng.standard_normal((self.n, self.k)).astype(self.dtype).T
        return a, rng.standard_normal((self.k, self.n)).astype(self.dtype)


GEMM_SHAPES = [
    GemmShape(128, 784, 1200, "float32"),
    GemmShape(128, 784, 1200, "float32", b_transposed=True),
    GemmShape(128, 1200, 1200, "float32"),
    GemmShape(1024, 1024, 1024, "float32"),
    GemmShape(1024, 1024, 1024, "float64"),
]
QUICK_GEMM_SHAPES = [
    GemmShape(16, 32, 48, "float32"),
    GemmShape(40, 36, 24, "float32", b_transposed=True),
    GemmShape(64, 64, 64, "float64"),
]
ELEMENTWISE_SHAPE, QUICK_ELEMENTWISE_SHAPE = (1200, 784), (48, 32)
ISA_LEVELS = ("scalar", "avx2", "avx512")
# Normwise tolerance max|a - b| / max|b| between ISA levels: summation order differs between the
# kernels, so the results differ by round-off growing like sqrt(K) * eps, far below these.
ISA_TOLERANCE = {"float32": 1e-5, "float64": 1e-13}


def gemm_candidates(a: np.ndarray, b: np.ndarray) -> dict[str, Callable[[], Any]]:
    import varbayes as vb

    xa, xb = vb.from_numpy(a), vb.from_numpy(b)  # zero-copy, as torch.from_numpy
    fns = {"varbayes": lambda: vb.matmul(xa, xb), "numpy": lambda: a @ b}
    torch = import_torch()
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        fns["torch"] = lambda: torch.matmul(ta, tb)
    return fns


def bench_gemm(shapes: list[GemmShape], repeat: int, quick: bool) -> list[dict[str, Any]]:
    rows = []
    for s in shapes:
        times = time_interleaved(gemm_candidates(*s.inputs()), repeat, sample_seconds(quick))
        for t in times.values():
            t["gflops"] = 2 * s.m * s.k * s.n / t["best_s"] * 1e-9
        rows.append({"workload": s.label, **s._asdict(), **times})
    return rows


def elementwise_ops(shape: tuple[int, int]) -> dict[str, dict[str, Callable[[], Any]]]:
    """Per op, the same computation written with each library (NumPy through SciPy's special
    functions where NumPy has none; they are NumPy compositions)."""
    import scipy.special as sp

    import varbayes as vb

    vf = vb.nn.functional
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    row = rng.standard_normal(shape[1]).astype(np.float32)
    target = rng.integers(0, shape[1], shape[0])
    vx, vrow = vb.from_numpy(x), vb.from_numpy(row)
    ops = {
        "exp": {"varbayes": lambda: vb.exp(vx), "numpy": lambda: np.exp(x)},
        "softplus": {"varbayes": lambda: vf.softplus(vx), "numpy": lambda: np.logaddexp(0, x)},
        "sigmoid": {"varbayes": lambda: vb.sigmoid(vx), "numpy": lambda: sp.expit(x)},
        "add (row broadcast)": {"varbayes": lambda: vx + vrow, "numpy": lambda: x + row},
        "sum dim 0": {"varbayes": lambda: vx.sum(0), "numpy": lambda: x.sum(0)},
        "sum dim 1": {"varbayes": lambda: vx.sum(1), "numpy": lambda: x.sum(1)},
        "logsumexp dim 1": {"varbayes": lambda: vb.logsumexp(vx, 1), "numpy": lambda: sp.logsumexp(x, 1)},
        "softmax dim 1": {"varbayes": lambda: vb.softmax(vx, 1), "numpy": lambda: sp.softmax(x, 1)},
        "cross_entropy": {
            "varbayes": lambda: vf.cross_entropy(vx, target),
            "numpy": lambda: (sp.logsumexp(x, 1) - x[np.arange(shape[0]), target]).mean(),
        },
        # issue 19's math families: vectorized (sin, cos, expm1, exp2), libm per element (tan, erf),
        # activations (gelu, silu) and broadcasting binary math (atan2, logaddexp)
        "sin": {"varbayes": lambda: vb.sin(vx), "numpy": lambda: np.sin(x)},
        "cos": {"varbayes": lambda: vb.cos(vx), "numpy": lambda: np.cos(x)},
        "expm1": {"varbayes": lambda: vb.expm1(vx), "numpy": lambda: np.expm1(x)},
        "exp2": {"varbayes": lambda: vb.exp2(vx), "numpy": lambda: np.exp2(x)},
        "tan": {"varbayes": lambda: vb.tan(vx), "numpy": lambda: np.tan(x)},
        "erf": {"varbayes": lambda: vb.erf(vx), "numpy": lambda: sp.erf(x)},
        "gelu": {"varbayes": lambda: vf.gelu(vx), "numpy": lambda: x * sp.ndtr(x)},
        "silu": {"varbayes": lambda: vf.silu(vx), "numpy": lambda: x * sp.expit(x)},
        "atan2 (row broadcast)": {
            "varbayes": lambda: vb.atan2(vx, vrow),
            "numpy": lambda: np.arctan2(x, row),
        },
        "logaddexp (row broadcast)": {
            "varbayes": lambda: vb.logaddexp(vx, vrow),
            "numpy": lambda: np.logaddexp(x, row),
        },
    }
    torch = import_torch()
    if torch is not None:
        tf = torch.nn.functional
        tx, trow, ttarget = torch.from_numpy(x), torch.from_numpy(row), torch.from_numpy(target)
        torch_fns = [
            lambda: torch.exp(tx),
            lambda: tf.softplus(tx),
            lambda: torch.sigmoid(tx),
            lambda: tx + trow,
            lambda: tx.sum(0),
            lambda: tx.sum(1),
            lambda: torch.logsumexp(tx, 1),
            lambda: torch.softmax(tx, 1),
            lambda: tf.cross_entropy(tx, ttarget),
            lambda: torch.sin(tx),
            lambda: torch.cos(tx),
            lambda: torch.expm1(tx),
            lambda: torch.exp2(tx),
            lambda: torch.tan(tx),
            lambda: torch.erf(tx),
            lambda: tf.gelu(tx),
            lambda: tf.silu(tx),
            lambda: torch.atan2(tx, trow),
            lambda: torch.logaddexp(tx, trow),
        ]
        for fns, torch_fn in zip(ops.values(), torch_fns, strict=True):
            fns["torch"] = torch_fn
    return ops


def bench_elementwise(shape: tuple[int, int], repeat: int, quick: bool) -> list[dict[str, Any]]:
    rows = []
    for op, fns in elementwise_ops(shape).items():
        times = time_interleaved(fns, repeat, sample_seconds(quick))
        for t in times.values():
            t["ns_per_element"] = t["best_s"] / (shape[0] * shape[1]) * 1e9
        rows.append({"workload": op, "shape": list(shape), **times})
    return rows


def child_threads(args) -> dict[str, Any]:
    """One thread count, in its own process (see common.py for why)."""
    threads = args.threads[0]
    counts = set_threads(threads)
    gemm = bench_gemm(QUICK_GEMM_SHAPES if args.quick else GEMM_SHAPES, args.repeat, args.quick)
    shape = QUICK_ELEMENTWISE_SHAPE if args.quick else ELEMENTWISE_SHAPE
    elementwise = bench_elementwise(shape, args.repeat, args.quick)
    for row in gemm + elementwise:
        row["threads"] = threads
    return {"thread_counts": counts, "gemm": gemm, "elementwise": elementwise}


def child_isa(args) -> dict[str, Any]:
    """One VARBAYES_ISA level: varbayes GEMM times, and the products saved for the comparison."""
    import varbayes as vb

    set_threads(args.threads[0])
    shapes = QUICK_GEMM_SHAPES if args.quick else GEMM_SHAPES
    products = {}
    for s in shapes:
        a, b = s.inputs()
        products[s.label] = vb.matmul(vb.from_numpy(a), vb.from_numpy(b)).numpy()
    np.savez(args.child_out.with_suffix(".npz"), **products)
    rows = [
        {"workload": r["workload"], "dtype": r["dtype"], "gflops": r["varbayes"]["gflops"]}
        for r in bench_gemm(shapes, args.repeat, args.quick)
    ]
    return {"isa": vb.cpu_info()["isa"], "gemm": rows}


def supported_isa_levels() -> list[str]:
    import varbayes as vb

    return list(ISA_LEVELS[: ISA_LEVELS.index(vb.cpu_info()["best_isa"]) + 1])


def isa_check(args, tmp: Path) -> list[dict[str, Any]]:
    """GEMM at each ISA level (max thread count), products compared with the scalar level's."""
    threads = max(args.threads)
    levels = []
    for level in supported_isa_levels():
        out = tmp / f"isa_{level}.json"
        result = run_child(
            __file__,
            [*child_argv(args, threads), "--isa-child"],
            {**thread_env(threads), "VARBAYES_ISA": level},
            out,
        )
        if result["isa"] != level:
            raise RuntimeError(f"VARBAYES_ISA={level} ran the {result['isa']} kernels")
        products = np.load(out.with_suffix(".npz"))
        reference = products if level == "scalar" else np.load(tmp / "isa_scalar.npz")
        for row in result["gemm"]:
            got, ref = products[row["workload"]], reference[row["workload"]]
            row["max_rel_diff_vs_scalar"] = float(np.abs(got - ref).max() / np.abs(ref).max())
            row["agrees"] = row["max_rel_diff_vs_scalar"] <= ISA_TOLERANCE[row["dtype"]]
        levels.append({"isa": level, "threads": threads, "gemm": result["gemm"]})
    return levels


def build_fma_peak(tmp: Path) -> Path | str:
    """fma_peak.cpp built with the system g++ (-march=native): the executable, or why not."""
    exe = tmp / "fma_peak"
    source = Path(__file__).with_name("fma_peak.cpp")
    try:
        subprocess.run(
            ["g++", "-std=c++20", "-O2", "-march=native", "-pthread", str(source), "-o", str(exe)],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as e:
        return f"could not build {source.name}: {getattr(e, 'stderr', None) or e}"
    return exe


def measure_fma_peak(exe: Path, threads: list[int], quick: bool) -> dict[int, dict[str, float]]:
    repeat = "2" if quick else "30"
    return {
        n: json.loads(
            subprocess.run([str(exe), str(n), repeat], check=True, capture_output=True, text=True).stdout
        )
        for n in sorted({1, *threads})
    }


def fma_peak_summary(runs: list[dict[int, dict[str, float]]], threads: list[int]) -> dict[str, Any]:
    """Best over the runs (before and after the GEMMs: other jobs only ever lower a measured peak).

    The reference peak for n threads is max(best with n threads, n x best with 1): the cores are
    separate physical cores, and on a shared machine the n-thread run is the one that loses time to
    other jobs, which would understate the peak and flatter the fraction of it."""
    dtypes = ("float32", "float64")
    best = {n: {dt: max(run[n][dt] for run in runs) for dt in dtypes} for n in runs[0]}
    return {
        "vector_bits": runs[0][1]["vector_bits"],
        "measured": {str(n): b for n, b in best.items()},
        "reference": {str(n): {dt: max(best[n][dt], n * best[1][dt]) for dt in dtypes} for n in threads},
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(__doc__.splitlines()[0], "kernels", argv)
    if args.child_out is not None:
        # An explicit flag: VARBAYES_ISA may also be set by whoever runs the benchmark.
        child = child_isa if args.isa_child else child_threads
        write_json(args.child_out, child(args))
        return
    env = environment()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        exe = build_fma_peak(tmp)
        peak_runs = [] if isinstance(exe, str) else [measure_fma_peak(exe, args.threads, args.quick)]
        results = run_per_thread_count(__file__, args, tmp)
        isa = isa_check(args, tmp)
        if peak_runs:
            peak_runs.append(measure_fma_peak(exe, args.threads, args.quick))
    peak = fma_peak_summary(peak_runs, args.threads) if peak_runs else {"error": exe}
    gemm = [row for result in results.values() for row in result["gemm"]]
    elementwise = [row for result in results.values() for row in result["elementwise"]]
    env["load_average_end"] = environment()["load_average"]
    for row in gemm:
        libs = {lib: row.get(lib, {}).get("gflops") for lib in LIBRARIES}
        row["ratio_vs_torch"] = {lib: ratio(libs[lib], libs["torch"]) for lib in ("varbayes", "numpy")}
        ref = peak.get("reference", {}).get(str(row["threads"]), {}).get(row["dtype"])
        row["varbayes_fraction_of_peak"] = ratio(libs["varbayes"], ref)
    for row in elementwise:
        ns = {lib: row.get(lib, {}).get("ns_per_element") for lib in LIBRARIES}
        row["ratio_vs_torch"] = {lib: ratio(ns[lib], ns["torch"]) for lib in ("varbayes", "numpy")}
    report = {
        "benchmark": "kernels",
        "environment": env,
        "options": {"threads": args.threads, "repeat": args.repeat, "quick": args.quick},
        "thread_counts": {n: result["thread_counts"] for n, result in results.items()},
        "fma_peak": peak,
        "gemm": gemm,
        "elementwise": elementwise,
        "isa": isa,
    }
    print_report(report)
    write_json(args.json, report)
    print(f"\nwrote {args.json}")


def print_report(report: dict[str, Any]) -> None:
    env, peak = report["environment"], report["fma_peak"]
    print(
        f"CPU {env['cpu_info']['brand']} isa={env['cpu_info']['isa']}  numpy {env['numpy']}  "
        f"torch {env['torch'] or 'unavailable'}  load average {env['load_average']}"
    )
    if "error" in peak:
        print(f"FMA peak: {peak['error']}")
    else:
        print(
            "FMA peak GFLOP/s (reference for the fraction): "
            + ", ".join(
                f"{n} thread(s): f32 {p['float32']:.0f}, f64 {p['float64']:.0f}"
                for n, p in peak["reference"].items()
            )
        )

    def lib(row: dict[str, Any], name: str, key: str) -> float | None:
        return row.get(name, {}).get(key)

    print_table(
        "GEMM GFLOP/s (best of rounds; ratio = GFLOP/s vs torch, > 1 = faster than torch)",
        ["shape", "threads", "varbayes", "numpy", "torch", "vb/torch", "numpy/torch", "vb % peak"],
        [
            [
                r["workload"],
                r["threads"],
                lib(r, "varbayes", "gflops"),
                lib(r, "numpy", "gflops"),
                lib(r, "torch", "gflops"),
                r["ratio_vs_torch"]["varbayes"],
                r["ratio_vs_torch"]["numpy"],
                None if r["varbayes_fraction_of_peak"] is None else 100 * r["varbayes_fraction_of_peak"],
            ]
            for r in report["gemm"]
        ],
    )
    print_table(
        "Elementwise/reductions, ns per element (best of rounds; ratio = time vs torch, < 1 = faster)",
        ["op", "threads", "varbayes", "numpy", "torch", "vb/torch", "numpy/torch"],
        [
            [
                r["workload"],
                r["threads"],
                lib(r, "varbayes", "ns_per_element"),
                lib(r, "numpy", "ns_per_element"),
                lib(r, "torch", "ns_per_element"),
                r["ratio_vs_torch"]["varbayes"],
                r["ratio_vs_torch"]["numpy"],
            ]
            for r in report["elementwise"]
        ],
    )
    print_table(
        "varbayes GEMM per VARBAYES_ISA level (max |a - b| / max |b| vs the scalar kernels)",
        ["shape", "isa", "threads", "GFLOP/s", "max rel diff", "agrees"],
        [
            [
                g["workload"],
                level["isa"],
                level["threads"],
                g["gflops"],
                g["max_rel_diff_vs_scalar"],
                g["agrees"],
            ]
            for level in report["isa"]
            for g in level["gemm"]
        ],
    )


if __name__ == "__main__":
    main()
