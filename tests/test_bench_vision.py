"""``python -m varbayes bench vision`` end to end on a few hundred images: JSON schema, per-epoch series,
value ranges, the PNG, and (when PyTorch is installed) the PyTorch twins."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from varbayes import get_num_threads
from varbayes.__main__ import main
from varbayes.bench.vision import (
    MODELS,
    VisionConfig,
    _TorchTrainer,
    _VarbayesTrainer,
    kl_schedule,
    load_data,
)

SERIES = ("test_accuracy", "train_accuracy", "test_nll", "ece", "epoch_seconds")
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _run(tmp_path: Path, data_dir: Path, dataset: str, *extra: str) -> dict:
    out, png = tmp_path / f"{dataset}.json", tmp_path / f"{dataset}.png"
    argv = ["bench", "vision", "--dataset", dataset, "--epochs", "1", "--limit", "512", "--hidden", "32"]
    argv += ["--samples", "2", "--data-dir", str(data_dir), "--json", str(out)]
    assert main([*argv, "--plot", str(png), *extra]) == 0
    assert png.stat().st_size > 10_000
    return json.loads(out.read_text())


def _check_series(entry: dict, epochs: int) -> None:
    for name in SERIES:
        assert len(entry[name]) == epochs, name
    for name in ("test_accuracy", "train_accuracy", "ece"):
        assert all(0 <= v <= 1 for v in entry[name]), name
    assert all(0 < v < 10 for v in entry["test_nll"])
    assert all(v > 0 for v in entry["epoch_seconds"])


@pytest.mark.parametrize(
    ("dataset", "name", "torch"),
    [
        ("fashion-mnist", "FashionMNIST", HAS_TORCH),
        ("cifar10", "CIFAR-10 (JPEG-reconstructed)", False),
    ],
    ids=["fashion-mnist", "cifar10"],
)
def test_bench_vision(tmp_path: Path, shared_data: Path, dataset: str, name: str, torch: bool) -> None:
    result = _run(tmp_path, shared_data, dataset, *(["--compare-torch"] if torch else []))
    assert set(result) == {"dataset", "config", "models"}
    assert result["dataset"] == name
    config = result["config"]
    assert config["n_train"] == config["n_test"] == 512 and config["epochs"] == 1
    assert (
        config["lr_schedule"] == "cosine"
        and "cosine annealing of the lr to 0 over all 4 steps" in config["optimizer"]
    )
    assert (
        config["samples"] == 2 and config["standardize"] is False and config["threads"] == get_num_threads()
    )
    assert set(result["models"]) == set(MODELS)
    for entry in result["models"].values():
        _check_series(entry, 1)
        reliability = entry["final_reliability"]
        assert len(reliability["counts"]) == 15 and sum(reliability["counts"]) == 512
        assert math.isclose(reliability["ece"], entry["ece"][-1])
        assert ("ood_auroc" in entry) == (dataset == "fashion-mnist")
        if "ood_auroc" in entry:
            assert 0 <= entry["ood_auroc"] <= 1
        if torch:
            _check_series(entry["torch"], 1)
            assert entry["torch_epoch_time_ratio"] > 0
    # One initialisation and one data order for both frameworks: the deterministic nets agree.
    if torch:
        ours, theirs = result["models"]["deterministic"], result["models"]["deterministic"]["torch"]
        assert ours["test_accuracy"] == pytest.approx(theirs["test_accuracy"], abs=2 / 512)
        assert ours["test_nll"] == pytest.approx(theirs["test_nll"], rel=1e-3)


def test_bench_vision_kl_anneal_and_val_split(tmp_path: Path, shared_data: Path) -> None:
    options = ("--kl-weight", "0.5", "--kl-anneal-epochs", "2", "--val-split", "0.25")
    result = _run(tmp_path, shared_data, "fashion-mnist", *options)
    config = result["config"]
    assert config["kl_weight"] == 0.5 and config["kl_anneal_epochs"] == 2 and config["val_split"] == 0.25
    assert config["n_train"] == 384 and config["n_test"] == 128
    assert "from 0 to 0.5 over the first 2.0 epochs" in config["objective"]
    assert config["evaluated_on"].startswith("validation split: 128 training images held out")
    for entry in result["models"].values():
        _check_series(entry, 1)
        assert sum(entry["final_reliability"]["counts"]) == 128


def test_kl_schedule_rises_over_the_given_epochs() -> None:
    # 1000 images in batches of 128 are 8 steps per epoch: 1.5 epochs of annealing are 12 steps.
    schedule = kl_schedule(VisionConfig("fashion-mnist", kl_anneal_epochs=1.5), 1000)
    assert [schedule.factor(step) for step in (0, 6, 12, 100)] == [0.0, 0.5, 1.0, 1.0]
    assert kl_schedule(VisionConfig("fashion-mnist"), 1000).factor(0) == 1.0


def test_trainer_uses_the_annealed_kl_weight() -> None:
    # Two batches of 128 per epoch, annealed over one epoch: the second step (step 1) has beta = 0.5 * 1/2.
    cfg = VisionConfig("fashion-mnist", hidden=8, kl_weight=0.5, kl_anneal_epochs=1)
    trainer = _VarbayesTrainer("bayesian", cfg, 4, 256)
    x, y = np.random.default_rng(0).random((256, 4), dtype=np.float32), np.arange(256) % 10
    trainer.train_epoch(x, y, [np.arange(128), np.arange(128, 256)])
    assert trainer.elbo.last["beta"] == 0.25 and trainer.elbo.last["kl"] > 0


def _lrs_over_one_epoch(trainer: object, x: np.ndarray, y: np.ndarray) -> list[float]:
    lrs = []
    for batch in np.array_split(np.arange(len(x)), 4):
        trainer.train_epoch(x, y, [batch])
        lrs.append(trainer.optimizer.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_lr_schedule_per_step_in_both_frameworks(schedule: str) -> None:
    # 512 images in batches of 128: 4 steps per epoch, 2 epochs, so T_max = 8 steps.
    cfg = VisionConfig("fashion-mnist", epochs=2, hidden=8, lr=1e-2, lr_schedule=schedule, threads=1)
    x, y = np.random.default_rng(0).random((512, 4), dtype=np.float32), np.arange(512) % 10
    ours = _VarbayesTrainer("bayesian", cfg, 4, 512)
    expected = [
        1e-2 * 0.5 * (1 + math.cos(math.pi * t / 8)) if schedule == "cosine" else 1e-2 for t in range(1, 5)
    ]
    assert _lrs_over_one_epoch(ours, x, y) == pytest.approx(expected, rel=1e-12)
    if HAS_TORCH:
        theirs = _TorchTrainer("bayesian", ours.initial_state, cfg, 512)
        assert _lrs_over_one_epoch(theirs, x, y) == pytest.approx(expected, rel=1e-12)


def test_val_split_holds_out_training_images(shared_data: Path) -> None:
    base = VisionConfig("fashion-mnist", limit=200, data_dir=str(shared_data))
    full, split = load_data(base), load_data(VisionConfig(**{**base.__dict__, "val_split": 0.2}))
    assert len(split.x_test) == 40 and len(split.x_train) == 160
    rows = {row.tobytes(): label for row, label in zip(full.x_train, full.y_train, strict=True)}
    held_out = {row.tobytes() for row in split.x_test}
    # Every validation image is a training image with its label, and none is also trained on.
    assert all(rows[row.tobytes()] == label for row, label in zip(split.x_test, split.y_test, strict=True))
    assert held_out.isdisjoint(row.tobytes() for row in split.x_train)
    assert split.evaluated_on.startswith("validation split") and full.evaluated_on == "test set"


@pytest.mark.parametrize(
    "option",
    [
        ("--val-split", "1"),
        ("--val-split", "-0.1"),
        ("--kl-anneal-epochs", "-1"),
        ("--kl-weight", "nan"),
        ("--lr-schedule", "linear"),
    ],
)
def test_bench_vision_rejects_bad_options(option: tuple[str, str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench", "vision", "--dataset", "fashion-mnist", *option])
    assert exc.value.code == 2 and option[0] in capsys.readouterr().err


def test_bench_vision_missing_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("VARBAYES_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["bench", "vision", "--dataset", "cifar10", "--data-dir", str(tmp_path)]) == 1
    assert "CIFAR-10 not found" in capsys.readouterr().err
