"""``python -m varbayes ncsm fit|compare DATA ...``: the NCSM extrapolation from the command line."""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

from .._fs import atomic_write_bytes, writable_directory
from .data import NMAX_LIMIT
from .model import ARCHITECTURES, PRIORS, NCSMConfig
from .report import SHIPPED, extrapolate_all, resolve_table


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if any(not 0 <= v <= NMAX_LIMIT for v in values):
        raise argparse.ArgumentTypeError(f"Nmax must be in [0, {NMAX_LIMIT}], got {text!r}")
    return values


def _architectures(text: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    unknown = [n for n in names if n not in ARCHITECTURES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated architectures from {', '.join(ARCHITECTURES)}, got {text!r}"
        )
    return names  # NCSMConfig turns a one-name tuple into the name


def _hw_range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO,HI, got {text!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise argparse.ArgumentTypeError(f"hw range must be finite, got {text!r}")
    if lo > hi:
        raise argparse.ArgumentTypeError(f"empty hw range {text!r}")
    return lo, hi


def add_parser(sub: Any) -> None:
    ncsm = sub.add_parser("ncsm", help="extrapolate NCSM energies with Bayesian networks")
    cmds = ncsm.add_subparsers(dest="ncsm_command", required=True)
    for name, help_text in (
        ("fit", "fit one prior and report the extrapolation"),
        ("compare", "fit every prior (the three variational ones and sgld) and print a comparison table"),
    ):
        p = cmds.add_parser(name, help=help_text)
        p.add_argument(
            "data",
            help="table file (whitespace/CSV, with or without header), MFDn .res files or "
            "directory, or a shipped table: " + ", ".join(SHIPPED),
        )
        p.add_argument(
            "--train-nmax-max",
            type=int,
            default=None,
            help="use only rows with Nmax <= N (default: the highest Nmax minus 4)",
        )
        p.add_argument(
            "--predict-nmax",
            type=_int_list,
            default=None,
            help="comma-separated Nmax to predict (default: N+2,N+4)",
        )
        if name == "fit":
            p.add_argument("--prior", choices=PRIORS, default=NCSMConfig.prior)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--json", type=Path, help="write the report as JSON")
        p.add_argument("--plot", type=Path, help="write the figure (PNG)")
        p.add_argument(
            "--save",
            type=Path,
            help="save the fitted model (vb.save format)"
            if name == "fit"
            else "save the fitted models as PREFIX-<prior>.vb",
        )
        p.add_argument(
            "--eval-hw",
            type=_hw_range,
            default=None,
            help="hw range LO,HI for the held-out metrics (default: all hw)",
        )
        _add_training_arguments(p)
        add_parallel_arguments(p)
        p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = cmds.add_parser(
        "sweep",
        help="extrapolate data sets x priors x training cuts x seeds in parallel: a table, and the "
        "converged energy against the training cut per prior",
    )
    p.add_argument("data", nargs="+", help="tables (as for fit; a cluster's workers must reach the paths)")
    p.add_argument(
        "--priors", type=_priors, default=list(PRIORS), help=f"comma-separated (default {','.join(PRIORS)})"
    )
    p.add_argument("--train-nmax-max", type=_int_list, required=True, help="comma-separated training cuts")
    p.add_argument("--seeds", type=_seeds, default=[0], help="seeds: A-B or comma-separated (default 0)")
    p.add_argument(
        "--predict-nmax",
        type=_int_list,
        default=None,
        help="comma-separated Nmax to predict (default: N+2,N+4)",
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="JSON-lines results file, one line per finished task; a rerun skips the tasks in it",
    )
    p.add_argument("--plot", type=Path, help="write the convergence figure (PNG)")
    _add_training_arguments(p)
    add_parallel_arguments(p, "extrapolations (each fitting its fits one after the other)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_training_arguments(p: argparse.ArgumentParser) -> None:
    """--epochs, --fits, --architecture, --correction-log-std: NCSMConfig settings."""
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="training epochs of the variational priors (default: the tuned value; sgld keeps its own "
        "schedule)",
    )
    p.add_argument(
        "--fits",
        type=int,
        default=None,
        help=f"independent variational fits pooled as a mixture (default {NCSMConfig.fits}; 1: fastest)",
    )
    p.add_argument(
        "--architecture",
        type=_architectures,
        default=None,
        help=f"network architecture, or several comma-separated ones pooled as a mixture (default "
        f"{NCSMConfig.architecture}; choices {', '.join(ARCHITECTURES)})",
    )
    p.add_argument(
        "--correction-log-std",
        type=float,
        default=None,
        help="uncertainty of the extrapolation law: log-std of the factor on each sample's "
        f"correction beyond the training Nmax (default {NCSMConfig.correction_log_std}; 0: off)",
    )


def add_parallel_arguments(p: argparse.ArgumentParser, tasks: str = "fits") -> None:
    """--jobs, --backend, --scheduler, --address: where the independent ``tasks`` run."""
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        help=f"{tasks} run at the same time (default: every core, or every worker of the cluster)",
    )
    p.add_argument(
        "--backend",
        choices=("loky", "dask", "ray"),
        default="loky",
        help="loky: worker processes on this machine; dask or ray: a cluster (pip install "
        "'varbayes[dask]' or 'varbayes[ray]')",
    )
    p.add_argument(
        "--scheduler", help="--backend dask: the scheduler address, tcp://HOST:PORT (default: local)"
    )
    p.add_argument("--address", help="--backend ray: the Ray head, HOST:PORT (default: a local Ray runtime)")


def parallel_options(args: argparse.Namespace) -> dict[str, Any]:
    """The backend keywords of ``extrapolate_all`` from the parsed arguments."""
    if args.scheduler is not None and args.backend != "dask":
        raise ValueError("--scheduler is the Dask scheduler address: use it with --backend dask")
    if args.address is not None and args.backend != "ray":
        raise ValueError("--address is the Ray head address: use it with --backend ray")
    engine = {"dask": "distributed", "ray": "ray"}.get(args.backend)
    if engine is not None and importlib.util.find_spec(engine) is None:
        raise ValueError(f"--backend {args.backend} needs {engine}: pip install 'varbayes[{args.backend}]'")
    return {"backend": args.backend, "scheduler": args.scheduler, "address": args.address}


def _priors(text: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names or any(n not in PRIORS for n in names):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated priors from {', '.join(PRIORS)}, got {text!r}"
        )
    return names


def _seeds(text: str) -> list[int]:
    try:
        if "-" in text:
            lo, hi = (int(v) for v in text.split("-"))
            seeds = list(range(lo, hi + 1))
        else:
            seeds = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seeds as A-B or comma-separated, got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"expected non-negative seeds, A <= B, got {text!r}")
    return seeds


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _save_paths(args: argparse.Namespace, priors: list[str]) -> list[Path]:
    if not args.save:
        return []
    if args.ncsm_command == "fit":
        return [args.save]
    return [args.save.with_name(f"{args.save.stem}-{prior}.vb") for prior in priors]


