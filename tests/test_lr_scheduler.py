"""Learning-rate schedules: WarmupCosine and CyclicalLR against their closed forms (and CyclicalLR's
exploration stage on SGLD), StepLR/ExponentialLR/CosineAnnealingLR against PyTorch, get_last_lr, state
dicts and argument validation."""

import math

import pytest

import varbayes as vb
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


# --------------------------------------------------------------------------- state and validation

SCHEDULES = [
    pytest.param(lambda opt: WarmupCosine(opt, 5, 30, 1e-3, restarts=1), id="warmup-cosine"),
    pytest.param(lambda opt: StepLR(opt, 4, 0.5), id="step"),
    pytest.param(lambda opt: ExponentialLR(opt, 0.9), id="exponential"),
    pytest.param(lambda opt: CosineAnnealingLR(opt, 12, 1e-4), id="cosine"),
    pytest.param(lambda opt: CyclicalLR(opt, 7, 1e-4), id="cyclical"),
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
