"""The wheel ships the C++ package: build and run examples/cpp against `python -m varbayes --cmake-dir`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cpp"


def test_cpp_example_builds_against_the_installed_wheel(tmp_path: Path) -> None:
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed")
    found = subprocess.run([sys.executable, "-m", "varbayes", "--cmake-dir"], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip(f"varbayes is not an installed wheel: {found.stderr.strip()}")
    cmake_dir = found.stdout.strip()
    assert Path(cmake_dir, "varbayesConfig.cmake").is_file()
    build = tmp_path / "build"
    for cmd in (
        [
            "cmake",
            "-S",
            str(EXAMPLE),
            "-B",
            str(build),
            f"-DCMAKE_PREFIX_PATH={cmake_dir}",
            "-DCMAKE_BUILD_TYPE=Release",
        ],
        ["cmake", "--build", str(build), "-j2"],
    ):
        subprocess.run(cmd, check=True, capture_output=True)
    run = subprocess.run([str(build / "bnn_regression")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "loss: initial" in run.stdout and "x = +0.0" in run.stdout
