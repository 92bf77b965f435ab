"""The ELBO trainer: the loss convention, KL schedules, clipping, early stopping, non-finite steps,
the DataLoader, History and reproducibility of ``fit``."""

import json
import math

import numpy as np
import pytest

import varbayes as vb
from varbayes.train import ELBO, DataLoader, EarlyStopping, KLSchedule, fit

N_DATA = 40


def data(n=N_DATA, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, 2)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:] + 0.1 * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def bnn(head=None, prior=None, seed=0):
    vb.manual_seed(seed)
    return vb.nn.Sequential(
        vb.nn.BayesLinear(2, 4, prior=prior), vb.nn.Tanh(), head or vb.nn.BayesLinear(4, 1, prior=prior)
    )


def regression_bnn(prior=None, seed=0):
    model = bnn(prior=prior, seed=seed)
    model.likelihood = vb.nn.GaussianLikelihood(0.3)
    return model


def softplus(a):
    return np.log1p(np.exp(a))


def numpy_forward(model, x):
    """The model's output with posterior means, by hand (a GaussianLikelihood child is the identity)."""
    for layer in model:
        s = layer.state_dict()
        if isinstance(layer, vb.nn.BayesLinear):
            x = x @ s["weight_mu"].T + s["bias_mu"]
        elif isinstance(layer, vb.nn.Tanh):
            x = np.tanh(x)
        elif isinstance(layer, vb.nn.GaussianHead):
            z = x @ s["linear.weight"].T + s["linear.bias"]
            x = np.concatenate([z[:, :1], softplus(z[:, 1:]) + layer.min_var], axis=1)
    return x.astype(np.float64)


def numpy_kl(model):
    total = 0.0
    for layer in model:
        if isinstance(layer, vb.nn.BayesLinear):
            s = layer.state_dict()
            for name, prior in (("weight", layer.weight_prior), ("bias", layer.bias_prior)):
                mu, sigma = s[f"{name}_mu"].astype(np.float64), softplus(s[f"{name}_rho"].astype(np.float64))
                mp, sp = prior.mean.item(), prior.std.item()
                total += np.sum(np.log(sp / sigma) + (sigma**2 + (mu - mp) ** 2) / (2 * sp**2) - 0.5)
    return total


def assert_same_state(state, expected):
    assert list(state) == list(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(state[name], value, err_msg=name)


def gaussian_nll(mean, var, y):
    return np.mean(0.5 * np.log(2 * np.pi * var) + (y - mean) ** 2 / (2 * var))


def categorical_nll(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(y)), y])


# --------------------------------------------------------------------------- the ELBO


def regression_case():
    model = regression_bnn()
    x, y = data()
    std = model.likelihood.std.item()
    return model, "gaussian", x, y, lambda out: gaussian_nll(out, std**2, y)


def heteroscedastic_case():
    model = bnn(head=vb.nn.GaussianHead(4, 1))
    x, y = data()
    return model, "heteroscedastic", x, y, lambda out: gaussian_nll(out[:, :1], out[:, 1:], y)


def categorical_case():
    vb.manual_seed(0)
    model = vb.nn.Sequential(vb.nn.BayesLinear(2, 3))
    x, _ = data()
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
    return model, "categorical", x, y, lambda out: categorical_nll(out, y)


def callable_case():
    model = bnn()
    x, y = data()
    return model, lambda out, target: vb.mean((out - target) ** 2), x, y, lambda out: np.mean((out - y) ** 2)


@pytest.mark.parametrize(
    "case",
    [regression_case, heteroscedastic_case, categorical_case, callable_case],
    ids=["gaussian", "heteroscedastic", "categorical", "callable"],
)
@pytest.mark.parametrize(("kl_weight", "step"), [(1.0, 0), (0.5, 3), (0.0, 0)])
def test_elbo_matches_hand_computation(case, kl_weight, step):
    model, likelihood, x, y, hand_nll = case()
    schedule = KLSchedule("linear", steps=10)
    elbo = ELBO(N_DATA, likelihood, kl_weight=kl_weight, kl_schedule=schedule)
    target = y if y.dtype == np.int64 else vb.tensor(y)
    with vb.nn.sampling(False):
        loss = elbo(model, model(vb.tensor(x)), target, step).item()
    nll, kl = hand_nll(numpy_forward(model, x)), numpy_kl(model)
    beta = kl_weight * min(1.0, step / 10)
    assert elbo.last == pytest.approx({"nll": nll, "kl": kl, "beta": beta}, rel=1e-5)
    assert loss == pytest.approx(nll + beta * kl / N_DATA, rel=1e-5)


