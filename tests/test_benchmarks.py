"""The benchmark scripts run (--quick: tiny sizes, few rounds) and write the documented JSON, with
PyTorch installed and with PyTorch missing (then reported as unavailable)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
TORCH_CASES = [
    pytest.param(
        True, marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="no torch")
    ),
    False,
]


def run_script(name: str, tmp_path: Path, torch_available: bool) -> dict:
    env = dict(os.environ)
    threads = "1,2"
    if not torch_available:
        # A package named torch that fails to import shadows the real one, here and in the children.
        (tmp_path / "torch").mkdir()
        (tmp_path / "torch" / "__init__.py").write_text("raise ImportError('torch hidden by the test')\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
        threads = "1"
    out = tmp_path / "results" / f"{name}.json"
    cmd = [
        sys.executable,
        str(BENCHMARKS / f"bench_{name}.py"),
        "--quick",
        "--threads",
        threads,
        "--json",
        str(out),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind
    report = json.loads(out.read_text())
    assert report["options"] == {"threads": [int(t) for t in threads.split(",")], "repeat": 3, "quick": True}
    environment = report["environment"]
    assert environment["cpu_info"]["isa"] in ("scalar", "avx2", "avx512")
    assert (environment["torch"] is not None) == torch_available
    assert len(environment["load_average"]) == 3
    assert set(report["thread_counts"]) == set(threads.split(","))
    return report


def check_timing(row: dict, libraries: list[str], torch_available: bool) -> None:
    for lib in libraries:
        assert row[lib]["best_s"] > 0
        assert row[lib]["median_s"] >= row[lib]["best_s"]
    assert ("torch" in row) == torch_available


@pytest.mark.slow
@pytest.mark.parametrize("torch_available", TORCH_CASES)
def test_bench_kernels(tmp_path: Path, torch_available: bool) -> None:
    report = run_script("kernels", tmp_path, torch_available)
    peak = report["fma_peak"]
    assert "error" in peak or all(p["float32"] > 0 for p in peak["reference"].values())
    for row in report["gemm"]:
        check_timing(row, ["varbayes", "numpy"], torch_available)
        assert row["varbayes"]["gflops"] > 0
        assert (row["ratio_vs_torch"]["varbayes"] is not None) == torch_available
    ops = {row["workload"] for row in report["elementwise"]}
    assert {"exp", "softplus", "sigmoid", "logsumexp dim 1", "softmax dim 1", "cross_entropy"} <= ops
    for row in report["elementwise"]:
        check_timing(row, ["varbayes", "numpy"], torch_available)
        assert row["varbayes"]["ns_per_element"] > 0
    levels = [level["isa"] for level in report["isa"]]
    assert levels[0] == "scalar" and report["environment"]["cpu_info"]["best_isa"] == levels[-1]
    assert all(g["agrees"] for level in report["isa"] for g in level["gemm"])


@pytest.mark.slow
@pytest.mark.parametrize("torch_available", TORCH_CASES)
def test_bench_training(tmp_path: Path, torch_available: bool) -> None:
    report = run_script("training", tmp_path, torch_available)
    workloads = {"mlp", "bayes", "bayes_lrt", "regression", "predict", "sgld"}
    for threads in report["options"]["threads"]:
        rows = [row for row in report["rows"] if row["threads"] == threads]
        assert {row["workload"] for row in rows} == workloads
    for row in report["rows"]:
        check_timing(row, ["varbayes"], torch_available)
        assert (row["ratio_vs_torch"] is not None) == torch_available
