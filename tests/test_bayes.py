"""Bayesian layers, priors and KL (issue 4, item 8).

KL against NumPy and against a Monte-Carlo estimate; float64 finite-difference gradients of
kl_normal, layer.kl() and the sampled forward pass (replaying the generator state); the
reparameterized and local-reparameterization layers against each other and against the analytic
output moments; empirical-Bayes and ensemble priors; save/load of priors; sampling control,
seeding, extreme rho and input validation.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import varbayes as vb
import varbayes.nn.functional as F
from reference import numerical_grads

IN, OUT = 4, 3
LAYERS = [vb.nn.BayesLinear, vb.nn.BayesLinearLRT]
DTYPES = [vb.float32, vb.float64]
PRIOR_SHAPES = [(), (1, IN), (OUT, IN)]  # one prior, broadcast along rows, per weight


def softplus(r: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, r)


def np_kl(mu: np.ndarray, rho: np.ndarray, m: np.ndarray, s: np.ndarray) -> float:
    """Sum of KL(N(mu, softplus(rho)^2) || N(m, s^2)) in float64."""
    mu, rho, m, s = (np.asarray(a, dtype=np.float64) for a in (mu, rho, m, s))
    sq = softplus(rho)
    return float(np.sum(np.log(s) - np.log(sq) + (sq**2 + (mu - m) ** 2) / (2 * s**2) - 0.5))


def assign(t: vb.Tensor, value: np.ndarray) -> None:
    with vb.no_grad():
        t.copy_(vb.tensor(np.asarray(value), dtype=t.dtype))


def values(t: vb.Tensor) -> np.ndarray:
    """A float64 copy (Tensor.numpy() is a view)."""
    return np.array(t.numpy(), dtype=np.float64)


def tensor(a: np.ndarray | float, dtype: vb.DType = vb.float64, requires_grad: bool = False) -> vb.Tensor:
    return vb.tensor(np.asarray(a, dtype=np.float64), dtype=dtype, requires_grad=requires_grad)


def posterior(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and rhos with sigmas spread over about 0.05..1."""
    return rng.normal(0.0, 0.5, shape), rng.uniform(-3.0, 0.5, shape)


def prior_arrays(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0.0, 0.3, shape), rng.uniform(0.3, 1.5, shape)


def bayes_layer(
    cls: type = vb.nn.BayesLinear, dtype: vb.DType = vb.float64, seed: int = 0, **kwargs: object
) -> vb.nn.BayesLinear:
    """A layer whose rhos differ per weight (seeded: the means come from the default generator)."""
    vb.manual_seed(seed)
    layer = cls(IN, OUT, dtype=dtype, **kwargs)
    rng = np.random.default_rng(seed)
    assign(layer.weight_rho, rng.uniform(-3.0, 0.0, (OUT, IN)))
    if layer.bias_rho is not None:
        assign(layer.bias_rho, rng.uniform(-3.0, 0.0, OUT))
    return layer


def layer_kl_reference(layer: vb.nn.BayesLinear) -> float:
    return sum(
        np_kl(
            values(getattr(layer, f"{p}_mu")),
            values(getattr(layer, f"{p}_rho")),
            values(prior.mean),
            values(prior.std),
        )
        for p, prior in (("weight", layer.weight_prior), ("bias", layer.bias_prior))
    )


def check_grads(loss: Callable[[], vb.Tensor], params: dict[str, vb.Tensor], rtol: float = 1e-6) -> None:
    """Autograd gradients of the scalar loss() against float64 central differences."""
    for p in params.values():
        p.grad = None
    loss().backward()
    analytic = {name: values(p.grad) for name, p in params.items()}
    start = [values(p) for p in params.values()]

    def f(*arrays: np.ndarray) -> float:
        for p, a in zip(params.values(), arrays, strict=True):
            assign(p, a)
        with vb.no_grad():
            return loss().item()

    numeric = numerical_grads(f, start, np.array(1.0))
    f(*start)
    for (name, a), n in zip(analytic.items(), numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=rtol, atol=1e-8, err_msg=name)


