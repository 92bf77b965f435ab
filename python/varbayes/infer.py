"""Posterior sampling by stochastic-gradient Langevin dynamics (``vb.infer``).

``vb.optim.SGLD`` moves the weights of a deterministic network; a ``SampleBank`` keeps thinned
snapshots of them after burn-in, and ``vb.predict(bank, x)`` (or ``vb.predict(bank.model(), x)``)
turns them into the same ``Prediction`` as Monte-Carlo samples of a variational posterior: one
forward pass per snapshot, aleatoric noise from the model's likelihood. ``sgld_sample`` runs the
whole loop and returns the bank with a ``Trace`` (per-step loss, learning rate, mixing diagnostics).

Diagnostics: ``ess`` is Geyer's initial-positive-sequence estimator of the effective sample size
(with the initial monotone sequence), ``split_rhat`` the Gelman-Rubin statistic between the two
halves of a chain, ``split_rhat_chains`` the same over the halves of several chains. A chain whose
sampled weights have ``min ESS < min_ess`` or ``max split-R-hat > max_rhat`` gets a
``ConvergenceWarning``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import _core, io
from ._checks import check_count, is_int
from .batches import dataset_size, loader_of
from .callbacks import progress_bar
from .likelihood import Likelihood, nll_function
from .optim.lr_scheduler import CyclicalLR


class ConvergenceWarning(UserWarning):
    """The Markov chain has not mixed: too few effective samples, or its halves disagree."""


# ---- diagnostics -----------------------------------------------------------------------------


def _chains(x: Any) -> tuple[np.ndarray, bool]:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim not in (1, 2):
        raise ValueError(f"expected a chain of shape (n,) or (n, k), got shape {a.shape}")
    if len(a) < 4:
        raise ValueError(f"a chain needs at least 4 draws, got {len(a)}")
    return a.reshape(len(a), -1), a.ndim == 1


def ess(x: Any) -> Any:
    """Effective sample size of a chain of shape (n,) (a float) or of k chains (n, k) (an array).

    ESS = n / tau, tau = -1 + 2 sum_k Gamma_k, Gamma_k = rho(2k) + rho(2k+1) summed while positive
    and made non-increasing (Geyer 1992); rho from the FFT autocovariance. A constant chain has
    no defined ESS (NaN)."""
    a, scalar = _chains(x)
    n = len(a)
    centred = a - a.mean(axis=0)
    size = 1 << (2 * n - 1).bit_length()  # zero padding: the circular correlation is the linear one
    f = np.fft.rfft(centred, n=size, axis=0)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=0)[:n] / n
    out = np.full(a.shape[1], np.nan)
    for j in range(a.shape[1]):
        if not acov[0, j] > 0:
            continue
        rho = acov[:, j] / acov[0, j]
        pairs = rho[0 : 2 * (n // 2) : 2] + rho[1 : 2 * (n // 2) : 2]
        stop = int(np.argmax(pairs <= 0)) if np.any(pairs <= 0) else len(pairs)
        tau = 2.0 * np.minimum.accumulate(pairs[: max(stop, 1)]).sum() - 1.0
        # An anticorrelated chain can have tau < 1; Stan's cap n log10(n) keeps ESS finite.
        out[j] = n / max(tau, 1.0 / math.log10(n))
    return float(out[0]) if scalar else out


def split_rhat(x: Any) -> Any:
    """Split-R-hat of a chain (n,) or of k chains (n, k): the Gelman-Rubin potential scale reduction
    between the first and the second half (the middle draw dropped for odd n); ~1 when mixed."""
    a, scalar = _chains(x)
    out = _gelman_rubin(_halves(a))
    return float(out[0]) if scalar else out


def split_rhat_chains(x: Any) -> Any:
    """Split-R-hat across m >= 2 chains of the same quantities, shape (m, n) (a float) or
    (m, n, k) (an array): the Gelman-Rubin statistic over the 2m half-chains, so chains that sit
    in different places and chains that drift both raise it (BDA3, section 11.4)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim not in (2, 3) or len(a) < 2:
        raise ValueError(f"expected m >= 2 chains of shape (m, n) or (m, n, k), got shape {a.shape}")
    chains = [_chains(c)[0] for c in a]
    out = _gelman_rubin(np.concatenate([_halves(c) for c in chains]))
    return float(out[0]) if a.ndim == 2 else out


