"""Learning-rate schedules: WarmupCosine and CyclicalLR against their closed forms (and CyclicalLR's
exploration stage on SGLD), PyTorch's schedules (alone, chained and in sequence, with the momentum
OneCycleLR and CyclicLR cycle) against PyTorch's trajectories, get_last_lr, state dicts and
argument validation."""

import math

import pytest

import varbayes as vb
from varbayes.optim import lr_scheduler
from varbayes.optim.lr_scheduler import CosineAnnealingLR, CyclicalLR, ExponentialLR, StepLR, WarmupCosine

LRS = (0.1, 0.02)  # two parameter groups with their own learning rates
STEPS = 50


def make_optimizer(lrs=LRS):
    vb.manual_seed(0)
    layers = [vb.nn.Linear(3, 2) for _ in lrs]
    return vb.optim.SGD([{"params": m.parameters(), "lr": lr} for m, lr in zip(layers, lrs, strict=True)])


def run(scheduler, steps):
    """The learning rates of every group at steps 0..steps (the scheduler is stepped ``steps`` times)."""
    lrs = [scheduler.get_last_lr()]
    for _ in range(steps):
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
    return lrs


def warmup_cosine(base, t, warmup, total, min_lr, restarts=0):
    """The closed form, written out independently of the implementation."""
    if t < warmup:
        return min_lr + (base - min_lr) * t / warmup
    if t >= total:
        return min_lr
    cycle = (total - warmup) / (restarts + 1)
    p = ((t - warmup) - cycle * math.floor((t - warmup) / cycle)) / cycle
    return min_lr + (base - min_lr) * (1 + math.cos(math.pi * p)) / 2


# --------------------------------------------------------------------------- WarmupCosine


def test_warmup_cosine_landmarks():
    opt = make_optimizer()
    lrs = run(WarmupCosine(opt, warmup_steps=10, total_steps=40, min_lr=1e-3), 45)
    assert lrs[0] == pytest.approx([1e-3, 1e-3])  # step 0: the floor
    assert lrs[5] == pytest.approx([(0.1 + 1e-3) / 2, (0.02 + 1e-3) / 2])  # half-way through warmup
    assert lrs[10] == pytest.approx(list(LRS))  # end of warmup: the optimizer's lr
    assert lrs[25] == pytest.approx([(0.1 + 1e-3) / 2, (0.02 + 1e-3) / 2])  # half-way through the decay
    assert lrs[40] == pytest.approx([1e-3, 1e-3])  # the end
    assert lrs[45] == pytest.approx([1e-3, 1e-3])  # constant afterwards
    assert [g["lr"] for g in opt.param_groups] == lrs[-1]


@pytest.mark.parametrize(
    ("warmup", "total", "min_lr", "restarts"),
    [(10, 40, 1e-3, 0), (0, 30, 1e-4, 0), (5, 45, 1e-3, 1), (4, 34, 5e-4, 2), (3, 20, 1e-3, 2)],
)
def test_warmup_cosine_matches_closed_form(warmup, total, min_lr, restarts):
    opt = make_optimizer()
    lrs = run(WarmupCosine(opt, warmup, total, min_lr, restarts=restarts), STEPS)
    for t, group_lrs in enumerate(lrs):
        expected = [warmup_cosine(base, t, warmup, total, min_lr, restarts) for base in LRS]
        assert group_lrs == pytest.approx(expected, rel=1e-12), t


def test_warmup_cosine_restarts_return_to_full_lr():
    opt = make_optimizer()
    lrs = [group[0] for group in run(WarmupCosine(opt, 5, 45, 1e-3, restarts=1), 45)]
    assert lrs[5] == pytest.approx(0.1) and lrs[25] == pytest.approx(0.1)  # each cycle starts at lr
    assert lrs[24] < 0.002 and lrs[44] < 0.002  # ... and ends near the floor
    assert all(a >= b for a, b in zip(lrs[5:25], lrs[6:25], strict=False))  # decays within a cycle


# --------------------------------------------------------------------------- CyclicalLR


def test_cyclical_matches_closed_form():
    lrs = run(CyclicalLR(make_optimizer(), cycle_steps=8, min_lr=1e-3), 20)
    for t, group_lrs in enumerate(lrs):
        r = (t - 8 * math.floor(t / 8)) / 8
        assert group_lrs == pytest.approx(
            [1e-3 + (b - 1e-3) * (1 + math.cos(math.pi * r)) / 2 for b in LRS]
        ), t
    assert lrs[8] == pytest.approx(list(LRS)) and lrs[4] == pytest.approx([(b + 1e-3) / 2 for b in LRS])