# ---- analytic KL --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prior_shape", PRIOR_SHAPES)
def test_kl_normal_matches_numpy(dtype, prior_shape):
    rng = np.random.default_rng(1)
    mu, rho = posterior(rng, (OUT, IN))
    m, s = prior_arrays(rng, prior_shape)
    kl = vb.kl_normal(*(tensor(a, dtype) for a in (mu, rho, m, s)))
    assert kl.dtype == dtype and kl.shape == ()
    rtol = 1e-5 if dtype == vb.float32 else 1e-12
    np.testing.assert_allclose(kl.item(), np_kl(mu, rho, m, s), rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prior_shape", PRIOR_SHAPES)
def test_kl_normal_agrees_with_monte_carlo(dtype, prior_shape):
    """KL = E_q[log q(w) - log p(w)]: the mean over draws of the fused sampler lies within 4
    standard errors of the closed form."""
    rng = np.random.default_rng(2)
    mu, rho = posterior(rng, (OUT, IN))
    m, s = np.broadcast_arrays(*prior_arrays(rng, prior_shape), mu)[:2]
    draws = 20000
    gen = vb.Generator(11)
    w = values(
        vb.sample_gaussian(
            tensor(np.tile(mu, (draws, 1, 1)), dtype), tensor(np.tile(rho, (draws, 1, 1)), dtype), gen
        )
    )
    sq = softplus(rho)
    log_q = -np.log(sq) - (w - mu) ** 2 / (2 * sq**2)
    log_p = -np.log(s) - (w - m) ** 2 / (2 * s**2)
    per_draw = (log_q - log_p).sum(axis=(1, 2))
    mc, se = per_draw.mean(), per_draw.std(ddof=1) / np.sqrt(draws)
    analytic = vb.kl_normal(*(tensor(a, dtype) for a in (mu, rho, m, s))).item()
    assert abs(mc - analytic) < 4 * se, (mc, analytic, se)


@pytest.mark.parametrize("prior_shape", PRIOR_SHAPES)
def test_kl_normal_gradients(prior_shape):
    rng = np.random.default_rng(3)
    arrays = (*posterior(rng, (OUT, IN)), *prior_arrays(rng, prior_shape))
    inputs = dict(
        zip(("mu_q", "rho_q", "mu_p", "std_p"), (tensor(a, requires_grad=True) for a in arrays), strict=True)
    )
    check_grads(lambda: vb.kl_normal(**inputs), inputs)


def make_prior(kind: str, shape: tuple[int, ...], rng: np.random.Generator) -> vb.nn.NormalPrior:
    m, s = prior_arrays(rng, () if kind != "per-weight" else shape)
    return vb.nn.NormalPrior(tensor(m), tensor(s), trainable=kind != "fixed")


@pytest.mark.parametrize("kind", ["fixed", "trainable", "per-weight"])
def test_layer_kl_value_and_gradients(kind):
    """layer.kl() sums the weight and bias KLs and differentiates to the posterior and to the
    prior's parameters (mean and std_rho of a trainable prior, per-weight prior tensors)."""
    rng = np.random.default_rng(4)
    layer = bayes_layer()
    layer.set_prior(make_prior(kind, (OUT, IN), rng), make_prior(kind, (OUT,), rng))
    np.testing.assert_allclose(layer.kl().item(), layer_kl_reference(layer), rtol=1e-12)
    np.testing.assert_allclose(vb.nn.kl(vb.nn.Sequential(layer, vb.nn.ReLU())).item(), layer.kl().item())
    params = dict(layer.named_parameters())
    expected = {"weight_mu", "weight_rho", "bias_mu", "bias_rho"}
    if kind != "fixed":
        expected |= {f"{p}_prior.{n}" for p in ("weight", "bias") for n in ("mean", "std_rho")}
    assert set(params) == expected
    check_grads(layer.kl, params)


def test_sampled_forward_gradients_replaying_the_generator():
    """d/d(mu, rho) of a sampled BayesLinear forward: each finite difference replays the same eps
    by restoring the default generator's state."""
    layer = bayes_layer()
    rng = np.random.default_rng(5)
    x, g = tensor(rng.normal(size=(6, IN))), tensor(rng.normal(size=(6, OUT)))
    state = vb.default_generator().get_state()

    def loss() -> vb.Tensor:
        vb.default_generator().set_state(state)
        return (layer(x) * g).sum()

    with vb.no_grad():
        assert loss().item() == loss().item()
        assert loss().item() != (F.linear(x, layer.weight_mu, layer.bias_mu) * g).sum().item()
    check_grads(loss, dict(layer.named_parameters()))


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("kind", ["fixed", "trainable", "per-weight"])
@pytest.mark.parametrize("kl_first", [False, True])
def test_training_loss_gradients_through_the_fused_posterior_passes(cls, kind, kl_first):
    """A training loss (data term and the KL handed over by forward_with_kl, in either order): the
    forward forms the weight's per-weight values and its KL in one pass, and backward all weight
    and prior gradients in one pass. The float64 finite differences replay eps and run without a
    graph, i.e. through the separate sample and KL ops: this also checks fused against unfused."""
    rng = np.random.default_rng(9)
    layer = bayes_layer(cls)
    layer.set_prior(make_prior(kind, (OUT, IN), rng), make_prior(kind, (OUT,), rng))
    x, g = tensor(rng.normal(size=(6, IN))), tensor(rng.normal(size=(6, OUT)))
    state = vb.default_generator().get_state()

    def loss() -> vb.Tensor:
        vb.default_generator().set_state(state)
        out, kl = layer.forward_with_kl(x)
        data, kl = (out * g).sum(), kl * 0.3
        return kl + data if kl_first else data + kl

    check_grads(loss, dict(layer.named_parameters()))


def graph_ops(t: vb.Tensor) -> set[str]:
    """Names of the ops in t's graph (a small graph: walked without marking visited nodes)."""
    names, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None:
            names.add(node.name())
            stack.extend(node.next_functions)
    return names


def grads_of(layer: vb.nn.BayesLinear, loss: vb.Tensor) -> dict[str, np.ndarray]:
    for p in layer.parameters():
        p.grad = None
    loss.backward()
    return {n: values(p.grad) for n, p in layer.named_parameters()}


@pytest.mark.parametrize("cls", LAYERS)
def test_forward_with_kl_hands_over_the_kl_its_forward_formed(cls):
    """forward_with_kl returns the output of forward (the same draw) and the KL that the sampling
    forward formed in its fused pass, equal to the reference and with the gradients of a fresh
    kl(). A layer keeps no KL between calls: kl() after a forward is computed anew. Without a graph
    or with sampling off the forward forms no KL and the hand-off computes it."""
    layer = bayes_layer(cls, seed=3)
    x = tensor(np.random.default_rng(10).normal(size=(5, IN)))
    fused_op = "sample_gaussian_kl" if cls is vb.nn.BayesLinear else "linear_lrt_kl"
    state = vb.default_generator().get_state()
    plain = values(layer(x))
    vb.default_generator().set_state(state)
    out, handed = layer.forward_with_kl(x)
    np.testing.assert_array_equal(values(out), plain)
    assert fused_op in graph_ops(handed) and fused_op in graph_ops(out)
    assert handed.item() == pytest.approx(layer_kl_reference(layer), rel=1e-12)
    fused = grads_of(layer, handed)  # only the KL in the loss: its gradients alone
    layer(x)
    fresh = layer.kl()
    assert fused_op not in graph_ops(fresh)
    fresh_grads = grads_of(layer, fresh)
    for name in fused:
        np.testing.assert_allclose(fused[name], fresh_grads[name], rtol=1e-12, atol=1e-15, err_msg=name)
    with vb.no_grad():
        _, detached = layer.forward_with_kl(x)
    assert not detached.requires_grad
    with vb.nn.sampling(False):
        _, unsampled = layer.forward_with_kl(x)
    assert fused_op not in graph_ops(unsampled)
    for k in (detached, unsampled):
        assert k.item() == pytest.approx(layer_kl_reference(layer), rel=1e-12)


def test_forward_with_kl_counts_each_layer_once_and_matches_kl_of_the_model():
    """In a model (a Python subclass calling one layer twice, a Sequential, a nested call of
    forward_with_kl), the handed-over KL is vb.nn.kl(model): a layer run twice counts once (its
    latest forward's term), layers of an inner hand-off are computed anew by the outer one."""

    class Twice(vb.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = vb.nn.BayesLinear(IN, IN, dtype=vb.float64)
            self.head = vb.nn.BayesLinearLRT(IN, OUT, dtype=vb.float64)

        def forward(self, x: vb.Tensor) -> vb.Tensor:
            h = self.layer(self.layer(x))
            out, _ = self.head.forward_with_kl(h)  # an inner hand-off: the outer one recomputes
            return out

    vb.manual_seed(4)
    x = tensor(np.random.default_rng(11).normal(size=(5, IN)))
    for model in (
        Twice(),
        vb.nn.Sequential(
            vb.nn.BayesLinear(IN, IN, dtype=vb.float64),
            vb.nn.ReLU(),
            vb.nn.BayesLinearLRT(IN, OUT, dtype=vb.float64),
        ),
    ):
        _, handed = model.forward_with_kl(x)
        assert handed.item() == pytest.approx(vb.nn.kl(model).item(), rel=1e-12)
        reference = sum(layer_kl_reference(m) for m in model.modules() if isinstance(m, vb.nn.BayesLinear))
        assert handed.item() == pytest.approx(reference, rel=1e-12)
    assert vb.nn.Sequential(vb.nn.ReLU()).forward_with_kl(x)[1].item() == 0.0


@pytest.mark.parametrize("cls", LAYERS)
def test_fused_passes_give_the_same_bits_for_any_thread_count(cls, num_threads):
    """The per-weight passes run in parallel over fixed chunks of the counter space (eps is drawn
    per element), and chunk sums are added in order: output, KL and all gradients of a layer with
    several chunks of weights are bit-identical with 1 and 2 threads."""
    x = tensor(np.random.default_rng(11).normal(size=(4, 300)), vb.float32)
    results = []
    for n in (1, 2):
        vb.set_num_threads(n)
        vb.manual_seed(12)
        layer = cls(300, 300, prior=vb.nn.NormalPrior(0.1, 0.5, trainable=True))
        out = layer(x)
        loss = (out * out).sum() + layer.kl()
        loss.backward()
        results.append([values(out), values(loss)] + [values(p.grad) for p in layer.parameters()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


# ---- the two estimators -------------------------------------------------------------------------


def test_lrt_output_is_mean_plus_analytic_std_times_the_generator_noise():
    """linear_lrt = x mu^T + b_mu + sqrt(x^2 sigma^2 + b_sigma^2) * nu, with nu the generator's
    next normals: replaying the state recovers nu exactly."""
    layer = bayes_layer(vb.nn.BayesLinearLRT)
    x = tensor(np.random.default_rng(6).normal(size=(5, IN)))
    state = vb.default_generator().get_state()
    y = values(layer(x))
    vb.default_generator().set_state(state)
    nu = values(vb.randn(5, OUT, dtype=vb.float64))
    xs = values(x)
    mean = xs @ values(layer.weight_mu).T + values(layer.bias_mu)
    var = xs**2 @ softplus(values(layer.weight_rho)).T ** 2 + softplus(values(layer.bias_rho)) ** 2
    np.testing.assert_allclose(y, mean + np.sqrt(var + 1e-12) * nu, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lrt_node_matches_the_composite_of_ops(dtype):
    """The local-reparameterization node (two GEMMs, nu drawn in the epilogue and again in
    backward) against the same formula written with ops from the same generator state: the same
    output and the same gradients of the input and of all four posterior parameters."""
    layer = bayes_layer(vb.nn.BayesLinearLRT, dtype=dtype)
    x = tensor(np.random.default_rng(13).normal(size=(7, IN)), dtype, requires_grad=True)
    g = tensor(np.random.default_rng(14).normal(size=(7, OUT)), dtype)
    state = vb.default_generator().get_state()

    def composite() -> vb.Tensor:
        mean = F.linear(x, layer.weight_mu, layer.bias_mu)
        w_sigma, b_sigma = F.softplus(layer.weight_rho), F.softplus(layer.bias_rho)
        var = F.linear(x * x, w_sigma * w_sigma, b_sigma * b_sigma)
        return mean + vb.sqrt(var + 1e-12) * vb.randn(7, OUT, dtype=dtype)

    results = []
    for forward in (layer, composite):
        vb.default_generator().set_state(state)
        for p in [x, *layer.parameters()]:
            p.grad = None
        out = forward(x) if forward is layer else forward()
        (out * g).sum().backward()
        results.append([values(out), *(values(p.grad) for p in [x, *layer.parameters()])])
    rtol = 2e-6 if dtype == vb.float32 else 1e-12
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def test_lrt_and_reparameterization_give_the_same_output_distribution():
    """Many passes of each estimator from one state_dict at two fixed inputs: per-unit sample
    mean and variance agree with the analytic moments (and so with each other) within 4.5 standard
    errors (mean: sqrt(var/n); variance: var*sqrt(2/(n-1)), Gaussian outputs)."""
    reparam = bayes_layer()
    lrt = vb.nn.BayesLinearLRT(IN, OUT, dtype=vb.float64)
    lrt.load_state_dict(reparam.state_dict())
    xs = np.random.default_rng(7).normal(size=(2, IN))
    mean = xs @ values(reparam.weight_mu).T + values(reparam.bias_mu)
    var = xs**2 @ softplus(values(reparam.weight_rho)).T ** 2 + softplus(values(reparam.bias_rho)) ** 2
    n = 4000
    vb.manual_seed(8)
    with vb.no_grad():
        samples = {
            "reparameterized": np.stack([values(reparam(tensor(xs))) for _ in range(n)]),
            # per-example noise: one pass over n copies of the inputs is n independent draws
            "local": values(lrt(tensor(np.tile(xs, (n, 1))))).reshape(n, *mean.shape),
        }
    for name, s in samples.items():
        z_mean = (s.mean(axis=0) - mean) / np.sqrt(var / n)
        z_var = (s.var(axis=0, ddof=1) - var) / (var * np.sqrt(2 / (n - 1)))
        assert np.abs(z_mean).max() < 4.5 and np.abs(z_var).max() < 4.5, (name, z_mean, z_var)


@pytest.mark.parametrize(("src", "dst"), [LAYERS, LAYERS[::-1]])
def test_state_dict_moves_between_estimators(src, dst):
    a, b = bayes_layer(src, seed=1), bayes_layer(dst, seed=2)
    b.load_state_dict(a.state_dict())
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[key], value, err_msg=key)
    x = tensor(np.ones((2, IN)))
    with vb.nn.sampling(False):
        np.testing.assert_array_equal(b(x).numpy(), a(x).numpy())


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("bias", [True, False])
def test_from_linear(cls, bias):
    vb.manual_seed(3)
    lin = vb.nn.Linear(IN, OUT, bias, dtype=vb.float64)
    prior = vb.nn.NormalPrior(0.0, 0.5)
    layer = cls.from_linear(lin, prior=prior, posterior_rho_init=-3.0)
    assert type(layer) is cls and (layer.in_features, layer.out_features) == (IN, OUT)
    assert layer.weight_mu.dtype == vb.float64 and layer.weight_prior is prior
    np.testing.assert_array_equal(layer.weight_mu.numpy(), lin.weight.numpy())
    np.testing.assert_array_equal(layer.weight_rho.numpy(), np.full((OUT, IN), -3.0))
    if bias:
        np.testing.assert_array_equal(layer.bias_mu.numpy(), lin.bias.numpy())
    else:
        assert layer.bias_mu is None and layer.bias_rho is None
    x = tensor(np.random.default_rng(0).normal(size=(2, IN)))
    with vb.nn.sampling(False):
        np.testing.assert_array_equal(layer(x).numpy(), lin(x).numpy())


# ---- sampling control and seeding ---------------------------------------------------------------


def posterior_mean_output(layer: vb.nn.BayesLinear, x: vb.Tensor) -> np.ndarray:
    return F.linear(x, layer.weight_mu, layer.bias_mu).numpy()


@pytest.mark.parametrize("cls", LAYERS)
def test_sampling_switch_eval_and_sample_flag(cls):
    layer = bayes_layer(cls)
    x = tensor(np.random.default_rng(9).normal(size=(3, IN)))
    expected = posterior_mean_output(layer, x)
    with vb.nn.sampling(False):
        assert not vb._core.is_sampling_enabled()
        for _ in range(2):
            np.testing.assert_array_equal(layer(x).numpy(), expected)
    assert vb._core.is_sampling_enabled()
    layer.eval()  # eval() does not switch sampling off
    first, second = layer(x).numpy(), layer(x).numpy()
    assert not np.allclose(first, second) and not np.allclose(first, expected)
    layer.sample = False
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    with vb.nn.sampling(True):  # the global switch cannot override a layer that does not sample
        np.testing.assert_array_equal(layer(x).numpy(), expected)


@pytest.mark.parametrize("cls", LAYERS)
def test_seeded_runs_reproduce(cls):
    layer = bayes_layer(cls)
    x = tensor(np.ones((3, IN)))

    def run(seed: int) -> np.ndarray:
        vb.manual_seed(seed)
        return np.stack([layer(x).numpy() for _ in range(3)])

    a = run(21)
    np.testing.assert_array_equal(run(21), a)
    assert not np.allclose(run(22), a)
    assert not np.allclose(a[0], a[1])  # successive passes draw fresh noise


# ---- trainable and ensemble priors --------------------------------------------------------------


def pooled_moments(mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The optimum of sum KL(q_i || N(m, s^2)) over one shared (m, s)."""
    m = mu.mean()
    return m, np.sqrt(np.mean(sigma**2 + (mu - m) ** 2))


@pytest.mark.parametrize(
    ("per_weight", "optimum"),
    [(False, pooled_moments), (True, lambda mu, sigma: (mu, sigma))],
    ids=["scalar", "per-weight"],
)
def test_trainable_prior_learns_the_posterior_moments(per_weight, optimum):
    """Training only the prior on kl() with Adam: a shared prior reaches mean = average mu,
    std^2 = average (sigma^2 + (mu - m)^2); a per-weight prior reaches each weight's mu, sigma."""
    shape = (OUT, IN) if per_weight else ()
    prior = vb.nn.NormalPrior(tensor(np.zeros(shape)), tensor(np.ones(shape)), trainable=True)
    layer = bayes_layer(prior=prior, bias=False)
    before = {k: v.copy() for k, v in layer.state_dict().items() if "prior" not in k}
    kl0 = layer.kl().item()
    opt = vb.optim.Adam(prior.parameters(), lr=0.05)
    for _ in range(800):
        opt.zero_grad()
        layer.kl().backward()
        opt.step()
    for k, v in before.items():
        np.testing.assert_array_equal(layer.state_dict()[k], v, err_msg=k)
    m, s = optimum(values(layer.weight_mu), softplus(values(layer.weight_rho)))
    np.testing.assert_allclose(values(prior.mean), m, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(values(prior.std), s, rtol=1e-3)
    assert layer.kl().item() < kl0


def mlp(seed: int, linear: type = vb.nn.Linear) -> vb.nn.Sequential:
    vb.manual_seed(seed)
    return vb.nn.Sequential(linear(3, 5), vb.nn.ReLU(), linear(5, 2))


@pytest.fixture
def ensemble() -> list[vb.nn.Sequential]:
    """Four deterministic networks; one weight is the same in all (its std gets the floor)."""
    models = [mlp(seed) for seed in range(4)]
    for m in models:
        w = values(m[0].weight)
        w[1, 2] = 0.25
        assign(m[0].weight, w)
    return models


@pytest.mark.parametrize("init_posterior", [True, False])
def test_ensemble_prior(ensemble, init_posterior):
    floor = 1e-2
    prior = vb.nn.ensemble_prior(ensemble, std_floor=floor)
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sorted(prior.mean) == sorted(names)
    for name in names:
        stacked = np.stack([m.state_dict()[name].astype(np.float64) for m in ensemble])
        np.testing.assert_allclose(prior.mean[name], stacked.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(
            prior.std[name], np.maximum(stacked.std(axis=0, ddof=0), floor), rtol=1e-12
        )
    assert prior.std["0.weight"][1, 2] == floor
    model = mlp(10, vb.nn.BayesLinear)
    start = {k: v.copy() for k, v in model.state_dict().items()}
    assert prior.apply(model, init_posterior=init_posterior) is model
    for index in (0, 2):
        layer = model[index]
        for p in ("weight", "bias"):
            name, layer_prior = f"{index}.{p}", getattr(layer, f"{p}_prior")
            np.testing.assert_allclose(values(layer_prior.mean), prior.mean[name], rtol=1e-6)
            np.testing.assert_allclose(values(layer_prior.std), prior.std[name], rtol=1e-6)
            expected_mu = prior.mean[name] if init_posterior else start[f"{index}.{p}_mu"]
            np.testing.assert_allclose(values(getattr(layer, f"{p}_mu")), expected_mu, rtol=1e-6)
        np.testing.assert_allclose(layer.kl().item(), layer_kl_reference(layer), rtol=1e-5)


# ---- save / load --------------------------------------------------------------------------------


@pytest.fixture
def trained_model(ensemble) -> vb.nn.Sequential:
    """Three layers with all kinds of prior: per-weight from the ensemble (first layer), one
    trainable prior shared by the last two (an LRT and a reparameterized layer), trained a few
    Adam steps so the trainable prior has left its initial value."""
    model = vb.nn.Sequential(
        vb.nn.BayesLinear(3, 5),
        vb.nn.ReLU(),
        vb.nn.BayesLinearLRT(5, 5),
        vb.nn.ReLU(),
        vb.nn.BayesLinear(5, 2),
    )
    shared = vb.nn.NormalPrior(0.0, 1.0, trainable=True)
    model[2].set_prior(shared)
    model[4].set_prior(shared, vb.nn.NormalPrior(0.1, 0.5))
    per_weight = vb.nn.ensemble_prior(ensemble)
    model[0].set_prior(per_weight.prior("0.weight"), per_weight.prior("0.bias"))
    opt = vb.optim.Adam(model.parameters(), lr=0.05)
    x, y = vb.randn(8, 3), vb.randn(8, 2)
    for _ in range(5):
        opt.zero_grad()
        (((model(x) - y) ** 2).mean() + model.kl() / 100).backward()
        opt.step()
    assert shared.mean.item() != 0.0
    return model


def priors_of(model: vb.nn.Sequential) -> list[vb.nn.NormalPrior]:
    return [m for _, m in model.named_modules() if isinstance(m, vb.nn.NormalPrior)]


def test_load_restores_priors_and_their_sharing(trained_model, tmp_path):
    vb.save(trained_model, tmp_path / "model.vb")
    loaded = vb.load(tmp_path / "model.vb")
    assert [type(m).__name__ for m in loaded] == [type(m).__name__ for m in trained_model]
    state, restored = trained_model.state_dict(), loaded.state_dict()
    assert list(restored) == list(state)
    assert "0.weight_prior.std" in state and "2.weight_prior.std_rho" in state
    for key, value in state.items():
        np.testing.assert_array_equal(restored[key], value, err_msg=key)
    assert [p.trainable for p in priors_of(loaded)] == [p.trainable for p in priors_of(trained_model)]
    assert [p.mean.shape for p in priors_of(loaded)] == [p.mean.shape for p in priors_of(trained_model)]
    assert loaded[2].weight_prior is loaded[4].weight_prior is loaded[2].bias_prior
    assert loaded[4].bias_prior is not loaded[4].weight_prior
    assert len(priors_of(loaded)) == len(priors_of(trained_model)) == 4
    assert np.isclose(loaded.kl().item(), trained_model.kl().item(), rtol=1e-6)


SEEDED_PREDICTION = """
import sys, numpy as np, varbayes as vb
model = vb.load(sys.argv[1])
vb.manual_seed(1234)
np.save(sys.argv[3], np.stack([model(vb.tensor(np.load(sys.argv[2]))).numpy() for _ in range(3)]))
"""


def test_loaded_model_predicts_bit_identically_here_and_in_a_fresh_process(trained_model, tmp_path):
    x = np.random.default_rng(12).normal(size=(6, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    vb.save(trained_model, tmp_path / "model.vb")

    def seeded(model: vb.nn.Module) -> np.ndarray:
        vb.manual_seed(1234)
        return np.stack([model(vb.tensor(x)).numpy() for _ in range(3)])

    expected = seeded(trained_model)
    np.testing.assert_array_equal(seeded(vb.load(tmp_path / "model.vb")), expected)
    package_root = str(Path(vb.__file__).resolve().parents[1])
    subprocess.run(
        [
            sys.executable,
            "-c",
            SEEDED_PREDICTION,
            *(str(tmp_path / f) for f in ("model.vb", "x.npy", "y.npy")),
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": package_root},
        timeout=60,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expected)


# ---- numerical extremes and bad input -----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rho", [-100.0, 50.0])
def test_kl_and_its_gradient_are_finite_for_extreme_rho(dtype, rho):
    layer = bayes_layer(dtype=dtype)
    layer.set_prior(vb.nn.NormalPrior(tensor(0.0, dtype), tensor(1.0, dtype), trainable=True))
    for p in ("weight", "bias"):
        rho_p = getattr(layer, f"{p}_rho")
        assign(rho_p, np.full(rho_p.shape, rho))
    kl = layer.kl()
    kl.backward()
    rtol = 1e-5 if dtype == vb.float32 else 1e-12
    np.testing.assert_allclose(kl.item(), layer_kl_reference(layer), rtol=rtol)
    for name, p in layer.named_parameters():
        assert np.all(np.isfinite(p.grad.numpy())), name
    # d KL / d rho = sigma sigmoid(rho) / s_p^2 - sigmoid(rho) / sigma: -1 as rho -> -inf, 50 - 1/50 at 50
    expected = -1.0 if rho < 0 else 50.0 - 1 / 50
    np.testing.assert_allclose(layer.weight_rho.grad.numpy(), expected, rtol=1e-6)


def set_mismatched_weight_prior(layer: vb.nn.BayesLinear) -> None:
    layer.set_prior(vb.nn.NormalPrior(vb.zeros(IN, OUT), vb.ones(IN, OUT)))


def set_mismatched_bias_prior(layer: vb.nn.BayesLinear) -> None:
    layer.set_prior(vb.nn.NormalPrior(0.0, 1.0), vb.nn.NormalPrior(vb.zeros(OUT + 1), vb.ones(OUT + 1)))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: vb.nn.NormalPrior(0.0, 0.0), "std must be positive"),
        (lambda: vb.nn.NormalPrior(0.0, -1.0, trainable=True), "std must be positive"),
        (lambda: vb.nn.NormalPrior(vb.zeros(2), vb.tensor([1.0, 0.0])), "std must be positive"),
        (lambda: set_mismatched_weight_prior(bayes_layer()), r"weight prior of shape \[4, 3\]"),
        (lambda: set_mismatched_bias_prior(bayes_layer()), r"bias prior of shape \[4\]"),
        (lambda: vb.nn.BayesLinear(0, 3), "in_features and out_features must be positive"),
        (lambda: vb.nn.BayesLinearLRT(3, -1), "in_features and out_features must be positive"),
    ],
    ids=["zero-std", "negative-std", "per-weight-zero-std", "weight-shape", "bias-shape", "in", "out"],
)
def test_bad_input_raises_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()