def _halves(a: np.ndarray) -> np.ndarray:
    """The two halves (2, n // 2, k) of a chain (n, k), the middle draw dropped for odd n."""
    h = len(a) // 2
    return np.stack([a[:h], a[len(a) - h :]])


def _gelman_rubin(chains: np.ndarray) -> np.ndarray:
    """Potential scale reduction of chains (m, h, k) of equal length h, per quantity."""
    h = chains.shape[1]
    within = chains.var(axis=1, ddof=1).mean(axis=0)
    between = h * chains.mean(axis=1).var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(((h - 1) / h * within + between / h) / within)


@dataclass(frozen=True)
class Diagnostics:
    """Mixing of a bank: per monitored weight (``names``, e.g. "0.weight[3]") its ESS over the
    snapshots and its split-R-hat; ``loss_ess`` is the ESS of the per-step loss after burn-in
    (in steps) when it is known."""

    names: list[str]
    ess: np.ndarray
    rhat: np.ndarray
    n_samples: int
    loss_ess: float | None = None

    @property
    def min_ess(self) -> float:
        return float(np.min(self.ess)) if len(self.ess) else math.nan

    @property
    def max_rhat(self) -> float:
        return float(np.max(self.rhat)) if len(self.rhat) else math.nan

    def converged(self, min_ess: float = 50.0, max_rhat: float = 1.1) -> bool:
        """True when every monitored weight has ESS >= min_ess and split-R-hat <= max_rhat."""
        return bool(len(self.ess)) and bool(np.all(self.ess >= min_ess) and np.all(self.rhat <= max_rhat))

    def check(self, min_ess: float = 50.0, max_rhat: float = 1.1, stacklevel: int = 2) -> bool:
        """``converged``, and a ConvergenceWarning naming the worst weights when it is not."""
        ok = self.converged(min_ess, max_rhat)
        if not ok:
            if not len(self.ess):
                detail = "no weight changed between snapshots"
            else:
                # An undefined (NaN) ESS or R-hat counts as the worst.
                i = int(np.argmin(np.where(np.isnan(self.ess), -np.inf, self.ess)))
                j = int(np.argmax(np.where(np.isnan(self.rhat), np.inf, self.rhat)))
                detail = (
                    f"min ESS {self.min_ess:.3g} ({self.names[i]}) for {self.n_samples} samples "
                    f"(need >= {min_ess:g}), max split-R-hat {self.max_rhat:.3g} ({self.names[j]}) "
                    f"(need <= {max_rhat:g})"
                )
            warnings.warn(
                f"the chain has not mixed: {detail}; sample longer, thin more or change the step size",
                ConvergenceWarning,
                stacklevel=stacklevel,
            )
        return ok


# ---- the bank of snapshots -------------------------------------------------------------------


