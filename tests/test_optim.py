"""Optimizers against PyTorch's update rules, parameter groups, state dicts, validation and clipping."""

import numpy as np
import pytest

import varbayes as vb

STEPS = 100
# RMSprop, Adamax, NAdam... scale their steps by ratios such as m / max|g| that amplify round-off
# (each engine computes its own gradients), so their trajectories part after ~50 steps; 30 keep
# the comparison tight.
ADAPTIVE_STEPS = 30
# Parameter agreement after STEPS steps of independent training (gradients by each engine).
RTOL = {vb.float32: 1e-5, vb.float64: 1e-10}

CONFIGS = [
    pytest.param("SGD", {"lr": 0.05}, id="sgd"),
    pytest.param("SGD", {"lr": 0.02, "momentum": 0.9}, id="sgd-momentum"),
    pytest.param("SGD", {"lr": 0.02, "momentum": 0.9, "dampening": 0.3}, id="sgd-dampening"),
    pytest.param("SGD", {"lr": 0.02, "momentum": 0.8, "nesterov": True}, id="sgd-nesterov"),
    pytest.param("SGD", {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.05}, id="sgd-weight-decay"),
    pytest.param("Adam", {"lr": 0.01}, id="adam"),
    pytest.param("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}, id="adam-betas"),
    pytest.param("Adam", {"lr": 0.01, "weight_decay": 0.05}, id="adam-weight-decay"),
    pytest.param("Adam", {"lr": 0.01, "amsgrad": True}, id="adam-amsgrad"),
    pytest.param("AdamW", {"lr": 0.01}, id="adamw"),
    pytest.param("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, id="adamw-amsgrad"),
    pytest.param("SGD", {"lr": 0.002, "momentum": 0.5, "maximize": True}, id="sgd-maximize"),
    pytest.param("Adam", {"lr": 0.01, "maximize": True}, id="adam-maximize"),
    pytest.param("AdamW", {"lr": 0.01, "amsgrad": True, "maximize": True}, id="adamw-maximize"),
    pytest.param("RMSprop", {"lr": 0.01}, id="rmsprop"),
    pytest.param("RMSprop", {"lr": 0.01, "alpha": 0.3, "eps": 1e-4}, id="rmsprop-alpha"),
    pytest.param("RMSprop", {"lr": 0.005, "momentum": 0.9}, id="rmsprop-momentum"),
    pytest.param("RMSprop", {"lr": 0.01, "centered": True}, id="rmsprop-centered"),
    pytest.param(
        "RMSprop",
        {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.05},
        id="rmsprop-centered-momentum-weight-decay",
    ),
    pytest.param("RMSprop", {"lr": 0.01, "maximize": True}, id="rmsprop-maximize"),
    pytest.param("Adagrad", {"lr": 0.05}, id="adagrad"),
    pytest.param(
        "Adagrad",
        {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1, "eps": 1e-6},
        id="adagrad-options",
    ),
    pytest.param("Adagrad", {"lr": 0.05, "maximize": True}, id="adagrad-maximize"),
    pytest.param("Adadelta", {}, id="adadelta"),
    pytest.param(
        "Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.05}, id="adadelta-options"
    ),
    pytest.param("Adadelta", {"maximize": True}, id="adadelta-maximize"),
    pytest.param("Adamax", {"lr": 0.01}, id="adamax"),
    pytest.param("Adamax", {"lr": 0.01, "betas": (0.3, 0.9), "weight_decay": 0.05}, id="adamax-options"),
    pytest.param("Adamax", {"lr": 0.01, "maximize": True}, id="adamax-maximize"),
    pytest.param("NAdam", {"lr": 0.01}, id="nadam"),
    pytest.param(
        "NAdam", {"lr": 0.01, "weight_decay": 0.05, "momentum_decay": 0.01}, id="nadam-weight-decay"
    ),
    pytest.param(
        "NAdam",
        {"lr": 0.01, "betas": (0.3, 0.99), "weight_decay": 0.1, "decoupled_weight_decay": True},
        id="nadam-decoupled",
    ),
    pytest.param("NAdam", {"lr": 0.01, "maximize": True}, id="nadam-maximize"),
    pytest.param("RAdam", {"lr": 0.01}, id="radam"),
    pytest.param("RAdam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05}, id="radam-weight-decay"),
    pytest.param(
        "RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, id="radam-decoupled"
    ),
    pytest.param("RAdam", {"lr": 0.01, "maximize": True}, id="radam-maximize"),
]
# Optimizers added to SGD and Adam(W), with every option of their own at a non-default value.
NEW_OPTIMIZERS = {
    "RMSprop": {
        "lr": 0.005,
        "alpha": 0.9,
        "eps": 1e-6,
        "momentum": 0.5,
        "centered": True,
        "weight_decay": 0.01,
    },
    "Adagrad": {
        "lr": 0.05,
        "lr_decay": 0.01,
        "initial_accumulator_value": 0.1,
        "eps": 1e-6,
        "weight_decay": 0.01,
    },
    "Adadelta": {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.01},
    "Adamax": {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01},
    "NAdam": {
        "lr": 0.01,
        "betas": (0.8, 0.99),
        "eps": 1e-6,
        "momentum_decay": 0.01,
        "decoupled_weight_decay": True,
        "weight_decay": 0.01,
    },
    "RAdam": {
        "lr": 0.01,
        "betas": (0.8, 0.99),
        "eps": 1e-6,
        "decoupled_weight_decay": True,
        "weight_decay": 0.01,
    },
}


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # these tiny problems are slower, and flaky in speed, with a thread pool
    yield torch
    torch.set_num_threads(threads)


@pytest.fixture(params=[vb.float32, vb.float64], ids=["f32", "f64"])
def dtype(request):
    return request.param


@pytest.fixture
def torch_default_dtype(torch, dtype):
    """PyTorch's default dtype set to the parameters' dtype: NAdam keeps its mu_product in it."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32 if dtype == vb.float32 else torch.float64)
    yield
    torch.set_default_dtype(default)


def make_mlp(dtype, seed=0):
    vb.manual_seed(seed)
    return vb.nn.Sequential(vb.nn.Linear(3, 16), vb.nn.Tanh(), vb.nn.Linear(16, 1)).to(dtype)


def regression_data(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3))
    y = np.sin(x @ np.array([[1.0], [-2.0], [0.5]])) + 0.1 * rng.standard_normal((32, 1))
    np_dtype = np.float32 if dtype == vb.float32 else np.float64
    return x.astype(np_dtype), y.astype(np_dtype)


def torch_copy(torch, model):
    """The same MLP in PyTorch, with varbayes' initial weights."""
    dtype = torch.float32 if model[0].weight.dtype == vb.float32 else torch.float64
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).to(dtype)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    return net


def vb_step(model, opt, x, y):
    opt.zero_grad()
    vb.nn.functional.mse_loss(model(x), y).backward()
    opt.step()


def train_vb(model, opt, data, steps):
    x, y = (vb.from_numpy(a) for a in data)
    for _ in range(steps):
        vb_step(model, opt, x, y)


def groups(model, kind):
    """Two parameter groups (the first with its own learning rate) for varbayes or torch."""
    first, second = list(model[0].parameters()), list(model[2].parameters())
    return [{"params": first, "lr": 0.005 if kind.startswith("Adam") else 0.04}, {"params": second}]


@pytest.mark.parametrize(("kind", "options"), CONFIGS)
@pytest.mark.parametrize("grouped", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.usefixtures("torch_default_dtype")
def test_matches_pytorch(torch, dtype, kind, options, grouped):
    model = make_mlp(dtype)
    net = torch_copy(torch, model)
    opt = getattr(vb.optim, kind)(groups(model, kind) if grouped else model.parameters(), **options)
    ref = getattr(torch.optim, kind)(groups(net, kind) if grouped else net.parameters(), **options)
    initial = model.state_dict()
    x, y = regression_data(dtype)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    vx, vy = vb.from_numpy(x), vb.from_numpy(y)
    steps = STEPS if kind in ("SGD", "Adam", "AdamW") else ADAPTIVE_STEPS
    for step in range(steps):
        if step == steps // 2:  # a learning-rate change through param_groups, as a scheduler does
            for vb_group, torch_group in zip(opt.param_groups, ref.param_groups, strict=True):
                vb_group["lr"] = torch_group["lr"] = vb_group["lr"] * 0.5
        vb_step(model, opt, vx, vy)
        ref.zero_grad()
        torch.nn.functional.mse_loss(net(tx), ty).backward()
        ref.step()
    for name, value in model.state_dict().items():
        expected = net.state_dict()[name].numpy()
        assert not np.allclose(value, initial[name])
        np.testing.assert_allclose(value, expected, rtol=RTOL[dtype], atol=RTOL[dtype], err_msg=name)


# --------------------------------------------------------------------------- param groups


def test_param_groups_are_readable_and_writable():
    model = make_mlp(vb.float32)
    opt = vb.optim.Adam(groups(model, "Adam"), lr=0.02, betas=(0.8, 0.9))
    first, second = opt.param_groups
    assert first["lr"] == 0.005 and second["lr"] == 0.02
    assert second["betas"] == (0.8, 0.9) and isinstance(second["betas"], tuple)
    assert second["amsgrad"] is False and second["eps"] == 1e-8
    assert set(first.keys()) == {"params", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"}
    assert "lr" in first and "momentum" not in first
    assert [p.shape for p in first["params"]] == [(16, 3), (16,)]
    first["lr"] = 0.5
    first["betas"] = (0.5, 0.6)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["betas"] == (0.5, 0.6)
    assert opt.param_groups[1]["lr"] == 0.02
    with pytest.raises(KeyError):
        first["momentum"]
    assert first.get("momentum", 7) == 7
    with pytest.raises(ValueError):
        first["lr"] = -1.0
    with pytest.raises(ValueError):
        first["betas"] = (0.9, 1.0)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["betas"] == (0.5, 0.6)


def test_learning_rate_zero_freezes_a_group():
    model = make_mlp(vb.float32)
    opt = vb.optim.SGD(groups(model, "SGD"), lr=0.1)
    opt.param_groups[0]["lr"] = 0.0
    before = model.state_dict()
    train_vb(model, opt, regression_data(vb.float32), 3)
    after = model.state_dict()
    for name in ("0.weight", "0.bias"):
        np.testing.assert_array_equal(after[name], before[name])
    assert not np.array_equal(after["2.weight"], before["2.weight"])


def test_add_param_group():
    model = make_mlp(vb.float32)
    opt = vb.optim.SGD(model[0].parameters(), lr=0.1, momentum=0.5)
    opt.add_param_group({"params": model[2].parameters(), "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.5
    with pytest.raises(ValueError, match="more than one group"):
        opt.add_param_group({"params": [model[0].weight]})


def test_parameters_without_grad_are_skipped():
    used, unused = vb.nn.Parameter(vb.ones(2)), vb.nn.Parameter(vb.ones(2))
    opt = vb.optim.Adam([used, unused], lr=0.1)
    (used * 2).sum().backward()
    opt.step()
    assert unused.tolist() == [1.0, 1.0] and used.tolist() != [1.0, 1.0]
    assert list(opt.state_dict()["state"]) == [0]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = make_mlp(vb.float32)
    opt = vb.optim.SGD(model.parameters(), lr=0.1)
    model(vb.ones(2, 3)).sum().backward()
    opt.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        assert (p.grad is None) if set_to_none else not p.grad.numpy().any()
    model(vb.ones(2, 3)).sum().backward()
    opt.zero_grad()  # default: set to None
    assert all(p.grad is None for p in model.parameters())


# --------------------------------------------------------------------------- state dicts


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("AdamW", {"lr": 0.01, "betas": (0.8, 0.95)}),
        *NEW_OPTIMIZERS.items(),
    ],
    ids=["sgd", "adam", "adamw", *NEW_OPTIMIZERS],
)
def test_state_dict_round_trip_continues_identically(dtype, kind, options):
    data = regression_data(dtype)
    make_opt = getattr(vb.optim, kind)
    uninterrupted = make_mlp(dtype)
    train_vb(uninterrupted, make_opt(uninterrupted.parameters(), **options), data, 20)

    first = make_mlp(dtype)
    first_opt = make_opt(first.parameters(), **options)
    train_vb(first, first_opt, data, 10)
    first_opt.param_groups[0]["lr"] = options["lr"]  # the saved options are the live ones
    saved_model, saved_opt = first.state_dict(), first_opt.state_dict()
    train_vb(first, first_opt, data, 5)  # later steps must not leak into the saved state

    resumed = make_mlp(dtype, seed=99)
    resumed_opt = make_opt(resumed.parameters(), lr=1.0)
    resumed.load_state_dict(saved_model)
    resumed_opt.load_state_dict(saved_opt)
    assert resumed_opt.param_groups[0]["lr"] == options["lr"]
    train_vb(resumed, resumed_opt, data, 10)
    for name, value in resumed.state_dict().items():
        np.testing.assert_array_equal(value, uninterrupted.state_dict()[name], err_msg=name)


def test_state_dict_contents():
    model = make_mlp(vb.float64)
    opt = vb.optim.AdamW(model.parameters(), lr=0.01, amsgrad=True)
    train_vb(model, opt, regression_data(vb.float64), 3)
    state = opt.state_dict()
    assert state["type"] == "AdamW"
    assert sorted(state["state"]) == [0, 1, 2, 3]
    entry = state["state"][0]
    assert entry["step"] == 3
    assert set(entry) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert entry["exp_avg"].shape == (16, 3) and entry["exp_avg"].dtype == np.float64
    assert state["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize(("kind", "options"), NEW_OPTIMIZERS.items(), ids=list(NEW_OPTIMIZERS))
def test_state_dict_has_pytorchs_keys_and_options(torch, kind, options):
    model = make_mlp(vb.float64)
    net = torch_copy(torch, model)
    opt = getattr(vb.optim, kind)(model.parameters(), **options)
    ref = getattr(torch.optim, kind)(net.parameters(), **options)
    train_vb(model, opt, regression_data(vb.float64), 2)
    x, y = (torch.from_numpy(a) for a in regression_data(vb.float64))
    for _ in range(2):
        ref.zero_grad()
        torch.nn.functional.mse_loss(net(x), y).backward()
        ref.step()
    state, expected = opt.state_dict(), ref.state_dict()
    assert state["type"] == kind
    assert sorted(state["state"]) == sorted(expected["state"])
    for index, entry in state["state"].items():
        assert set(entry) == set(expected["state"][index])
        assert entry["step"] == 2
        for key, value in entry.items():
            np.testing.assert_allclose(
                value, np.asarray(expected["state"][index][key]), rtol=1e-6, err_msg=key
            )
    # torch's groups also list its options that varbayes does not have (foreach, capturable, ...).
    group, expected_group = state["param_groups"][0], expected["param_groups"][0]
    assert {k: expected_group[k] for k in group} == group


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda s: s.update(type="SGD"), "SGD"),
        (lambda s: s["param_groups"].append(dict(s["param_groups"][0])), "groups"),
        (lambda s: s["state"][0].update(exp_avg=np.zeros((2, 2))), "shape"),
        (lambda s: s["state"].update({9: s["state"][0]}), "parameter 9"),
        (lambda s: s["param_groups"][0].update(lr=-1.0), "learning rate"),
        (lambda s: s.pop("state"), "state"),
    ],
    ids=["type", "group-count", "buffer-shape", "index", "bad-option", "missing"],
)
def test_load_state_dict_rejects_mismatches(mutate, match):
    model = make_mlp(vb.float32)
    opt = vb.optim.Adam(model.parameters(), lr=0.01)
    train_vb(model, opt, regression_data(vb.float32), 1)
    state = opt.state_dict()
    mutate(state)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(state)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("SGD", {"lr": -0.1}),
        ("SGD", {"lr": float("nan")}),
        ("SGD", {"momentum": -0.5}),
        ("SGD", {"weight_decay": -1e-4}),
        ("SGD", {"nesterov": True}),
        ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
        ("Adam", {"lr": -1e-3}),
        ("Adam", {"betas": (1.0, 0.999)}),
        ("Adam", {"betas": (0.9, 1.0)}),
        ("Adam", {"betas": (-0.1, 0.999)}),
        ("Adam", {"eps": -1e-8}),
        ("AdamW", {"betas": (0.9, 1.5)}),
        ("AdamW", {"weight_decay": -0.01}),
    ],
    ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={v[k]}" for k in v),
)
def test_invalid_hyperparameters_raise(kind, options):
    with pytest.raises(ValueError, match=kind):
        getattr(vb.optim, kind)([vb.nn.Parameter(vb.ones(2))], **options)


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("RMSprop", {"lr": -0.1}),
        ("RMSprop", {"eps": -1e-8}),
        ("RMSprop", {"momentum": -0.5}),
        ("RMSprop", {"alpha": -0.5}),
        ("RMSprop", {"weight_decay": -0.1}),
        ("Adagrad", {"lr": -0.1}),
        ("Adagrad", {"lr_decay": -0.1}),
        ("Adagrad", {"initial_accumulator_value": -1.0}),
        ("Adagrad", {"eps": -1e-10}),
        ("Adagrad", {"weight_decay": -0.1}),
        ("Adadelta", {"lr": -1.0}),
        ("Adadelta", {"rho": 1.5}),
        ("Adadelta", {"rho": -0.1}),
        ("Adadelta", {"eps": -1e-6}),
        ("Adamax", {"lr": -1e-3}),
        ("Adamax", {"betas": (1.0, 0.999)}),
        ("Adamax", {"betas": (0.9, -0.1)}),
        ("Adamax", {"eps": -1e-8}),
        ("NAdam", {"betas": (0.9, 1.0)}),
        ("NAdam", {"momentum_decay": -1e-3}),
        ("NAdam", {"weight_decay": -0.1}),
        ("RAdam", {"betas": (-0.1, 0.999)}),
        ("RAdam", {"eps": -1e-8}),
        ("RAdam", {"lr": float("nan")}),
    ],
    ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={v[k]}" for k in v),
)
def test_invalid_hyperparameters_raise_as_in_pytorch(torch, kind, options):
    with pytest.raises(ValueError):
        getattr(torch.optim, kind)([torch.ones(2, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=kind):
        getattr(vb.optim, kind)([vb.nn.Parameter(vb.ones(2))], **options)
    opt = getattr(vb.optim, kind)([vb.nn.Parameter(vb.ones(2))])
    key, value = next(iter(options.items()))
    with pytest.raises(ValueError, match=kind):
        opt.param_groups[0][key] = value


@pytest.mark.parametrize("kind", ["SGD", "Adam", "AdamW", *NEW_OPTIMIZERS])
def test_defaults_are_pytorchs(torch, kind):
    opt = getattr(vb.optim, kind)([vb.nn.Parameter(vb.ones(2))])
    ref = getattr(torch.optim, kind)([torch.ones(2, requires_grad=True)])
    group = opt.param_groups[0]
    assert {k: group[k] for k in group.keys() if k != "params"} == {
        k: ref.defaults[k] for k in group.keys() if k != "params"
    }


@pytest.mark.parametrize(
    ("betas", "error", "match"),
    [
        ((0.9, 0.99, 0.1), ValueError, "got 3 values"),
        ((0.9,), ValueError, "got 1 values"),
        ("ab", TypeError, "got <class 'str'>"),
        (0.9, TypeError, "got <class 'float'>"),
        ((0.9, "x"), TypeError, "got a <class 'str'>"),
    ],
)
@pytest.mark.parametrize("kind", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
def test_betas_must_be_a_pair_of_numbers(kind, betas, error, match):
    # Every way to pass betas (constructor, group dict, live group) says what is wrong with them,
    # where pybind11 answered the constructor with a signature dump.
    make = getattr(vb.optim, kind)
    p = vb.nn.Parameter(vb.ones(2))
    message = rf"betas must be a pair of numbers \(beta1, beta2\), {match}"
    with pytest.raises(error, match=message):
        make([p], betas=betas)
    with pytest.raises(error, match=message):
        make([{"params": [p], "betas": betas}])
    opt = make([p], betas=[0.8, 0.9])  # any sequence, as in PyTorch
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)
    with pytest.raises(error, match=message):
        opt.param_groups[0]["betas"] = betas
    assert opt.param_groups[0]["betas"] == (0.8, 0.9)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (lambda p: [], ValueError),
        (lambda p: [p, p], ValueError),
        (lambda p: [{"params": [p]}, {"params": [p]}], ValueError),
        (lambda p: [{"params": []}], ValueError),
        (lambda p: [{"lr": 0.1}], ValueError),
        (lambda p: [{"params": [p], "bogus": 1.0}], ValueError),
        (lambda p: [p * 2], ValueError),
        (lambda p: p, TypeError),
        (lambda p: [p, "w"], TypeError),
    ],
    ids=[
        "empty",
        "duplicate",
        "duplicate-across-groups",
        "empty-group",
        "no-params-key",
        "unknown-option",
        "non-leaf",
        "single-tensor",
        "not-a-tensor",
    ],
)
@pytest.mark.parametrize("kind", ["SGD", "Adam", "AdamW"])
def test_invalid_parameter_lists_raise(kind, params, error):
    with pytest.raises(error):
        getattr(vb.optim, kind)(params(vb.nn.Parameter(vb.ones(2))), lr=0.1)


