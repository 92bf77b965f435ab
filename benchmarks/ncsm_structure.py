"""Least-squares check of the two structural hypotheses behind the NCSM architectures.

For each case (a table, a training Nmax maximum, the Nmax predicted, the hw range scored) the law
E(Nmax, hw) = E_inf + a(hw) exp(-c(hw) Nmax) is fitted by least squares on the rows the networks
train by default (``NCSMExtrapolator.training_rows``: the three highest trained Nmax, hw within a
factor 2 of the variational-minimum hw):

- ``per_hw``: E_inf free for every hw (the classic extrapolation; with three Nmax it is exact);
- ``shared``: one E_inf for every hw (``architecture="exponential_shared"``);
- ``average``: the equal-weight average of the two predictions (the mean of the pooled mixture).

It prints and writes the RMSE of each on the held-out points: what the structure alone can do,
without any network, as a yardstick for the Bayesian fits.

    python benchmarks/ncsm_structure.py [--json benchmarks/results/ncsm_structure.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from varbayes._fs import atomic_write_bytes
from varbayes.ncsm.model import NCSMExtrapolator
from varbayes.ncsm.report import resolve_table

# (table, train_nmax_max, predicted Nmax, scored hw range); the 4He <= 8 and 3He <= 6 cases are the
# evaluation in docs/ncsm/evaluation.md, 4He <= 6 the pseudo-holdout, 3He <= 8 -> 10 a third split
# of the 3He table.
CASES = [
    ("he4", 8, [10, 12], (15.0, 34.0)),
    ("he4", 6, [8], (15.0, 34.0)),
    ("he3", 6, [8, 10], (10.0, 30.0)),
    ("he3", 8, [10], (10.0, 30.0)),
]


def fit_law(nmax: np.ndarray, hw: np.ndarray, energy: np.ndarray, shared: bool):
    """Least-squares fit of the law; returns a predictor f(nmax, hw) for hw among the fitted ones."""
    hws = np.unique(hw)
    k = hws.size

    def model(p: np.ndarray, n: np.ndarray, h: np.ndarray) -> np.ndarray:
        i = np.searchsorted(hws, h)
        e_inf = p[2 * k] if shared else p[2 * k + i]
        return e_inf + np.exp(p[i] - np.exp(p[k + i]) * n)

    best = None
    for log_c in np.log([0.1, 0.3, 1.0]):  # a few starting rates: the fit is not convex in c
        start = np.concatenate(
            [np.full(k, np.log(10.0)), np.full(k, log_c), np.full(1 if shared else k, energy.min() - 0.5)]
        )
        r = least_squares(lambda p: model(p, nmax, hw) - energy, start)
        if best is None or r.cost < best.cost:
            best = r
    return lambda n, h: model(best.x, np.asarray(n, float), np.asarray(h, float))


def run_case(data: str, train_max: int, predict: list[int], hw_range: tuple[float, float]) -> dict:
    table = resolve_table(data)
    rows, _ = NCSMExtrapolator().training_rows(table, train_max)  # the default networks' rows
    n, h, e = rows.nmax, rows.hw, rows.energy
    held = np.isin(table.nmax, predict) & (table.hw >= hw_range[0]) & (table.hw <= hw_range[1])
    held &= np.isin(table.hw, np.unique(h))
    truth = table.energy[held]
    preds = {
        name: fit_law(n, h, e, shared)(table.nmax[held], table.hw[held])
        for name, shared in (("per_hw", False), ("shared", True))
    }
    preds["average"] = (preds["per_hw"] + preds["shared"]) / 2
    return {
        "data": data,
        "train_nmax_max": train_max,
        "predict_nmax": predict,
        "eval_hw": list(hw_range),
        "n_points": int(held.sum()),
        "rmse_keV": {k: float(1000 * np.sqrt(np.mean((p - truth) ** 2))) for k, p in preds.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "ncsm_structure.json")
    args = ap.parse_args()
    results = [run_case(*case) for case in CASES]
    print(f"{'case':28s} {'points':>6s} {'per_hw':>8s} {'shared':>8s} {'average':>8s}   (RMSE, keV)")
    for r in results:
        name = f"{r['data']} <= {r['train_nmax_max']} -> {','.join(map(str, r['predict_nmax']))}"
        k = r["rmse_keV"]
        print(f"{name:28s} {r['n_points']:6d} {k['per_hw']:8.1f} {k['shared']:8.1f} {k['average']:8.1f}")
    atomic_write_bytes(args.json, (json.dumps({"cases": results}, indent=1) + "\n").encode())


if __name__ == "__main__":
    main()