def test_elbo_gaussian_needs_a_likelihood_attribute():
    x, y = data()
    with pytest.raises(ValueError, match="GaussianLikelihood"):
        ELBO(N_DATA)(bnn(), bnn()(vb.tensor(x)), vb.tensor(y))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_data": 0},
        {"n_data": 10.0},
        {"n_data": 10, "kl_weight": -1.0},
        {"n_data": 10, "likelihood": "laplace"},  # (poisson is a shortcut now)
    ],
)
def test_elbo_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        ELBO(**kwargs)


@pytest.mark.parametrize(
    ("schedule", "closed_form"),
    [
        (KLSchedule(), lambda s: 1.0),
        (KLSchedule("linear", 8), lambda s: min(1.0, s / 8)),
        (KLSchedule("cosine", 8), lambda s: 0.5 * (1 - math.cos(math.pi * min(1.0, s / 8)))),
        (KLSchedule("cyclical", 8, ramp=0.5), lambda s: min(1.0, (s % 8) / 4)),
        (KLSchedule("cyclical", 5, ramp=1.0), lambda s: (s % 5) / 5),
    ],
    ids=["constant", "linear", "cosine", "cyclical", "cyclical-full-ramp"],
)
def test_kl_schedules_match_closed_forms(schedule, closed_form):
    elbo = ELBO(N_DATA, kl_weight=0.25, kl_schedule=schedule)
    for step in range(30):
        assert schedule.factor(step) == pytest.approx(closed_form(step), abs=1e-15), step
        assert elbo.beta(step) == pytest.approx(0.25 * closed_form(step), abs=1e-15), step


def test_kl_schedule_landmarks():
    assert KLSchedule("linear", 10).factor(0) == 0 and KLSchedule("linear", 10).factor(10) == 1
    assert KLSchedule("cosine", 10).factor(5) == pytest.approx(0.5)
    assert KLSchedule("cyclical", 10, 0.5).factor(10) == 0 and KLSchedule("cyclical", 10, 0.5).factor(17) == 1


@pytest.mark.parametrize(
    "kwargs", [{"kind": "exponential"}, {"kind": "linear"}, {"kind": "cosine", "steps": -2}, {"ramp": 0.0}]
)
def test_kl_schedule_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        KLSchedule(**kwargs)


# --------------------------------------------------------------------------- clipping


def test_trainable_prior_parameters_are_model_parameters():
    model = regression_bnn(prior=vb.nn.NormalPrior(0.0, 1.0, trainable=True))
    names = [name for name, _ in model.named_parameters()]
    assert {"0.weight_prior.mean", "0.weight_prior.std_rho", "likelihood.std_rho"} <= set(names)
    assert len(model.parameters()) == len(names)


def test_clipping_uses_the_global_norm_over_all_parameters():
    model = regression_bnn(prior=vb.nn.NormalPrior(0.0, 1.0, trainable=True))
    x, y = data()
    elbo = ELBO(N_DATA)
    before = model.state_dict()

    vb.manual_seed(7)  # fit seeds the same way: identical weight samples on the one full batch
    elbo(model, model(vb.tensor(x)), vb.tensor(y)).backward()
    grads = {name: p.grad.numpy().astype(np.float64) for name, p in model.named_parameters()}
    norm = math.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert np.any(grads["0.weight_prior.std_rho"] != 0)

    model.load_state_dict(before)
    clip = norm / 10
    history = fit(
        model,
        (x, y),
        loss=elbo,
        optimizer=vb.optim.SGD(model.parameters(), lr=1.0),
        epochs=1,
        batch_size=N_DATA,
        clip_norm=clip,
        seed=7,
        progress=False,
    )
    assert history["grad_norm"] == pytest.approx([norm], rel=1e-5)
    # One SGD step with lr 1 moves every parameter by its clipped gradient: grad * clip / norm.
    after = model.state_dict()
    for name, grad in grads.items():
        step = before[name].astype(np.float64) - after[name]
        np.testing.assert_allclose(step, grad * clip / norm, rtol=1e-3, atol=1e-7, err_msg=name)


