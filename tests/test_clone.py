"""Module.clone() and copy.deepcopy(module) (issue 23, item 1): an independent module tree of the
same types and configuration with copied parameters and buffers, for every built-in module type,
Python subclasses of Module (with their Python attributes) and Bayesian models with priors.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import varbayes as vb


def state(m: vb.nn.Module) -> dict[str, np.ndarray]:
    return m.state_dict()  # copies


def assert_same_state(a: vb.nn.Module, b: vb.nn.Module) -> None:
    sa, sb = state(a), state(b)
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype, k
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def data_pointers(m: vb.nn.Module) -> set[int]:
    return {t.numpy().__array_interface__["data"][0] for t in m.parameters() + m.buffers()}


def assert_independent(a: vb.nn.Module, b: vb.nn.Module) -> None:
    """No memory is shared, and changing the copy leaves the original as it was."""
    assert not data_pointers(a) & data_pointers(b)
    before = state(a)
    with vb.no_grad():
        for t in b.parameters() + b.buffers():
            t.add_(1.0)
    for k, v in state(a).items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


BUILT_IN = {
    "Linear": lambda: vb.nn.Linear(3, 2),
    "Linear_float64_nobias": lambda: vb.nn.Linear(3, 2, bias=False, dtype=vb.float64),
    "ReLU": vb.nn.ReLU,
    "Tanh": vb.nn.Tanh,
    "Sigmoid": vb.nn.Sigmoid,
    "Softplus": vb.nn.Softplus,
    "Identity": vb.nn.Identity,
    "Dropout": lambda: vb.nn.Dropout(0.3),
    "NormalPrior": lambda: vb.nn.NormalPrior(np.full((2, 3), 0.5), 2.0),
    "NormalPrior_trainable": lambda: vb.nn.NormalPrior(0.1, 0.7, trainable=True),
    "BayesLinear": lambda: vb.nn.BayesLinear(3, 2, prior=vb.nn.NormalPrior(0.0, 0.3)),
    "BayesLinearLRT": lambda: vb.nn.BayesLinearLRT(3, 2, bias=False, posterior_rho_init=-3.0),
    "Sequential": lambda: vb.nn.Sequential(vb.nn.Linear(3, 4), vb.nn.Tanh(), vb.nn.Linear(4, 2)),
}


def outputs(m: vb.nn.Module, x: vb.Tensor, seed: int = 0) -> np.ndarray:
    with vb.generator_scope(vb.Generator(seed)):
        return m(x).numpy().copy()


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("how", ["clone", "deepcopy"])
def test_every_built_in_type_clones(name, how):
    vb.manual_seed(1)
    m = BUILT_IN[name]()
    if name == "Sequential":
        m.eval()  # the flag is copied recursively
    c = m.clone() if how == "clone" else copy.deepcopy(m)
    assert type(c) is type(m) and c is not m
    assert repr(c) == repr(m)
    assert [k.training for k in c.modules()] == [k.training for k in m.modules()]
    assert_same_state(m, c)
    assert [p.requires_grad for p in c.parameters()] == [p.requires_grad for p in m.parameters()]
    if name.startswith("BayesLinear"):
        assert c.sample == m.sample and c.kl().item() == m.kl().item()
    if not name.startswith("NormalPrior"):
        x = vb.tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
        if name == "Linear_float64_nobias":
            x = x.double()
        np.testing.assert_array_equal(outputs(m, x), outputs(c, x))
    assert_independent(m, c)


def test_clone_draws_no_random_numbers_and_copies_no_gradients():
    m = vb.nn.Sequential(vb.nn.BayesLinear(3, 2), vb.nn.Dropout(0.5))
    m(vb.ones(1, 3)).sum().backward()
    before = vb.default_generator().get_state()
    c = m.clone()
    assert vb.default_generator().get_state() == before
    assert all(p.grad is None for p in c.parameters()) and all(p.grad is not None for p in m.parameters())
    assert all(p.is_leaf for p in c.parameters())


class Head(vb.nn.Module):
    """A Python subclass with parameters, a buffer, a submodule and plain Python attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.body = vb.nn.Sequential(vb.nn.BayesLinear(3, 5), vb.nn.ReLU())
        self.scale = vb.nn.Parameter(vb.full((1,), 2.0))
        self.register_buffer("offset", vb.full((5,), 0.25))
        self.config = {"name": "head", "sizes": [3, 5]}
        self.temperature = 0.5

    def forward(self, x: vb.Tensor) -> vb.Tensor:
        return self.body(x) * self.scale * self.temperature + self.offset