def test_cyclical_exploration_turns_the_noise_off():
    opt = vb.optim.SGLD([vb.zeros(2, requires_grad=True)], 0.1, prior=1.0, n_data=4, temperature=1.5)
    scheduler = CyclicalLR(opt, cycle_steps=10, exploration=0.3)
    stages = []
    for _ in range(12):
        stages.append((scheduler.sampling, opt.param_groups[0]["temperature"]))
        scheduler.step()
    assert stages == [(False, 0.0)] * 3 + [(True, 1.5)] * 7 + [(False, 0.0)] * 2
    # Resumed in an exploration stage, the sampling temperature is still known.
    resumed_opt = vb.optim.SGLD([vb.zeros(2, requires_grad=True)], 0.1, prior=1.0, n_data=4, temperature=0.0)
    resumed = CyclicalLR(resumed_opt, cycle_steps=10, exploration=0.3)
    resumed.load_state_dict(scheduler.state_dict())  # at step 12, exploring
    assert not resumed.sampling and resumed_opt.param_groups[0]["temperature"] == 0.0
    resumed.step()
    assert resumed.sampling and resumed_opt.param_groups[0]["temperature"] == 1.5


# --------------------------------------------------------------------------- PyTorch's schedules

TORCH_SCHEDULES = [
    pytest.param(StepLR, "StepLR", {"step_size": 7, "gamma": 0.5}, id="step"),
    pytest.param(StepLR, "StepLR", {"step_size": 1, "gamma": 0.9}, id="step-every-step"),
    pytest.param(ExponentialLR, "ExponentialLR", {"gamma": 0.93}, id="exponential"),
    pytest.param(CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 20}, id="cosine"),
    pytest.param(CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 15, "eta_min": 1e-3}, id="cosine-eta-min"),
]


@pytest.mark.parametrize(("cls", "torch_name", "options"), TORCH_SCHEDULES)
def test_matches_pytorch(cls, torch_name, options):
    torch = pytest.importorskip("torch")
    params = [torch.zeros(2, requires_grad=True) for _ in LRS]
    ref_opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS, strict=True)])
    ref = getattr(torch.optim.lr_scheduler, torch_name)(ref_opt, **options)
    scheduler = cls(make_optimizer(), **options)
    assert scheduler.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-12)
    for step in range(1, STEPS + 1):
        ref_opt.step()  # PyTorch warns when the scheduler steps before the optimizer
        ref.step()
        scheduler.step()
        assert scheduler.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-9, abs=1e-15), step


# A metric that improves, stalls (with changes below the default relative threshold), improves
# and stalls again, for ReduceLROnPlateau.
METRICS = [
    1.0,
    0.8,
    0.7,
    0.7,
    0.69995,
    0.71,
    0.7,
    0.7,
    0.6,
    0.5,
    0.5,
    0.52,
    0.5,
    0.5,
    0.5,
    0.49,
    0.5,
    0.5,
] * 3


def optimizer_pair(torch, kind, **options):
    """The same two-group optimizer (learning rates LRS) in varbayes and PyTorch."""
    params = [torch.zeros(2, requires_grad=True) for _ in LRS]
    ref = getattr(torch.optim, kind)(
        [{"params": [p], "lr": lr} for p, lr in zip(params, LRS, strict=True)], **options
    )
    opt = make_optimizer()
    groups = [{"params": g["params"], "lr": g["lr"]} for g in opt.param_groups]
    return getattr(vb.optim, kind)(groups, **options), ref


def trajectory(opt, schedulers, steps):
    """Per step: each schedule's get_last_lr, then the groups' lr and momentum (or beta1)."""

    def record():
        groups = opt.param_groups
        momenta = [g["betas"][0] if "betas" in g.keys() else g.get("momentum") for g in groups]
        return [s.get_last_lr() for s in schedulers] + [[g["lr"] for g in groups], momenta]

    out = [record()]
    for t in range(steps):
        opt.step()  # no gradients: PyTorch only checks that the optimizer stepped first
        for s in schedulers:
            s.step(METRICS[t]) if type(s).__name__ == "ReduceLROnPlateau" else s.step()
        out.append(record())
    return out


def assert_trajectories_match(got, expected):
    for t, (row, ref_row) in enumerate(zip(got, expected, strict=True)):
        for values, ref_values in zip(row, ref_row, strict=True):
            assert values == pytest.approx(list(ref_values), rel=1e-9, abs=1e-15), t


