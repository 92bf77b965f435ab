"""vb.likelihood: each likelihood's nll (value and gradient) and predictive moments against
torch.distributions / torch.nn.functional and SciPy, in float64; the shortcuts; bad input; and the
one protocol used alike by ELBO, sgld_sample and predict."""

import numpy as np
import pytest
from scipy import stats

import varbayes as vb
from varbayes.likelihood import Bernoulli, Categorical, Gaussian, Heteroscedastic, Poisson, resolve

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
OUT = RNG.normal(size=(6, 2))
POSITIVE = np.abs(RNG.normal(size=(6, 2))) + 0.1


def torch_gaussian(out, y):
    return -torch.distributions.Normal(out, 0.7).log_prob(y).mean()


def torch_heteroscedastic(out, y):
    return -torch.distributions.Normal(out[..., :1], out[..., 1:].sqrt()).log_prob(y).mean()


def torch_categorical(out, y):
    return torch.nn.functional.cross_entropy(out, y)


def torch_bernoulli(out, y):
    return -torch.distributions.Bernoulli(logits=out).log_prob(y).mean()


def torch_poisson(out, y):
    return -torch.distributions.Poisson(out.exp()).log_prob(y).mean()


# (likelihood, output, target, torch nll); a heteroscedastic output holds a mean and a variance
CASES = {
    "gaussian": (Gaussian(0.7), OUT, RNG.normal(size=(6, 2)), torch_gaussian),
    "heteroscedastic": (
        Heteroscedastic(),
        np.concatenate([OUT[:, :1], POSITIVE[:, :1]], axis=1),
        RNG.normal(size=(6, 1)),
        torch_heteroscedastic,
    ),
    "categorical": (Categorical(), RNG.normal(size=(6, 3)), np.array([0, 2, 1, 1, 0, 2]), torch_categorical),
    "bernoulli": (Bernoulli(), OUT, RNG.integers(0, 2, size=(6, 2)).astype(np.float64), torch_bernoulli),
    "poisson": (Poisson(), OUT, RNG.poisson(2.0, size=(6, 2)).astype(np.float64), torch_poisson),
}


@pytest.mark.parametrize("name", CASES)
def test_nll_and_its_gradient_match_torch(name):
    lik, out, target, reference = CASES[name]
    x = vb.tensor(out, dtype=vb.float64, requires_grad=True)
    y = target if target.dtype.kind == "i" else vb.tensor(target, dtype=vb.float64)
    value = lik.nll(x, y)
    value.backward()
    tx = torch.tensor(out, requires_grad=True)
    expected = reference(tx, torch.tensor(target))
    expected.backward()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_poisson_nll_matches_scipy_and_takes_numpy_targets():
    _, out, target, _ = CASES["poisson"]
    value = Poisson().nll(vb.tensor(out, dtype=vb.float64), target)  # targets as an array
    np.testing.assert_allclose(value.item(), -stats.poisson.logpmf(target, np.exp(out)).mean(), rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "moments"),
    [
        ("gaussian", lambda t: (t, torch.full_like(t, 0.49))),
        ("heteroscedastic", lambda t: (t[..., :1], t[..., 1:])),
        ("bernoulli", lambda t: (torch.distributions.Bernoulli(logits=t).mean, None)),
        ("poisson", lambda t: (torch.distributions.Poisson(t.exp()).mean, None)),
    ],
)
def test_regression_predictive_moments_match_torch(name, moments):
    lik, out, _, _ = CASES[name]
    mean, var = lik.predictive(vb.tensor(out, dtype=vb.float64))
    t = torch.tensor(out)
    want_mean, want_var = moments(t)
    if want_var is None:  # the distribution's own variance
        dist = (
            torch.distributions.Bernoulli(logits=t)
            if name == "bernoulli"
            else torch.distributions.Poisson(t.exp())
        )
        want_var = dist.variance
    assert lik.kind == "regression" and mean.dtype == var.dtype == np.float64
    np.testing.assert_allclose(mean, want_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, want_var.numpy(), rtol=1e-12)


def test_categorical_predictive_is_softmax_without_variance():
    lik, out, _, _ = CASES["categorical"]
    probs, var = lik.predictive(vb.tensor(out, dtype=vb.float64))
    assert lik.kind == "classification" and var is None
    np.testing.assert_allclose(probs, torch.softmax(torch.tensor(out), -1).numpy(), rtol=1e-12)