@pytest.mark.parametrize("how", ["clone", "deepcopy"])
def test_python_subclass_keeps_its_class_and_python_attributes(how):
    vb.manual_seed(2)
    m = Head()
    m.body[0].sample = False
    c = m.clone() if how == "clone" else copy.deepcopy(m)
    assert type(c) is Head and isinstance(c.body, vb.nn.Sequential)
    assert c.config == m.config and c.config is not m.config and c.config["sizes"] is not m.config["sizes"]
    assert c.temperature == 0.5 and c.body[0].sample is False
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in m.named_parameters()]
    assert_same_state(m, c)
    x = vb.ones(2, 3)
    np.testing.assert_array_equal(outputs(m, x), outputs(c, x))
    c.temperature = 2.0
    c.config["sizes"].append(7)
    assert m.temperature == 0.5 and m.config["sizes"] == [3, 5]
    assert_independent(m, c)


def test_bayesian_model_with_shared_and_trainable_priors():
    """A prior shared by two layers (and by weight and bias) is one prior in the clone; the clone
    trains on its own (its steps leave the original unchanged) and gives the same KL and, from the
    same generator state, the same samples."""
    shared = vb.nn.NormalPrior(0.0, 0.5, trainable=True)
    m = vb.nn.Sequential(
        vb.nn.BayesLinear(3, 4, prior=shared), vb.nn.Tanh(), vb.nn.BayesLinearLRT(4, 1, prior=shared)
    )
    m.likelihood = vb.nn.GaussianLikelihood(std=0.2)
    c = copy.deepcopy(m)
    assert c[0].weight_prior is c[2].weight_prior is c[0].bias_prior
    assert c[0].weight_prior is not m[0].weight_prior
    assert len(c.parameters()) == len(m.parameters())
    assert c.kl().item() == m.kl().item()
    x = vb.tensor(np.random.default_rng(3).normal(size=(8, 3)).astype(np.float32))
    np.testing.assert_array_equal(outputs(m, x, 5), outputs(c, x, 5))
    before = state(m)
    opt = vb.optim.Adam(c.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        out, kl = c.forward_with_kl(x)
        (c.likelihood.nll(out, vb.zeros(8, 1)) + kl / 8).backward()
        opt.step()
    for k, v in state(m).items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    assert c.kl().item() != m.kl().item()


def test_tied_parameters_stay_tied():
    a, b = vb.nn.Linear(3, 3), vb.nn.Linear(3, 3)
    b.weight = a.weight
    c = vb.nn.Sequential(a, b).clone()
    with vb.no_grad():
        c[0].weight.add_(1.0)
    np.testing.assert_array_equal(c[0].weight.numpy(), c[1].weight.numpy())
    assert not np.array_equal(c[0].weight.numpy(), a.weight.numpy())


def test_python_subclass_of_a_built_in_layer_is_refused():
    class Scaled(vb.nn.Linear):
        pass

    layer = Scaled(2, 2)  # (its Python part lives as long as this reference)
    model = vb.nn.Sequential(vb.nn.ReLU(), layer)
    with pytest.raises(
        TypeError, match="module at '1' is a .*Scaled, a Python subclass of the built-in Linear"
    ):
        model.clone()
    with pytest.raises(TypeError, match="Python subclass of the built-in Linear"):
        copy.deepcopy(layer)