def sequential(lib, opt, makers, milestones):
    return [lib.SequentialLR(opt, [make(lib, opt) for make in makers], milestones)]


# (optimizer, its options, the schedules on it as a function of the library's lr_scheduler namespace
# and the optimizer, steps): the trajectories must be PyTorch's.
TORCH_TRAJECTORIES = [
    pytest.param("SGD", {}, lambda L, o: [L.LambdaLR(o, lambda t: 0.9**t + 0.1)], 20, id="lambda"),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.LambdaLR(o, [lambda t: 1 / (t + 1), lambda t: 1.0 + t])],
        10,
        id="lambda-per-group",
    ),
    pytest.param(
        "SGD", {}, lambda L, o: [L.MultiplicativeLR(o, lambda t: 0.95 if t % 2 else 0.8)], 20, id="mult"
    ),
    pytest.param("SGD", {}, lambda L, o: [L.MultiStepLR(o, [3, 7, 7, 12], gamma=0.5)], 20, id="multistep"),
    pytest.param("SGD", {}, lambda L, o: [L.LinearLR(o)], 10, id="linear"),
    pytest.param("SGD", {}, lambda L, o: [L.LinearLR(o, 0.5, 0.1, total_iters=8)], 12, id="linear-down"),
    pytest.param(
        "SGD", {"momentum": 0.9}, lambda L, o: [L.OneCycleLR(o, 0.5, total_steps=30)], 30, id="onecycle"
    ),
    pytest.param(
        "SGD",
        {"momentum": 0.9},
        lambda L, o: [L.OneCycleLR(o, [0.5, 0.2], total_steps=25, anneal_strategy="linear", pct_start=0.4)],
        24,  # PyTorch's step 25 extrapolates the linear ramp to a negative lr, which varbayes refuses
        id="onecycle-linear",
    ),
    pytest.param(
        "SGD",
        {"momentum": 0.9},
        lambda L, o: [L.OneCycleLR(o, 0.5, epochs=4, steps_per_epoch=6, three_phase=True, div_factor=10.0)],
        24,
        id="onecycle-three-phase",
    ),
    pytest.param(
        "Adam",
        {},
        lambda L, o: [L.OneCycleLR(o, 0.01, total_steps=20, base_momentum=0.8)],
        20,
        id="onecycle-adam",
    ),
    pytest.param(
        "Adam",
        {},
        lambda L, o: [L.OneCycleLR(o, 0.01, total_steps=20, cycle_momentum=False, final_div_factor=100.0)],
        20,
        id="onecycle-no-momentum",
    ),
    pytest.param(
        "SGD",
        {"momentum": 0.9},
        lambda L, o: [L.CyclicLR(o, 0.01, 0.1, step_size_up=4)],
        25,
        id="cyclic-triangular",
    ),
    pytest.param(
        "SGD",
        {"momentum": 0.9},
        lambda L, o: [L.CyclicLR(o, [0.01, 0.001], 0.1, 3, 5, mode="triangular2", base_momentum=0.7)],
        30,
        id="cyclic-triangular2",
    ),
    pytest.param(
        "RMSprop",
        {"momentum": 0.5},
        lambda L, o: [L.CyclicLR(o, 0.01, 0.1, 4, mode="exp_range", gamma=0.95)],
        30,
        id="cyclic-exp-range",
    ),
    pytest.param(
        "Adam", {}, lambda L, o: [L.CyclicLR(o, 1e-3, 1e-2, 5, max_momentum=0.95)], 25, id="cyclic-adam-betas"
    ),
    pytest.param(
        "Adagrad",
        {},
        lambda L, o: [
            L.CyclicLR(
                o,
                1e-3,
                1e-2,
                3,
                scale_fn=lambda x: 1 / (x + 1),
                scale_mode="iterations",
                cycle_momentum=False,
            )
        ],
        20,
        id="cyclic-scale-fn",
    ),
    pytest.param("SGD", {}, lambda L, o: [L.ReduceLROnPlateau(o, patience=2)], 54, id="plateau"),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=2, min_lr=[0.02, 0.004])],
        54,
        id="plateau-cooldown-min-lr",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=0.05, threshold_mode="abs")],
        54,
        id="plateau-abs",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.ReduceLROnPlateau(o, "max", factor=0.3, patience=0, threshold=0.1)],
        54,
        id="plateau-max",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.ReduceLROnPlateau(o, factor=0.5, patience=0, eps=0.01)],
        54,
        id="plateau-eps",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: sequential(
            L, o, [lambda L, o: L.LinearLR(o, 0.1, total_iters=5), lambda L, o: L.ExponentialLR(o, 0.9)], [5]
        ),
        20,
        id="sequential-warmup",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: sequential(
            L,
            o,
            [
                lambda L, o: L.LambdaLR(o, lambda t: 1 + t),
                lambda L, o: L.StepLR(o, 2, 0.5),
                lambda L, o: L.MultiplicativeLR(o, lambda t: 0.9),
                lambda L, o: L.MultiStepLR(o, [2, 4], 0.1),
            ],
            [3, 8, 12],
        ),
        20,
        id="sequential-four",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: sequential(
            L, o, [lambda L, o: L.ExponentialLR(o, 0.8), lambda L, o: L.CosineAnnealingLR(o, 6)], [4]
        ),
        14,
        id="sequential-cosine",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.ExponentialLR(o, 0.9), L.MultiStepLR(o, [5, 10], 0.5)],
        15,
        id="chain-exp-multistep",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.LinearLR(o, 0.2, total_iters=4), L.StepLR(o, 3, 0.5)],
        12,
        id="chain-linear-step",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.MultiplicativeLR(o, lambda t: 0.97), L.ReduceLROnPlateau(o, patience=1)],
        30,
        id="chain-plateau",
    ),
    pytest.param(
        "SGD",
        {},
        lambda L, o: [L.StepLR(o, 2, 0.5), L.LambdaLR(o, lambda t: 1 / (t + 1))],
        8,
        id="chain-lambda-last",
    ),
]


