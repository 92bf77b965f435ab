"""A sweep of NCSM extrapolations: data sets x priors x training cuts x seeds, each an independent
task of ``vb.parallel.map_fits`` (resumable through its JSON-lines results file), summarised as
the converged energy against the training cut per prior."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ..parallel import map_fits
from .report import extrapolate, resolve_table


def sweep_configs(
    data: list[str],
    priors: list[str],
    train_nmax_max: list[int],
    seeds: list[int],
    predict_nmax: list[int] | None = None,
    **config: Any,
) -> list[dict[str, Any]]:
    """One JSON-able task per (data set, prior, training cut, seed), in that nesting order.

    Parameters
    ----------
    data : list of str
        Tables (paths, or shipped names such as ``"he4"``): a worker of a cluster reads them
        itself, so paths must be valid there too.
    priors, train_nmax_max, seeds : list
        The values swept.
    predict_nmax : list of int, optional
        Nmax predicted by every task (default: cut + 2, cut + 4).
    **config
        NCSMConfig settings for every task (e.g. ``epochs``, ``fits``).
    """
    return [
        {
            "data": str(d),
            "prior": prior,
            "train_nmax_max": int(cut),
            "predict_nmax": predict_nmax or [int(cut) + 2, int(cut) + 4],
            "seed": int(seed),
            "config": config,
        }
        for d in data
        for prior in priors
        for cut in train_nmax_max
        for seed in seeds
    ]


def run_sweep_task(task: dict[str, Any], seed: int) -> dict[str, Any]:
    """One extrapolation of a sweep (its fits one after the other: the sweep is the parallel
    map); the report. ``seed`` is unused: the task's own seed sets every generator."""
    table = resolve_table(task["data"])
    _, report = extrapolate(
        table,
        task["prior"],
        task["train_nmax_max"],
        task["predict_nmax"],
        seed=task["seed"],
        **{**task["config"], "n_jobs": 1},
    )
    return report


def sweep(
    configs: list[dict[str, Any]],
    *,
    n_jobs: int | None = None,
    backend: str = "loky",
    scheduler: str | None = None,
    address: str | None = None,
    results: str | Path | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Runs the tasks of ``sweep_configs`` through ``vb.parallel.map_fits``; their reports.

    Parameters
    ----------
    configs : list of dict
        From ``sweep_configs``.
    n_jobs, backend, scheduler, address, results, progress
        As in ``vb.parallel.map_fits`` (``results``: the resumable JSON-lines file).
    """
    return map_fits(
        run_sweep_task,
        configs,
        n_jobs,
        backend,
        scheduler=scheduler,
        address=address,
        results=results,
        progress=progress,
    )


def summarize(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (data set, prior, training cut): the converged energy over the seeds (mean of
    their means, the spread of the means, the mean 95% interval), the mean held-out RMSE, and the
    classic baseline's converged energy."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in reports:
        groups[(r["data"], r["prior"], r["train_nmax_max"])].append(r)
    rows = []
    for (data, prior, cut), group in groups.items():
        means = np.array([r["converged"]["mean"] for r in group])
        rmses = [r["metrics"]["rmse"] for r in group if r["metrics"].get("rmse") is not None]
        base = group[0]["baseline"]["converged"]
        rows.append(
            {
                "data": data,
                "nucleus": group[0].get("nucleus"),
                "prior": prior,
                "train_nmax_max": cut,
                "seeds": len(group),
                "converged_mean": float(means.mean()),
                "converged_seed_std": float(means.std()),
                "converged_lo95": float(np.mean([r["converged"]["lo95"] for r in group])),
                "converged_hi95": float(np.mean([r["converged"]["hi95"] for r in group])),
                "rmse": float(np.mean(rmses)) if rmses else None,
                "baseline_e_inf": base["e_inf"],
            }
        )
    return rows


def format_sweep_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of ``summarize``'s rows."""
    lines = [
        f"{'data':<12}{'prior':<11}{'cut':>4}{'seeds':>6}{'converged MeV':>15}{'seed std':>10}"
        f"{'95% (mean)':>22}{'RMSE keV':>10}{'baseline':>10}"
    ]
    for r in rows:
        name = r["nucleus"] or Path(r["data"]).stem
        rmse = "-" if r["rmse"] is None else f"{r['rmse'] * 1000:.1f}"
        base = "-" if r["baseline_e_inf"] is None else f"{r['baseline_e_inf']:.3f}"
        interval = f"[{r['converged_lo95']:.3f}, {r['converged_hi95']:.3f}]"
        lines.append(
            f"{name:<12}{r['prior']:<11}{r['train_nmax_max']:>4}{r['seeds']:>6}{r['converged_mean']:>15.3f}"
            f"{r['converged_seed_std']:>10.3f}{interval:>22}{rmse:>10}{base:>10}"
        )
    return "\n".join(lines)


__all__ = ["format_sweep_table", "run_sweep_task", "summarize", "sweep", "sweep_configs"]