# --------------------------------------------------------------------------- gradient clipping


def params_with_grads(seed=0):
    """Three parameters with known gradients and one without (ignored by clipping)."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (4,), (2, 2)]
    params = [vb.nn.Parameter(vb.zeros(*s, dtype=vb.float64)) for s in shapes]
    for p, s in zip(params, shapes, strict=True):
        p.grad = vb.from_numpy(rng.standard_normal(s) * 3.0)
    return params + [vb.nn.Parameter(vb.zeros(3))]


@pytest.mark.parametrize(
    "as_argument",
    [list, iter, lambda ps: (p for p in ps)],
    ids=["list", "iterator", "generator"],
)
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_pytorch(torch, as_argument, max_norm):
    params = params_with_grads()
    grads = [p.grad.numpy().copy() for p in params[:-1]]
    ref = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for r, g in zip(ref, grads, strict=True):
        r.grad = torch.from_numpy(g.copy())
    norm = vb.nn.utils.clip_grad_norm_(as_argument(params), max_norm)
    ref_norm = torch.nn.utils.clip_grad_norm_(ref, max_norm)
    assert isinstance(norm, float)
    assert norm == pytest.approx(float(ref_norm), rel=1e-12)
    assert norm == pytest.approx(np.sqrt(sum((g**2).sum() for g in grads)), rel=1e-12)
    for p, r in zip(params, ref, strict=False):
        np.testing.assert_allclose(p.grad.numpy(), r.grad.numpy(), rtol=1e-12)
    assert params[-1].grad is None


def test_clip_grad_norm_single_tensor_and_mixed_dtypes():
    p = vb.nn.Parameter(vb.zeros(2))
    p.grad = vb.tensor([3.0, 4.0])
    assert vb.nn.utils.clip_grad_norm_(p, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    q = vb.nn.Parameter(vb.zeros(1, dtype=vb.float64))
    q.grad = vb.tensor([12.0], dtype=vb.float64)
    p.grad = vb.tensor([3.0, 4.0])
    assert vb.nn.utils.clip_grad_norm_([p, q], 1.0) == pytest.approx(13.0)
    np.testing.assert_allclose(q.grad.numpy(), [12.0 / 13.0], rtol=1e-5)


def test_clip_grad_norm_of_no_gradients_is_zero():
    assert vb.nn.utils.clip_grad_norm_([vb.nn.Parameter(vb.ones(2))], 1.0) == 0.0
    assert vb.nn.utils.clip_grad_norm_([], 1.0) == 0.0


@pytest.mark.parametrize("as_argument", [list, iter], ids=["list", "iterator"])
def test_clip_grad_value_matches_pytorch(torch, as_argument):
    params = params_with_grads(seed=1)
    ref = [torch.from_numpy(p.grad.numpy().copy()) for p in params[:-1]]
    assert vb.nn.utils.clip_grad_value_(as_argument(params), 1.5) is None
    for p, r in zip(params, ref, strict=False):
        np.testing.assert_array_equal(p.grad.numpy(), r.clamp(-1.5, 1.5).numpy())
    assert np.abs(params[0].grad.numpy()).max() == 1.5


def test_clip_grad_value_single_tensor():
    p = vb.nn.Parameter(vb.zeros(3))
    p.grad = vb.tensor([-2.0, 0.5, 3.0])
    vb.nn.utils.clip_grad_value_(p, 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]


@pytest.mark.parametrize(
    "clip",
    [
        lambda ps: vb.nn.utils.clip_grad_norm_(ps, 1.0),
        lambda ps: vb.nn.utils.clip_grad_value_(ps, 1.0),
    ],
    ids=["norm", "value"],
)
def test_clipping_rejects_non_tensors(clip):
    with pytest.raises(TypeError):
        clip([vb.ones(2), 3.0])
