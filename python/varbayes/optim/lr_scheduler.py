"""Learning-rate schedules (``vb.optim.lr_scheduler``), stepped once per optimizer step or epoch.

PyTorch's schedules keep its semantics: construction sets the lr of step 0, ``step()`` (after
``optimizer.step()``) advances one step, ``get_last_lr()`` is what this schedule last set, and the
learning rate each schedule starts from is the groups' lr when the optimizer got its first schedule
(PyTorch's ``initial_lr``). StepLR, ExponentialLR, MultiStepLR, MultiplicativeLR and LinearLR are
chainable: each step multiplies the groups' current lr, so several of them stepped together
multiply. LambdaLR, CosineAnnealingLR, OneCycleLR and CyclicLR set the lr from a closed form;
ReduceLROnPlateau reduces it when a metric stops improving; SequentialLR runs schedules one after
another. WarmupCosine is the schedule of the NCSM study (linear warmup, cosine decay to a floor);
CyclicalLR is the cyclical cosine step size of cyclical SG-MCMC, for vb.optim.SGLD (PyTorch's
CyclicLR is a different, triangular, schedule for training).
"""

from __future__ import annotations

import bisect
import math
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from .. import io
from .._checks import check_count
from .._core import Optimizer

# Each optimizer's group learning rates when it got its first schedule (PyTorch's group["initial_lr"]).
_INITIAL_LRS: weakref.WeakKeyDictionary[Optimizer, list[float]] = weakref.WeakKeyDictionary()


def _initial_lrs(optimizer: Optimizer) -> list[float]:
    lrs = _INITIAL_LRS.setdefault(optimizer, [])
    groups = optimizer.param_groups
    lrs.extend(g["lr"] for g in groups[len(lrs) :])  # groups added since
    return lrs[: len(groups)]


