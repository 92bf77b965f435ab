"""vb.infer: the ESS and split-R-hat estimators (against the analytic ESS of AR(1) processes), the
convergence warning, SampleBank burn-in/thinning, prediction with the bank through vb.predict (the
same numbers as a NumPy computation over the snapshots), save/load, and the sgld_sample driver."""

import numpy as np
import pytest

import varbayes as vb
from varbayes.infer import (
    ConvergenceWarning,
    Diagnostics,
    SampleBank,
    ess,
    sgld_sample,
    split_rhat,
    split_rhat_chains,
)


def ar1(phi, n, k=1, seed=0):
    """k independent stationary AR(1) chains x_t = phi x_{t-1} + e_t."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(n, k))
    x = np.empty((n, k))
    x[0] = e[0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


# ---------------------------------------------------------------------------- diagnostics


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, 0.97, -0.5])
def test_ess_of_ar1_matches_the_analytic_value(phi):
    """ESS = n (1 - phi) / (1 + phi) for AR(1); the estimator's spread over 8 chains of 20000
    draws is a few percent, so the mean is held to 5%."""
    n = 20000
    estimates = ess(ar1(phi, n, k=8))
    assert estimates.shape == (8,)
    np.testing.assert_allclose(estimates.mean(), n * (1 - phi) / (1 + phi), rtol=0.05)


def test_ess_of_one_chain_is_a_float_and_a_constant_chain_has_none():
    x = ar1(0.5, 1000)[:, 0]
    assert isinstance(ess(x), float) and ess(x) == pytest.approx(ess(x[:, None])[0])
    assert np.isnan(ess(np.ones(100)))


def test_split_rhat_separates_mixed_from_drifting_chains():
    mixed = ar1(0.5, 4000, k=4)
    assert np.all(np.abs(split_rhat(mixed) - 1) < 0.02)
    noise = np.random.default_rng(2).normal(size=(1000, 4))
    trending = np.linspace(0, 1, 1000)[:, None] + 0.2 * noise
    assert np.all(split_rhat(trending) > 1.1)
    shifted = np.concatenate([np.zeros(500), np.ones(500)]) + 0.1 * noise[:, 0]
    assert split_rhat(shifted) > 2
    # The halves of a random walk can agree by chance (split-R-hat ~ 1); its ESS gives it away.
    walk = np.cumsum(np.random.default_rng(1).normal(size=(4000, 4)), axis=0)
    assert np.all(ess(walk) < 40)


def test_split_rhat_across_chains_follows_gelman_rubin():
    rng = np.random.default_rng(4)
    chains = rng.normal(size=(3, 101, 2))
    chains[2, :, 1] += 3.0  # the third chain sits elsewhere in the second quantity
    # BDA3 by hand: six half-chains of 50 draws (the middle draw of each chain dropped)
    halves = np.concatenate([[c[:50], c[51:]] for c in chains])
    w = halves.var(axis=1, ddof=1).mean(axis=0)
    b = 50 * halves.mean(axis=1).var(axis=0, ddof=1)
    expected = np.sqrt((49 / 50 * w + b / 50) / w)
    np.testing.assert_allclose(split_rhat_chains(chains), expected, rtol=1e-12)
    assert abs(expected[0] - 1) < 0.05 and expected[1] > 1.5
    # one quantity: a float
    assert split_rhat_chains(chains[:, :, 0]) == pytest.approx(expected[0], rel=1e-12)
    for bad in (np.zeros((1, 10)), np.zeros(10), np.zeros((2, 3))):
        with pytest.raises(ValueError):
            split_rhat_chains(bad)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((10, 2, 2))])
def test_diagnostics_reject_bad_chains(bad):
    with pytest.raises(ValueError):
        ess(bad)
    with pytest.raises(ValueError):
        split_rhat(bad)


def diagnostics_of(chains):
    return Diagnostics(
        [f"w[{i}]" for i in range(chains.shape[1])], ess(chains), split_rhat(chains), len(chains)
    )


def test_convergence_warning_for_a_chain_that_has_not_mixed():
    walk = np.cumsum(np.random.default_rng(3).normal(size=(400, 3)), axis=0)
    d = diagnostics_of(walk)
    assert not d.converged()
    with pytest.warns(ConvergenceWarning, match="has not mixed.*split-R-hat"):
        assert d.check() is False
    # Independent draws pass silently (pytest turns any warning into an error).
    assert diagnostics_of(np.random.default_rng(4).normal(size=(400, 3))).check() is True


# ---------------------------------------------------------------------------- the bank


def make_net(seed=0, trainable_noise=True):
    vb.manual_seed(seed)
    net = vb.nn.Sequential(vb.nn.Linear(2, 8), vb.nn.Tanh(), vb.nn.Linear(8, 1))
    net.likelihood = vb.nn.GaussianLikelihood(0.3, trainable=trainable_noise)
    return net


def perturb(net, step):
    """Moves every parameter deterministically (a stand-in for a sampler step)."""
    with vb.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(p + 0.01 * np.sin(step + i))


def test_bank_keeps_thinned_snapshots_after_burn_in():
    net, bank = make_net(), SampleBank(burn_in=3, thin=2)
    taken, states = [], {}
    for step in range(1, 13):
        perturb(net, step)
        states[step] = net.state_dict()
        if bank.collect(net):
            taken.append(step)
    assert taken == [5, 7, 9, 11] and len(bank) == 4 and bank.steps_seen == 12
    np.testing.assert_array_equal(bank.samples()["0.weight"][2], states[9]["0.weight"])
    # max_samples keeps the latest.
    small = SampleBank(max_samples=np.int64(2))  # a NumPy count too (deque(maxlen=) refuses one)
    for step in range(1, 6):
        perturb(net, step)
        small.collect(net)
    assert len(small) == 2
    np.testing.assert_array_equal(small.samples()["2.bias"][-1], net.state_dict()["2.bias"])


@pytest.mark.parametrize(
    "kwargs", [{"burn_in": -1}, {"thin": 0}, {"thin": 1.5}, {"max_samples": 0}, {"burn_in": 2.0}]
)
def test_bank_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        SampleBank(**kwargs)


def test_bank_rejects_another_architecture_and_predicting_when_empty():
    bank = SampleBank()
    with pytest.raises(ValueError, match="empty"):
        bank.model()
    bank.collect(make_net())
    with pytest.raises(ValueError, match="architecture"):
        bank.collect(vb.nn.Linear(2, 1))


def filled_bank(n=6, **kwargs):
    net, bank = make_net(), SampleBank(**kwargs)
    for step in range(n):
        perturb(net, step)
        with vb.no_grad():
            net.likelihood.std_rho.copy_(vb.full((), -1.0 + 0.1 * step))  # each snapshot has its own noise
        bank.collect(net)
    return bank


def reference_prediction(bank, x):
    """Mean, epistemic and aleatoric std over the snapshots, computed in NumPy."""
    s = bank.samples()
    outs, noise_vars = [], []
    for i in range(len(bank)):
        h = np.tanh(x @ s["0.weight"][i].T + s["0.bias"][i])
        outs.append(h @ s["2.weight"][i].T + s["2.bias"][i])
        noise_vars.append(np.log1p(np.exp(s["likelihood.std_rho"][i])) ** 2)
    outs = np.array(outs)
    return outs.mean(0), outs.std(0), np.sqrt(np.mean(noise_vars)) * np.ones_like(outs[0])


def test_predict_with_a_bank_uses_every_snapshot_once():
    bank = filled_bank()
    x = np.random.default_rng(0).normal(size=(9, 2)).astype(np.float32)
    pred = vb.predict(bank, x)
    mean, epistemic, aleatoric = reference_prediction(bank, x.astype(np.float64))
    np.testing.assert_allclose(pred.mean, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pred.epistemic_std, epistemic, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(pred.aleatoric_std, aleatoric, rtol=1e-5)
    np.testing.assert_allclose(pred.std**2, epistemic**2 + aleatoric**2, rtol=1e-4)
    # The module form and input batches give the same numbers; intervals work as for VI.
    same = vb.predict(bank.model(), x, n_samples=len(bank), batch_size=4)
    np.testing.assert_allclose(same.mean, pred.mean, rtol=1e-6)
    np.testing.assert_allclose(same.epistemic_std, pred.epistemic_std, rtol=1e-6)
    lo, hi = pred.interval(0.9)
    assert np.all(lo < pred.mean) and np.all(pred.mean < hi)


def test_predict_with_fewer_samples_and_posterior_mean_mode():
    bank = filled_bank(n=7)
    x = np.ones((3, 2), dtype=np.float32)
    model = bank.model(n_samples=3)
    assert model.n_samples == 3
    sub = vb.predict(bank, x, n_samples=3, return_samples=True)
    full = vb.predict(bank, x, return_samples=True)
    np.testing.assert_allclose(sub.samples, full.samples[[0, 3, 6]], rtol=1e-6)
    with pytest.raises(ValueError, match="n_samples"):
        vb.predict(bank, x, n_samples=8)
    # Without sampling, the forward uses the mean weights.
    mean_net = make_net()
    mean_net.load_state_dict({k: v.mean(0) for k, v in bank.samples().items()})
    with vb.nn.sampling(False):
        np.testing.assert_allclose(model(vb.tensor(x)).numpy(), mean_net(vb.tensor(x)).numpy(), rtol=1e-6)


def test_bank_round_trips_through_save_and_load(tmp_path):
    bank = filled_bank(burn_in=1, thin=2, max_samples=10)
    vb.save({"bank": bank}, tmp_path / "bank.vbt")
    loaded = vb.load(tmp_path / "bank.vbt")["bank"]
    assert isinstance(loaded, SampleBank)
    assert (loaded.burn_in, loaded.thin, loaded.max_samples, loaded.steps_seen, len(loaded)) == (
        1,
        2,
        10,
        6,
        len(bank),
    )
    for k, v in bank.samples().items():
        np.testing.assert_array_equal(loaded.samples()[k], v)
    x = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)
    a, b = vb.predict(bank, x), vb.predict(loaded, x)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.std, b.std)
    np.testing.assert_array_equal(a.aleatoric_std, b.aleatoric_std)
    vb.save(SampleBank(), tmp_path / "empty.vbt")
    assert len(vb.load(tmp_path / "empty.vbt")) == 0


def test_a_bank_of_an_unregistered_model_cannot_be_saved_or_copied():
    class Custom(vb.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = vb.nn.Linear(2, 1)

        def forward(self, x):
            return self.lin(x)

    with pytest.raises(TypeError, match="register"):
        SampleBank().collect(Custom())


# ---------------------------------------------------------------------------- the driver


def regression_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2))
    return x, np.sin(2 * x[:, :1]) + 0.5 * x[:, 1:] + 0.1 * rng.normal(size=(n, 1))


def test_sgld_sample_collects_and_traces():
    x, y = regression_data()

    def run():
        net = make_net(trainable_noise=False)
        return sgld_sample(
            net, (x, y), lr=1e-4, prior=1.0, steps=300, burn_in=100, thin=4, seed=0, check=False
        )

    bank, trace = run()
    assert len(bank) == 50 and trace.loss.shape == trace.lr.shape == (300,)
    assert np.all(trace.lr == 1e-4)
    assert trace.loss[-50:].mean() < trace.loss[:10].mean()  # it moved from the start towards the data
    d = trace.diagnostics
    assert len(d.names) == 8 and d.n_samples == 50 and d.loss_ess > 0
    # The fixed noise is not part of the chain, so it is never monitored.
    assert not any(name.startswith("likelihood") for name in d.names)
    np.testing.assert_array_equal(bank.samples()["0.weight"], run()[0].samples()["0.weight"])


def test_sgld_sample_warns_when_the_chain_has_not_mixed():
    x, y = regression_data()
    # A tiny step from a random start: the weights drift and never equilibrate.
    with pytest.warns(ConvergenceWarning, match="has not mixed"):
        sgld_sample(make_net(), (x, y), lr=1e-7, prior=1.0, steps=200, thin=2, seed=0)
    with pytest.warns(ConvergenceWarning, match="too few"):
        sgld_sample(make_net(), (x, y), lr=1e-5, prior=1.0, steps=10, burn_in=8, seed=0)


def test_sgld_sample_rejects_variational_models_and_diverging_chains():
    x, y = regression_data()
    with pytest.raises(ValueError, match="deterministic layers"):
        sgld_sample(
            vb.nn.Sequential(vb.nn.BayesLinear(2, 1)),
            (x, y),
            lr=1e-3,
            prior=1.0,
            steps=10,
            likelihood=vb.nn.functional.mse_loss,
        )
    with pytest.raises(RuntimeError, match="non-finite loss"):
        sgld_sample(make_net(), (x, y), lr=10.0, prior=1.0, steps=200, seed=0)
    with pytest.raises(ValueError, match="cycles"):
        sgld_sample(make_net(), (x, y), lr=1e-3, prior=1.0, steps=10, cycles=-1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
        ({"exploration": 5.0}, r"exploration=5.0 needs cycles > 0"),
        ({"exploration": 0.5}, r"exploration=0.5 needs cycles > 0"),
    ],
)
def test_sgld_sample_refuses_bad_batch_size_and_exploration_without_cycles(kwargs, match):
    x, y = regression_data()
    with pytest.raises(ValueError, match=match):
        sgld_sample(make_net(), (x, y), lr=1e-4, prior=1.0, steps=10, check=False, **kwargs)


def test_sgld_sample_refuses_a_loader_that_yields_no_batch():
    loader = vb.train.DataLoader(*regression_data(4), batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match="the data loader yields no batch: 4 rows, batch_size=8"):
        sgld_sample(make_net(), loader, lr=1e-4, prior=1.0, steps=10, check=False)


def test_sgld_sample_cyclical_collects_only_in_the_sampling_stage():
    x, y = regression_data()
    bank, trace = sgld_sample(
        make_net(),
        (x, y),
        lr=1e-4,
        prior=1.0,
        steps=100,
        cycles=2,
        exploration=0.5,
        batch_size=10,
        seed=0,
        check=False,
    )
    assert len(bank) == 50  # the second half of each 50-step cycle
    np.testing.assert_allclose(trace.lr[[0, 25, 50]], [1e-4, 0.5e-4, 1e-4])


def test_fit_collects_once_per_epoch_with_the_bank_as_callback():
    x, y = regression_data()
    net = make_net(trainable_noise=False)
    opt = vb.optim.SGLD([p for p in net.parameters() if p.requires_grad], 1e-4, prior=1.0, n_data=len(x))
    bank = SampleBank(burn_in=2)
    vb.train.fit(
        net,
        (x.astype(np.float32), y.astype(np.float32)),
        loss=vb.nn.functional.mse_loss,
        optimizer=opt,
        epochs=6,
        batch_size=20,
        callbacks=[bank],
        progress=False,
    )
    assert len(bank) == 4


def test_bank_diagnostics_of_chosen_weights():
    bank = filled_bank(n=8)
    d = bank.diagnostics(weights=[("0.weight", 3), ("2.bias", 0)])
    assert d.names == ["0.weight[3]", "2.bias[0]"] and d.n_samples == 8
    chain = bank.samples()["0.weight"].reshape(8, -1)[:, 3]
    assert d.ess[0] == pytest.approx(ess(chain)) and d.rhat[0] == pytest.approx(split_rhat(chain))
    drawn = bank.diagnostics(weights=5, seed=1)
    assert len(set(drawn.names)) == 5 and drawn.names == bank.diagnostics(weights=5, seed=1).names
    with pytest.raises(ValueError, match="no weight"):
        bank.diagnostics(weights=[("0.weight", 99)])
    with pytest.raises(ValueError, match="at least 4"):
        filled_bank(n=3).diagnostics()


def test_heteroscedastic_head_gives_each_snapshot_its_own_noise():
    x, y = regression_data()
    vb.manual_seed(0)
    net = vb.nn.Sequential(vb.nn.Linear(2, 8), vb.nn.Tanh(), vb.nn.GaussianHead(8, 1))
    bank, _ = sgld_sample(
        net, (x, y), lr=1e-4, prior=1.0, steps=40, thin=4, likelihood="heteroscedastic", seed=0, check=False
    )
    xs = x[:5].astype(np.float32)
    pred = vb.predict(bank, xs, likelihood="heteroscedastic")
    variances = []
    for i in range(len(bank)):
        net.load_state_dict({k: v[i] for k, v in bank.samples().items()})
        variances.append(net(vb.tensor(xs)).numpy()[:, 1:])
    np.testing.assert_allclose(pred.aleatoric_std, np.sqrt(np.mean(variances, axis=0)), rtol=1e-5)
