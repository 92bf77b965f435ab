"""The training loss of a Bayesian network: the negative ELBO per data point and KL schedules.

Convention (docs/guide/training.md): for a data set of N points and a minibatch B,
``loss = mean_{i in B} NLL_i + beta * KL / N``, i.e. the negative ELBO divided by N. NLL, KL and
beta are reported separately.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _core
from ._checks import check_count, is_int
from .likelihood import Likelihood, nll_function, resolve

# ---- KL schedules: beta factor in [0, 1] as a function of the optimizer step ----------------


@dataclass(frozen=True)
class KLSchedule:
    """beta(step) = kl_weight * factor(step). kind: "constant", "linear" or "cosine" warm-up over
    ``steps``, or "cyclical" (Fu et al. 2019: within each period of ``steps``, a linear rise over
    the first ``ramp`` fraction, then constant).

    Parameters
    ----------
    kind : str
        "constant", "linear", "cosine" or "cyclical".
    steps : int
        Warm-up length (or period, for "cyclical") in optimizer steps.
    ramp : float
        The rising fraction of each cyclical period, in (0, 1].
    """

    kind: str = "constant"
    steps: int = 0
    ramp: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in ("constant", "linear", "cosine", "cyclical"):
            raise ValueError(f"unknown KL schedule {self.kind!r}; use constant, linear, cosine or cyclical")
        if self.kind != "constant" and (not is_int(self.steps) or self.steps < 1):
            raise ValueError(f"a {self.kind} KL schedule needs steps >= 1, got {self.steps!r}")
        if not 0 < self.ramp <= 1:
            raise ValueError(f"ramp must be in (0, 1], got {self.ramp}")

    def factor(self, step: int) -> float:
        """The schedule's factor in [0, 1] at an optimizer step."""
        if self.kind == "constant":
            return 1.0
        if self.kind == "cyclical":
            phase = (step % self.steps) / self.steps
            return min(1.0, phase / self.ramp)
        p = min(1.0, step / self.steps)
        return p if self.kind == "linear" else 0.5 * (1.0 - math.cos(math.pi * p))


class ELBO:
    """Negative ELBO per data point: ``mean batch NLL + beta * KL / n_data``.

    Parameters
    ----------
    n_data : int
        The data set size N.
    likelihood : str, Likelihood or callable
        A ``vb.likelihood`` object or shortcut: "gaussian" (homoscedastic; the noise is the
        model's ``likelihood`` attribute, a ``GaussianLikelihood``), "heteroscedastic" (the model
        ends in ``GaussianHead``), "categorical" (logits and integer targets), "bernoulli",
        "poisson"; or a callable ``nll(output, target) -> Tensor`` (mean NLL).
    kl_weight : float
        The final beta.
    kl_schedule : KLSchedule, optional
        The warm-up of beta (constant by default).

    After each call, ``last`` holds the floats nll, kl and beta.
    """

    def __init__(
        self,
        n_data: int,
        likelihood: str | Likelihood | Callable[[_core.Tensor, Any], _core.Tensor] = "gaussian",
        kl_weight: float = 1.0,
        kl_schedule: KLSchedule | None = None,
    ) -> None:
        n_data = check_count("n_data", n_data)
        if not kl_weight >= 0:
            raise ValueError(f"kl_weight must be non-negative, got {kl_weight}")
        if isinstance(likelihood, str) and likelihood != "gaussian":
            resolve(likelihood)  # refuses an unknown name now, not at the first step
        self.n_data, self.likelihood, self.kl_weight = n_data, likelihood, kl_weight
        self.kl_schedule = kl_schedule or KLSchedule()
        self.last: dict[str, float] = {}

    def beta(self, step: int | None) -> float:
        """beta at an optimizer step; ``None`` gives the final value (kl_weight), which validation
        uses so the monitored objective does not drift while beta is annealed."""
        return self.kl_weight * (1.0 if step is None else self.kl_schedule.factor(step))

    def nll(self, model: _core.Module, output: _core.Tensor, target: Any) -> _core.Tensor:
        """The mean NLL of a batch under the likelihood (``"gaussian"`` uses ``model.likelihood``)."""
        return nll_function(self.likelihood, model)(output, target)

    def __call__(
        self,
        model: _core.Module,
        output: _core.Tensor,
        target: Any,
        step: int | None = 0,
        kl: _core.Tensor | None = None,
    ) -> _core.Tensor:
        """The loss of one batch; ``kl`` is the model's KL as handed over by
        ``output, kl = model.forward_with_kl(x)`` (the fused single pass), or ``None`` to compute
        ``model.kl()`` anew."""
        nll = self.nll(model, output, target)
        beta = self.beta(step)
        kl = model.kl() if kl is None else kl
        loss = nll + kl * (beta / self.n_data) if beta > 0 else nll
        self.last = {"nll": nll.item(), "kl": kl.item(), "beta": beta}
        return loss


__all__ = ["ELBO", "KLSchedule"]
