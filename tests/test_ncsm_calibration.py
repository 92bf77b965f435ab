"""benchmarks/ncsm_calibration.py: the log ratios it calibrates correction_log_std from, and the
calibration cuts kept apart from the evaluation in docs/ncsm/evaluation.md."""

import importlib.util
from pathlib import Path

import numpy as np

from varbayes.ncsm.report import SHIPPED

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "ncsm_calibration.py"
spec = importlib.util.spec_from_file_location("ncsm_calibration", SCRIPT)
calibration = importlib.util.module_from_spec(spec)
spec.loader.exec_module(calibration)


def test_log_ratio_of_actual_to_predicted_correction() -> None:
    mu_top = np.array([-28.0, -28.0, -7.0, -7.0])
    mu = np.array([-28.1, -28.2, -7.1, -7.1])  # predicted corrections -0.1, -0.2, -0.1, -0.1
    truth = np.array([-28.1, -28.4, -7.05, -6.9])  # actual -0.1, -0.4, -0.05, +0.1
    logs = calibration.log_correction_ratios(mu_top, mu, truth)
    np.testing.assert_allclose(logs[:3], [0.0, np.log(2.0), np.log(0.5)], atol=1e-12)
    assert np.isnan(logs[3])  # the actual correction goes the other way: no factor maps it


def test_calibration_cuts_hold_out_no_evaluation_point() -> None:
    # the evaluation (docs/ncsm/evaluation.md): 4He Nmax <= 8 -> 10, 12 and 3He Nmax <= 6 -> 8, 10
    evaluation = {"he4": 8, "he3": 6}
    for data, train_max, predict, _ in calibration.CASES:
        if data in evaluation:
            assert max(predict) <= evaluation[data] and train_max < evaluation[data]
        else:  # another nucleus: a shipped table, none of the evaluation's
            assert data in SHIPPED and "He" not in SHIPPED[data]
