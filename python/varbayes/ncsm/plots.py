"""NCSM figures: the data (E vs hw per Nmax, as figure 1 of the reference study), the
learning-rate schedule (figure 2), the extrapolation with its bands next to the classic
baseline, and the comparison of priors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..plot import plot_history, plot_lr_schedule, save_figure
from .data import NCSMTable


def plot_data(table: NCSMTable, ax: Any, train_nmax_max: int | None = None) -> None:
    for n in table.nmax_values():
        sel = table.nmax == n
        held_out = train_nmax_max is not None and n > train_nmax_max
        ax.plot(
            table.hw[sel],
            table.energy[sel],
            marker="o",
            ms=3,
            ls="--" if held_out else "-",
            label=f"Nmax {n}" + (" (held out)" if held_out else ""),
        )
    ax.set_xlabel("hbar*Omega (MeV)")
    ax.set_ylabel("E (MeV)")
    ax.set_title(f"{table.nucleus or ''} data")
    ax.legend(fontsize=7)


def plot_extrapolation(report: dict[str, Any], table: NCSMTable, ax: Any) -> None:
    preds = report["predictions"]
    for n in report["predict_nmax"]:
        rows = [p for p in preds if p["nmax"] == n]
        hw = np.array([p["hw"] for p in rows])
        line = ax.plot(hw, [p["mean"] for p in rows], label=f"BNN Nmax {n}")[0]
        ax.fill_between(
            hw, [p["lo95"] for p in rows], [p["hi95"] for p in rows], alpha=0.25, color=line.get_color()
        )
        base = [b for b in report["baseline"]["predictions"] if b["nmax"] == n and b["energy"] is not None]
        ax.plot(
            [b["hw"] for b in base],
            [b["energy"] for b in base],
            "x",
            color=line.get_color(),
            ms=4,
            label=f"exponential baseline Nmax {n}",
        )
        sel = table.nmax == n
        if sel.any():
            ax.plot(table.hw[sel], table.energy[sel], "k.", ms=4)
    conv = report["converged"]
    ax.axhspan(conv["lo95"], conv["hi95"], color="grey", alpha=0.2, label="converged 95%")
    lo = min(p["lo95"] for p in preds)
    ax.set_ylim(lo - 0.5, max(p["hi95"] for p in preds if p["hw"] >= _vmin_hw(report)) + 1.0)
    ax.set_xlabel("hbar*Omega (MeV)")
    ax.set_ylabel("E (MeV)")
    ax.set_title(
        f"{report['prior']} prior: extrapolation from Nmax <= {report['train_nmax_max']} (dots: data)"
    )
    ax.legend(fontsize=7)


def _vmin_hw(report: dict[str, Any]) -> float:
    return min(v["hw"] for v in report["variational_minimum"]) * 0.6


def plot_report(
    report: dict[str, Any], table: NCSMTable, lr_schedule: list[float], history: Any, path: str | Path
) -> None:
    """Four panels: data, learning-rate schedule, extrapolation, training curves."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    plot_data(table, axes[0, 0], report["train_nmax_max"])
    plot_lr_schedule(lr_schedule, ax=axes[0, 1])
    axes[0, 1].set_title("learning rate: linear warmup, cosine decay to a floor")
    plot_extrapolation(report, table, axes[1, 0])
    plot_history(history, ax=axes[1, 1])
    axes[1, 1].set_yscale("symlog")
    axes[1, 1].set_title("training")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def plot_comparison(reports: list[dict[str, Any]], table: NCSMTable, path: str | Path) -> None:
    """One extrapolation panel per prior, plus the data."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(reports) + 1, figsize=(5 * (len(reports) + 1), 4.5), squeeze=False)
    plot_data(table, axes[0, 0], reports[0]["train_nmax_max"])
    for ax, rep in zip(axes[0, 1:], reports, strict=True):
        plot_extrapolation(rep, table, ax)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def plot_sweep(rows: list[dict[str, Any]], path: str | Path) -> None:
    """The convergence picture of a sweep: per data set, the converged energy against the training
    cut, one line per prior (mean over seeds, the band the mean 95% interval), and the classic
    baseline's E_inf at each cut."""
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(r["data"] for r in rows))
    fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4.5), squeeze=False)
    for ax, data in zip(axes[0], datasets, strict=True):
        mine = [r for r in rows if r["data"] == data]
        for prior in dict.fromkeys(r["prior"] for r in mine):
            line = sorted((r for r in mine if r["prior"] == prior), key=lambda r: r["train_nmax_max"])
            cuts = [r["train_nmax_max"] for r in line]
            drawn = ax.errorbar(
                cuts,
                [r["converged_mean"] for r in line],
                yerr=[r["converged_seed_std"] for r in line],
                marker="o",
                capsize=3,
                label=f"BNN {prior}",
            )
            ax.fill_between(
                cuts,
                [r["converged_lo95"] for r in line],
                [r["converged_hi95"] for r in line],
                alpha=0.15,
                color=drawn[0].get_color(),
            )
        base = sorted(
            {(r["train_nmax_max"], r["baseline_e_inf"]) for r in mine if r["baseline_e_inf"] is not None}
        )
        if base:
            ax.plot(*zip(*base, strict=True), "kx--", label="exponential baseline")
        ax.set_xticks(sorted({r["train_nmax_max"] for r in mine}))
        ax.set_xlabel("training cut: Nmax <=")
        ax.set_ylabel("converged E (MeV)")
        ax.set_title(f"{mine[0]['nucleus'] or Path(data).stem}: converged energy (error bars: seed spread)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


__all__ = ["plot_comparison", "plot_data", "plot_extrapolation", "plot_report", "plot_sweep"]
