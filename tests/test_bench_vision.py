"""``python -m varbayes bench vision`` end to end on a few hundred images: JSON schema, per-epoch series,
value ranges, the PNG, and (when PyTorch is installed) the PyTorch twins."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

from varbayes import get_num_threads
from varbayes.__main__ import main
from varbayes.bench.vision import MODELS

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


def test_bench_vision_missing_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("VARBAYES_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["bench", "vision", "--dataset", "cifar10", "--data-dir", str(tmp_path)]) == 1
    assert "CIFAR-10 not found" in capsys.readouterr().err