@pytest.mark.parametrize(("kind", "options", "make", "steps"), TORCH_TRAJECTORIES)
def test_trajectories_match_pytorch(kind, options, make, steps):
    torch = pytest.importorskip("torch")
    opt, ref_opt = optimizer_pair(torch, kind, **options)
    got = trajectory(opt, make(lr_scheduler, opt), steps)
    expected = trajectory(ref_opt, make(torch.optim.lr_scheduler, ref_opt), steps)
    assert_trajectories_match(got, expected)
    changed = [row[-2] for row in got]
    assert any(lrs != changed[0] for lrs in changed)  # the schedule did something


@pytest.mark.parametrize("total_steps", [5, 12])
def test_one_cycle_refuses_to_step_past_its_end(total_steps):
    torch = pytest.importorskip("torch")
    opt, ref_opt = optimizer_pair(torch, "SGD", momentum=0.9)
    for lib, o in ((lr_scheduler, opt), (torch.optim.lr_scheduler, ref_opt)):
        scheduler = lib.OneCycleLR(o, 0.5, total_steps=total_steps)
        for _ in range(total_steps):
            o.step()
            scheduler.step()
        with pytest.raises(ValueError):
            scheduler.step()


INVALID_TORCH_SCHEDULES = [
    pytest.param("SGD", lambda L, o: L.LambdaLR(o, [lambda t: 1.0]), id="lambda-count"),
    pytest.param("SGD", lambda L, o: L.LinearLR(o, start_factor=0.0), id="linear-start-0"),
    pytest.param("SGD", lambda L, o: L.LinearLR(o, start_factor=1.5), id="linear-start-above-1"),
    pytest.param("SGD", lambda L, o: L.LinearLR(o, end_factor=-0.1), id="linear-end-negative"),
    pytest.param("SGD", lambda L, o: L.OneCycleLR(o, 0.1), id="onecycle-no-length"),
    pytest.param("SGD", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0), id="onecycle-zero-steps"),
    pytest.param(
        "SGD", lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3), id="onecycle-zero-epochs"
    ),
    pytest.param("SGD", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5), id="onecycle-pct"),
    pytest.param(
        "SGD", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="x"), id="onecycle-anneal"
    ),
    pytest.param(
        "SGD", lambda L, o: L.OneCycleLR(o, [0.1, 0.2, 0.3], total_steps=10), id="onecycle-max-lr-count"
    ),
    pytest.param("Adagrad", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10), id="onecycle-no-momentum"),
    pytest.param("SGD", lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="x"), id="cyclic-mode"),
    pytest.param("Adagrad", lambda L, o: L.CyclicLR(o, 0.01, 0.1), id="cyclic-no-momentum"),
    pytest.param("SGD", lambda L, o: L.CyclicLR(o, [0.01], 0.1), id="cyclic-base-lr-count"),
    pytest.param("SGD", lambda L, o: L.ReduceLROnPlateau(o, factor=1.0), id="plateau-factor"),
    pytest.param("SGD", lambda L, o: L.ReduceLROnPlateau(o, mode="x"), id="plateau-mode"),
    pytest.param("SGD", lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="x"), id="plateau-threshold-mode"),
    pytest.param("SGD", lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]), id="plateau-min-lr-count"),
    pytest.param("SGD", lambda L, o: L.SequentialLR(o, [], []), id="sequential-empty"),
    pytest.param("SGD", lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], [3]), id="sequential-milestones"),
    pytest.param(
        "SGD",
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], [3]),
        id="sequential-plateau",
    ),
]