class SampleBank:
    """Thinned weight snapshots of a sampler's chain.

    Call ``collect(model)`` after every sampler step (or pass the bank to ``vb.train.fit`` as a
    callback, which collects once per epoch): call t (1-based) keeps a copy of
    ``model.state_dict()`` when t > ``burn_in`` and (t - burn_in) is a multiple of ``thin``; with
    ``max_samples`` only the latest that many are kept. The first collected model's architecture
    is copied (its type must be savable by ``vb.save``), so the bank predicts on its own.
    """

    def __init__(self, burn_in: int = 0, thin: int = 1, max_samples: int | None = None) -> None:
        self.burn_in, self.thin = check_count("burn_in", burn_in, 0), check_count("thin", thin)
        if max_samples is not None and (not is_int(max_samples) or max_samples < 1):
            raise ValueError(f"max_samples must be a positive integer or None, got {max_samples!r}")
        self.max_samples = None if max_samples is None else int(max_samples)
        self.steps_seen = 0
        self._template: _core.Module | None = None  # a copy of the sampled architecture
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._snapshots: deque[dict[str, np.ndarray]] = deque(maxlen=self.max_samples)

    def __len__(self) -> int:
        return len(self._snapshots)

    def __repr__(self) -> str:
        return (
            f"SampleBank({len(self)} samples, burn_in={self.burn_in}, thin={self.thin}, "
            f"max_samples={self.max_samples}, steps_seen={self.steps_seen})"
        )

    def collect(self, model: _core.Module) -> bool:
        """Counts one step and keeps a snapshot of ``model`` if the step is due; returns whether it did."""
        self.steps_seen += 1
        t = self.steps_seen - self.burn_in
        if t <= 0 or t % self.thin:
            return False
        state = model.state_dict()
        if self._template is None:
            self._set_template(io.copy_module(model))
        self._check_state(state)
        self._snapshots.append(state)
        return True

    def __call__(self, epoch: int, history: Any, model: _core.Module) -> None:
        """The ``vb.train.fit`` callback form of ``collect`` (once per epoch)."""
        self.collect(model)

    def _set_template(self, model: _core.Module) -> None:
        self._template = model
        self._shapes = {k: v.shape for k, v in model.state_dict().items()}

    def _check_state(self, state: dict[str, np.ndarray]) -> None:
        got = {k: v.shape for k, v in state.items()}
        if got != self._shapes:
            raise ValueError(
                "the model does not have the architecture of the bank's samples "
                f"(state entries and shapes {got} vs {self._shapes})"
            )

    def samples(self) -> dict[str, np.ndarray]:
        """The snapshots stacked per state entry: name -> array (n_samples, *shape)."""
        if not self._snapshots:
            return {}
        return {k: np.stack([s[k] for s in self._snapshots]) for k in self._snapshots[0]}

    def model(self, n_samples: int | None = None) -> BankModel:
        """A Module for ``vb.predict``: in sampling mode each forward pass uses the next snapshot
        (cycling), so ``vb.predict(bank.model(), x, n_samples=len(bank))`` uses each once. With
        ``n_samples`` it cycles through that many evenly spaced snapshots."""
        if self._template is None or not self._snapshots:
            raise ValueError("the SampleBank is empty; collect samples first")
        n = len(self)
        if n_samples is None:
            n_samples = n
        if not is_int(n_samples) or not 1 <= n_samples <= n:
            raise ValueError(f"n_samples must be an integer in [1, {n}] (the bank's size), got {n_samples!r}")
        indices = np.linspace(0, n - 1, n_samples).round().astype(np.int64)
        return BankModel(io.copy_module(self._template), self.samples(), indices)

    def diagnostics(self, weights: int | Sequence[tuple[str, int]] = 8, seed: int = 0) -> Diagnostics:
        """ESS and split-R-hat over the snapshots of some weights: ``weights`` (name, flat index)
        pairs, or a count of weights drawn at random (seeded) among those that changed between
        snapshots (entries that never change, such as fixed parameters, are not part of the chain)."""
        if len(self) < 4:
            raise ValueError(f"diagnostics need at least 4 samples, the bank has {len(self)}")
        stacked = self.samples()
        names = list(stacked)
        flat = np.concatenate([stacked[k].reshape(len(self), -1) for k in names], axis=1)  # (S, weights)
        offsets = np.cumsum([0] + [stacked[k][0].size for k in names])
        if is_int(weights):
            if weights < 1:
                raise ValueError(f"weights must be a positive count or (name, index) pairs, got {weights}")
            moving = np.flatnonzero(np.ptp(flat, axis=0) > 0)
            rng = np.random.default_rng(seed)
            columns = np.sort(rng.choice(moving, min(weights, len(moving)), replace=False))
        else:
            columns = []
            for k, i in weights:
                if k not in stacked or not 0 <= int(i) < stacked[k][0].size:
                    raise ValueError(f"no weight {k}[{i}] in the bank (entries: {names})")
                columns.append(offsets[names.index(k)] + int(i))
            columns = np.array(columns, dtype=np.int64)
        entries = np.searchsorted(offsets, columns, side="right") - 1
        chains = flat[:, columns]
        return Diagnostics(
            [f"{names[e]}[{c - offsets[e]}]" for e, c in zip(entries, columns, strict=True)],
            ess(chains) if len(columns) else np.zeros(0),
            split_rhat(chains) if len(columns) else np.zeros(0),
            len(self),
        )

    # -- persistence (vb.save / vb.load) --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The bank as plain values, arrays and its model (what ``vb.save`` writes)."""
        return {
            "burn_in": self.burn_in,
            "thin": self.thin,
            "max_samples": self.max_samples,
            "steps_seen": self.steps_seen,
            "model": self._template,
            "samples": self.samples(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SampleBank:
        """Inverse of ``to_dict``."""
        bank = cls(
            int(d["burn_in"]), int(d["thin"]), None if d["max_samples"] is None else int(d["max_samples"])
        )
        bank.steps_seen = int(d["steps_seen"])
        samples: dict[str, np.ndarray] = d["samples"]
        if d["model"] is not None:
            bank._set_template(d["model"])
        if samples:
            if d["model"] is None:
                raise ValueError("a SampleBank with samples needs its model")
            counts = {len(a) for a in samples.values()}
            if len(counts) != 1:
                raise ValueError(f"the bank's entries have different sample counts {sorted(counts)}")
            for s in range(counts.pop()):
                snapshot = {k: np.array(a[s]) for k, a in samples.items()}
                bank._check_state(snapshot)
                bank._snapshots.append(snapshot)
        return bank


io.register(SampleBank, "sample_bank", SampleBank.to_dict, SampleBank.from_dict)


class BankModel(_core.Module):
    """The network of a SampleBank with its snapshots (see ``SampleBank.model``). In sampling mode
    (``vb.nn.sampling(True)``, as ``vb.predict`` uses) each forward loads the next snapshot; with
    sampling off it uses the mean of the snapshots' weights, as Bayesian layers use their posterior
    means (for a multimodal posterior that point need not predict well). ``likelihood`` is the
    network's, so the aleatoric noise of each snapshot is its own."""

    def __init__(self, net: _core.Module, samples: dict[str, np.ndarray], indices: np.ndarray) -> None:
        super().__init__()
        self.net = net
        self._samples, self._indices, self._cursor = samples, indices, 0
        self._mean: dict[str, np.ndarray] | None = None  # built on first use: vb.predict never needs it

    @property
    def n_samples(self) -> int:
        """The number of snapshots it cycles through."""
        return len(self._indices)

    @property
    def likelihood(self) -> Any:
        return getattr(self.net, "likelihood", None)

    def forward(self, x: _core.Tensor) -> _core.Tensor:
        if _core.is_sampling_enabled():
            s = int(self._indices[self._cursor])
            self._cursor = (self._cursor + 1) % len(self._indices)
            self.net.load_state_dict({k: a[s] for k, a in self._samples.items()})
        else:
            if self._mean is None:
                self._mean = {k: a.mean(axis=0).astype(a.dtype) for k, a in self._samples.items()}
            self.net.load_state_dict(self._mean)
        return self.net(x)

    def extra_repr(self) -> str:
        return f"n_samples={self.n_samples}"


# ---- the sampling driver ---------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """Per-step record of a run: ``loss`` (the minibatch mean NLL), ``lr``, and the mixing
    ``diagnostics`` of the collected samples (None when fewer than 4 were collected)."""

    loss: np.ndarray
    lr: np.ndarray
    diagnostics: Diagnostics | None


def sgld_sample(
    model: _core.Module,
    data: Any,
    *,
    lr: float,
    prior: Any,
    steps: int,
    burn_in: int = 0,
    thin: int = 1,
    max_samples: int | None = None,
    n_data: int | None = None,
    likelihood: str | Likelihood | Any = "gaussian",
    batch_size: int | None = None,
    temperature: float = 1.0,
    preconditioned: bool = False,
    alpha: float = 0.99,
    eps: float = 1e-5,
    cycles: int = 0,
    exploration: float = 0.0,
    params: Sequence[_core.Tensor] | None = None,
    seed: int = 0,
    progress: bool = False,
    diagnose_weights: int | Sequence[tuple[str, int]] = 8,
    min_ess: float = 50.0,
    max_rhat: float = 1.1,
    check: bool = True,
) -> tuple[SampleBank, Trace]:
    """Runs ``steps`` SGLD (pSGLD with ``preconditioned``) steps on ``model`` and returns the
    SampleBank of its snapshots (``burn_in``, ``thin``, ``max_samples`` as in SampleBank) and the
    Trace. The model is left at the chain's last state.

    data: a ``vb.train.DataLoader`` or ``vb.utils.data.DataLoader`` of (x, y) batches, or (x, y)
    arrays, then minibatches of ``batch_size`` (default: all of them), shuffled with ``seed``.
    n_data: the data set size N (default: the loader's number of rows or samples).
    likelihood: a ``vb.likelihood`` object or shortcut as in ``vb.train.ELBO`` ("gaussian" needs
    a ``GaussianLikelihood`` attribute ``likelihood``, "heteroscedastic", "categorical",
    "bernoulli", "poisson"), or ``nll(output, target)`` returning the mean NLL; each step
    backpropagates the minibatch mean NLL and SGLD scales it by N and adds the prior's gradient
    (see vb.optim.SGLD). prior: a NormalPrior with one mean and std, (mean, std) or a std.
    params: the tensors to sample (default: every parameter that requires grad, a trainable
    ``GaussianLikelihood`` noise included; make it ``trainable=False`` to keep it fixed).
    cycles > 0: the cyclical step size of cSG-MCMC (``CyclicalLR`` with ``cycles`` cycles over
    ``steps``), with noise-free exploration over the first ``exploration`` of each cycle, where
    nothing is collected (``exploration`` without cycles is refused). With ``check``, a
    ConvergenceWarning is raised when the diagnostics of ``diagnose_weights`` fail ``min_ess`` /
    ``max_rhat``.
    """
    bayesian = [name for name, m in model.named_modules() if isinstance(m, _core.BayesLinear)]
    if bayesian:
        raise ValueError(
            f"sgld_sample samples the weights of deterministic layers (vb.nn.Linear); {bayesian} are "
            "Bayesian layers whose mu/rho are variational parameters"
        )
    check_count("steps", steps)
    if not is_int(cycles) or cycles < 0 or cycles > steps:
        raise ValueError(f"cycles must be an integer in [0, steps], got {cycles!r}")
    if exploration and not cycles:
        raise ValueError(
            f"exploration={exploration!r} needs cycles > 0: the exploration stage is the start of each "
            "cycle of the cyclical step size"
        )
    # (DataLoader refuses a batch_size of 0, negative or not an integer)
    full = len(data[0]) if isinstance(data, (tuple, list)) else 1
    loader = loader_of(data, full if batch_size is None else batch_size, True, seed, "the data loader")
    if n_data is None:
        n_data = dataset_size(loader)
    # A full batch does not depend on the order of the rows: built once, not every step.
    batches = _forever(loader) if len(loader) > 1 else itertools.repeat(next(iter(loader)))
    nll = nll_function(likelihood, model)
    sampled = [p for p in model.parameters() if p.requires_grad] if params is None else list(params)
    optimizer = _core.SGLD(
        sampled,
        lr,
        prior=prior,
        n_data=n_data,
        temperature=temperature,
        preconditioned=preconditioned,
        alpha=alpha,
        eps=eps,
        seed=seed,
    )
    scheduler = CyclicalLR(optimizer, -(-steps // cycles), exploration=exploration) if cycles else None
    bank = SampleBank(burn_in, thin, max_samples)
    losses, lrs = np.empty(steps), np.empty(steps)
    bar = progress_bar(steps, progress, unit="step")
    model.train()
    for step in range(steps):
        xb, yb = next(batches)
        optimizer.zero_grad()
        value = nll(model(xb), yb)
        losses[step] = value.item()
        if not math.isfinite(losses[step]):
            raise RuntimeError(f"sgld_sample: non-finite loss at step {step}; lower the learning rate")
        lrs[step] = optimizer.param_groups[0]["lr"]
        value.backward()
        optimizer.step()
        collect = scheduler is None or scheduler.sampling
        if scheduler is not None:
            scheduler.step()
        if collect:
            bank.collect(model)
        if bar is not None and (step + 1) % 100 == 0:
            bar.update(100)
            bar.set_postfix({"loss": f"{losses[step]:.4g}", "samples": len(bank)})
    if bar is not None:
        bar.close()
    diagnostics = None
    if len(bank) >= 4:
        after = losses[burn_in:]
        diagnostics = replace(
            bank.diagnostics(diagnose_weights, seed), loss_ess=ess(after) if len(after) >= 4 else None
        )
        if check:
            diagnostics.check(min_ess, max_rhat, stacklevel=3)  # the warning names the caller's line
    elif check:
        warnings.warn(
            f"sgld_sample collected {len(bank)} samples, too few to check mixing (need 4)",
            ConvergenceWarning,
            stacklevel=2,
        )
    return bank, Trace(losses, lrs, diagnostics)


def _forever(loader: Any) -> Iterator[Any]:
    while True:
        yield from loader


__all__ = [
    "BankModel",
    "ConvergenceWarning",
    "Diagnostics",
    "SampleBank",
    "Trace",
    "ess",
    "sgld_sample",
    "split_rhat",
    "split_rhat_chains",
]