def test_fit_validates_arguments():
    model = regression_bnn()
    options = {"loss": ELBO(N_DATA), "optimizer": vb.optim.SGD(model.parameters(), lr=0.1), "progress": False}
    with pytest.raises(ValueError, match="epochs"):
        fit(model, data(), epochs=0, **options)
    with pytest.raises(ValueError, match="clip_norm"):
        fit(model, data(), epochs=1, clip_norm=0.0, **options)


# --------------------------------------------------------------------------- early stopping


class ScriptedValidation:
    """A plain loss whose value under no_grad (validation) follows a script: it falls until
    epoch ``best`` and rises afterwards. Training uses the true mean squared error."""

    def __init__(self, best):
        self.values = [10.0 - e if e <= best else 10.0 - best + (e - best) for e in range(100)]
        self.calls = 0

    def __call__(self, out, target):
        mse = vb.mean((out - target) ** 2)
        if vb.is_grad_enabled():
            return mse
        self.calls += 1
        return mse * 0 + self.values[self.calls - 1]


def snapshots_callback(snapshots):
    def record(epoch, history, model):
        snapshots.append(model.state_dict())

    return record


@pytest.mark.parametrize("best", [0, 3])
def test_early_stopping_restores_the_best_weights(best, tmp_path):
    model = regression_bnn()
    x, y = data()
    snapshots = []
    stopper = EarlyStopping(patience=3, checkpoint=tmp_path / "best.vb")
    history = fit(
        model,
        (x, y),
        (x, y),
        loss=ScriptedValidation(best),
        optimizer=vb.optim.Adam(model.parameters(), lr=0.05),
        epochs=50,
        batch_size=16,
        early_stopping=stopper,
        callbacks=[snapshots_callback(snapshots)],
        progress=False,
    )
    assert history.best_epoch == best and stopper.best_epoch == best
    assert history.stopped_early
    assert len(history.epochs) == len(snapshots) == best + 4
    assert history["val_loss"] == pytest.approx(
        [10.0 - min(e, best) + max(e - best, 0) for e in range(best + 4)]
    )
    assert not np.array_equal(snapshots[-1]["0.weight_mu"], snapshots[best]["0.weight_mu"])
    assert_same_state(model.state_dict(), snapshots[best])
    assert_same_state(vb.load(tmp_path / "best.vb").state_dict(), snapshots[best])


def test_early_stopping_without_restore_keeps_the_last_weights():
    model = regression_bnn()
    snapshots = []
    fit(
        model,
        data(),
        data(1),
        loss=ScriptedValidation(1),
        optimizer=vb.optim.Adam(model.parameters(), lr=0.05),
        epochs=20,
        early_stopping=EarlyStopping(patience=2, restore_best=False),
        callbacks=[snapshots_callback(snapshots)],
        progress=False,
    )
    np.testing.assert_array_equal(model.state_dict()["0.weight_mu"], snapshots[-1]["0.weight_mu"])


def fit_with_sgd(model, **kwargs):
    """fit on data() with the ELBO and plain SGD, quietly."""
    return fit(
        model,
        data(),
        loss=ELBO(N_DATA),
        optimizer=vb.optim.SGD(model.parameters(), lr=0.01),
        progress=False,
        **kwargs,
    )


def test_early_stopping_monitor_must_be_recorded():
    with pytest.raises(ValueError, match="val_loss"):
        fit_with_sgd(regression_bnn(), epochs=2, early_stopping=EarlyStopping(patience=1))