@pytest.mark.parametrize(("kind", "make"), INVALID_TORCH_SCHEDULES)
def test_invalid_arguments_raise_as_in_pytorch(kind, make):
    torch = pytest.importorskip("torch")
    opt, ref_opt = optimizer_pair(torch, kind)
    with pytest.raises(ValueError):
        make(torch.optim.lr_scheduler, ref_opt)
    with pytest.raises(ValueError):
        make(lr_scheduler, opt)


def test_sequential_refuses_a_schedule_of_another_optimizer():
    opt, other = make_optimizer(), make_optimizer()
    with pytest.raises(ValueError, match="another optimizer"):
        lr_scheduler.SequentialLR(opt, [StepLR(opt, 2), StepLR(other, 2)], [3])


def test_plateau_state_dict_resumes_identically():
    def make(opt):
        return lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)

    uninterrupted = make_optimizer()
    expected = trajectory(uninterrupted, [make(uninterrupted)], 40)
    first_opt = make_optimizer()
    first = make(first_opt)
    trajectory(first_opt, [first], 20)
    resumed_opt = make_optimizer()
    resumed = make(resumed_opt)
    resumed.load_state_dict(first.state_dict())
    assert resumed.num_bad_epochs == first.num_bad_epochs and resumed.best == first.best
    assert resumed.get_last_lr() == expected[20][0]
    for t in range(20, 40):
        resumed.step(METRICS[t])
        assert resumed.get_last_lr() == expected[t + 1][0], t


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: lr_scheduler.ReduceLROnPlateau(opt, patience=1),  # best starts at inf
        lambda opt: lr_scheduler.OneCycleLR(opt, [0.5, 0.2], total_steps=40),
    ],
    ids=["plateau", "onecycle"],
)
def test_vb_save_round_trips_a_schedule(tmp_path, make):
    opt = make_optimizer()
    scheduler = make(opt)
    vb.save(scheduler, tmp_path / "schedule.vb")  # at step 0: ReduceLROnPlateau's best is inf
    trajectory(opt, [scheduler], 7)
    resumed_opt = make_optimizer()
    resumed = vb.load(tmp_path / "schedule.vb", into=make(resumed_opt))
    assert resumed.state_dict() == make(make_optimizer()).state_dict()
    vb.save(scheduler, tmp_path / "schedule.vb")
    vb.load(tmp_path / "schedule.vb", into=resumed)
    assert resumed.state_dict() == scheduler.state_dict()
    assert [g["lr"] for g in resumed_opt.param_groups] == scheduler.get_last_lr()


# --------------------------------------------------------------------------- state and validation

SCHEDULES = [
    pytest.param(lambda opt: WarmupCosine(opt, 5, 30, 1e-3, restarts=1), id="warmup-cosine"),
    pytest.param(lambda opt: StepLR(opt, 4, 0.5), id="step"),
    pytest.param(lambda opt: ExponentialLR(opt, 0.9), id="exponential"),
    pytest.param(lambda opt: CosineAnnealingLR(opt, 12, 1e-4), id="cosine"),
    pytest.param(lambda opt: CyclicalLR(opt, 7, 1e-4), id="cyclical"),
    pytest.param(lambda opt: lr_scheduler.LambdaLR(opt, lambda t: 1 / (1 + t)), id="lambda"),
    pytest.param(lambda opt: lr_scheduler.MultiplicativeLR(opt, lambda t: 0.9), id="multiplicative"),
    pytest.param(lambda opt: lr_scheduler.MultiStepLR(opt, [5, 11, 16]), id="multistep"),
    pytest.param(lambda opt: lr_scheduler.LinearLR(opt, 0.2, total_iters=15), id="linear"),
    pytest.param(lambda opt: lr_scheduler.OneCycleLR(opt, 0.5, total_steps=30), id="onecycle"),
    pytest.param(lambda opt: lr_scheduler.CyclicLR(opt, 0.01, 0.1, 4, mode="triangular2"), id="cyclic"),
    pytest.param(
        lambda opt: lr_scheduler.SequentialLR(
            opt, [lr_scheduler.LinearLR(opt, 0.1, total_iters=5), StepLR(opt, 3, 0.5)], milestones=[10]
        ),
        id="sequential",
    ),
]


