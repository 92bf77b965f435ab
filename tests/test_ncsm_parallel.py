"""The NCSM fits through vb.parallel.map_fits: the same reports whatever --jobs, and the CLI's
parallel options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from varbayes.__main__ import main
from varbayes.ncsm.model import PRIORS, NCSMConfig
from varbayes.ncsm.report import extrapolate_all, resolve_table

SMALL = {
    "epochs": 100,
    "ensemble_epochs": 60,
    "ensemble_size": 2,
    "n_samples": 20,
    "fits": 2,
    "patience": 50,
    "sgld_steps": 600,
    "sgld_burn_in": 200,
    "sgld_thin": 20,
    "sgld_start_epochs": 100,
}


def without_times(report: dict) -> dict:
    """The report but the training time, which no two runs share."""
    return {**report, "training": {k: v for k, v in report["training"].items() if k != "seconds"}}


def test_every_prior_reports_the_same_with_one_or_two_jobs() -> None:
    table = resolve_table("he4")
    runs = [
        [
            json.dumps(without_times(report))
            for _, report in extrapolate_all(table, list(PRIORS), 8, [10, 12], seed=3, n_jobs=n_jobs, **SMALL)
        ]
        for n_jobs in (1, 2)
    ]
    assert runs[0] == runs[1]
    assert [json.loads(r)["prior"] for r in runs[0]] == list(PRIORS)
    # two architectures x two fits per prior
    assert all(len(json.loads(r)["training"]["fits"]) == 4 for r in runs[0])


def test_cli_json_is_the_same_with_one_or_two_jobs(tmp_path: Path) -> None:
    args = [
        "ncsm",
        "fit",
        "he4",
        "--train-nmax-max",
        "8",
        "--prior",
        "fixed",
        "--epochs",
        "60",
        "--fits",
        "2",
    ]
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"fit-{jobs}.json"
        assert main([*args, "--jobs", jobs, "--json", str(out), "--quiet"]) == 0
        reports.append(without_times(json.loads(out.read_text())))
    assert reports[0] == reports[1]
    assert "n_jobs" not in reports[0]["training"]["config"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is the Dask scheduler address"),
        (["--backend", "dask", "--address", "127.0.0.1:6379"], "--address is the Ray head address"),
    ],
)
def test_cli_refuses_a_cluster_address_of_another_backend(extra: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ncsm", "fit", "he4", "--prior", "fixed", "--epochs", "10", "--fits", "1", *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_refuses_a_jobs_count_below_one(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["ncsm", "compare", "he4", "--jobs", "0"])
    assert "--jobs: expected a positive integer, got '0'" in capsys.readouterr().err


def test_n_jobs_is_an_execution_setting_checked_and_left_out_of_the_settings() -> None:
    with pytest.raises(ValueError, match="n_jobs must be a positive integer"):
        NCSMConfig(n_jobs=0)
    assert "n_jobs" not in NCSMConfig(n_jobs=2).settings()
    assert NCSMConfig(n_jobs=2).settings() == NCSMConfig(n_jobs=1).settings()


SWEEP = ["ncsm", "sweep", "he4", "--priors", "fixed", "--train-nmax-max", "6,8", "--seeds", "0-1"]
SWEEP += ["--epochs", "40", "--fits", "1", "--architecture", "exponential", "--quiet"]


def sweep_lines(path: Path) -> dict[int, dict]:
    """The results file by task index, the training times left out."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return {line["index"]: {**line, "result": without_times(line["result"])} for line in lines}


def test_sweep_writes_every_task_a_table_and_the_figure_and_resumes(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    out, fig = tmp_path / "sweep.jsonl", tmp_path / "sweep.png"
    assert main([*SWEEP, "--jobs", "2", "--out", str(out), "--plot", str(fig)]) == 0
    table = capsys.readouterr().out
    lines = sweep_lines(out)
    assert sorted(lines) == [0, 1, 2, 3]
    assert [(lines[i]["config"]["train_nmax_max"], lines[i]["config"]["seed"]) for i in range(4)] == [
        (6, 0),
        (6, 1),
        (8, 0),
        (8, 1),
    ]
    rows = [line.split() for line in table.splitlines()[1:]]
    assert [(r[1], r[2], r[3]) for r in rows] == [("fixed", "6", "2"), ("fixed", "8", "2")]
    for cut, row in zip((6, 8), rows, strict=True):
        means = [
            lines[i]["result"]["converged"]["mean"]
            for i in lines
            if lines[i]["config"]["train_nmax_max"] == cut
        ]
        assert float(row[4]) == pytest.approx(sum(means) / 2, abs=1e-3)
    assert fig.stat().st_size > 0
    before = out.read_bytes()
    # the rerun finds every task done: nothing trains, nothing is appended, the same table
    assert main([*SWEEP, "--jobs", "2", "--out", str(out)]) == 0
    assert out.read_bytes() == before
    assert capsys.readouterr().out == table


def test_sweep_through_a_dask_cluster_equals_the_sequential_one(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert main([*SWEEP, "--backend", "dask", "--scheduler", address, "--out", str(tmp_path / "d")]) == 0
    assert main([*SWEEP, "--jobs", "1", "--out", str(tmp_path / "s")]) == 0
    assert sweep_lines(tmp_path / "d") == sweep_lines(tmp_path / "s")


def test_sweep_refuses_bad_seeds_and_priors(capsys) -> None:
    for flag, value, message in (
        ("--seeds", "3-1", "expected non-negative seeds, A <= B"),
        ("--seeds", "a", "expected seeds as A-B or comma-separated"),
        ("--priors", "fixed,flat", "expected comma-separated priors"),
    ):
        with pytest.raises(SystemExit):
            main(["ncsm", "sweep", "he4", "--train-nmax-max", "6", "--out", "x.jsonl", flag, value])
        assert message in capsys.readouterr().err


def test_cli_names_the_extra_a_missing_engine_needs(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    with pytest.raises(SystemExit):
        main(["ncsm", "fit", "he4", "--prior", "fixed", "--fits", "1", "--backend", "ray"])
    assert "--backend ray needs ray: pip install 'varbayes[ray]'" in capsys.readouterr().err
