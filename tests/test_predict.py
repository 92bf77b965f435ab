"""vb.predict: Monte-Carlo predictive distributions (issue 4, item 7).

Every check recomputes the prediction in NumPy from the same forward passes: reseeding the
default generator replays predict's draws (one forward pass per sample over the whole batch).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, special, stats

import varbayes as vb

LAYERS = [vb.nn.BayesLinear, vb.nn.BayesLinearLRT]
N, SEED = 7, 5
REGRESSION = ["plain", "homoscedastic", "heteroscedastic"]


def network(layer: type, n_in: int, n_out: int, head: vb.nn.Module | None = None) -> vb.nn.Sequential:
    """n_in -> 8 -> n_out Bayesian network (or n_in -> 8 -> head), visibly uncertain (sigma ~ 0.13)."""
    vb.manual_seed(0)
    hidden = layer(n_in, 8, posterior_rho_init=-2.0)
    return vb.nn.Sequential(hidden, vb.nn.ReLU(), head or layer(8, n_out, posterior_rho_init=-2.0))


def regression(kind: str, layer: type = vb.nn.BayesLinear) -> tuple[vb.nn.Sequential, object]:
    """A model and the likelihood argument of predict for each kind of regression."""
    if kind == "heteroscedastic":
        return network(layer, 2, 1, vb.nn.GaussianHead(8)), "heteroscedastic"
    return network(layer, 2, 1), vb.nn.GaussianLikelihood(0.3) if kind == "homoscedastic" else None


def inputs(n_in: int = 2) -> vb.Tensor:
    return vb.tensor(np.random.default_rng(1).normal(size=(N, n_in)).astype(np.float32))


def forward_passes(model: vb.nn.Module, x: vb.Tensor, n: int) -> np.ndarray:
    """The n outputs predict sees for seed SEED, shape (n, N, k), float64."""
    vb.manual_seed(SEED)
    with vb.no_grad():
        return np.stack([model(x).numpy().astype(np.float64) for _ in range(n)])


def reference_moments(
    model: vb.nn.Module, x: vb.Tensor, n: int, likelihood: object
) -> tuple[np.ndarray, ...]:
    """Per-sample means and likelihood variances, recomputed from the replayed passes."""
    out = forward_passes(model, x, n)
    if likelihood == "heteroscedastic":
        return out[..., :1], out[..., 1:]
    noise = likelihood.std.item() ** 2 if likelihood is not None else 0.0
    return out, np.full_like(out, noise)


def predict(model: vb.nn.Module, x: vb.Tensor, n: int, **kwargs: object) -> vb.Prediction:
    vb.manual_seed(SEED)
    return vb.predict(model, x, n, return_samples=True, **kwargs)


# ---- regression -----------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("kind", REGRESSION)
def test_regression_decomposition(kind, layer):
    """mean, epistemic (variance of the sample means), aleatoric (mean likelihood variance: the
    GaussianLikelihood's std, or the head's variances) and total = epistemic + aleatoric."""
    model, likelihood = regression(kind, layer)
    x = inputs()
    pred = predict(model, x, 40, likelihood=likelihood)
    means, variances = reference_moments(model, x, 40, likelihood)
    assert pred.kind == "regression" and pred.samples.shape == (40, N, 1)
    np.testing.assert_array_equal(pred.samples, means)
    np.testing.assert_allclose(pred.mean, means.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(pred.epistemic_std, means.std(axis=0), rtol=1e-10)
    np.testing.assert_allclose(pred.aleatoric_std, np.sqrt(variances.mean(axis=0)), rtol=1e-12)
    np.testing.assert_allclose(pred.std**2, pred.epistemic_std**2 + pred.aleatoric_std**2, rtol=1e-12)
    assert np.all(pred.epistemic_std > 0)
    if kind == "homoscedastic":
        np.testing.assert_allclose(pred.aleatoric_std, 0.3, rtol=1e-6)


def test_quantiles_without_noise_are_sample_quantiles():
    model, _ = regression("plain")
    pred = predict(model, inputs(), 50)
    levels = np.array([0.05, 0.3, 0.5, 0.9])
    np.testing.assert_array_equal(pred.quantile(levels), np.quantile(pred.samples, levels, axis=0))
    # (scalar levels and interval's (1 - level) / 2 may differ from the listed levels by an ulp)
    close = dict(rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(pred.quantile(0.3), np.quantile(pred.samples, 0.3, axis=0), **close)
    lo, hi = pred.interval(0.8)
    np.testing.assert_allclose(lo, pred.quantile(0.1), **close)
    np.testing.assert_allclose(hi, pred.quantile(0.9), **close)


@pytest.mark.parametrize("kind", REGRESSION[1:])
def test_quantiles_with_noise_solve_the_gaussian_mixture(kind):
    """Two samples: the q-quantile y solves (Phi((y - m1)/s1) + Phi((y - m2)/s2)) / 2 = q."""
    model, likelihood = regression(kind)
    x = inputs()
    pred = predict(model, x, 2, likelihood=likelihood)
    means, variances = reference_moments(model, x, 2, likelihood)
    stds = np.sqrt(variances)
    for q in (0.02, 0.3, 0.5, 0.97):
        expected = np.empty_like(pred.mean)
        for idx in np.ndindex(expected.shape):
            m, s = means[(slice(None), *idx)], stds[(slice(None), *idx)]
            expected[idx] = optimize.brentq(
                lambda y, m=m, s=s, q=q: stats.norm.cdf(y, m, s).mean() - q, -50, 50, xtol=1e-14
            )
        np.testing.assert_allclose(pred.quantile(q), expected, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("kind", REGRESSION)
def test_quantiles_are_monotone_and_intervals_nested(kind):
    model, likelihood = regression(kind)
    pred = predict(model, inputs(), 30, likelihood=likelihood)
    q = pred.quantile(np.linspace(0.01, 0.99, 25))
    assert np.all(np.diff(q, axis=0) >= 0)
    inner, outer = pred.interval(0.5), pred.interval(0.95)
    assert np.all(outer[0] <= inner[0]) and np.all(inner[0] <= pred.quantile(0.5))
    assert np.all(pred.quantile(0.5) <= inner[1]) and np.all(inner[1] <= outer[1])


# ---- classification ------------------------------------------------------------------------------


def entropy(p: np.ndarray) -> np.ndarray:
    return -np.sum(special.xlogy(p, p), axis=-1)


@pytest.mark.parametrize("layer", LAYERS)
def test_classification_entropy_and_mutual_information(layer):
    model, x = network(layer, 3, 4), inputs(3)
    pred = predict(model, x, 30, likelihood="categorical")
    probs = special.softmax(forward_passes(model, x, 30), axis=-1)
    assert pred.kind == "classification" and pred.aleatoric_std is None
    np.testing.assert_allclose(pred.samples, probs, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(pred.mean.sum(axis=-1), 1.0, rtol=1e-6)  # float32 softmax
    np.testing.assert_allclose(pred.mean, pred.samples.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(pred.std, pred.samples.std(axis=0), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(pred.entropy(), entropy(pred.mean), rtol=1e-12)
    mi = entropy(pred.mean) - entropy(pred.samples).mean(axis=0)
    np.testing.assert_allclose(pred.mutual_information(), mi, rtol=1e-9, atol=1e-14)
    assert np.all(pred.mutual_information() > 0) and np.all(pred.mutual_information() <= pred.entropy())


def deterministic(model: vb.nn.Module) -> vb.nn.Module:
    """Switches every Bayesian layer's own sample flag off (predict still enables sampling)."""
    for _, m in model.named_modules():
        if isinstance(m, vb.nn.BayesLinear):
            m.sample = False
    return model