def _per_group(name: str, value: Any, optimizer: Optimizer) -> list[float]:
    """``value`` for each parameter group: a list or tuple of one per group, or one number for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return [float(v) for v in value]
    return [float(value)] * n


class LRScheduler:
    """Base class of the schedules.

    Subclasses give the groups' learning rates at step ``last_epoch`` by ``get_lr()`` (by default
    ``lr_at(base_lr, t)`` of each group's initial lr) and list their settings in ``_settings``
    (saved and restored by state_dict/load_state_dict).

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
        The optimizer whose groups' ``lr`` the schedule sets.
    """

    _settings: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lrs = _initial_lrs(optimizer)
        self.last_epoch = 0
        self._apply()

    def lr_at(self, base_lr: float, t: int) -> float:
        """The closed form: the learning rate at step ``t`` of a group starting at ``base_lr``."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The groups' learning rates at step ``last_epoch``."""
        return [self.lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self) -> None:
        """Advances the schedule by one step and sets the groups' learning rates."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The learning rate this schedule set for each parameter group at its last step."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The step count, initial and last learning rates and the schedule's settings."""
        return {
            "type": type(self).__name__,
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "last_lr": list(self._last_lr),
            **{k: getattr(self, k) for k in self._settings},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restores a state from state_dict(), settings included, and sets the groups' learning rates."""
        if state.get("type", type(self).__name__) != type(self).__name__:
            raise ValueError(f"state of a {state['type']} loaded into a {type(self).__name__}")
        if len(state["base_lrs"]) != len(self.base_lrs):
            raise ValueError("the state has a different number of parameter groups")
        unknown = set(state) - {"type", "last_epoch", "base_lrs", "last_lr", *self._settings}
        if unknown:
            raise ValueError(f"unknown {type(self).__name__} settings in the state: {sorted(unknown)}")
        # The schedule's own settings come back too, as in PyTorch.
        for k in self._settings:
            if k in state:
                setattr(self, k, state[k])
        self.last_epoch = int(state["last_epoch"])
        self.base_lrs = [float(v) for v in state["base_lrs"]]
        self._restore(state)

    def _restore(self, state: dict[str, Any]) -> None:
        """Sets the groups' learning rates of a loaded state (a closed form recomputes them)."""
        self._apply()

    def _restart(self) -> None:
        """Goes back to step 0 (SequentialLR's milestones; PyTorch's ``step(0)``)."""
        self.last_epoch = 0
        self._apply()

    def _apply(self) -> None:
        self._set_lrs(self.get_lr())

    def _set_lrs(self, lrs: Sequence[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = [float(lr) for lr in lrs]


class ChainableLR(LRScheduler):
    """Base class of the chainable schedules: step t multiplies each group's current lr by
    ``factor(group, t)`` (PyTorch's recursive forms), so schedules stepped together multiply.
    ``lr_at`` is the closed form of one such schedule alone, used when SequentialLR restarts it."""

    def factor(self, group: int, t: int) -> float:
        """The multiplier of group ``group``'s lr at step ``t`` (step 0: at construction)."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        return [g["lr"] * self.factor(i, t) for i, g in enumerate(self.optimizer.param_groups)]

    def _restore(self, state: dict[str, Any]) -> None:
        if "last_lr" in state:
            self._set_lrs(state["last_lr"])
        else:  # saved before schedules recorded it: the closed form of this schedule alone
            self._set_lrs([self.lr_at(base, self.last_epoch) for base in self.base_lrs])

    def _restart(self) -> None:
        self.last_epoch = 0
        self._set_lrs([self.lr_at(base, 0) for base in self.base_lrs])


def _check_gamma(gamma: float) -> None:
    if not gamma > 0:
        raise ValueError(f"gamma must be positive, got {gamma}")


class WarmupCosine(LRScheduler):
    """Linear warmup from ``min_lr`` to the optimizer's lr over ``warmup_steps``, then cosine decay
    to ``min_lr > 0`` at ``total_steps`` (constant afterwards). With ``restarts=r`` the decay
    phase is split into r + 1 equal cosine cycles, each restarting at the full lr.

    lr(t) = min_lr + (lr - min_lr) * t / warmup_steps                       for t < warmup_steps
    lr(t) = min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2, p in [0, 1]     afterwards
    """

    _settings = ("warmup_steps", "total_steps", "min_lr", "restarts")

    def __init__(
        self, optimizer: Optimizer, warmup_steps: int, total_steps: int, min_lr: float, restarts: int = 0
    ) -> None:
        warmup_steps = check_count("warmup_steps", warmup_steps, 0)
        total_steps = check_count("total_steps", total_steps)
        if warmup_steps >= total_steps:
            raise ValueError(
                f"warmup_steps ({warmup_steps}) must be shorter than total_steps ({total_steps})"
            )
        restarts = check_count("restarts", restarts, 0)
        if not min_lr > 0:
            raise ValueError(f"min_lr must be positive, got {min_lr}")
        for g in optimizer.param_groups:
            if not g["lr"] > min_lr:
                raise ValueError(f"min_lr ({min_lr}) must be below the optimizer's lr ({g['lr']})")
        self.warmup_steps, self.total_steps, self.min_lr, self.restarts = (
            warmup_steps,
            total_steps,
            min_lr,
            restarts,
        )
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        span = base_lr - self.min_lr
        if t < self.warmup_steps:
            return self.min_lr + span * t / self.warmup_steps
        if t >= self.total_steps:
            return self.min_lr
        cycle = (self.total_steps - self.warmup_steps) / (self.restarts + 1)
        p = ((t - self.warmup_steps) % cycle) / cycle
        return self.min_lr + span * 0.5 * (1.0 + math.cos(math.pi * p))


class StepLR(ChainableLR):
    """Multiplies the lr by ``gamma`` every ``step_size`` steps, as torch.optim.lr_scheduler.StepLR:
    alone, lr * gamma ** (t // step_size).

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    step_size : int
        Steps between two decays.
    gamma : float, default 0.1
        The decay factor (> 0).
    """

    _settings = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        step_size = check_count("step_size", step_size)
        _check_gamma(gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def factor(self, group: int, t: int) -> float:
        return self.gamma if t > 0 and t % self.step_size == 0 else 1.0

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(ChainableLR):
    """Multiplies the lr by ``gamma`` at each milestone, as torch.optim.lr_scheduler.MultiStepLR
    (a step listed twice decays twice): alone, lr * gamma ** (number of milestones <= t).

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    milestones : iterable of int
        The steps at which the lr decays.
    gamma : float, default 0.1
        The decay factor (> 0).
    """

    _settings = ("milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1) -> None:
        self.milestones = sorted(check_count("milestones", m, 0) for m in milestones)
        _check_gamma(gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def factor(self, group: int, t: int) -> float:
        return self.gamma ** self.milestones.count(t)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(ChainableLR):
    """Multiplies the lr by ``gamma`` every step, as torch.optim.lr_scheduler.ExponentialLR:
    alone, lr * gamma ** t.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    gamma : float
        The decay factor per step (> 0).
    """

    _settings = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        _check_gamma(gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def factor(self, group: int, t: int) -> float:
        return self.gamma if t > 0 else 1.0

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t


class LinearLR(ChainableLR):
    """Scales the lr linearly from ``start_factor`` to ``end_factor`` times its initial value over
    ``total_iters`` steps (constant afterwards), as torch.optim.lr_scheduler.LinearLR.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    start_factor : float, default 1/3
        The factor at step 0, in (0, 1].
    end_factor : float, default 1.0
        The factor from step ``total_iters`` on, in [0, 1].
    total_iters : int, default 5
        The length of the ramp.
    """

    _settings = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(f"start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"end_factor must be in [0, 1], got {end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = check_count("total_iters", total_iters)
        super().__init__(optimizer)

    def factor(self, group: int, t: int) -> float:
        if t == 0:
            return self.start_factor
        if t > self.total_iters:
            return 1.0
        change = self.end_factor - self.start_factor
        return 1.0 + change / (self.total_iters * self.start_factor + (t - 1) * change)

    def lr_at(self, base_lr: float, t: int) -> float:
        change = self.end_factor - self.start_factor
        return base_lr * (self.start_factor + change * min(self.total_iters, t) / self.total_iters)


def _lambdas(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    """One function of the step per group: ``lr_lambda`` for all, or a list of one per group."""
    n = len(optimizer.param_groups)
    lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
    if len(lambdas) != n:
        raise ValueError(f"expected {n} lr_lambdas, got {len(lambdas)}")
    if not all(callable(f) for f in lambdas):
        raise TypeError("lr_lambda must be a function of the step, or a list of one per parameter group")
    return lambdas


class LambdaLR(LRScheduler):
    """lr * lr_lambda(t), as torch.optim.lr_scheduler.LambdaLR. The functions are not part of the
    state_dict (recreate the schedule with them, then load its state).

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    lr_lambda : callable or list of callables
        A function of the step giving the factor of the initial lr, or one per parameter group.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any) -> None:
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs, strict=True)]


class MultiplicativeLR(ChainableLR):
    """Multiplies the lr by lr_lambda(t) at each step t >= 1, as
    torch.optim.lr_scheduler.MultiplicativeLR. The functions are not part of the state_dict.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    lr_lambda : callable or list of callables
        A function of the step giving the factor of that step, or one per parameter group.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any) -> None:
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer)

    def factor(self, group: int, t: int) -> float:
        return self.lr_lambdas[group](t) if t > 0 else 1.0

    def _restart(self) -> None:
        # Without a closed form, PyTorch's step(0) multiplies the current lr by the step-0 factor.
        self.last_epoch = 0
        groups = self.optimizer.param_groups
        self._set_lrs([g["lr"] * f(0) for f, g in zip(self.lr_lambdas, groups, strict=True)])


class CosineAnnealingLR(LRScheduler):
    """eta_min + (lr - eta_min) * (1 + cos(pi * t / T_max)) / 2, as PyTorch's closed form
    (periodic in t with period 2 T_max, as PyTorch's schedule is when stepped past T_max)."""

    _settings = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        T_max = check_count("T_max", T_max)
        if eta_min < 0:
            raise ValueError(f"eta_min must be non-negative, got {eta_min}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * 0.5 * (1.0 + math.cos(math.pi * t / self.T_max))


class CyclicalLR(LRScheduler):
    """The cyclical cosine step size of cSG-MCMC (Zhang et al. 2020), restarting every
    ``cycle_steps`` steps: with r = (t mod cycle_steps) / cycle_steps,

    lr(t) = min_lr + (lr - min_lr) * (1 + cos(pi * r)) / 2.

    With ``exploration = beta > 0`` (an SGLD optimizer only), the first beta of each cycle is the
    exploration stage: the groups' temperature is 0 there (noise-free steps towards a mode) and
    back to its initial value in the sampling stage; ``sampling`` says which stage step t is in,
    and samples should be collected only while it is True.
    """

    _settings = ("cycle_steps", "min_lr", "exploration", "base_temperatures")

    def __init__(
        self, optimizer: Optimizer, cycle_steps: int, min_lr: float = 0.0, exploration: float = 0.0
    ) -> None:
        cycle_steps = check_count("cycle_steps", cycle_steps)
        if not min_lr >= 0:
            raise ValueError(f"min_lr must be non-negative, got {min_lr}")
        if not 0 <= exploration < 1:
            raise ValueError(f"exploration must be in [0, 1), got {exploration}")
        groups = optimizer.param_groups
        if exploration > 0 and not all("temperature" in g for g in groups):
            raise ValueError("exploration needs an optimizer with a temperature (vb.optim.SGLD)")
        self.cycle_steps, self.min_lr, self.exploration = cycle_steps, min_lr, exploration
        self.base_temperatures = [g["temperature"] if "temperature" in g else None for g in groups]
        super().__init__(optimizer)

    @property
    def sampling(self) -> bool:
        """True when the current step is in the sampling stage of its cycle."""
        return self._phase(self.last_epoch) >= self.exploration

    def _phase(self, t: int) -> float:
        return (t % self.cycle_steps) / self.cycle_steps

    def lr_at(self, base_lr: float, t: int) -> float:
        return self.min_lr + (base_lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * self._phase(t)))

    def _apply(self) -> None:
        super()._apply()
        if self.exploration > 0:
            sampling = self.sampling
            for group, temperature in zip(self.optimizer.param_groups, self.base_temperatures, strict=True):
                group["temperature"] = temperature if sampling else 0.0


_MOMENTUM_SETTINGS = ("cycle_momentum", "use_beta1", "base_momentums", "max_momentums")


class _CyclesMomentum(LRScheduler):
    """OneCycleLR's and CyclicLR's momentum, cycled against the lr: beta1 of ``betas`` where the
    optimizer has them (Adam-like), else ``momentum``. Subclasses give ``momenta()`` at last_epoch."""

    def _init_momentum(self, optimizer: Optimizer, cycle_momentum: bool, base: Any, top: Any) -> None:
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1, self.base_momentums, self.max_momentums = False, [], []
        if not self.cycle_momentum:
            return
        group = optimizer.param_groups[0]
        if "betas" not in group and "momentum" not in group:
            raise ValueError(
                f"{type(self).__name__}: cycle_momentum needs an optimizer with momentum or betas, "
                f"got {type(optimizer).__name__}"
            )
        self.use_beta1 = "betas" in group
        self.base_momentums = _per_group("base_momentum", base, optimizer)
        self.max_momentums = _per_group("max_momentum", top, optimizer)

    def momenta(self) -> list[float]:
        """The groups' momentum (or beta1) at step ``last_epoch``."""
        raise NotImplementedError

    def _apply(self) -> None:
        super()._apply()
        if self.cycle_momentum:
            for group, m in zip(self.optimizer.param_groups, self.momenta(), strict=True):
                if self.use_beta1:
                    group["betas"] = (m, group["betas"][1])
                else:
                    group["momentum"] = m


class OneCycleLR(_CyclesMomentum):
    """The 1cycle policy (Smith & Topin 2018), as torch.optim.lr_scheduler.OneCycleLR: the lr
    anneals from max_lr / div_factor up to max_lr over the first pct_start of total_steps, then
    down to max_lr / (div_factor * final_div_factor); the momentum (beta1 for Adam-like
    optimizers) anneals the other way between max_momentum and base_momentum. With three_phase,
    the lr returns to its start before the final annealing. Stepping past total_steps raises.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    max_lr : float or list of float
        The peak lr, one for all groups or one per group.
    total_steps : int, optional
        The length of the cycle; or give ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        total_steps = epochs * steps_per_epoch when total_steps is not given.
    pct_start : float, default 0.3
        The fraction of the cycle spent increasing the lr.
    anneal_strategy : {"cos", "linear"}, default "cos"
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, default 0.85, 0.95
    div_factor : float, default 25.0
    final_div_factor : float, default 1e4
    three_phase : bool, default False
    """

    _settings = (
        "total_steps",
        "pct_start",
        "anneal_strategy",
        "three_phase",
        "max_lrs",
        "min_lrs",
        *_MOMENTUM_SETTINGS,
    )

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ) -> None:
        if total_steps is not None:
            self.total_steps = check_count("total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = check_count("epochs", epochs) * check_count("steps_per_epoch", steps_per_epoch)
        else:
            raise ValueError("OneCycleLR needs total_steps, or epochs and steps_per_epoch")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.pct_start, self.anneal_strategy, self.three_phase = (
            float(pct_start),
            anneal_strategy,
            bool(three_phase),
        )
        self.max_lrs = _per_group("max_lr", max_lr, optimizer)
        initial = [lr / div_factor for lr in self.max_lrs]
        self.min_lrs = [lr / final_div_factor for lr in initial]
        self._init_momentum(optimizer, cycle_momentum, base_momentum, max_momentum)
        _INITIAL_LRS[optimizer] = initial  # as PyTorch overwrites the groups' initial_lr
        super().__init__(optimizer)

    def _phase(self, t: int) -> tuple[float, int, int]:
        """(fraction of the phase done, start, end) at step t; start and end index the levels of
        ``_levels``: 0 initial, 1 peak, 2 final lr (momentum: max, base, max)."""
        pct, total = self.pct_start, self.total_steps
        if self.three_phase:
            phases = [(float(pct * total) - 1, 0, 1), (float(2 * pct * total) - 2, 1, 0), (total - 1, 0, 2)]
        else:
            phases = [(float(pct * total) - 1, 0, 1), (total - 1, 1, 2)]
        start_step = 0.0
        for end_step, start, end in phases[:-1]:
            if t <= end_step:
                return (t - start_step) / (end_step - start_step), start, end
            start_step = end_step
        end_step, start, end = phases[-1]
        return (t - start_step) / (end_step - start_step), start, end

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _at(self, levels: list[tuple[float, float, float]]) -> list[float]:
        if self.last_epoch > self.total_steps:
            raise ValueError(
                f"OneCycleLR stepped {self.last_epoch} times, past its total_steps ({self.total_steps})"
            )
        pct, start, end = self._phase(self.last_epoch)
        return [self._anneal(lv[start], lv[end], pct) for lv in levels]

    def get_lr(self) -> list[float]:
        return self._at(list(zip(self.base_lrs, self.max_lrs, self.min_lrs, strict=True)))

    def momenta(self) -> list[float]:
        pairs = zip(self.max_momentums, self.base_momentums, self.max_momentums, strict=True)
        return self._at(list(pairs))


class CyclicLR(_CyclesMomentum):
    """The cyclical learning rate of Smith (2017), as torch.optim.lr_scheduler.CyclicLR: the lr
    rises from base_lr to max_lr over step_size_up steps and falls back over step_size_down,
    with the amplitude scaled per cycle ("triangular": 1, "triangular2": halved every cycle) or
    per step ("exp_range": gamma ** t), or by ``scale_fn``; the momentum (beta1 for Adam-like
    optimizers) cycles the other way. Not to be confused with CyclicalLR, the cosine step size of
    cyclical SG-MCMC.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    base_lr, max_lr : float or list of float
        The lower and upper lr, one for all groups or one per group (base_lr becomes the groups' lr).
    step_size_up : int, default 2000
    step_size_down : int, optional
        Defaults to step_size_up.
    mode : {"triangular", "triangular2", "exp_range"}, default "triangular"
    gamma : float, default 1.0
        The per-step decay of "exp_range".
    scale_fn : callable, optional
        A custom amplitude scale (replaces ``mode``; not part of the state_dict).
    scale_mode : {"cycle", "iterations"}, default "cycle"
        What ``scale_fn`` is a function of.
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, default 0.8, 0.9
    """

    _settings = (
        "max_lrs",
        "total_size",
        "step_ratio",
        "mode",
        "gamma",
        "scale_mode",
        *_MOMENTUM_SETTINGS,
    )

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
    ) -> None:
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if not (up > 0 and down >= 0):
            raise ValueError(
                f"step_size_up must be positive and step_size_down non-negative, got {up} and {down}"
            )
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"mode must be 'triangular', 'triangular2' or 'exp_range', got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.total_size, self.step_ratio = up + down, up / (up + down)
        self.mode, self.gamma, self.scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = (
            scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        )
        lrs = _per_group("base_lr", base_lr, optimizer)
        self.max_lrs = _per_group("max_lr", max_lr, optimizer)
        self._init_momentum(optimizer, cycle_momentum, base_momentum, max_momentum)
        _INITIAL_LRS[optimizer] = lrs  # as PyTorch overwrites the groups' initial_lr
        super().__init__(optimizer)

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at cycle or step x (see ``scale_mode``)."""
        if self.scale_fn_custom is not None:
            return self.scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _heights(self) -> tuple[float, float]:
        """(fraction of the amplitude, its scale) at step last_epoch."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        fraction = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        return fraction, self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)

    def get_lr(self) -> list[float]:
        fraction, scale = self._heights()
        return [b + (m - b) * fraction * scale for b, m in zip(self.base_lrs, self.max_lrs, strict=True)]

    def momenta(self) -> list[float]:
        fraction, scale = self._heights()
        return [
            m - (m - b) * fraction * scale
            for b, m in zip(self.base_momentums, self.max_momentums, strict=True)
        ]


class ReduceLROnPlateau(LRScheduler):
    """Multiplies the lr by ``factor`` (not below ``min_lr``) when a metric has not improved for
    ``patience`` steps, as torch.optim.lr_scheduler.ReduceLROnPlateau; call ``step(metric)``.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
    mode : {"min", "max"}, default "min"
        Whether the metric improves by decreasing or increasing.
    factor : float, default 0.1
        The reduction factor, < 1.
    patience : int, default 10
        Steps without improvement tolerated before a reduction.
    threshold : float, default 1e-4
        The least improvement that counts, relative ("rel": best * (1 -+ threshold)) or absolute
        ("abs": best -+ threshold) as ``threshold_mode`` says.
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
        Steps after a reduction before bad steps count again.
    min_lr : float or list of float, default 0
        The lower bound of the lr, one for all groups or one per group.
    eps : float, default 1e-8
        Reductions smaller than eps are skipped.
    """

    _settings = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lrs",
        "eps",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
    )

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        if not factor < 1.0:
            raise ValueError(f"factor must be < 1, got {factor}")
        self.mode, self.factor, self.threshold, self.threshold_mode, self.eps = (
            mode,
            factor,
            threshold,
            threshold_mode,
            eps,
        )
        self.patience = check_count("patience", patience, 0)
        self.cooldown = check_count("cooldown", cooldown, 0)
        self.min_lrs = _per_group("min_lr", min_lr, optimizer)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        if self.threshold_mode == "rel":
            scale = 1.0 - self.threshold if self.mode == "min" else self.threshold + 1.0
            return a < best * scale if self.mode == "min" else a > best * scale
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Records the metric of one step (an epoch, as a rule) and reduces the lr on a plateau."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._apply()

    def _restore(self, state: dict[str, Any]) -> None:
        self._set_lrs(state["last_lr"])


