"""The NCSM workflow end to end: CLI JSON schema, no leakage above the training Nmax,
reproducibility with a seed, save/load of the fitted model."""

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

import varbayes as vb
from varbayes import tensor
from varbayes.__main__ import main
from varbayes.infer import SampleBank, ess, split_rhat_chains
from varbayes.ncsm import load_table
from varbayes.ncsm.baseline import exponential_baseline
from varbayes.ncsm.model import PRIORS, NCSMConfig, NCSMExtrapolator
from varbayes.ncsm.report import extrapolate, held_out_metrics, resolve_table

FAST = {
    "epochs": 300,
    "ensemble_epochs": 200,
    "ensemble_size": 2,
    "n_samples": 30,
    "fits": 2,
    "patience": 100,
    "sgld_steps": 1500,
    "sgld_burn_in": 500,
    "sgld_thin": 20,
    "sgld_start_epochs": 200,
}


def _x(ex: NCSMExtrapolator, nmax: list[int], hw: list[float]):
    return tensor(ex._inputs(nmax, hw))


@pytest.fixture(scope="module")
def he4():
    return resolve_table("he4")


def test_cli_json_schema(tmp_path: Path) -> None:
    out = tmp_path / "fit.json"
    assert (
        main(
            [
                "ncsm",
                "fit",
                "he4",
                "--train-nmax-max",
                "8",
                "--predict-nmax",
                "10,12",
                "--prior",
                "fixed",
                "--epochs",
                "200",
                "--fits",
                "2",
                "--json",
                str(out),
                "--eval-hw",
                "15,34",
                "--correction-log-std",
                "0.5",
                "--quiet",
            ]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert {
        "data",
        "prior",
        "train_nmax_max",
        "predictions",
        "converged",
        "baseline",
        "metrics",
    } <= report.keys()
    assert report["prior"] == "fixed" and report["train_nmax_max"] == 8
    config = report["training"]["config"]
    assert config["fits"] == 2 and config["epochs"] == 200 and config["correction_log_std"] == 0.5
    fits = report["training"]["fits"]
    # two fits for each of the default's two architectures
    assert len(fits) == 4 and all(0 <= f["best_epoch"] < f["epochs"] <= 200 for f in fits)
    hws = sorted(set(load_table(report["data"]).hw.tolist()))
    # one prediction for every hw of the data at each requested Nmax
    assert sorted((p["nmax"], p["hw"]) for p in report["predictions"]) == sorted(
        (n, h) for n in (10, 12) for h in hws
    )
    for p in report["predictions"]:
        assert {"nmax", "hw", "mean", "std", "lo95", "hi95"} <= p.keys()
        assert p["lo95"] <= p["mean"] <= p["hi95"] and p["std"] > 0
    assert {"mean", "std", "lo95", "hi95"} <= report["converged"].keys()
    # taken where the classic fit takes its E_inf: the variational-minimum hw at Nmax 8
    assert report["converged"]["hw"] == report["baseline"]["converged"]["variational_min_hw"]
    assert report["metrics"]["n_points"] == 26  # hw 15..20 step 1 and 22..34 step 2, at Nmax 10 and 12
    assert report["metrics"]["baseline_rmse"] == pytest.approx(0.0391, abs=5e-4)


def test_rows_above_the_training_nmax_change_nothing(he4, tmp_path: Path) -> None:
    cut = tmp_path / "he4_cut.dat"
    lines = Path(he4.source).read_text().splitlines()
    kept = [lines[0]] + [ln for ln in lines[1:] if int(float(ln.split()[1])) <= 8]
    cut.write_text("\n".join(kept) + "\n")
    _, full = extrapolate(he4, "fixed", 8, [10], **FAST)
    _, short = extrapolate(load_table(cut), "fixed", 8, [10], **FAST)
    assert [p["mean"] for p in full["predictions"]] == [p["mean"] for p in short["predictions"]]
    assert full["converged"] == short["converged"] | {"definition": full["converged"]["definition"]}


@pytest.mark.parametrize("prior", ["trainable", "sgld"])
def test_same_seed_same_result_and_save_load_round_trip(he4, tmp_path: Path, prior: str) -> None:
    cfg = dict(prior=prior, seed=3, **FAST)
    a = NCSMExtrapolator(NCSMConfig(**cfg)).fit(he4, 6)
    b = NCSMExtrapolator(NCSMConfig(**cfg)).fit(he4, 6)
    nmax, hw = np.full(5, 8), np.linspace(10, 30, 5)
    from varbayes import manual_seed

    manual_seed(11)
    pa = a.predict(nmax, hw)
    manual_seed(11)
    pb = b.predict(nmax, hw)
    np.testing.assert_array_equal(pa["mean"], pb["mean"])
    a.save(tmp_path / "m.vb")
    c = NCSMExtrapolator.load(tmp_path / "m.vb")
    manual_seed(11)
    np.testing.assert_array_equal(c.predict(nmax, hw)["mean"], pa["mean"])


def test_every_prior_trains_and_reports(he4) -> None:
    for prior in PRIORS:
        _, report = extrapolate(he4, prior, 6, [8], eval_hw=(15, 34), **FAST)
        m = report["metrics"]
        assert m["n_points"] > 0 and np.isfinite(m["rmse"]) and 0 <= m["coverage95"] <= 1


def test_sgld_prior_samples_from_a_bank_and_reports_its_mixing(he4) -> None:
    ex, report = extrapolate(he4, "sgld", 6, [8], architecture="exponential", **FAST)
    assert len(ex.model) == FAST["fits"]  # one chain per fit, each from its own least-squares start
    assert all(isinstance(bank, SampleBank) and len(bank) == (1500 - 500) // 20 for bank in ex.model)
    assert [len(h.epochs) for h in ex.histories] == [FAST["sgld_start_epochs"]] * FAST["fits"]
    sgld = report["training"]["sgld"]
    assert sgld["chains"] == 2 and sgld["n_samples"] == 2 * len(ex.model[0])
    assert sgld["min_ess"] > 0 and sgld["max_rhat"] > 0
    # the spread over snapshots is epistemic: the snapshots differ, so it is positive
    p = ex.predict(np.full(3, 10), np.array([15.0, 20.0, 25.0]))
    assert np.all(p["epistemic_std"] > 0) and np.all(p["std"] > p["epistemic_std"])


def test_sgld_runs_one_chain_per_architecture_and_saves_them(he4, tmp_path: Path) -> None:
    archs = ("exponential", "exponential_shared")
    ex, report = extrapolate(he4, "sgld", 6, [8], architecture=archs, **FAST)
    chains = len(archs) * FAST["fits"]
    assert [type(m) for m in ex.model] == [SampleBank] * chains and len(ex.sgld_traces) == chains
    sgld = report["training"]["sgld"]
    assert sgld["chains"] == chains and sgld["n_samples"] == chains * len(ex.model[0])
    # mixing of the reported predictions, recomputed from the snapshots' outputs at those points
    nmax, hw = np.repeat([8], 3), np.array([15.0, 20.0, 25.0])
    outs = np.stack(
        [
            vb.predict(bank, tensor(ex._inputs(nmax, hw)), return_samples=True).samples[..., 0]
            for bank in ex.model
        ]
    )
    diag = ex.chain_diagnostics(nmax, hw)
    assert diag["prediction_min_ess"] == pytest.approx(min(sum(ess(o[:, i]) for o in outs) for i in range(3)))
    rhat = max(
        split_rhat_chains(outs[k * FAST["fits"] : (k + 1) * FAST["fits"], :, i])
        for k in range(2)
        for i in range(3)
    )
    assert diag["prediction_max_rhat"] == pytest.approx(rhat)
    assert sgld["prediction_min_ess"] > 0 and sgld["prediction_max_rhat"] >= 1
    # the chains of one architecture come first, each from its own start
    first = [b.model(1)(_x(ex, [10], [20.0])).item() for b in ex.model[: FAST["fits"]]]
    assert first[0] != first[1]
    assert report["training"]["config"]["architecture"] == archs
    ex.save(tmp_path / "chains.vb")
    loaded = NCSMExtrapolator.load(tmp_path / "chains.vb")
    assert loaded.architectures == archs
    from varbayes import manual_seed

    manual_seed(2)
    expected = ex.predict([8, 10], [20.0, 25.0])["mean"]
    manual_seed(2)
    np.testing.assert_array_equal(loaded.predict([8, 10], [20.0, 25.0])["mean"], expected)


def test_law_uncertainty_scales_each_samples_correction_beyond_the_data(he4) -> None:
    ex = NCSMExtrapolator(NCSMConfig(prior="sgld", architecture="exponential", seed=4, **FAST)).fit(he4, 6)
    s = ex.config.correction_log_std
    assert s > 0  # on by default
    # Langevin banks: the same snapshots at every call, so both settings see the same samples
    nmax, hw = np.repeat([6, 8, 10], 3), np.tile([15.0, 20.0, 25.0], 3)
    law = ex._predict_scaled(nmax, hw, None).samples[..., 0]
    wide = ex.predict(nmax, hw)
    wide_converged = ex.converged(20.0)
    ex.config.correction_log_std = 0.0
    fit = ex._predict_scaled(nmax, hw, None).samples[..., 0]
    narrow = ex.predict(nmax, hw)
    # at the top trained Nmax nothing changes
    np.testing.assert_array_equal(law[:, :3], fit[:, :3])
    # beyond it, every sample's correction y(N, hw) - y(6, hw) is multiplied by one factor per
    # sample, the same at every N and hw, log-normal with mean 1 and log-std s
    ratio = (law[:, 3:] - np.tile(law[:, :3], 2)) / (fit[:, 3:] - np.tile(fit[:, :3], 2))
    np.testing.assert_allclose(ratio, np.repeat(ratio[:, :1], 6, axis=1), rtol=1e-6)
    logs = np.log(ratio[:, 0])
    assert len(logs) == 2 * FAST["n_samples"] and 0.7 * s < np.std(logs) < 1.3 * s
    assert abs(np.mean(logs) + s**2 / 2) < 0.1 and abs(np.mean(ratio[:, 0]) - 1) < 0.1
    # so the intervals widen beyond the data only, the converged energy's too
    width = wide["hi95"] - wide["lo95"]
    np.testing.assert_allclose(width[:3], (narrow["hi95"] - narrow["lo95"])[:3])
    assert np.all(width[3:] > (narrow["hi95"] - narrow["lo95"])[3:])
    converged = ex.converged(20.0)
    assert wide_converged["hi95"] - wide_converged["lo95"] > converged["hi95"] - converged["lo95"]
    # one Nmax for several hw, and a clear error for lengths that do not match
    np.testing.assert_array_equal(
        ex.predict(10, [15.0, 20.0])["mean"], ex.predict([10, 10], [15.0, 20.0])["mean"]
    )
    with pytest.raises(ValueError, match="same length"):
        ex.predict([8, 10, 12], [15.0, 20.0])
    # at one hw the converged energy is, sample by sample, the network's value at Nmax 200
    # (no likelihood noise): its mean and spread are those of the predictive means there
    ex.config.correction_log_std = s
    one, at_200 = ex.converged(20.0), ex.predict([200], [20.0])
    assert one["mean"] == pytest.approx(at_200["mean"][0], abs=1e-9)
    assert one["std"] == pytest.approx(at_200["epistemic_std"][0], rel=1e-6)
    with pytest.raises(ValueError, match="hw must be one value"):
        ex.converged(he4.hw_values())
    # points that are no Nmax or hw are refused, not answered
    for nmax, hw, words in (
        ([np.nan], [20.0], "nmax must be finite and >= 0"),
        ([-4], [20.0], "nmax must be finite and >= 0"),
        ([8], [0.0], "hw must be finite and > 0"),
        ([], 20.0, "no points"),
    ):
        with pytest.raises(ValueError, match=words):
            ex.predict(nmax, hw)
    with pytest.raises(ValueError, match="hw must be finite and > 0"):
        ex.converged(float("nan"))
    with pytest.raises(ValueError, match="n_samples must be an integer in"):
        ex.predict([8], [20.0], n_samples=0)  # not the default in disguise


def test_a_training_cap_between_two_nmax_measures_the_correction_from_the_top_trained_one(he4) -> None:
    # fit(he4, 7) trains on Nmax <= 6 exactly as fit(he4, 6) does, and the law's factor must scale
    # the correction beyond Nmax 6 there too (not beyond 7, which would leave Nmax 7 -> 8 unscaled)
    cfg = NCSMConfig(prior="sgld", architecture="exponential", seed=3, **FAST)
    at_6, at_7 = NCSMExtrapolator(cfg).fit(he4, 6), NCSMExtrapolator(cfg).fit(he4, 7)
    assert at_7.train_nmax_max == 6
    for key, value in at_6.predict([6, 8, 10], [20.0, 20.0, 25.0]).items():
        np.testing.assert_array_equal(at_7.predict([6, 8, 10], [20.0, 20.0, 25.0])[key], value)
    with pytest.raises(ValueError, match=r"no rows with Nmax <= 1 \(the table's Nmax: \[2, 4"):
        NCSMExtrapolator(cfg).fit(he4, 1)


def test_shared_architecture_has_one_converged_energy_for_every_hw(he4) -> None:
    ex = NCSMExtrapolator(
        NCSMConfig(prior="fixed", architecture="exponential_shared", **{**FAST, "fits": 1})
    ).fit(he4, 8)
    (net,) = ex.model
    from varbayes import no_grad, tensor
    from varbayes.nn import sampling

    # at a huge scaled Nmax every hw gives the limit e: the same number, in each posterior draw
    x = tensor(np.column_stack([np.full(5, 1e4), np.linspace(0.0, 1.0, 5)]).astype(np.float32))
    with no_grad():
        with sampling(False):
            limit = net(x).numpy().ravel()
        draws = np.stack([net(x).numpy().ravel() for _ in range(3)])
        finite = net(tensor([[1.0, 0.0], [1.0, 1.0]])).numpy().ravel()
    np.testing.assert_allclose(limit, limit[0], rtol=0, atol=1e-6)
    assert np.ptp(draws, axis=1).max() < 1e-6 and np.ptp(draws[:, 0]) > 0  # one e per draw, draws differ
    assert abs(finite[0] - finite[1]) > 1e-3  # at finite Nmax the hw dependence stays
    assert net.limit.weight_mu.shape == (1, 1) and net.limit.bias_mu is None


def test_without_validation_rows_the_fits_run_the_whole_schedule(he4) -> None:
    cfg = NCSMConfig(prior="ensemble", architecture="exponential", val_fraction=0.0, **{**FAST, "fits": 1})
    ex = NCSMExtrapolator(cfg).fit(he4, 6)
    assert ex.split.val.size == 0 and len(ex.history.epochs) == FAST["epochs"]
    assert [len(h.epochs) for h in ex.ensemble_histories] == [FAST["ensemble_epochs"]] * FAST["ensemble_size"]


def test_architectures_are_pooled_with_fits_each(he4) -> None:
    archs = ("exponential", "exponential_shared")
    ex = NCSMExtrapolator(NCSMConfig(prior="ensemble", architecture=list(archs), seed=1, **FAST)).fit(he4, 6)
    assert ex.config.architecture == archs and ex.architectures == archs
    assert [m.architecture for m in ex.model] == ["exponential"] * 2 + ["exponential_shared"] * 2
    assert len(ex.histories) == 4 and len(ex.ensemble_histories) == 8
    # a one-architecture tuple is the plain name
    assert NCSMConfig(architecture=("mlp",)).architecture == "mlp"


def test_fits_are_pooled_as_a_mixture(he4) -> None:
    # without the law's factor, drawn per sample of the whole mixture rather than per fit
    cfg = NCSMConfig(prior="fixed", architecture="exponential", seed=2, correction_log_std=0.0, **FAST)
    ex = NCSMExtrapolator(cfg).fit(he4, 6)
    assert len(ex.model) == 2 and len(ex.histories) == 2 and ex.history is ex.histories[0]
    nmax, hw = np.full(4, 8), np.array([15.0, 20.0, 25.0, 30.0])
    from varbayes import manual_seed

    manual_seed(4)
    mixture = ex.predict(nmax, hw)
    parts = []
    for model in ex.model:  # the same draws, one fit at a time
        ex_one = NCSMExtrapolator(ex.config)
        ex_one.model, ex_one.scaler_x, ex_one.scaler_y = [model], ex.scaler_x, ex.scaler_y
        parts.append(ex_one)
    manual_seed(4)
    means = [p.predict(nmax, hw)["mean"] for p in parts]
    assert not np.allclose(means[0], means[1])  # independent fits differ
    np.testing.assert_allclose(mixture["mean"], (means[0] + means[1]) / 2, rtol=1e-12)


@pytest.mark.parametrize(("window", "trained"), [(3, [4, 6, 8]), (2, [6, 8]), (None, [2, 4, 6, 8])])
def test_nmax_window_keeps_the_highest_trained_nmax(he4, window, trained) -> None:
    ex = NCSMExtrapolator(NCSMConfig(prior="fixed", nmax_window=window, **{**FAST, "fits": 1})).fit(he4, 8)
    assert ex.table.nmax_values().tolist() == trained
    # the scalers see only those rows: scaled Nmax 0 and 1 are the lowest and highest trained Nmax
    np.testing.assert_allclose(ex._inputs([trained[0], 8], [20.0, 20.0])[:, 0], [0.0, 1.0])


def test_checkpoint_of_a_single_network_still_loads(he4, tmp_path: Path) -> None:
    # the layout saved before NCSMConfig.fits: one network, no fits/nmax_window in the config
    ex = NCSMExtrapolator(
        NCSMConfig(prior="fixed", architecture="exponential", nmax_window=None, **{**FAST, "fits": 1})
    ).fit(he4, 6)
    from varbayes import io, manual_seed

    path = tmp_path / "old.vb"
    ex.save(path)
    obj = io.load(path)
    obj["model"] = obj["model"][0]
    del obj["config"]["fits"], obj["config"]["nmax_window"], obj["config"]["correction_log_std"]
    io.save(obj, path)
    old = NCSMExtrapolator.load(path)
    assert old.config.fits == 1 and old.config.nmax_window is None and len(old.model) == 1
    # it predicts as it was fitted, without the law's uncertainty
    assert old.config.correction_log_std == 0.0
    ex.config.correction_log_std = 0.0
    manual_seed(5)
    expected = ex.predict([8, 8], [20.0, 25.0])["mean"]
    manual_seed(5)
    np.testing.assert_array_equal(old.predict([8, 8], [20.0, 25.0])["mean"], expected)
    # a hand-made checkpoint without the scalers is refused with what it lacks
    del obj["scaler_x"]
    io.save(obj, path)
    with pytest.raises(ValueError, match="old.vb holds an NCSM model without scaler_x"):
        NCSMExtrapolator.load(path)


def test_training_rows_with_one_hw_are_flagged(tmp_path: Path) -> None:
    # one hbar*Omega scan, as in the shipped MFDn 6Li runs
    one_hw = tmp_path / "one_hw.dat"
    one_hw.write_text("Nmax hw E\n2 20 -25.0\n4 20 -27.0\n6 20 -27.8\n8 20 -28.1\n")
    table = load_table(one_hw)
    cfg = NCSMConfig(prior="fixed", architecture="exponential", val_fraction=0.0, **{**FAST, "fits": 1})
    with pytest.warns(UserWarning, match=r"1 hw value\(s\) \(20 MeV\)"):
        NCSMExtrapolator(cfg).fit(table, 8)


def test_bad_arguments_are_refused(he4, monkeypatch) -> None:
    with pytest.raises(ValueError, match="not an Nmax"):
        extrapolate(he4, "fixed", 7, [10], **FAST)
    # two trained Nmax: no classic fit to compare with, said before any training
    with monkeypatch.context() as m:
        m.setattr(
            NCSMExtrapolator, "fit", lambda *a, **k: pytest.fail("trained before checking the baseline")
        )
        with pytest.raises(ValueError, match="baseline needs 3 Nmax values <= 4 at some hw"):
            extrapolate(he4, "fixed", 4, [6], **FAST)
    with pytest.raises(ValueError, match="prior"):
        NCSMConfig(prior="uniform")
    with pytest.raises(ValueError, match="fits must be a positive integer"):
        NCSMConfig(fits=0)
    with pytest.raises(ValueError, match="nmax_window must be at least 2"):
        NCSMConfig(nmax_window=1)
    for bad in (-0.1, float("nan"), float("inf"), 40.0):
        with pytest.raises(ValueError, match=r"correction_log_std must be in \[0, 2.0\]"):
            NCSMConfig(correction_log_std=bad)
    for bad in (-1, 2**32, 1.5, True):
        with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*32\)"):
            NCSMConfig(seed=bad)
    assert NCSMConfig(seed=np.int64(3)).seed == 3
    for name in ("epochs", "sgld_steps", "n_samples"):
        with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
            NCSMConfig(**{name: 0})
    for bad in (1, 2.5):
        with pytest.raises(ValueError, match="ensemble_size must be an integer at least 2"):
            NCSMConfig(ensemble_size=bad)
    # NumPy counts become Python ints: the report's JSON (json.dumps) refuses np.int64
    numpy_counts = NCSMConfig(epochs=np.int64(5), ensemble_size=np.int32(3))
    assert json.dumps(asdict(numpy_counts)) and type(numpy_counts.epochs) is int
    for bad in ("exponentiel", ("exponential", "exponential"), ()):
        with pytest.raises(ValueError, match="architecture must be one of"):
            NCSMConfig(architecture=bad)
    with pytest.raises(SystemExit):
        main(["ncsm", "fit", "he4", "--architecture", "exponential,linear"])


def test_cli_reports_bad_data_as_an_error_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.dat"
    bad.write_text("Nmax hw E\n2 20 -25.0\n4 20 abc\n")
    for argv, words in (
        (["ncsm", "fit", str(tmp_path / "missing.dat")], "not found"),
        (["ncsm", "fit", str(bad)], "bad.dat:3: non-numeric"),
        (["ncsm", "fit", "he4", "--train-nmax-max", "4", "--predict-nmax", "6"], "baseline needs 3 Nmax"),
        (["ncsm", "fit", "he4", "--correction-log-std", "-1"], "correction_log_std must be in [0, 2.0]"),
        (["ncsm", "fit", "he4", "--seed", str(2**64)], "seed must be an integer in [0, 2**32)"),
        (["ncsm", "fit", "he4", "--prior", "sgld", "--epochs", "50"], "sgld prior keeps its own schedule"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("python -m varbayes ncsm: error:") and words in err and "Traceback" not in err
    for flag, value in (
        ("--predict-nmax", "ten"),
        ("--predict-nmax", "10,,12"),
        ("--predict-nmax", "-2"),
        ("--predict-nmax", "10," + "9" * 20),
    ):
        with pytest.raises(SystemExit):
            main(["ncsm", "fit", "he4", flag, value])
    with pytest.raises(SystemExit):
        main(["ncsm", "fit", "he4", "--eval-hw", "nan,nan"])


def test_cli_refuses_unwritable_outputs_before_training(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(
        NCSMExtrapolator, "fit", lambda *a, **k: pytest.fail("trained before checking the outputs")
    )
    kept = tmp_path / "kept.json"
    kept.write_text('{"precious": 1}')
    for extra, words in (
        (["--plot", str(tmp_path / "nodir" / "x.png")], "does not exist"),
        (["--plot", str(tmp_path / "x.xyz")], "unknown image format 'xyz'"),
        (["--save", str(tmp_path)], "is a directory"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(["ncsm", "fit", "he4", "--json", str(kept), *extra])
        assert exit_info.value.code == 2 and words in capsys.readouterr().err
    assert kept.read_text() == '{"precious": 1}'
    # compare saves one model per prior, each checked
    (tmp_path / "m-sgld.vb").mkdir()
    with pytest.raises(SystemExit):
        main(["ncsm", "compare", "he4", "--save", str(tmp_path / "m.vb")])
    assert "--save: " + str(tmp_path / "m-sgld.vb") + " is a directory" in capsys.readouterr().err


def test_metrics_say_why_no_point_was_scored(he4) -> None:
    predictions = [{"nmax": 10, "hw": 20.0, "mean": -28.8, "lo95": -29.0, "hi95": -28.6}]
    baseline = exponential_baseline(he4, 8, [10])
    assert held_out_metrics(he4, 8, predictions, baseline, None)["n_points"] == 1
    out = held_out_metrics(he4, 8, predictions, baseline, (100.0, 200.0))
    assert out["n_points"] == 0 and out["note"].endswith("with hw in [100, 200])")
