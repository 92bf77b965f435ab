"""Every Python example runs to completion (exit status 0) in a fresh interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "python").glob("*.py"))


def test_examples_exist():
    assert {"quickstart.py", "train_bnn.py"} <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip()


def test_subpackages_load_on_first_use():
    # as the README writes them: vb.ncsm.load_table, vb.data..., without importing them first
    code = (
        "import sys, varbayes as vb\n"
        "assert 'varbayes.ncsm' not in sys.modules\n"
        "print(vb.ncsm.load_table.__name__, vb.data.__name__, vb.plot.__name__)\n"
        "try:\n    vb.no_such_thing\nexcept AttributeError as e:\n    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "load_table varbayes.data varbayes.plot",
        "module 'varbayes' has no attribute 'no_such_thing'",
    ]