def test_deterministic_model_has_no_epistemic_uncertainty():
    model, x = deterministic(network(vb.nn.BayesLinear, 3, 4)), inputs(3)
    pred = vb.predict(model, x, 10, likelihood="categorical")
    np.testing.assert_allclose(pred.mutual_information(), 0.0, atol=1e-12)
    np.testing.assert_array_equal(pred.std, 0.0)
    assert np.all(pred.entropy() > 0)


# ---- batching, graph, validation -----------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("batch_size", [1, 3, N])
def test_batch_size_without_posterior_sampling_changes_nothing(layer, batch_size):
    """Batches of inputs draw their own weight/noise samples (batch b uses the stream after the
    batches before it), so only noise-free passes are batch-invariant: here, bit-identical."""
    model, likelihood = regression("homoscedastic", layer)
    deterministic(model)
    x = inputs()
    whole = predict(model, x, 5, likelihood=likelihood)
    batched = predict(model, x, 5, likelihood=likelihood, batch_size=batch_size)
    for name in ("mean", "std", "epistemic_std", "aleatoric_std", "samples"):
        np.testing.assert_array_equal(getattr(batched, name), getattr(whole, name), err_msg=name)
    np.testing.assert_array_equal(batched.quantile(0.2), whole.quantile(0.2))