@pytest.mark.parametrize(
    "kwargs", [{"patience": 0}, {"patience": True}, {"min_delta": -1.0}, {"mode": "median"}]
)
def test_early_stopping_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        EarlyStopping(**kwargs)


@pytest.mark.parametrize("min_delta", [math.nan, math.inf])
def test_early_stopping_refuses_a_min_delta_no_epoch_could_beat(min_delta):
    with pytest.raises(ValueError, match=f"min_delta must be finite and non-negative, got {min_delta}"):
        EarlyStopping(min_delta=min_delta)


def test_callback_can_stop_training():
    model = regression_bnn()
    history = fit(
        model,
        data(),
        loss=ELBO(N_DATA),
        optimizer=vb.optim.SGD(model.parameters(), lr=0.01),
        epochs=10,
        callbacks=[lambda epoch, history, model: epoch == 2],
        progress=False,
    )
    assert len(history.epochs) == 3 and history.stopped_early and history.best_epoch is None


# --------------------------------------------------------------------------- non-finite steps


class FailingLoss:
    """Mean squared error, non-finite on the scripted training steps (by call number).
    what: "loss" (a NaN value) or "gradient" (a finite value with an infinite gradient)."""

    def __init__(self, bad_calls, what="loss"):
        self.bad_calls, self.what, self.calls = set(bad_calls), what, 0

    def __call__(self, out, target):
        mse = vb.mean((out - target) ** 2)
        self.calls += 1
        if self.calls not in self.bad_calls:
            return mse
        if self.what == "loss":
            return mse * math.nan
        return mse + vb.sum(vb.sqrt((out - out) ** 2))  # sqrt at 0: infinite slope, value unchanged


@pytest.mark.parametrize("what", ["loss", "gradient"])
def test_non_finite_step_is_skipped_with_a_warning(what):
    model = regression_bnn()
    x, y = data()
    before = model.state_dict()
    with pytest.warns(RuntimeWarning, match=f"skipped step 0 .*non-finite {what}"):
        history = fit(
            model,
            (x, y),
            loss=FailingLoss({1}, what),
            optimizer=vb.optim.SGD(model.parameters(), lr=0.01),
            epochs=1,
            batch_size=N_DATA,
            progress=False,
        )
    assert_same_state(model.state_dict(), before)  # the only step was skipped: nothing moved
    assert "loss" not in history.epochs[0]

    with pytest.warns(RuntimeWarning):  # a bad step among good ones: training goes on
        history = fit(
            model,
            (x, y),
            loss=FailingLoss({2, 3}, what),
            optimizer=vb.optim.SGD(model.parameters(), lr=0.01),
            epochs=5,
            batch_size=N_DATA,
            progress=False,
            max_bad_steps=3,
        )
    assert len(history.epochs) == 5
    assert np.isfinite(history["loss"]).tolist() == [True, False, False, True, True]  # epochs 1, 2: no step
    assert not np.array_equal(model.state_dict()["0.weight_mu"], before["0.weight_mu"])


@pytest.mark.parametrize("what", ["loss", "gradient"])
def test_consecutive_non_finite_steps_raise(what):
    model = regression_bnn()
    with (
        pytest.raises(RuntimeError, match="3 consecutive steps with a non-finite loss or gradient"),
        pytest.warns(RuntimeWarning),
    ):
        fit(
            model,
            data(),
            loss=FailingLoss(range(1, 100), what),
            optimizer=vb.optim.SGD(model.parameters(), lr=0.01),
            epochs=5,
            batch_size=8,
            progress=False,
            max_bad_steps=3,
        )


@pytest.mark.parametrize("max_bad_steps", [0, -1, 2.5])
def test_fit_refuses_a_bad_max_bad_steps(max_bad_steps):
    with pytest.raises(ValueError, match=f"max_bad_steps must be a positive integer, got {max_bad_steps}"):
        fit_with_sgd(regression_bnn(), epochs=1, max_bad_steps=max_bad_steps)


