"""vb.parallel.map_fits: the same results as the sequential run whatever n_jobs and backend,
retries of failed tasks and killed workers, and the resumable JSON-lines results file. The Dask
and Ray tests run a real local cluster on loopback."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

import varbayes as vb
from varbayes.parallel import TaskError, map_fits, task_seed

pytest.importorskip("joblib")

CONFIGS = [{"width": w, "scale": s} for w in (1, 3) for s in (0.5, 2.0)]


def draws(config: dict, seed: int) -> dict:
    """A task that uses the default generator (seeded by map_fits) and its own seed."""
    x = vb.randn(2, config["width"]) * config["scale"]
    return {"x": x.numpy().tolist(), "u": float(np.random.default_rng(seed).random())}


def seeded_draws(config: dict, seed: int) -> dict:
    """The same from a generator of its own: what the threading backend needs."""
    x = vb.randn(2, config["width"], generator=vb.Generator(seed)) * config["scale"]
    return {"x": x.numpy().tolist(), "u": float(np.random.default_rng(seed).random())}


def train_linear(config: dict, seed: int) -> bytes:
    """A few SGD steps of a Linear layer; the model comes back as checkpoint bytes."""
    model = vb.nn.Linear(config["width"], 1)
    opt = vb.optim.SGD(model.parameters(), lr=0.1)
    x, y = vb.randn(8, config["width"]), vb.randn(8, 1)
    for _ in range(5):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean() * config["scale"]
        loss.backward()
        opt.step()
    buffer = io.BytesIO()
    vb.save(model, buffer)
    return buffer.getvalue()


def sequential(fn, configs, seed=0):
    """The reference: a plain loop, each task seeded as map_fits documents."""
    out = []
    for i, config in enumerate(configs):
        vb.manual_seed(task_seed(seed, i))
        out.append(fn(config, task_seed(seed, i)))
    return out


def first_try_marker(directory: Path, config: dict) -> bool:
    """True the first time a task runs (a file per task records it across processes)."""
    marker = directory / f"tried-{config['width']}-{config['scale']}"
    if marker.exists():
        return False
    marker.touch()
    return True


def fails_once(config: dict, seed: int) -> dict:
    if first_try_marker(Path(config["dir"]), config):
        raise RuntimeError(f"transient failure of {config['width']}")
    return draws(config, seed)


def dies_once(config: dict, seed: int) -> dict:
    if config["width"] == 3 and first_try_marker(Path(config["dir"]), config):
        os._exit(3)  # the worker process dies mid-task, as a killed one does
    return draws(config, seed)


def counted(config: dict, seed: int) -> dict:
    """Records each run in the task's directory, so a test can count what ran."""
    with open(Path(config["dir"]) / "runs", "a") as f:
        f.write(f"{config['width']},{config['scale']}\n")
    if (Path(config["dir"]) / f"broken-{config['width']}").exists():
        raise ValueError(f"width {config['width']} refused")
    return draws(config, seed)


def runs(directory: Path) -> list[str]:
    path = directory / "runs"
    return path.read_text().splitlines() if path.exists() else []


def with_dir(directory: Path, **extra) -> list[dict]:
    return [{**c, "dir": str(directory), **extra} for c in CONFIGS]


# ---- seeds and reproducibility ----------------------------------------------------------------


