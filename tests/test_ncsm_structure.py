"""benchmarks/ncsm_structure.py: its least-squares law fits checked against exact answers."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from varbayes.ncsm.baseline import exponential_baseline
from varbayes.ncsm.report import resolve_table

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "ncsm_structure.py"
spec = importlib.util.spec_from_file_location("ncsm_structure", SCRIPT)
structure = importlib.util.module_from_spec(spec)
spec.loader.exec_module(structure)


def test_shared_fit_recovers_a_law_with_one_limit_exactly() -> None:
    nmax = np.repeat([4.0, 6.0, 8.0, 10.0], 4)
    hw = np.tile([12.0, 16.0, 20.0, 24.0], 4)
    a, c = 5.0 + hw / 10, 0.2 + hw / 80
    energy = -28.9 + a * np.exp(-c * nmax)
    predict = structure.fit_law(nmax, hw, energy, shared=True)
    n_new, hw_new = np.array([14.0, 30.0]), np.array([16.0, 24.0])
    expected = -28.9 + (5.0 + hw_new / 10) * np.exp(-(0.2 + hw_new / 80) * n_new)
    np.testing.assert_allclose(predict(n_new, hw_new), expected, atol=1e-5)


def test_per_hw_fit_is_the_classic_baseline() -> None:
    # with three Nmax per hw the per-hw least-squares fit is the exact fit of the baseline module
    table = resolve_table("he4")
    case = structure.run_case("he4", 8, [10, 12], (15.0, 34.0))
    baseline = exponential_baseline(table, 8, [10, 12])
    truth = {(n, h): e for n, h, e in zip(table.nmax, table.hw, table.energy, strict=True)}
    errors = [
        baseline.predictions[i, j] - truth[(n, h)]
        for i, h in enumerate(baseline.hw)
        for j, n in enumerate(baseline.predict_nmax)
        if 15 <= h <= 34
    ]
    assert case["n_points"] == len(errors) == 26
    np.testing.assert_allclose(
        case["rmse_keV"]["per_hw"], 1000 * np.sqrt(np.mean(np.square(errors))), rtol=1e-5
    )


def test_script_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "structure.json"
    subprocess.run([sys.executable, str(SCRIPT), "--json", str(out)], check=True, capture_output=True)
    cases = json.loads(out.read_text())["cases"]
    assert len(cases) == len(structure.CASES)
    for c in cases:
        k = c["rmse_keV"]
        assert c["n_points"] > 0 and all(np.isfinite(v) and v > 0 for v in k.values())