@pytest.mark.parametrize("which", ["training", "validation"])
def test_fit_refuses_a_loader_that_yields_no_batch(which):
    model = regression_bnn()
    empty = DataLoader(*data(4), batch_size=8, drop_last=True)
    train, val = (empty, None) if which == "training" else (data(), empty)
    with pytest.raises(
        ValueError, match=f"the {which} loader yields no batch: 4 rows, batch_size=8 and drop_last=True"
    ):
        fit(
            model,
            train,
            val,
            loss=ELBO(N_DATA),
            optimizer=vb.optim.SGD(model.parameters(), lr=0.01),
            epochs=1,
            progress=False,
        )


# --------------------------------------------------------------------------- DataLoader


def batches(loader):
    return [(xb.numpy().copy(), yb.numpy().copy() if isinstance(yb, vb.Tensor) else yb) for xb, yb in loader]


def test_dataloader_seeded_shuffling_is_reproducible():
    x, y = data(23)
    a, b = (batches(DataLoader(x, y, 5, shuffle=True, seed=3)) for _ in range(2))
    for (xa, ya), (xb, yb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    loader = DataLoader(x, y, 5, shuffle=True, seed=3)
    first, second = (
        np.concatenate([b[0] for b in batches(loader)]),
        np.concatenate([b[0] for b in batches(loader)]),
    )
    other = np.concatenate([b[0] for b in batches(DataLoader(x, y, 5, shuffle=True, seed=4))])
    assert (
        not np.array_equal(first, x)
        and not np.array_equal(first, second)
        and not np.array_equal(first, other)
    )
    for shuffled in (first, second, other):  # every epoch is a permutation of the rows
        np.testing.assert_array_equal(np.sort(shuffled, axis=0), np.sort(x, axis=0))
    unshuffled = np.concatenate([b[0] for b in batches(DataLoader(x, y, 5))])
    np.testing.assert_array_equal(unshuffled, x)


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (10, 4, False, [4, 4, 2]),
        (10, 4, True, [4, 4]),
        (8, 4, True, [4, 4]),
        (3, 8, False, [3]),
        (3, 8, True, []),
    ],
)
def test_dataloader_batch_counts(n, batch_size, drop_last, sizes):
    x, y = data(n)
    loader = DataLoader(x, y, batch_size, shuffle=True, drop_last=drop_last, seed=0)
    assert len(loader) == len(sizes)
    assert [xb.shape[0] for xb, _ in loader] == sizes


