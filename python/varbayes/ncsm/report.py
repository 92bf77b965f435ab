"""The extrapolation report: BNN predictions with uncertainty at the requested Nmax, the converged
energy, the classic per-hw exponential baseline side by side, and metrics on held-out points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .baseline import BaselineResult, converged_estimate, exponential_baseline, variational_minimum
from .data import NCSMTable, load_table
from .model import NCSMConfig, NCSMExtrapolator, fit_all

# Tables shipped in ./tables (see its README), by the names the CLI and resolve_table accept.
SHIPPED = {
    "he4": "He4_kvnn10_srg2.0.dat",
    "he3": "He3_JISP16_energy_Nmax2-10.dat",
    "he3-radius": "He3_JISP16_radius_Nmax2-10.dat",
    "li7": "Li7_JISP16_energy.dat",
    "li7-radius": "Li7_JISP16_radius.dat",
    "li6-mfdn": "mfdn-res",
}


def resolve_table(data: str | Path) -> NCSMTable:
    """Loads a table from a path, or one of the shipped tables by name (a key of ``SHIPPED``)."""
    name = str(data).lower()
    if name in SHIPPED and not Path(data).exists():
        return load_table(Path(__file__).parent / "tables" / SHIPPED[name])
    return load_table(data)


def extrapolate(
    table: NCSMTable,
    prior: str,
    train_nmax_max: int,
    predict_nmax: list[int],
    *,
    seed: int = 0,
    eval_hw: tuple[float, float] | None = None,
    progress: bool = False,
    **config: Any,
) -> tuple[NCSMExtrapolator, dict[str, Any]]:
    """Fits one prior and returns the extrapolator and the JSON-able report."""
    return extrapolate_all(
        table, [prior], train_nmax_max, predict_nmax, seed=seed, eval_hw=eval_hw, progress=progress, **config
    )[0]


def extrapolate_all(
    table: NCSMTable,
    priors: list[str],
    train_nmax_max: int,
    predict_nmax: list[int],
    *,
    seed: int = 0,
    eval_hw: tuple[float, float] | None = None,
    progress: bool = False,
    backend: str = "loky",
    scheduler: str | None = None,
    address: str | None = None,
    **config: Any,
) -> list[tuple[NCSMExtrapolator, dict[str, Any]]]:
    """Fits every prior, all their fits in one parallel map (``config["n_jobs"]`` at a time on
    ``backend``; see ``vb.parallel.map_fits``), and returns the extrapolator and the JSON-able
    report of each. The reports are the same whatever ``n_jobs`` and ``backend`` (but the
    training time)."""
    if train_nmax_max not in set(table.nmax_values().tolist()):
        raise ValueError(
            f"--train-nmax-max {train_nmax_max} is not an Nmax of the table ({table.nmax_values().tolist()})"
        )
    # the comparison needs the classic fit: fail before training, not after
    baseline = exponential_baseline(table, train_nmax_max, predict_nmax)
    extrapolators = [NCSMExtrapolator(NCSMConfig(prior=prior, seed=seed, **config)) for prior in priors]
    fit_all(
        extrapolators,
        table,
        train_nmax_max,
        progress=progress,
        n_jobs=extrapolators[0].config.n_jobs,
        backend=backend,
        scheduler=scheduler,
        address=address,
    )
    return [(ex, _report(ex, table, baseline, train_nmax_max, predict_nmax, eval_hw)) for ex in extrapolators]


def _report(
    ex: NCSMExtrapolator,
    table: NCSMTable,
    baseline: BaselineResult,
    train_nmax_max: int,
    predict_nmax: list[int],
    eval_hw: tuple[float, float] | None,
) -> dict[str, Any]:
    """The JSON-able report of an extrapolator fitted with ``train_nmax_max``."""
    hws = table.hw_values()
    grid_n = np.repeat(np.asarray(predict_nmax, dtype=np.int64), hws.size)
    grid_h = np.tile(hws, len(predict_nmax))
    p = ex.predict(grid_n, grid_h)
    predictions = [
        {
            "nmax": int(n),
            "hw": float(h),
            "mean": float(m),
            "std": float(s),
            "lo95": float(lo),
            "hi95": float(hi),
        }
        for n, h, m, s, lo, hi in zip(grid_n, grid_h, p["mean"], p["std"], p["lo95"], p["hi95"], strict=True)
    ]
    vm_n, vm_h, vm_e = variational_minimum(grid_n, grid_h, p["mean"])
    report = {
        "data": table.source,
        "nucleus": table.nucleus,
        "interaction": table.interaction,
        "prior": ex.config.prior,
        "train_nmax_max": int(train_nmax_max),
        "predict_nmax": [int(n) for n in predict_nmax],
        "predictions": predictions,
        "converged": {
            **ex.converged(baseline.variational_min_hw),
            "hw": baseline.variational_min_hw,
            "definition": "per posterior sample, the predicted energy at Nmax = nmax at hw, the variational-"
            "minimum hw at the highest trained Nmax (where the baseline takes its E_inf); mean, std and "
            "central 95% interval over samples, the law's uncertainty included, likelihood noise not",
        },
        "baseline": {**baseline.to_dict(), "converged": converged_estimate(baseline).to_dict()},
        "variational_minimum": [
            {"nmax": int(n), "hw": float(h), "energy": float(e)}
            for n, h, e in zip(vm_n, vm_h, vm_e, strict=True)
        ],
        "metrics": held_out_metrics(table, train_nmax_max, predictions, baseline, eval_hw),
        "training": {
            "seconds": ex.fit_seconds,
            "epochs": len(ex.history.epochs),
            "best_epoch": ex.history.best_epoch,
            # every fit of the mixture, or each chain's least-squares start (the two above: the first's)
            "fits": [{"epochs": len(h.epochs), "best_epoch": h.best_epoch} for h in ex.histories],
            "n_train": int(ex.split.train.size),
            "hw_train_range": [float(v) for v in ex.hw_train_range],
            "n_val": int(ex.split.val.size),
            "config": ex.config.settings(),
        },
    }
    if ex.sgld_traces:
        # ``fits`` chains per architecture: the worst mixing over the chains
        diags = [t.diagnostics for t in ex.sgld_traces if t.diagnostics is not None]
        report["training"]["sgld"] = {
            "chains": len(ex.sgld_traces),
            "n_samples": sum(len(bank) for bank in ex.model),
            "min_ess": min(d.min_ess for d in diags) if diags else None,
            "max_rhat": max(d.max_rhat for d in diags) if diags else None,
            "loss_ess": min((d.loss_ess for d in diags if d.loss_ess is not None), default=None),
            "warnings": ex.sgld_warnings,
            # the same in what is reported: the predictions at the requested points
            **ex.chain_diagnostics(grid_n, grid_h),
        }
    return report


def held_out_metrics(
    table: NCSMTable,
    train_nmax_max: int,
    predictions: list[dict[str, Any]],
    baseline: Any,
    eval_hw: tuple[float, float] | None,
) -> dict[str, Any]:
    """RMSE, 95% coverage and mean width on the table's rows above the training Nmax that were
    predicted (within ``eval_hw`` when given), and the baseline's RMSE on the same points."""
    truth = {(int(n), float(h)): float(e) for n, h, e in zip(table.nmax, table.hw, table.energy, strict=True)}
    base = {
        (int(n), float(h)): float(baseline.predictions[i, j])
        for i, h in enumerate(baseline.hw)
        for j, n in enumerate(baseline.predict_nmax)
    }
    rows = [
        p
        for p in predictions
        if p["nmax"] > train_nmax_max
        and (p["nmax"], p["hw"]) in truth
        and (eval_hw is None or eval_hw[0] <= p["hw"] <= eval_hw[1])
    ]
    out: dict[str, Any] = {"eval_hw": list(eval_hw) if eval_hw else None, "n_points": len(rows)}
    if not rows:
        out["note"] = (
            "no held-out rows (the table has no Nmax above the training maximum at the predicted Nmax"
            + (f" with hw in [{eval_hw[0]:g}, {eval_hw[1]:g}])" if eval_hw else ")")
        )
        return out
    y = np.array([truth[(p["nmax"], p["hw"])] for p in rows])
    m = np.array([p["mean"] for p in rows])
    lo, hi = np.array([p["lo95"] for p in rows]), np.array([p["hi95"] for p in rows])
    b = np.array([base.get((p["nmax"], p["hw"]), np.nan) for p in rows])
    valid = np.isfinite(b)
    out.update(
        {
            "rmse": float(np.sqrt(np.mean((m - y) ** 2))),
            "max_abs_error": float(np.max(np.abs(m - y))),
            "coverage95": float(np.mean((y >= lo) & (y <= hi))),
            "mean_width95": float(np.mean(hi - lo)),
            "baseline_rmse": float(np.sqrt(np.mean((b[valid] - y[valid]) ** 2))) if valid.any() else None,
            "baseline_n_points": int(valid.sum()),
            "bnn_rmse_on_baseline_points": float(np.sqrt(np.mean((m[valid] - y[valid]) ** 2)))
            if valid.any()
            else None,
        }
    )
    return out
