"""A checkpoint written by varbayes before the io registry (tests/fixtures/checkpoint_v1.vb) still
loads: every object in it is rebuilt from a deterministic recipe and compared with what the file
gives back. Regenerate only for a deliberate format change: ``python tests/test_checkpoint_fixture.py``."""

from pathlib import Path

import numpy as np
import pytest

import varbayes as vb
from reference import assert_same_state
from varbayes.infer import SampleBank
from varbayes.ncsm.preprocess import MinMaxScaler
from varbayes.optim.lr_scheduler import WarmupCosine

FIXTURE = Path(__file__).parent / "fixtures" / "checkpoint_v1.vb"
X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2)
Y = np.linspace(0, 1, 4, dtype=np.float32).reshape(4, 1)


def set_weights(model, offset=0.0):
    """Every state entry set to a distinct smooth function of its position (no RNG involved): its
    index among the parameters followed by the buffers, the state_dict order when the fixture was
    written (state_dict now lists each module's parameters and buffers before its children's)."""
    state = model.state_dict()
    order = [k for k, _ in model.named_parameters()] + [k for k, _ in model.named_buffers()]
    order = [k for k in dict.fromkeys(order) if k in state]
    assert sorted(order) == sorted(state)
    values = {
        k: (0.1 * np.sin(np.arange(state[k].size) + i + offset))
        .reshape(state[k].shape)
        .astype(state[k].dtype)
        for i, k in enumerate(order)
    }
    model.load_state_dict(values)
    return model


def objects():
    """The objects the fixture holds, built the same way every time."""
    prior = vb.nn.NormalPrior(0.0, 0.5)
    bnn = vb.nn.Sequential(
        vb.nn.BayesLinear(2, 3, prior=prior), vb.nn.Tanh(), vb.nn.BayesLinearLRT(3, 1, prior=prior)
    )
    bnn.likelihood = vb.nn.GaussianLikelihood(0.2)
    set_weights(bnn)
    optimizer = vb.optim.Adam(bnn.parameters(), lr=0.01)
    scheduler = WarmupCosine(optimizer, warmup_steps=2, total_steps=10, min_lr=1e-4)
    with vb.nn.sampling(False):
        loss = bnn.likelihood.nll(bnn(vb.tensor(X)), vb.tensor(Y))
    loss.backward()
    optimizer.step()
    scheduler.step()
    head = set_weights(vb.nn.Sequential(vb.nn.Linear(2, 4), vb.nn.ReLU(), vb.nn.GaussianHead(4, 1)))
    net = vb.nn.Sequential(vb.nn.Linear(2, 2), vb.nn.Tanh(), vb.nn.Linear(2, 1))
    bank = SampleBank(burn_in=1, thin=2)
    for t in range(6):
        bank.collect(set_weights(net, offset=t))
    scaler = MinMaxScaler((-1.0, 1.0)).fit(np.array([[0.0, 5.0], [2.0, 9.0], [1.0, 7.0]]))
    return {
        "model": bnn,
        "head": head,
        "optimizer": optimizer,
        "scheduler": scheduler,
        "bank": bank,
        "scaler": scaler,
        "tensor": vb.tensor(X),
        "array": Y.astype(np.float64),
        "meta": {"epochs": 3, "name": "fixture", "pair": (1, 2.5)},
    }


def assert_same_tree(expected, got):
    if isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected)
        for k in expected:
            assert_same_tree(expected[k], got[k])
    elif isinstance(expected, (list, tuple)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for e, g in zip(expected, got, strict=True):
            assert_same_tree(e, g)
    elif isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype
        # Values the recipe computes (Adam's moments) may differ in the last bit between the
        # kernels of the machine that wrote the file and the ones running now (VARBAYES_ISA).
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
    else:
        assert got == expected


@pytest.fixture(scope="module")
def loaded():
    return vb.load(FIXTURE)


def test_fixture_modules_load_with_their_architecture_and_state(loaded):
    want = objects()
    for key in ("model", "head"):
        assert repr(loaded[key]) == repr(want[key])
        assert_same_state(loaded[key], want[key])
    assert isinstance(loaded["model"].likelihood, vb.nn.GaussianLikelihood)
    priors = [dict(loaded["model"][i].named_children())["weight_prior"] for i in (0, 2)]
    priors[1].mean.copy_(priors[1].mean + 1.0)
    np.testing.assert_array_equal(priors[0].mean.numpy(), priors[1].mean.numpy())  # still one prior
    with vb.nn.sampling(False):
        np.testing.assert_array_equal(
            loaded["head"](vb.tensor(X)).numpy(), want["head"](vb.tensor(X)).numpy()
        )


def test_fixture_optimizer_and_scheduler_states_load(loaded):
    # States written before options were added (Adam's maximize, the schedulers' last_lr) load
    # into current objects, which then hold the same state as ones built today.
    want = objects()
    optimizer = vb.optim.Adam(want["model"].parameters(), lr=0.5)
    optimizer.load_state_dict(loaded["optimizer"]["__optimizer__"])
    assert_same_tree(want["optimizer"].state_dict(), optimizer.state_dict())
    scheduler = WarmupCosine(optimizer, warmup_steps=2, total_steps=10, min_lr=1e-4)
    scheduler.load_state_dict(loaded["scheduler"]["__scheduler__"])
    assert_same_tree(want["scheduler"].state_dict(), scheduler.state_dict())


def test_fixture_sample_bank_scaler_and_values_load(loaded):
    want = objects()
    bank = loaded["bank"]
    assert isinstance(bank, SampleBank) and len(bank) == len(want["bank"]) == 2
    assert (bank.burn_in, bank.thin, bank.steps_seen) == (1, 2, 6)
    assert_same_tree(want["bank"].samples(), bank.samples())
    assert isinstance(loaded["scaler"], MinMaxScaler)
    assert_same_tree(want["scaler"].to_dict(), loaded["scaler"].to_dict())
    np.testing.assert_array_equal(loaded["tensor"].numpy(), X)
    assert_same_tree(want["array"], loaded["array"])
    assert_same_tree(want["meta"], loaded["meta"])


if __name__ == "__main__":
    vb.save(objects(), FIXTURE)
