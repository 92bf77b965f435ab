"""Learning-rate schedules (``vb.optim.lr_scheduler``), stepped once per optimizer step or epoch.

Each schedule is a closed form lr(t) of its step counter t, applied to every parameter group
relative to the group's initial lr. StepLR, ExponentialLR and CosineAnnealingLR follow PyTorch's
semantics; WarmupCosine is the schedule of the NCSM study (linear warmup, cosine decay to a floor);
CyclicalLR is the cyclical step size of cyclical SG-MCMC, for vb.optim.SGLD.
"""

from __future__ import annotations

import math
from typing import Any

from .. import io
from .._checks import check_count
from .._core import Optimizer


class LRScheduler:
    """Base class: subclasses define ``lr_at(base_lr, t)`` and list their constructor settings in
    ``_settings`` (saved and restored by state_dict/load_state_dict)."""

    _settings: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        groups = optimizer.param_groups
        self.base_lrs = [g["lr"] for g in groups]
        self.last_epoch = 0
        self._apply()

    def lr_at(self, base_lr: float, t: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advances the schedule by one step and sets the groups' learning rates."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group after the last step."""
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {
            "type": type(self).__name__,
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            **{k: getattr(self, k) for k in self._settings},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("type", type(self).__name__) != type(self).__name__:
            raise ValueError(f"state of a {state['type']} loaded into a {type(self).__name__}")
        if len(state["base_lrs"]) != len(self.base_lrs):
            raise ValueError("the state has a different number of parameter groups")
        unknown = set(state) - {"type", "last_epoch", "base_lrs", *self._settings}
        if unknown:
            raise ValueError(f"unknown {type(self).__name__} settings in the state: {sorted(unknown)}")
        # The schedule's own settings come back too, as in PyTorch.
        for k in self._settings:
            if k in state:
                setattr(self, k, state[k])
        self.last_epoch = int(state["last_epoch"])
        self.base_lrs = [float(v) for v in state["base_lrs"]]
        self._apply()

    def _apply(self) -> None:
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.lr_at(base, self.last_epoch)


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


class StepLR(LRScheduler):
    """lr * gamma ** (t // step_size), as torch.optim.lr_scheduler.StepLR."""

    _settings = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        step_size = check_count("step_size", step_size)
        if not gamma > 0:
            raise ValueError(f"gamma must be positive, got {gamma}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """lr * gamma ** t, as torch.optim.lr_scheduler.ExponentialLR."""

    _settings = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        if not gamma > 0:
            raise ValueError(f"gamma must be positive, got {gamma}")
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t


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


# A scheduler's state loads as a marked dict for ``vb.load(path, into=scheduler)``: the optimizer it
# drives is not in the file.
io.register(LRScheduler, "scheduler", LRScheduler.state_dict, lambda state: {"__scheduler__": state})

__all__ = ["CosineAnnealingLR", "CyclicalLR", "ExponentialLR", "LRScheduler", "StepLR", "WarmupCosine"]