def test_task_seeds_depend_on_the_seed_and_index_only() -> None:
    seeds = {task_seed(s, i) for s in range(4) for i in range(50)}
    assert len(seeds) == 200
    assert task_seed(7, 3) == task_seed(7, 3)
    assert all(0 <= s < 2**63 for s in seeds)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        task_seed(-1, 0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_loky_results_equal_the_sequential_loop(n_jobs: int) -> None:
    assert map_fits(draws, CONFIGS, n_jobs=n_jobs, seed=5) == sequential(draws, CONFIGS, seed=5)
    assert map_fits(draws, CONFIGS, n_jobs=n_jobs, seed=6) != map_fits(draws, CONFIGS, n_jobs=n_jobs, seed=5)


def test_threading_results_equal_the_sequential_loop_with_generators_of_their_own() -> None:
    assert map_fits(seeded_draws, CONFIGS, n_jobs=2, backend="threading") == sequential(seeded_draws, CONFIGS)


def test_models_travel_as_checkpoint_bytes_and_match_bit_for_bit() -> None:
    parallel = map_fits(train_linear, CONFIGS, n_jobs=2)
    reference = sequential(train_linear, CONFIGS)
    assert parallel == reference
    model = vb.load(io.BytesIO(parallel[1]))
    assert isinstance(model, vb.nn.Linear) and model.in_features == CONFIGS[1]["width"]
    with pytest.raises(vb.io.CheckpointError, match="<BytesIO> is corrupted"):
        vb.load(io.BytesIO(parallel[1][:-1] + b"?"))


def test_each_worker_gets_its_share_of_the_kernel_threads() -> None:
    threads = map_fits(lambda c, s: vb.get_num_threads(), [0, 1], n_jobs=2, threads_per_worker=1)
    assert threads == [1, 1]


def test_an_engine_object_as_result_is_refused_with_the_way_out() -> None:
    with pytest.raises(TaskError, match=r"checkpoint bytes") as info:
        map_fits(lambda c, s: vb.nn.Linear(2, 1), [{"k": 1}], n_jobs=1, retries=0)
    assert info.value.failures[0][:2] == (0, {"k": 1})


# ---- failures and retries ---------------------------------------------------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_failing_task_is_retried_once(tmp_path: Path, n_jobs: int) -> None:
    configs = with_dir(tmp_path)
    assert map_fits(fails_once, configs, n_jobs=n_jobs) == sequential(draws, configs)
    assert len(list(tmp_path.glob("tried-*"))) == len(configs)


def test_a_task_failing_every_try_is_reported_with_its_config_after_the_others(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    configs = with_dir(tmp_path)
    (tmp_path / "broken-3").touch()
    with pytest.raises(TaskError, match=r"(?s)2 task\(s\) failed.*task 2 \(config .*'width': 3") as info:
        map_fits(counted, configs, n_jobs=2, retries=1, results=results)
    assert [i for i, _, _ in info.value.failures] == [2, 3]
    assert all("ValueError: width 3 refused" in error for _, _, error in info.value.failures)
    # two tries of each failing task, one of each other, and the others' results kept
    assert sorted(runs(tmp_path)) == sorted(["1,0.5", "1,2.0"] + ["3,0.5", "3,2.0"] * 2)
    assert [json.loads(line)["index"] for line in results.read_text().splitlines()] in ([0, 1], [1, 0])


def test_a_killed_loky_worker_is_retried(tmp_path: Path) -> None:
    configs = with_dir(tmp_path)
    assert map_fits(dies_once, configs, n_jobs=2) == sequential(draws, configs)


def test_a_killed_worker_without_retries_names_the_tasks(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match="the worker running the task failed"):
        map_fits(dies_once, with_dir(tmp_path), n_jobs=2, retries=0)


# ---- the results file -------------------------------------------------------------------------


def test_results_file_has_one_line_per_task_and_a_rerun_runs_nothing(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    configs = with_dir(tmp_path)
    first = map_fits(counted, configs, n_jobs=2, seed=3, results=results)
    assert first == sequential(draws, configs, seed=3)
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(line["index"] for line in lines) == [0, 1, 2, 3]
    assert all(line["config"] == configs[line["index"]] for line in lines)
    assert all(line["seed"] == task_seed(3, line["index"]) for line in lines)
    assert map_fits(counted, configs, n_jobs=2, seed=3, results=results) == first
    assert len(runs(tmp_path)) == len(configs)


def test_an_interrupted_sweep_resumes_without_redoing_finished_tasks(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    configs = with_dir(tmp_path)
    (tmp_path / "broken-3").touch()
    with pytest.raises(TaskError):
        map_fits(counted, configs, n_jobs=1, retries=0, results=results)
    before = results.read_bytes()
    # a run killed while writing a line leaves it truncated
    with open(results, "ab") as f:
        f.write(b'{"index": 2, "seed": 1, "con')
    (tmp_path / "broken-3").unlink()
    (tmp_path / "runs").unlink()
    assert map_fits(counted, configs, n_jobs=2, results=results) == sequential(draws, configs)
    assert sorted(runs(tmp_path)) == ["3,0.5", "3,2.0"]
    text = results.read_bytes()
    assert text.startswith(before) and text.endswith(b"\n")
    assert sorted(json.loads(line)["index"] for line in text.splitlines()) == [0, 1, 2, 3]


def test_a_results_file_of_another_map_is_refused(tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    map_fits(draws, CONFIGS[:2], n_jobs=1, results=results)
    with pytest.raises(ValueError, match=r"r.jsonl:1: task 0 of another map"):
        map_fits(draws, CONFIGS[1:], n_jobs=1, results=results)
    with pytest.raises(ValueError, match="task 0 of another map"):
        map_fits(draws, CONFIGS[:2], n_jobs=1, seed=1, results=results)
    lines = results.read_text().splitlines()
    results.write_text("\n".join([lines[0], "garbage", lines[1]]) + "\n")
    with pytest.raises(ValueError, match=r"r.jsonl:2: not a line of a map_fits results file"):
        map_fits(draws, CONFIGS[:2], n_jobs=1, results=results)


def test_results_file_needs_json_configs_and_results(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="config 0 is not JSON-able"):
        map_fits(draws, [{"width": 1, "scale": object()}], n_jobs=1, results=tmp_path / "r.jsonl")
    with pytest.raises(TaskError, match="the result is not JSON-able"):
        map_fits(lambda c, s: b"bytes", [1], n_jobs=1, retries=0, results=tmp_path / "r.jsonl")


# ---- arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"backend": "spark"}, ValueError, "backend must be one of"),
        ({"n_jobs": 0}, ValueError, "n_jobs must be a positive integer"),
        ({"retries": -1}, ValueError, "retries must be a non-negative integer"),
        ({"seed": -2}, ValueError, "seed must be a non-negative integer"),
        ({"threads_per_worker": 0}, ValueError, "threads_per_worker must be a positive integer"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, ValueError, "scheduler= is the Dask scheduler address"),
        ({"address": "127.0.0.1:6379", "backend": "dask"}, ValueError, "address= is the Ray head"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        map_fits(draws, CONFIGS, **kwargs)


def test_fn_must_be_callable() -> None:
    with pytest.raises(TypeError, match="fn must be callable"):
        map_fits("draws", CONFIGS)


def test_no_configs_no_tasks(tmp_path: Path) -> None:
    assert map_fits(draws, [], n_jobs=2, results=tmp_path / "r.jsonl") == []


# ---- cluster engines --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def ray_runtime():
    # Ray serves on the machine's network address unless clusters are "disabled" (its setting
    # for laptops): then everything stays on loopback. Read when ray is imported.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        ray = pytest.importorskip("ray")
        # the workers import this module to run its tasks
        path = os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": path}},
        )
        assert ray.nodes()[0]["NodeManagerAddress"] == "127.0.0.1"
        yield
        ray.shutdown()


def test_dask_cluster_equals_the_sequential_run(dask_scheduler: str, tmp_path: Path) -> None:
    configs = with_dir(tmp_path)
    results = tmp_path / "r.jsonl"
    assert map_fits(dies_once, configs, backend="dask", scheduler=dask_scheduler, results=results) == (
        sequential(draws, configs)
    )
    assert len(results.read_text().splitlines()) == len(configs)


def test_ray_runtime_equals_the_sequential_run(ray_runtime: None, tmp_path: Path) -> None:
    configs = with_dir(tmp_path)
    assert map_fits(dies_once, configs, backend="ray") == sequential(draws, configs)
    assert map_fits(train_linear, CONFIGS, backend="ray", n_jobs=2) == sequential(train_linear, CONFIGS)