def _check_outputs(args: argparse.Namespace, priors: list[str]) -> None:
    """Refuses outputs that could not be written, before any training: a failure after it would
    lose the run, and (outputs being written one after the other) could leave some replaced."""
    _check_writable(
        [("--json", args.json), ("--plot", args.plot)] + [("--save", p) for p in _save_paths(args, priors)],
        args.plot,
    )


def _check_writable(outputs: list[tuple[str, Path | None]], plot: Path | None) -> None:
    """ValueError naming the flag of an output that could not be written (and of a figure format
    matplotlib cannot write)."""
    for flag, path in outputs:
        if path is None:
            continue
        try:
            writable_directory(path)
        except OSError as e:
            raise ValueError(f"{flag}: {e}") from None
    if plot:
        try:
            from matplotlib.backend_bases import FigureCanvasBase
        except ImportError:
            raise ValueError("--plot needs matplotlib: pip install 'varbayes[plot]'") from None
        formats = FigureCanvasBase.get_supported_filetypes()
        suffix = plot.suffix.lstrip(".").lower() or "png"
        if suffix not in formats:
            raise ValueError(
                f"--plot {plot}: unknown image format {suffix!r} (one of {', '.join(sorted(formats))})"
            )


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The NCSMConfig settings given on the command line."""
    return {
        k: v
        for k, v in (
            ("epochs", args.epochs),
            ("fits", args.fits),
            ("architecture", args.architecture),
            ("correction_log_std", args.correction_log_std),
        )
        if v is not None
    }


def run_sweep(args: argparse.Namespace) -> int:
    """``ncsm sweep``: every task through map_fits into --out, then the table and the figure."""
    from .sweep import format_sweep_table, summarize, sweep, sweep_configs

    _check_writable([("--out", args.out), ("--plot", args.plot)], args.plot)
    overrides = _overrides(args)
    # the sweep is the parallel map: each task's own fits run one after the other
    NCSMConfig(**overrides)  # bad settings fail here, not in every worker
    for data in args.data:
        resolve_table(data)  # unreadable data too
    configs = sweep_configs(
        args.data, args.priors, args.train_nmax_max, args.seeds, args.predict_nmax, **overrides
    )
    reports = sweep(
        configs, n_jobs=args.jobs, results=args.out, progress=not args.quiet, **parallel_options(args)
    )
    rows = summarize(reports)
    print(format_sweep_table(rows))
    if args.plot:
        from .plots import plot_sweep

        plot_sweep(rows, args.plot)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.ncsm_command == "sweep":
        return run_sweep(args)
    priors = [args.prior] if args.ncsm_command == "fit" else list(PRIORS)
    if args.ncsm_command == "fit" and args.prior == "sgld" and args.epochs is not None:
        raise ValueError(
            "--epochs sets the variational priors' training; the sgld prior keeps its own schedule"
        )
    _check_outputs(args, priors)
    table = resolve_table(args.data)
    nmaxes = table.nmax_values().tolist()
    train_max = (
        args.train_nmax_max
        if args.train_nmax_max is not None
        else (nmaxes[-3] if len(nmaxes) > 3 else nmaxes[-1])
    )
    predict_nmax = args.predict_nmax or [train_max + 2, train_max + 4]
    overrides = _overrides(args)
    pairs = extrapolate_all(
        table,
        priors,
        train_max,
        predict_nmax,
        seed=args.seed,
        eval_hw=args.eval_hw,
        progress=not args.quiet,
        n_jobs=args.jobs,
        **parallel_options(args),
        **overrides,
    )
    fitted, results = [ex for ex, _ in pairs], [report for _, report in pairs]
    print(format_table(results))
    # the outputs most likely to fail first, so that a failure leaves the others untouched
    payload = results[0] if args.ncsm_command == "fit" else {"data": table.source, "reports": results}
    try:
        report_json = json.dumps(payload, indent=1, allow_nan=False).encode()
    except ValueError:
        raise ValueError(
            "the report holds non-finite numbers (do the energies overflow?); nothing written"
        ) from None
    if args.plot:
        from .plots import plot_comparison, plot_report

        if args.ncsm_command == "fit":
            plot_report(results[0], table, fitted[0].lr_schedule, fitted[0].history, args.plot)
        else:
            plot_comparison(results, table, args.plot)
    if args.json:
        atomic_write_bytes(args.json, report_json)
    if args.save:
        for ex, path in zip(fitted, _save_paths(args, priors), strict=True):
            ex.save(path)
    return 0


def format_table(reports: list[dict[str, Any]]) -> str:
    """A plain-text table: one row per prior plus the baseline."""
    first = reports[0]
    metrics = first["metrics"]
    name = f"{first.get('nucleus') or ''} {first.get('interaction') or ''}".strip()
    head = (
        f"{name}: trained on Nmax <= {first['train_nmax_max']}, "
        f"predicting Nmax {first['predict_nmax']}; held-out points: {metrics['n_points']}"
        + (f" (hw in {metrics['eval_hw']})" if metrics.get("eval_hw") else "")
    )
    lines = [
        head.strip(),
        f"{'model':<22}{'RMSE keV':>10}{'cover95':>9}{'width95 MeV':>13}{'converged MeV':>26}{'time s':>8}",
    ]

    def fmt(v: Any, scale: float = 1.0, digits: int = 1) -> str:
        return "-" if v is None else f"{v * scale:.{digits}f}"

    for r in reports:
        m, c = r["metrics"], r["converged"]
        lines.append(
            f"{'BNN ' + r['prior']:<22}{fmt(m.get('rmse'), 1000):>10}{fmt(m.get('coverage95'), 1, 2):>9}"
            f"{fmt(m.get('mean_width95'), 1, 3):>13}"
            f"{c['mean']:>12.3f} [{c['lo95']:.3f}, {c['hi95']:.3f}]{r['training']['seconds']:>8.1f}"
        )
    b = first["baseline"]["converged"]
    conv = "-" if b["e_inf"] is None else f"{b['e_inf']:.3f} +- {b['spread']:.3f}"
    lines.append(
        f"{'exponential baseline':<22}{fmt(metrics.get('baseline_rmse'), 1000):>10}{'-':>9}{'-':>13}"
        f"{conv:>26}{'':>8}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m varbayes")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