class SequentialLR(LRScheduler):
    """Runs ``schedulers`` one after another, switching at each of ``milestones`` to the next one,
    restarted at its step 0, as torch.optim.lr_scheduler.SequentialLR. Step only the SequentialLR.

    Parameters
    ----------
    optimizer : vb.optim.Optimizer
        The optimizer of every schedule.
    schedulers : list of LRScheduler
        The schedules, constructed on ``optimizer`` (not ReduceLROnPlateau, not SequentialLR).
    milestones : list of int
        The steps at which the next schedule takes over, one fewer than the schedules.
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int]
    ) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("SequentialLR needs at least one scheduler")
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{i}] is a {type(s).__name__}, not an LRScheduler")
            if isinstance(s, (ReduceLROnPlateau, SequentialLR)):
                raise ValueError(f"SequentialLR cannot run a {type(s).__name__} (schedulers[{i}])")
            if s.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] belongs to another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs {len(schedulers) - 1} milestones for {len(schedulers)} schedulers, "
                f"got {len(milestones)}"
            )
        self.optimizer, self.schedulers = optimizer, schedulers
        self.milestones = [check_count("milestones", m, 0) for m in milestones]
        self.base_lrs = _initial_lrs(optimizer)
        self.last_epoch = 0
        # Undo what constructing the schedules did, then start the first one.
        for group, lr in zip(optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = lr
        for s in schedulers:
            s.last_epoch -= 1
        first = schedulers[bisect.bisect_right(self.milestones, 0)]
        first.step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect.bisect_right(self.milestones, self.last_epoch)
        current = self.schedulers[i]
        if i > 0 and self.milestones[i - 1] == self.last_epoch:
            current._restart()
        else:
            current.step()
        self._last_lr = current.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        return {
            "type": "SequentialLR",
            "last_epoch": self.last_epoch,
            "milestones": list(self.milestones),
            "last_lr": list(self._last_lr),
            "schedulers": [s.state_dict() for s in self.schedulers],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("type") != "SequentialLR":
            raise ValueError(f"state of a {state.get('type')} loaded into a SequentialLR")
        if len(state["schedulers"]) != len(self.schedulers):
            n, expected = len(state["schedulers"]), len(self.schedulers)
            raise ValueError(f"the state has {n} schedulers, this SequentialLR {expected}")
        for s, sub in zip(self.schedulers, state["schedulers"], strict=True):
            s.load_state_dict(sub)
        self.milestones = [int(m) for m in state["milestones"]]
        self.last_epoch = int(state["last_epoch"])
        self._set_lrs(state["last_lr"])  # the running schedule's, whichever schedule loaded last


# A scheduler's state loads as a marked dict for ``vb.load(path, into=scheduler)``: the optimizer it
# drives is not in the file.
io.register(LRScheduler, "scheduler", LRScheduler.state_dict, lambda state: {"__scheduler__": state})

__all__ = [
    "ChainableLR",
    "CosineAnnealingLR",
    "CyclicLR",
    "CyclicalLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "WarmupCosine",
]