@pytest.mark.parametrize("make", SCHEDULES)
def test_state_dict_resumes_identically(make):
    uninterrupted = make(make_optimizer())
    expected = run(uninterrupted, 30)

    first = make(make_optimizer())
    run(first, 12)
    state = first.state_dict()
    assert state["last_epoch"] == 12 and state["type"] == type(first).__name__
    resumed_opt = make_optimizer()
    resumed = make(resumed_opt)
    resumed.load_state_dict(state)
    assert resumed.get_last_lr() == expected[12]
    assert [g["lr"] for g in resumed_opt.param_groups] == expected[12]
    assert run(resumed, 18) == expected[12:]


@pytest.mark.parametrize(
    "make",
    [lambda opt: StepLR(opt, 4, 0.5), lambda opt: ExponentialLR(opt, 0.9)],
    ids=["step", "exponential"],
)
def test_state_without_last_lr_loads_by_the_closed_form(make):
    # States saved before schedules recorded their last lr, when StepLR/ExponentialLR were closed forms.
    first = make(make_optimizer())
    expected = run(first, 9)[-1]
    state = {k: v for k, v in first.state_dict().items() if k != "last_lr"}
    resumed_opt = make_optimizer()
    resumed = make(resumed_opt)
    resumed.load_state_dict(state)
    assert resumed.get_last_lr() == pytest.approx(expected, rel=1e-12)
    assert [g["lr"] for g in resumed_opt.param_groups] == resumed.get_last_lr()


def test_load_state_dict_rejects_another_schedule_or_group_count():
    state = StepLR(make_optimizer(), 3).state_dict()
    with pytest.raises(ValueError, match="StepLR.*ExponentialLR"):
        ExponentialLR(make_optimizer(), 0.9).load_state_dict(state)
    with pytest.raises(ValueError, match="parameter groups"):
        StepLR(make_optimizer((0.1,)), 3).load_state_dict(state)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda opt: WarmupCosine(opt, 10, 10, 1e-3), "warmup_steps"),
        (lambda opt: WarmupCosine(opt, 20, 10, 1e-3), "warmup_steps"),
        (lambda opt: WarmupCosine(opt, -1, 10, 1e-3), "warmup_steps"),
        (lambda opt: WarmupCosine(opt, 2.5, 10, 1e-3), "warmup_steps"),
        (lambda opt: WarmupCosine(opt, 2, 0, 1e-3), "total_steps"),
        (lambda opt: WarmupCosine(opt, 2, 10, 0.0), "min_lr"),
        (lambda opt: WarmupCosine(opt, 2, 10, -1e-3), "min_lr"),
        (lambda opt: WarmupCosine(opt, 2, 10, 0.02), "min_lr"),  # not below the second group's lr
        (lambda opt: WarmupCosine(opt, 2, 10, 0.5), "min_lr"),
        (lambda opt: WarmupCosine(opt, 2, 10, 1e-3, restarts=-1), "restarts"),
        (lambda opt: StepLR(opt, 0), "step_size"),
        (lambda opt: StepLR(opt, 3, gamma=-0.5), "gamma"),
        (lambda opt: StepLR(opt, 3, gamma=0.0), "gamma"),
        (lambda opt: ExponentialLR(opt, -0.9), "gamma"),
        (lambda opt: CosineAnnealingLR(opt, 0), "T_max"),
        (lambda opt: CosineAnnealingLR(opt, 10, eta_min=-1e-3), "eta_min"),
        (lambda opt: CyclicalLR(opt, 0), "cycle_steps"),
        (lambda opt: CyclicalLR(opt, 5, min_lr=-1e-3), "min_lr"),
        (lambda opt: CyclicalLR(opt, 5, exploration=1.0), "exploration"),
        (lambda opt: CyclicalLR(opt, 5, exploration=0.2), "temperature"),  # SGD has no noise to turn off
    ],
)
def test_invalid_arguments(make, match):
    opt = make_optimizer()
    with pytest.raises(ValueError, match=match):
        make(opt)
    assert [g["lr"] for g in opt.param_groups] == list(LRS)  # a refused schedule leaves the lrs alone