@pytest.mark.parametrize("layer", LAYERS)
def test_first_batch_sees_the_same_draws_as_predicting_it_alone(layer):
    """With sampling, what batching preserves is the stream start: the first batch of a batched
    run equals an unbatched run on those inputs (same seed)."""
    model, _ = regression("plain", layer)
    x = inputs()
    batched = predict(model, x, 6, batch_size=3)
    alone = predict(model, x[:3], 6)
    np.testing.assert_array_equal(batched.samples[:, :3], alone.samples)


def test_predict_builds_no_graph_and_restores_the_switches():
    model, likelihood = regression("homoscedastic")
    with vb.nn.sampling(False):
        pred = vb.predict(model, inputs(), 8, likelihood=likelihood, return_samples=True)
        assert not vb._core.is_sampling_enabled()
    assert vb.is_grad_enabled() and vb._core.is_sampling_enabled()
    assert not np.allclose(pred.samples[0], pred.samples[1])  # predict samples even inside sampling(False)
    assert all(isinstance(getattr(pred, n), np.ndarray) for n in ("mean", "std", "samples"))
    assert all(p.grad is None for p in [*model.parameters(), *likelihood.parameters()])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 0}, "n_samples must be a positive integer"),
        ({"n_samples": -2}, "n_samples must be a positive integer"),
        ({"n_samples": 2.5}, "n_samples must be a positive integer"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"batch_size": -4}, "batch_size must be a positive integer"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer"),
        ({"batch_size": True}, "batch_size must be a positive integer"),
        ({"n_samples": True}, "n_samples must be a positive integer"),
        ({"likelihood": "laplace"}, "unknown likelihood"),  # (poisson is a shortcut now)
    ],
)
def test_invalid_arguments_raise_value_error(kwargs, message):
    model, _ = regression("plain")
    with pytest.raises(ValueError, match=message):
        vb.predict(model, inputs(), **kwargs)


def test_inputs_without_rows_are_refused():
    model, _ = regression("plain")
    with pytest.raises(ValueError, match=r"x has no rows \(shape \(0, 2\)\)"):
        vb.predict(model, np.zeros((0, 2), dtype=np.float32), 3)


@pytest.mark.parametrize(
    ("n_out", "message"),
    [
        (3, r"2 \* out_features \(means, then variances\), got output shape \(7, 3\)"),
        (1, r"2 \* out_features \(means, then variances\), got output shape \(7, 1\)"),
        (2, "to be positive, finite variances"),  # a plain layer's second output goes negative
    ],
)
def test_heteroscedastic_needs_a_gaussian_head_output(n_out, message):
    model = network(vb.nn.BayesLinear, 2, n_out)
    with pytest.raises(ValueError, match=message):
        vb.predict(model, inputs(), 3, likelihood="heteroscedastic")


@pytest.mark.parametrize(
    ("likelihood", "call", "message"),
    [
        ("categorical", lambda p: p.quantile(0.5), "defined for regression"),
        (None, lambda p: p.entropy(), "defined for classification"),
        (None, lambda p: p.quantile(1.0), r"must be in \(0, 1\)"),
        (None, lambda p: p.interval(0.0), r"must be in \(0, 1\)"),
    ],
)
def test_prediction_methods_reject_the_wrong_kind_or_level(likelihood, call, message):
    model, _ = regression("plain")
    pred = vb.predict(model, inputs(), 3, likelihood=likelihood)
    with pytest.raises(ValueError, match=message):
        call(pred)


@pytest.mark.parametrize("q", [float("nan"), [0.5, float("nan")]])
def test_nan_quantile_levels_are_refused(q):
    """With likelihood variances the quantiles come from a bisection, which would return its
    starting bracket for a NaN level."""
    pred = vb.Prediction.from_samples(np.random.default_rng(0).normal(size=(5, 2, 1)), np.ones((5, 2, 1)))
    with pytest.raises(ValueError, match=r"quantile levels must be in \(0, 1\)"):
        pred.quantile(q)


# ---- mixtures of models ---------------------------------------------------------------------------


