"""The checked-in stubs (stubs/varbayes/_core.pyi) must equal freshly generated ones."""

import subprocess
import sys
from pathlib import Path

import pytest

import varbayes

STUB = Path(__file__).resolve().parents[1] / "stubs" / "varbayes" / "_core.pyi"
REGENERATE = "python -m pybind11_stubgen varbayes._core -o stubs"


def test_checked_in_stubs_match_the_bindings(tmp_path: Path) -> None:
    pytest.importorskip("pybind11_stubgen")
    subprocess.run(
        [sys.executable, "-m", "pybind11_stubgen", "varbayes._core", "-o", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh = (tmp_path / "varbayes" / "_core.pyi").read_text()
    assert fresh == STUB.read_text(), f"stubs are stale: regenerate them with `{REGENERATE}`"


def test_stubs_and_py_typed_are_installed_next_to_the_module() -> None:
    package = Path(varbayes.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_core.pyi").is_file() or (package.parent.name == "python"), (
        "stubs missing from the install"
    )