def test_gaussian_likelihood_module_and_gaussian_head_follow_the_protocol():
    noise = vb.nn.GaussianLikelihood(0.7, trainable=False)
    out, target = vb.tensor(OUT, dtype=vb.float64), vb.tensor(CASES["gaussian"][2], dtype=vb.float64)
    np.testing.assert_allclose(
        noise.nll(out, target).item(), Gaussian(0.7).nll(out, target).item(), rtol=1e-6
    )
    np.testing.assert_allclose(noise.predictive(out)[1], Gaussian(0.7).predictive(out)[1], rtol=1e-6)
    head = vb.nn.GaussianHead(3, 1)
    h = head(vb.tensor(RNG.normal(size=(5, 3))))
    for a, b in zip(head.predictive(h), Heteroscedastic().predictive(h), strict=True):
        np.testing.assert_array_equal(a, b)


def test_shortcuts_name_the_classes_and_gaussian_finds_the_model_noise():
    model = vb.nn.Sequential(vb.nn.Linear(2, 1))
    model.likelihood = vb.nn.GaussianLikelihood(0.3)
    assert resolve("gaussian", model) is model.likelihood
    for name, cls in [
        ("heteroscedastic", Heteroscedastic),
        ("categorical", Categorical),
        ("bernoulli", Bernoulli),
        ("poisson", Poisson),
    ]:
        assert type(resolve(name)) is cls
    lik = Poisson()
    assert resolve(lik) is lik


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: resolve("laplace"), ValueError, "unknown likelihood 'laplace'"),
        (lambda: resolve("gaussian", vb.nn.Linear(2, 1)), ValueError, "GaussianLikelihood"),
        (lambda: resolve(42), TypeError, "nll\\(output, target\\), predictive\\(output\\) and kind"),
        (lambda: Gaussian(0.0), ValueError, "std must be a positive finite number"),
        (lambda: Gaussian(float("nan")), ValueError, "std must be a positive finite number"),
        (lambda: Bernoulli().nll(vb.tensor([[0.0]]), vb.tensor([[2.0]])), ValueError, "in \\[0, 1\\]"),
        (lambda: Poisson().nll(vb.tensor([[0.0]]), vb.tensor([[-1.0]])), ValueError, "non-negative"),
        (
            lambda: Bernoulli().nll(vb.tensor([[0.0], [1.0]]), vb.tensor([0.0, 1.0])),
            ValueError,
            r"shape \(2, 1\) and the target of shape \(2,\)",
        ),
        (
            lambda: Heteroscedastic().nll(vb.tensor([[0.0, 1.0, 2.0]]), vb.tensor([[0.0]])),
            ValueError,
            "2 \\* out_features",
        ),
    ],
    ids=[
        "unknown",
        "no-noise",
        "not-a-likelihood",
        "zero-std",
        "nan-std",
        "bernoulli",
        "poisson",
        "shape",
        "odd",
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def count_model():
    vb.manual_seed(0)
    return vb.nn.Sequential(vb.nn.Linear(2, 4), vb.nn.Tanh(), vb.nn.Linear(4, 1))


def count_data():
    x = RNG.normal(size=(32, 2)).astype(np.float32)
    return x, RNG.poisson(np.exp(0.5 * x[:, :1])).astype(np.float32)


def test_elbo_sgld_and_predict_use_the_same_likelihood_object():
    model, lik = count_model(), Poisson()
    x, y = count_data()
    out = model(vb.tensor(x))
    elbo = vb.train.ELBO(len(x), likelihood=lik)
    assert elbo(model, out, vb.tensor(y)).item() == pytest.approx(lik.nll(out, vb.tensor(y)).item())
    assert (
        elbo.nll(model, out, vb.tensor(y)).item()
        == vb.train.ELBO(len(x), "poisson").nll(model, out, vb.tensor(y)).item()
    )
    bank, trace = vb.infer.sgld_sample(
        model, (x, y), lr=1e-4, prior=1.0, steps=12, likelihood=lik, seed=0, check=False
    )
    assert len(bank) == 12 and np.all(np.isfinite(trace.loss))
    # the first step's loss is the likelihood's NLL at the starting weights
    assert trace.loss[0] == pytest.approx(lik.nll(count_model()(vb.tensor(x)), vb.tensor(y)).item(), rel=1e-6)
    pred = vb.predict(bank, x, likelihood="poisson")
    # per snapshot the Poisson rate is both mean and variance
    rates = np.stack([np.exp(m(vb.tensor(x)).numpy().astype(np.float64)) for m in snapshot_models(bank)])
    assert pred.kind == "regression"
    np.testing.assert_allclose(pred.mean, rates.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(pred.aleatoric_std**2, rates.mean(axis=0), rtol=1e-6)


def snapshot_models(bank):
    """One plain model per snapshot of the bank."""
    models = []
    for s in range(len(bank)):
        m = count_model()
        m.load_state_dict({k: v[s] for k, v in bank.samples().items()})
        models.append(m)
    return models