def test_a_list_of_models_is_the_equal_weight_mixture_of_their_passes():
    first = network(vb.nn.BayesLinear, 2, 1)
    vb.manual_seed(1)
    second = vb.nn.Sequential(
        vb.nn.BayesLinear(2, 8, posterior_rho_init=-2.0), vb.nn.ReLU(), vb.nn.BayesLinear(8, 1)
    )
    first.likelihood, second.likelihood = vb.nn.GaussianLikelihood(0.3), vb.nn.GaussianLikelihood(0.1)
    x = inputs()
    # predict draws the first model's passes, then the second's, from one stream
    vb.manual_seed(SEED)
    with vb.no_grad():
        outs = np.concatenate(
            [np.stack([m(x).numpy().astype(np.float64) for _ in range(4)]) for m in (first, second)]
        )
    noise = np.concatenate([np.full((4, N, 1), 0.3**2), np.full((4, N, 1), 0.1**2)])
    pred = predict([first, second], x, 4)
    np.testing.assert_allclose(pred.samples, outs, rtol=1e-6)
    np.testing.assert_allclose(pred.mean, outs.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(pred.epistemic_std, outs.std(axis=0), rtol=1e-5)
    np.testing.assert_allclose(pred.aleatoric_std, np.sqrt(noise.mean(axis=0)), rtol=1e-6)
    # the interval solves the mixture of all eight Gaussians, each model's with its own noise
    lo, hi = pred.interval(0.9)
    for bound, level in ((lo, 0.05), (hi, 0.95)):
        cdf = stats.norm.cdf((bound[None] - outs) / np.sqrt(noise)).mean(axis=0)
        np.testing.assert_allclose(cdf, level, atol=1e-9)


def test_a_mixture_must_be_consistent():
    model, _ = regression("plain")
    noisy, likelihood = regression("homoscedastic")
    noisy.likelihood = likelihood
    with pytest.raises(ValueError, match="empty"):
        vb.predict([], inputs())
    with pytest.raises(ValueError, match="likelihood noise and others none"):
        vb.predict([model, noisy], inputs(), 2)


def test_from_samples_summarises_per_sample_values_like_predict():
    rng = np.random.default_rng(3)
    means = rng.normal(size=(40, 6, 1))
    variances = rng.uniform(0.01, 0.2, size=(40, 6, 1))
    pred = vb.Prediction.from_samples(means, variances, return_samples=True)
    np.testing.assert_allclose(pred.mean, means.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(pred.epistemic_std, means.std(axis=0), rtol=1e-14)
    np.testing.assert_allclose(pred.aleatoric_std, np.sqrt(variances.mean(axis=0)), rtol=1e-14)
    np.testing.assert_allclose(pred.std**2, means.var(axis=0) + variances.mean(axis=0), rtol=1e-12)
    assert pred.samples is means and pred.sample_variances is variances
    # the interval solves the mixture of the per-sample Gaussians
    lo, _ = pred.interval(0.9)
    cdf = stats.norm.cdf((lo[None] - means) / np.sqrt(variances)).mean(axis=0)
    np.testing.assert_allclose(cdf, 0.05, atol=1e-9)
    # without variances: plain regression, the empirical quantiles of the means
    plain = vb.Prediction.from_samples(means)
    assert plain.samples is None and np.all(plain.aleatoric_std == 0)
    np.testing.assert_array_equal(plain.quantile(0.5), np.quantile(means, 0.5, axis=0))


def test_from_samples_accepts_nested_lists():
    means, variances = [[[1.0], [2.0]], [[3.0], [5.0]]], [[[0.5], [0.5]], [[1.5], [0.5]]]
    pred = vb.Prediction.from_samples(means, variances)
    np.testing.assert_array_equal(pred.mean, [[2.0], [3.5]])
    np.testing.assert_array_equal(pred.aleatoric_std, [[1.0], [np.sqrt(0.5)]])
    np.testing.assert_array_equal(pred.epistemic_std, [[1.0], [1.5]])


@pytest.mark.parametrize(
    ("means", "variances", "kwargs", "error", "message"),
    [
        (np.zeros((0, 6, 1)), None, {}, ValueError, r"n_samples >= 1, got \(0, 6, 1\)"),
        (np.zeros(6), None, {}, ValueError, r"shape \(n_samples, N, ...\)"),
        (np.zeros((4, 6, 1)), -np.ones((4, 6, 1)), {}, ValueError, "variances must be finite and >= 0"),
        (np.zeros((4, 6, 1)), np.full((4, 6, 1), np.nan), {}, ValueError, "finite and >= 0"),
        (np.zeros((4, 6, 1)), np.full((4, 6, 1), np.inf), {}, ValueError, "finite and >= 0"),
        (np.zeros((4, 6, 1)), np.ones((4, 6)), {}, ValueError, r"shape of means \(4, 6, 1\), got \(4, 6\)"),
        (np.zeros((4, 6, 1)), None, {"kind": "classfication"}, ValueError, "kind must be 'regression' or"),
        ([["a"]], None, {}, TypeError, "means must be an array of numbers"),
    ],
)
def test_from_samples_rejects_invalid_input(means, variances, kwargs, error, message):
    with pytest.raises(error, match=message):
        vb.Prediction.from_samples(means, variances, **kwargs)
