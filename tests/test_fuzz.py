"""Each fuzz target runs clean for a bounded number of inputs (a crash, a hang or an undocumented
exception makes atheris exit non-zero)."""

import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "harness.py"
TARGETS = [
    "idx_images",
    "idx_labels",
    "cifar_python",
    "cifar_binary",
    "npz",
    "ncsm_table",
    "mfdn_res",
    "checkpoint",
]


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_target_runs_clean(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    result = subprocess.run(
        [
            sys.executable,
            str(HARNESS),
            target,
            "-runs=2000",
            "-max_len=2048",
            "-timeout=20",
            "-seed=1",
            f"-artifact_prefix={tmp_path}/",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