def test_dataloader_tensors_and_numpy_give_the_same_batches():
    x, y = data(11)
    from_numpy = batches(DataLoader(x, y, 4, shuffle=True, seed=1))
    from_tensors = batches(DataLoader(vb.tensor(x), vb.tensor(y), 4, shuffle=True, seed=1))
    for (xa, ya), (xb, yb) in zip(from_numpy, from_tensors, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    xb, yb = next(iter(DataLoader(x.astype(np.float64), y, 4)))
    assert xb.dtype == vb.float64 and yb.dtype == vb.float32


def test_dataloader_keeps_integer_targets_as_int64():
    x, _ = data(6)
    for labels in (np.arange(6, dtype=np.int32) % 3, np.arange(6, dtype=np.uint8), np.arange(6) % 2 == 0):
        _, yb = next(iter(DataLoader(x, labels, 4)))
        assert isinstance(yb, np.ndarray) and yb.dtype == np.int64
        np.testing.assert_array_equal(yb, labels[:4].astype(np.int64))


def test_dataloader_without_targets_yields_inputs():
    x, _ = data(6)
    assert [xb.shape for xb in DataLoader(x, batch_size=4)] == [(4, 2), (2, 2)]


@pytest.mark.parametrize("name", ["x", "y"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_dataloader_refuses_non_finite_rows_up_front(name, bad):
    arrays = dict(zip("xy", data(10), strict=True))
    arrays[name][7, 0] = bad
    with pytest.raises(ValueError, match=f"{name} has non-finite values .* row 7"):
        DataLoader(arrays["x"], arrays["y"])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.zeros((0, 2)), np.zeros((0, 1))), {}, ValueError, "zero samples"),
        ((np.zeros((4, 2)), np.zeros((3, 1))), {}, ValueError, "4 rows but y has 3"),
        ((np.zeros((4, 2)),), {"batch_size": 0}, ValueError, "batch_size"),
        ((np.zeros((4, 2)),), {"batch_size": True}, ValueError, "batch_size"),
        ((np.float32(1.0),), {}, ValueError, "sample dimension"),
        ((np.array(["a", "b"]),), {}, TypeError, "numeric"),
    ],
)
def test_dataloader_invalid_inputs(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(*args, **kwargs)


# --------------------------------------------------------------------------- History and fit


def train_once(seed, epochs=3):
    model = regression_bnn(seed=0)
    x, y = data()
    elbo = ELBO(N_DATA, kl_schedule=KLSchedule("linear", steps=6))
    optimizer = vb.optim.Adam(model.parameters(), lr=0.02)
    history = fit(
        model,
        (x, y),
        data(20, seed=1),
        loss=elbo,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=16,
        clip_norm=5.0,
        metrics={"rmse": vb.metrics.rmse},
        seed=seed,
        progress=False,
    )
    return model, history


def without_times(history):
    return [{k: v for k, v in e.items() if k != "epoch_seconds"} for e in history.epochs]


def test_fit_with_a_seed_is_reproducible():
    (model_a, history_a), (model_b, history_b) = train_once(5), train_once(5)
    assert without_times(history_a) == without_times(history_b)
    assert_same_state(model_b.state_dict(), model_a.state_dict())
    _, other = train_once(6)
    assert without_times(other) != without_times(history_a)


def test_counts_may_be_numpy_integers():
    # Counts computed with NumPy (np.int64) were refused where a Python int was accepted.
    _, plain = train_once(5, epochs=3)
    _, numpy_count = train_once(5, epochs=np.int64(3))
    assert without_times(numpy_count) == without_times(plain)
    assert len(DataLoader(np.zeros((10, 2)), batch_size=np.int64(4))) == 3
    assert EarlyStopping(patience=np.uint8(2)).patience == 2


def test_history_records_every_part():
    _, history = train_once(0)
    expected = {
        "loss",
        "nll",
        "kl",
        "beta",
        "lr",
        "grad_norm",
        "epoch_seconds",
        "val_loss",
        "val_nll",
        "val_rmse",
    }
    assert all(set(e) == expected for e in history.epochs)
    # beta is averaged over the epoch's steps 0..2, 3..5, 6..8 of a linear warm-up over 6 steps
    assert history["beta"] == pytest.approx([1 / 6, 4 / 6, 1.0])
    assert history["lr"] == [0.02] * 3
    assert all(math.isnan(v) for v in history["missing"])


def test_history_to_json_round_trips(tmp_path):
    _, history = train_once(0)
    text = history.to_json()
    assert json.loads(text) == {"epochs": history.epochs, "best_epoch": None, "stopped_early": False}
    path = tmp_path / "history.json"
    assert history.to_json(path) == text
    assert path.read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]


def test_history_plot_writes_a_png(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    _, history = train_once(0)
    path = tmp_path / "history.png"
    fig = history.plot(path)
    plt.close(fig)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["history.png"]


def test_fit_accepts_dataloaders_and_scheduler_and_is_silent_without_a_terminal(capsys):
    model = regression_bnn()
    x, y = data()
    optimizer = vb.optim.Adam(model.parameters(), lr=0.02)
    scheduler = vb.optim.lr_scheduler.WarmupCosine(optimizer, 2, 9, 1e-4)
    history = fit(
        model,
        DataLoader(x, y, 16, shuffle=True, seed=0),
        DataLoader(x, y, 64),
        loss=ELBO(N_DATA),
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=3,
        progress=True,
    )
    assert scheduler.last_epoch == 9
    assert history["lr"] == pytest.approx([scheduler.lr_at(0.02, t) for t in (3, 6, 9)])
    assert capsys.readouterr() == ("", "")
