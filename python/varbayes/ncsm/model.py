"""Bayesian networks for E(Nmax, hw) and their training with the three priors.

Three architectures, all trained on MinMax-scaled inputs t = scaled Nmax, h = scaled hw and the
scaled energy y (``NCSMConfig.architecture`` may also name several: their fits are pooled):

- ``"mlp"``: the reference study's compact network, y = f(t, h), two hidden tanh layers;
- ``"exponential"``: the same kind of network maps h to three numbers (e, a, c) and
  y = e + softplus(a) * exp(-softplus(c) * t). It is the classic per-hw extrapolation law with
  its hw dependence learned jointly (and with uncertainty) from all points, so it decreases
  with Nmax and converges by construction; e is the converged (Nmax -> infinity) energy.
- ``"exponential_shared"``: the same law with one converged energy e for every hw (a Bayesian
  1 -> 1 layer on a constant input), the network giving only (a, c) per hw. The Nmax -> infinity
  limit of the NCSM energy does not depend on the oscillator energy, so the per-hw e of
  ``"exponential"`` (free to differ by hundreds of keV between neighbouring hw) is one number.

Training uses only the hw window around the variational minimum (``NCSMConfig.hw_window``) and
the highest trained Nmax values (``NCSMConfig.nmax_window``);
predictions at hw outside it are extrapolations in hw as well.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import Any

import numpy as np

from .. import _core, io
from .._checks import check_count, is_int
from ..batches import DataLoader
from ..callbacks import EarlyStopping
from ..creation import tensor
from ..elbo import ELBO, KLSchedule
from ..infer import ConvergenceWarning, SampleBank, Trace, ess, sgld_sample, split_rhat_chains
from ..nn.bayes import GaussianLikelihood, ensemble_prior
from ..optim.lr_scheduler import WarmupCosine
from ..parallel import map_fits
from ..predict import Prediction, predict
from ..train import History, fit
from .data import NCSMTable
from .preprocess import MinMaxScaler, Split, densify, split

ARCHITECTURES = ("exponential", "exponential_shared", "mlp")
# outputs of the hidden network: y itself, (e, a, c) or (a, c)
_OUTPUTS = {"mlp": 1, "exponential": 3, "exponential_shared": 2}
# The three variational priors, and "sgld": a Langevin posterior under a fixed N(0, prior_std^2) prior.
PRIORS = ("fixed", "trainable", "ensemble", "sgld")
# Seeds of the fits of the mixture: seed, seed + stride, ...; a stride this large keeps the fits of
# nearby --seed values from sharing seeds.
FIT_SEED_STRIDE = 1_000_003
MAX_CORRECTION_LOG_STD = 2.0
# The law's correction factors (``correction_log_std``) come from the stream (seed, _FACTOR_STREAM),
# apart from the global generator that draws the variational weights: every call with the same seed
# gives each posterior sample the same factor.
_FACTOR_STREAM = 1
# The default generator's state after fitting (for the draws of the predictions) comes from the
# stream (seed, _PREDICT_STREAM).
_PREDICT_STREAM = 2


@dataclass
class NCSMConfig:
    """Settings of the NCSM workflow (defaults are the recommended ones)."""

    # The recommended default: Langevin samples (fixed N(0, prior_std^2) prior) of both structural
    # hypotheses, pooled. Why these defaults, with measurements: docs/ncsm/evaluation.md.
    prior: str = "sgld"
    # One architecture, or several: then every architecture gets ``fits`` fits (chains) and the
    # mixture pools them all with equal weights, a Bayesian model average over the structural
    # hypotheses (per-hw converged energies, or one for every hw).
    architecture: str | tuple[str, ...] = ("exponential", "exponential_shared")
    hidden: tuple[int, ...] = (32, 32)
    prior_std: float = 1.0
    posterior_rho_init: float = -6.0
    epochs: int = 4000
    lr: float = 5e-3
    min_lr: float = 1e-5
    warmup_fraction: float = 0.05
    adam_eps: float = 1e-6  # larger than Adam's default, for stability (as in the reference study)
    clip_norm: float = 1.0
    kl_weight: float = 1.0
    kl_anneal_fraction: float = 0.25
    patience: int = 800
    ensemble_size: int = 5
    ensemble_epochs: int = 3000
    densify: int = 0
    physics_weight: float = 0.0
    physics_nmax: tuple[int, ...] = ()
    noise_std_init: float = 0.01
    # prior "sgld": pSGLD started from a least-squares network, the likelihood noise fixed at
    # noise_std_init (the value the variational models start from); the samples are the snapshots
    # every sgld_thin steps after sgld_burn_in.
    sgld_lr: float = 1e-6
    sgld_steps: int = 60000
    sgld_burn_in: int = 20000
    sgld_thin: int = 200
    # The least-squares start of each chain: trained on every row (a chain has no use for validation
    # rows) for this many epochs without early stopping, so that the chain starts at a mode.
    sgld_start_epochs: int = 20000
    val_fraction: float = 0.15
    test_fraction: float = 0.0
    n_samples: int = 200  # Monte-Carlo samples per prediction (per fit of the mixture)
    # Uncertainty of the extrapolation law itself. Fitted to three Nmax, E_inf + a exp(-c Nmax) is
    # exactly determined at every hw, so the posterior cannot know that the law's correction
    # beyond the data is wrong (3He: too small by a factor ~2-3). Every posterior sample's
    # predicted correction beyond the highest trained Nmax, y(Nmax, hw) - y(top, hw), is therefore
    # multiplied by exp(s xi - s^2 / 2), s = correction_log_std, xi ~ N(0, 1), one draw per sample
    # and the same at every Nmax and hw of it (a misjudged convergence rate is systematic). The
    # factor has mean 1, so the predictive mean stays the law's and only the spread grows; the
    # converged energy gets the same factor. The value is calibrated by benchmarks/ncsm_calibration.py
    # (docs/ncsm/index.md); 0: off.
    correction_log_std: float = 0.28
    # Independent fits per architecture (variational priors: each with its own validation rows,
    # initialisation, ensemble and sampling seeds; sgld: one chain each, from its own least-squares
    # start), pooled as an equal-weight mixture of their posteriors. One mean-field fit lands in one
    # basin, early-stopped on one handful of validation rows, so its extrapolation moves from seed
    # to seed; the mixture averages that out and its spread counts in the intervals.
    fits: int = 5
    seed: int = 0
    # Training hw window: an explicit (lo, hi) in MeV, else [h0 / hw_window, h0 * hw_window] with h0
    # the variational-minimum hw at the highest training Nmax (None for both: every hw). Far below
    # h0 the energies are far from converged and not exponential in Nmax; their misfit would set
    # the learned noise everywhere. The factor 2 was fixed a priori, not tuned on held-out points.
    hw_range: tuple[float, float] | None = None
    hw_window: float | None = 2.0
    # Training Nmax: only the highest ``nmax_window`` trained Nmax values (None: all), the rows the
    # classic per-hw fit uses. E_inf + a exp(-c Nmax) is an asymptotic law: fitted jointly, the
    # lowest Nmax bend the curves that are extrapolated. Chosen a priori to give both methods the
    # same rows.
    nmax_window: int | None = 3
    # Fits (chains) trained at the same time, in worker processes (vb.parallel.map_fits); None:
    # every core. An execution setting: the results are the same whatever it is.
    n_jobs: int | None = None
    history: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {self.prior!r}")
        archs = (self.architecture,) if isinstance(self.architecture, str) else tuple(self.architecture)
        if not archs or any(a not in ARCHITECTURES for a in archs) or len(set(archs)) < len(archs):
            raise ValueError(
                f"architecture must be one of {ARCHITECTURES} or a tuple of distinct ones, "
                f"got {self.architecture!r}"
            )
        self.architecture = archs[0] if len(archs) == 1 else archs
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise ValueError(f"hidden sizes must be positive, got {self.hidden}")
        self.hidden = tuple(int(h) for h in self.hidden)
        if not self.prior_std > 0:
            raise ValueError(f"prior_std must be positive, got {self.prior_std}")
        if self.hw_range is not None:
            self.hw_range = (float(self.hw_range[0]), float(self.hw_range[1]))
            if not self.hw_range[0] <= self.hw_range[1]:
                raise ValueError(f"hw_range must be (lo, hi) with lo <= hi, got {self.hw_range}")
        if self.hw_window is not None and not self.hw_window >= 1:
            raise ValueError(f"hw_window must be at least 1 (or None), got {self.hw_window}")
        if self.nmax_window is not None and self.nmax_window < 2:
            raise ValueError(f"nmax_window must be at least 2 (or None), got {self.nmax_window}")
        # Above 2 the mean-one factor exp(s xi - s^2/2) is below 0.14 for half the samples and
        # huge for a rare few, a distribution a few hundred samples do not represent.
        if not (
            math.isfinite(self.correction_log_std) and 0 <= self.correction_log_std <= MAX_CORRECTION_LOG_STD
        ):
            raise ValueError(
                f"correction_log_std must be in [0, {MAX_CORRECTION_LOG_STD}], got {self.correction_log_std}"
            )
        for name in ("fits", "epochs", "ensemble_epochs", "sgld_start_epochs", "sgld_steps", "n_samples"):
            setattr(self, name, check_count(name, getattr(self, name)))
        # the generators take 64-bit seeds, and the fits derive theirs as seed * 1000 + ...
        if not is_int(self.seed) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")
        self.seed = int(self.seed)
        if not is_int(self.ensemble_size) or self.ensemble_size < 2:
            raise ValueError(f"ensemble_size must be an integer at least 2, got {self.ensemble_size!r}")
        self.ensemble_size = int(self.ensemble_size)
        if self.n_jobs is not None:
            self.n_jobs = check_count("n_jobs", self.n_jobs)

    def settings(self) -> dict[str, Any]:
        """The settings that determine the results (reported and saved): all but ``n_jobs`` and
        ``history``."""
        return {k: v for k, v in asdict(self).items() if k not in ("n_jobs", "history")}


class NCSMNet(_core.Module):
    """The network on scaled (t, h) inputs; ``bayesian`` selects BayesLinear or Linear layers."""

    def __init__(
        self,
        architecture: str = "exponential",
        hidden: tuple[int, ...] = (32, 32),
        bayesian: bool = True,
        posterior_rho_init: float = -6.0,
    ) -> None:
        super().__init__()
        self.architecture, self.hidden, self.bayesian = architecture, tuple(hidden), bayesian

        def linear(n_in: int, n_out: int, bias: bool = True) -> _core.Module:
            if bayesian:
                return _core.BayesLinear(n_in, n_out, bias, posterior_rho_init=posterior_rho_init)
            return _core.Linear(n_in, n_out, bias)

        sizes = [2 if architecture == "mlp" else 1, *hidden, _OUTPUTS[architecture]]
        layers: list[_core.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(_core.Tanh())
        self.body = _core.Sequential(*layers)
        if architecture == "exponential_shared":
            self.limit = linear(1, 1, bias=False)  # e = its one weight (times a constant 1)

    def forward(self, x: _core.Tensor) -> _core.Tensor:
        if self.architecture == "mlp":
            return self.body(x)
        z = self.body(x[:, 1:2])
        if self.architecture == "exponential":
            e, z = z[:, 0:1], z[:, 1:3]
        else:
            e = self.limit(_core.ones_like(x[:, 0:1]))
        return e + _core.softplus(z[:, 0:1]) * _core.exp(-_core.softplus(z[:, 1:2]) * x[:, 0:1])

    def extra_repr(self) -> str:
        return f"architecture={self.architecture!r}, hidden={self.hidden}, bayesian={self.bayesian}"


io.register_module_type(
    NCSMNet,
    lambda m: {"architecture": m.architecture, "hidden": list(m.hidden), "bayesian": m.bayesian},
    lambda c: NCSMNet(c["architecture"], tuple(c["hidden"]), c["bayesian"]),
)


class _PhysicsELBO(ELBO):
    """ELBO + lambda * L_phys, L_phys = mean relu(E(Nmax + 2) - E(Nmax)) on a grid beyond the data:
    the variational principle says E does not increase with Nmax at fixed hw."""

    def __init__(self, base: ELBO, weight: float, grid: np.ndarray) -> None:
        super().__init__(base.n_data, base.likelihood, base.kl_weight, base.kl_schedule)
        self.weight = weight
        self.lower = tensor(grid[:, :2])
        self.upper = tensor(grid[:, 2:])

    def __call__(
        self,
        model: _core.Module,
        output: _core.Tensor,
        target: Any,
        step: int | None = 0,
        kl: _core.Tensor | None = None,
    ) -> _core.Tensor:
        loss = super().__call__(model, output, target, step, kl)
        penalty = _core.relu(model(self.upper) - model(self.lower)).mean()
        self.last["physics"] = penalty.item()
        return loss + penalty * self.weight


def _points(nmax: Any, hw: Any) -> tuple[np.ndarray, np.ndarray]:
    """The points (nmax[i], hw[i]) as two float arrays; one value of either serves every point."""
    nmax, hw = (np.asarray(v, dtype=np.float64).ravel() for v in (nmax, hw))
    if nmax.size == 0 or hw.size == 0:
        raise ValueError("no points: nmax and hw must hold at least one value each")
    bad_nmax, bad_hw = ~(np.isfinite(nmax) & (nmax >= 0)), ~(np.isfinite(hw) & (hw > 0))
    if bad_nmax.any():
        raise ValueError(f"nmax must be finite and >= 0, got {nmax[bad_nmax][:3]}")
    if bad_hw.any():
        raise ValueError(f"hw must be finite and > 0 (MeV), got {hw[bad_hw][:3]}")
    if nmax.size != hw.size and 1 not in (nmax.size, hw.size):
        raise ValueError(
            f"nmax and hw must have the same length (or one value), got {nmax.size} and {hw.size}"
        )
    return np.broadcast_arrays(nmax, hw)


class NCSMExtrapolator:
    """Fits a Bayesian network to the rows of a table with Nmax <= ``train_nmax_max`` (nothing
    above is looked at, scaling included) and predicts energies in MeV with uncertainty."""

    def __init__(self, config: NCSMConfig | None = None) -> None:
        self.config = config or NCSMConfig()
        # the pooled posteriors, ``fits`` per architecture: variational fits or SGLD banks (chains)
        self.model: list[NCSMNet] | list[SampleBank] | None = None
        self.scaler_x: MinMaxScaler | None = None
        self.scaler_y: MinMaxScaler | None = None
        self.train_nmax_max: int | None = None
        self.hw_train_range: tuple[float, float] = (-np.inf, np.inf)
        self.history: History | None = None  # the first fit's (plotted)
        self.histories: list[History] = []
        self.ensemble_histories: list[History] = []
        self.sgld_traces: list[Trace] = []
        self.sgld_warnings: list[str] = []
        self.lr_schedule: list[float] = []
        self.fit_seconds = 0.0  # the fits' training time, added up over the workers

    # -- training --------------------------------------------------------------------------
    def training_rows(self, table: NCSMTable, train_nmax_max: int) -> tuple[NCSMTable, tuple[float, float]]:
        """The rows a fit uses (Nmax <= ``train_nmax_max``, the Nmax and hw windows) and the hw window."""
        usable = table.subset(nmax_max=train_nmax_max)
        if usable.nmax.size == 0:
            raise ValueError(
                f"no rows with Nmax <= {train_nmax_max} (the table's Nmax: {table.nmax_values().tolist()})"
            )
        hw_range = self._hw_window(usable)
        return usable.subset(nmax=self._nmax_window(usable), hw_range=hw_range), hw_range

    def fit(self, table: NCSMTable, train_nmax_max: int, progress: bool = False) -> NCSMExtrapolator:
        """Fits the rows with Nmax <= ``train_nmax_max``, ``config.n_jobs`` fits at a time."""
        fit_all([self], table, train_nmax_max, progress=progress, n_jobs=self.config.n_jobs)
        return self

    def _fit_tasks(self, table: NCSMTable, train_nmax_max: int) -> list[dict[str, Any]]:
        """Selects the training rows and fits the scalers; one task of ``_fit_task`` per fit."""
        cfg = self.config
        usable, self.hw_train_range = self.training_rows(table, train_nmax_max)
        # the highest trained Nmax, from which the law's correction is measured (an argument
        # between two Nmax of the table, e.g. 9 for Nmax 8 and 10, trains on Nmax <= 8)
        self.train_nmax_max = int(usable.nmax.max())
        self.table = usable
        hws = usable.hw_values()
        if hws.size < 3:
            # the networks map hw to the law's parameters; one or two hw leave that map a guess
            warnings.warn(
                f"the training rows hold {hws.size} hw value(s) ({', '.join(f'{h:g}' for h in hws)} MeV): "
                "the hw dependence is not determined by the data, so predictions at any other hw "
                "are extrapolations in hw and their intervals mean little",
                UserWarning,
                stacklevel=4,
            )
        seeds = [cfg.seed + FIT_SEED_STRIDE * j for j in range(cfg.fits)]
        val_fraction = 0.0 if cfg.prior == "sgld" else cfg.val_fraction
        splits = [split(usable, train_nmax_max, val_fraction, cfg.test_fraction, seed=s) for s in seeds]
        self.split = splits[0]
        # the scalers come from the first fit's training rows and serve every fit
        tr = splits[0].train
        self.scaler_x = MinMaxScaler().fit(
            np.column_stack([usable.nmax[tr], usable.hw[tr]]).astype(np.float64)
        )
        self.scaler_y = MinMaxScaler().fit(usable.energy[tr][:, None])
        arrays = [self._split_arrays(usable, parts) for parts in splits]
        x_phys = self._physics_grid(usable) if cfg.physics_weight > 0 else None
        return [
            {"settings": cfg.settings(), "architecture": arch, "seed": seed, "arrays": xy, "x_phys": x_phys}
            for arch in self.architectures
            for xy, seed in zip(arrays, seeds, strict=True)
        ]

    def _collect(self, fitted: list[dict[str, Any]]) -> None:
        """Takes the results of ``_fit_task`` for the tasks of ``_fit_tasks``, in their order."""
        self.model = [io.load(BytesIO(f["model"])) for f in fitted]
        self.histories = [h for f in fitted for h in f["histories"]]
        self.ensemble_histories = [h for f in fitted for h in f["ensemble_histories"]]
        self.sgld_traces = [t for f in fitted for t in f["sgld_traces"]]
        self.sgld_warnings = [w for f in fitted for w in f["sgld_warnings"]]
        self.lr_schedule = fitted[-1]["lr_schedule"]
        self.fit_seconds = sum(f["seconds"] for f in fitted)
        self.history = self.histories[0]

    def _split_arrays(
        self, table: NCSMTable, parts: Split
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scaled training inputs and targets (densified if configured), then validation ones."""
        t, v = parts.train, parts.val
        tr_n, tr_h, tr_e = table.nmax[t], table.hw[t], table.energy[t]
        if self.config.densify:
            tr_n, tr_h, tr_e = densify(tr_n, tr_h, tr_e, self.config.densify)
        return (
            self._inputs(tr_n, tr_h),
            self._targets(tr_e),
            self._inputs(table.nmax[v], table.hw[v]),
            self._targets(table.energy[v]),
        )

    @property
    def architectures(self) -> tuple[str, ...]:
        arch = self.config.architecture
        return (arch,) if isinstance(arch, str) else arch

    def _fit_variational(
        self,
        architecture: str,
        x: np.ndarray,
        y: np.ndarray,
        xv: np.ndarray,
        yv: np.ndarray,
        x_phys: np.ndarray | None,
        seed: int,
        progress: bool,
        members: list[NCSMNet],
    ) -> NCSMNet:
        """One variational posterior from ``seed``; the ensemble prior's from the ``members``
        (trained by ``_train_member`` with the same seed, tasks of their own in ``fit_all``)."""
        cfg = self.config
        val = (xv, yv) if len(xv) else None
        _core.manual_seed(seed)
        model = NCSMNet(architecture, cfg.hidden, True, cfg.posterior_rho_init)
        if cfg.prior == "ensemble":
            ensemble_prior(members, std_floor=1e-2 * cfg.prior_std).apply(model, init_posterior=True)
        else:
            for layer in model.modules():
                if isinstance(layer, _core.BayesLinear):
                    layer.set_prior(_core.NormalPrior(0.0, cfg.prior_std, trainable=cfg.prior == "trainable"))
        model.likelihood = GaussianLikelihood(cfg.noise_std_init)
        elbo = ELBO(
            len(x),
            "gaussian",
            cfg.kl_weight,
            KLSchedule("linear", max(1, int(cfg.kl_anneal_fraction * cfg.epochs)))
            if cfg.kl_anneal_fraction
            else None,
        )
        if x_phys is not None:
            elbo = _PhysicsELBO(elbo, cfg.physics_weight, x_phys)
        optimizer, scheduler = self._optimizer(model, cfg.epochs)
        self.lr_schedule = [scheduler.lr_at(cfg.lr, t) for t in range(cfg.epochs)]
        self.histories.append(
            fit(
                model,
                DataLoader(x, y, batch_size=len(x)),
                val,
                loss=elbo,
                optimizer=optimizer,
                scheduler=scheduler,
                epochs=cfg.epochs,
                clip_norm=cfg.clip_norm,
                # val_fraction 0: no validation rows, the whole schedule
                early_stopping=EarlyStopping(patience=cfg.patience, monitor="val_nll") if val else None,
                seed=seed,
                progress=progress,
            )
        )
        return model

    def _fit_sgld(
        self, architecture: str, x: np.ndarray, y: np.ndarray, seed: int, progress: bool
    ) -> SampleBank:
        """One Langevin chain of one architecture: pSGLD started from a least-squares fit."""
        cfg = self.config
        net, history, scheduler = self._train_member(architecture, x, y, None, seed, 0, cfg.sgld_start_epochs)
        self.histories.append(history)
        # the plotted schedule is the least-squares fit's (pSGLD runs at a constant step size)
        self.lr_schedule = [scheduler.lr_at(cfg.lr, t) for t in range(cfg.sgld_start_epochs)]
        net.likelihood = GaussianLikelihood(cfg.noise_std_init, trainable=False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            bank, trace = sgld_sample(
                net,
                (x, y),
                lr=cfg.sgld_lr,
                prior=cfg.prior_std,
                steps=cfg.sgld_steps,
                burn_in=cfg.sgld_burn_in,
                thin=cfg.sgld_thin,
                preconditioned=True,
                seed=seed,
                progress=progress,
            )
        # Weights of a network mix slowly along directions the outputs do not depend on, so the
        # per-weight check usually fails; it is recorded in the report rather than raised.
        self.sgld_traces.append(trace)
        self.sgld_warnings += [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
        return bank

    def _hw_window(self, table: NCSMTable) -> tuple[float, float]:
        """The hw range trained on (see ``NCSMConfig.hw_range`` and ``hw_window``)."""
        cfg = self.config
        if cfg.hw_range is not None:
            return cfg.hw_range
        if cfg.hw_window is None:
            return (-np.inf, np.inf)
        top = table.nmax == table.nmax.max()
        h0 = float(table.hw[top][np.argmin(table.energy[top])])
        return (h0 / cfg.hw_window, h0 * cfg.hw_window)

    def _nmax_window(self, table: NCSMTable) -> list[int] | None:
        """The Nmax values trained on (see ``NCSMConfig.nmax_window``)."""
        window = self.config.nmax_window
        return None if window is None else table.nmax_values()[-window:].tolist()

    def _train_member(
        self,
        architecture: str,
        x: np.ndarray,
        y: np.ndarray,
        val: tuple[np.ndarray, np.ndarray] | None,
        seed: int,
        k: int,
        epochs: int,
    ) -> tuple[NCSMNet, History, WarmupCosine]:
        """Deterministic least-squares network k of the fit with ``seed``: an ensemble member
        (early-stopped on ``val``) or the start of a Langevin chain (``val`` None: all epochs)."""
        cfg = self.config
        _core.manual_seed(seed * 1000 + k + 1)
        net = NCSMNet(architecture, cfg.hidden, bayesian=False)
        opt, sched = self._optimizer(net, epochs)
        hist = fit(
            net,
            DataLoader(x, y, batch_size=len(x)),
            val,
            loss=_core.mse_loss,
            optimizer=opt,
            scheduler=sched,
            epochs=epochs,
            clip_norm=cfg.clip_norm,
            early_stopping=EarlyStopping(patience=cfg.patience) if val is not None else None,
            progress=False,
        )
        return net, hist, sched

    def _optimizer(self, model: _core.Module, epochs: int) -> tuple[_core.Adam, WarmupCosine]:
        """Adam with warmup + cosine over ``epochs``."""
        cfg = self.config
        optimizer = _core.Adam(model.parameters(), lr=cfg.lr, eps=cfg.adam_eps)
        scheduler = WarmupCosine(optimizer, max(1, int(cfg.warmup_fraction * epochs)), epochs, cfg.min_lr)
        return optimizer, scheduler

    def _physics_grid(self, table: NCSMTable) -> np.ndarray:
        """Pairs (Nmax, Nmax + 2) x hw beyond the data for the variational penalty (scaled)."""
        top = int(table.nmax.max())
        nmaxes = self.config.physics_nmax or tuple(range(top, top + 12, 2))
        hws = table.hw_values()
        rows = [
            np.concatenate([self._inputs([n], [h])[0], self._inputs([n + 2], [h])[0]])
            for n in nmaxes
            for h in hws
        ]
        return np.asarray(rows, dtype=np.float32)

    def _inputs(self, nmax: Any, hw: Any) -> np.ndarray:
        assert self.scaler_x is not None
        x = np.column_stack([np.asarray(nmax, dtype=np.float64), np.asarray(hw, dtype=np.float64)])
        return self.scaler_x.transform(x).astype(np.float32)

    def _targets(self, energy: Any) -> np.ndarray:
        assert self.scaler_y is not None
        return self.scaler_y.transform(np.asarray(energy, dtype=np.float64)[:, None]).astype(np.float32)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, nmax: Any, hw: Any, n_samples: int | None = None) -> dict[str, np.ndarray]:
        """Predictive mean, std and 95% interval in MeV at the points (nmax[i], hw[i]) (one value
        of either serves every point); beyond the top trained Nmax they include the uncertainty of
        the law (``correction_log_std``)."""
        pred = self._predict_scaled(nmax, hw, n_samples)
        lo, hi = pred.interval(0.95)
        return {
            "mean": self._energy(pred.mean),
            "std": self.scaler_y.inverse_transform_std(pred.std.reshape(-1, 1)).ravel(),
            "epistemic_std": self.scaler_y.inverse_transform_std(pred.epistemic_std.reshape(-1, 1)).ravel(),
            "lo95": self._energy(lo),
            "hi95": self._energy(hi),
        }

    def converged(self, hw: float, n_samples: int | None = None, nmax_large: int = 200) -> dict[str, float]:
        """Converged energy at ``hw`` (the report passes the variational-minimum hw at the highest
        trained Nmax, where the classic fit takes its E_inf too): per posterior sample, the
        network's energy at Nmax = ``nmax_large``; mean, std and central 95% interval over
        samples, with the law's uncertainty (``correction_log_std``) and without the likelihood
        noise, since the limit is a property of the function, not a noisy observation of it.
        (The per-sample minimum over every hw of noisy samples, used before, was biased low: 4He
        <= 8 gave -29.10 [-29.59, -28.92] MeV, excluding the -28.89 to -28.90 the classic fit
        gets from Nmax 8-12 near hw 22. With the law's factor the minimum over hw would favour
        the hw with the largest corrections in the same way; even ``exponential_shared``, whose
        network has one limit, gets a different factor-scaled correction at every hw.)"""
        if not np.ndim(hw) == 0:
            raise ValueError(f"converged: hw must be one value (MeV), got {np.shape(hw)}")
        values = self._energy(self._predict_scaled([nmax_large], [hw], n_samples).samples[:, 0, 0])
        lo, hi = np.quantile(values, [0.025, 0.975])
        return {
            "mean": float(values.mean()),
            "std": float(values.std()),
            "lo95": float(lo),
            "hi95": float(hi),
            "nmax": nmax_large,
        }

    def chain_diagnostics(self, nmax: Any, hw: Any) -> dict[str, float | None]:
        """Mixing of the Langevin chains where it matters, in their predictions at the points
        (nmax[i], hw[i]) (the network's output per snapshot, before the law's factor): per point,
        the ESS summed over every chain, and the split-R-hat across the chains of each
        architecture (their halves: chains stuck in different modes raise it as much as drifting
        ones); the smallest ESS and the largest R-hat over the points and architectures. The
        per-weight diagnostics of ``sgld_traces`` mostly say that weights mix slowly along
        directions the outputs do not depend on. None where undefined: fewer than 4 snapshots per
        chain (ESS, R-hat) or one chain per architecture (R-hat)."""
        if not self.model or not all(isinstance(m, SampleBank) for m in self.model):
            raise ValueError("chain diagnostics need Langevin chains (prior 'sgld')")
        x = self._inputs(*_points(nmax, hw))
        n = min(len(bank) for bank in self.model)
        if n < 4:
            return {"prediction_min_ess": None, "prediction_max_rhat": None}
        # (chains, snapshots, points), the chains of one architecture together (fit order)
        draws = np.stack([predict(bank, x, n, return_samples=True).samples[..., 0] for bank in self.model])
        per_arch = draws.reshape(len(self.architectures), -1, *draws.shape[1:])
        rhat = [split_rhat_chains(chains) for chains in per_arch] if per_arch.shape[1] >= 2 else []
        return {
            "prediction_min_ess": float(np.nanmin(sum(ess(chain) for chain in draws))),
            "prediction_max_rhat": float(np.nanmax(rhat)) if rhat else None,
        }

    def _predict_scaled(self, nmax: Any, hw: Any, n_samples: int | None) -> Prediction:
        """The mixture's predictive distribution (scaled energies) at (nmax[i], hw[i]), with each
        sample's correction beyond the top trained Nmax scaled by its factor (correction_log_std)."""
        if self.model is None:
            raise ValueError("the extrapolator is not fitted")
        n = self.config.n_samples if n_samples is None else n_samples
        # a bank has at most len(bank) distinct samples
        banks = [len(m) for m in self.model if isinstance(m, SampleBank)]
        n = min(n, *banks) if banks else n
        nmax, hw = _points(nmax, hw)
        s = self.config.correction_log_std
        beyond = nmax > self.train_nmax_max if s > 0 else np.zeros(nmax.shape, dtype=bool)
        if not beyond.any():
            return predict(self.model, self._inputs(nmax, hw), n, return_samples=True)
        # Each point beyond gets its (top, hw) twin in the same forward passes, so that a correction
        # y(N, hw) - y(top, hw) is taken within one weight sample: this needs one batch (no
        # batch_size) and layers that draw their weights once per pass (BayesLinear; not the
        # per-example draws of BayesLinearLRT, which NCSMNet does not use).
        top = np.full(int(beyond.sum()), self.train_nmax_max)
        x = self._inputs(np.concatenate([nmax, top]), np.concatenate([hw, hw[beyond]]))
        pred = predict(self.model, x, n, return_samples=True)
        k = nmax.size
        means = pred.samples[:, :k].copy()
        at_top = pred.samples[:, k:]
        rng = np.random.default_rng([self.config.seed, _FACTOR_STREAM])
        factor = np.exp(s * rng.standard_normal(means.shape[0]) - s**2 / 2)
        means[:, beyond] = at_top + factor[:, None, None] * (means[:, beyond] - at_top)
        variances = pred.sample_variances
        return Prediction.from_samples(
            means, None if variances is None else variances[:, :k], return_samples=True
        )

    def _energy(self, y: np.ndarray) -> np.ndarray:
        return self.scaler_y.inverse_transform(np.asarray(y).reshape(-1, 1)).ravel()

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Any) -> None:
        """Model, scalers and settings in one checkpoint (vb.save format)."""
        cfg = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.config.settings().items()}
        io.save(
            {
                "model": self.model,
                "scaler_x": self.scaler_x,
                "scaler_y": self.scaler_y,
                "config": cfg,
                "train_nmax_max": self.train_nmax_max,
                "hw_train_range": [float(v) for v in self.hw_train_range],
            },
            path,
        )

    @classmethod
    def load(cls, path: Any) -> NCSMExtrapolator:
        obj = io.load(path)
        model = obj.get("model") if isinstance(obj, dict) else None
        cfg = obj.get("config", {}) if isinstance(obj, dict) else {}
        if isinstance(model, (NCSMNet, SampleBank)):  # saved before NCSMConfig.fits and architecture tuples
            model = [model]
            if isinstance(model[0], NCSMNet):  # one fit on every trained Nmax
                cfg.setdefault("fits", 1)
                cfg.setdefault("nmax_window", None)
        kinds = {type(m) for m in model} if isinstance(model, list) else set()
        if kinds not in ({NCSMNet}, {SampleBank}):
            raise ValueError(f"{path} does not hold an NCSM model")
        missing = [k for k in ("config", "scaler_x", "scaler_y", "train_nmax_max") if k not in obj]
        missing += [f"config.{k}" for k in ("hidden", "physics_nmax") if k not in cfg]
        if missing:
            raise ValueError(
                f"{path} holds an NCSM model without {', '.join(missing)}: not a checkpoint of save()"
            )
        for key in ("hidden", "physics_nmax"):
            cfg[key] = tuple(cfg[key])
        # saved before the law's uncertainty existed: predictions as they were reported (the
        # converged energy's definition changed at the same time; old values do not reproduce)
        cfg.setdefault("correction_log_std", 0.0)
        ex = cls(NCSMConfig(**cfg))
        ex.model, ex.scaler_x, ex.scaler_y = model, obj["scaler_x"], obj["scaler_y"]
        ex.train_nmax_max = obj["train_nmax_max"]
        ex.hw_train_range = tuple(obj.get("hw_train_range", (-np.inf, np.inf)))
        return ex


def fit_all(
    extrapolators: list[NCSMExtrapolator],
    table: NCSMTable,
    train_nmax_max: int,
    *,
    progress: bool = False,
    n_jobs: int | None = None,
    backend: str = "loky",
    scheduler: str | None = None,
    address: str | None = None,
) -> None:
    """Fits several extrapolators (e.g. one per prior) on the rows of ``table`` with Nmax <=
    ``train_nmax_max``, all their fits (architectures x ``fits``) as one ``vb.parallel.map_fits``.

    Parameters
    ----------
    extrapolators : list of NCSMExtrapolator
        Fitted in place.
    table : NCSMTable
        The data.
    train_nmax_max : int
        The training cut.
    progress : bool
        Progress bars: per epoch when ``n_jobs`` is 1, else over the fits.
    n_jobs, backend, scheduler, address
        As in ``vb.parallel.map_fits``. Every fit seeds itself from its config, so the models are
        the same whatever they are.
    """
    tasks, owners = [], []
    for k, ex in enumerate(extrapolators):
        for task in ex._fit_tasks(table, train_nmax_max):
            tasks.append({**task, "progress": progress and n_jobs == 1})
            owners.append(k)
    run = {
        "n_jobs": n_jobs,
        "backend": backend,
        "scheduler": scheduler,
        "address": address,
        "progress": progress and n_jobs != 1,
    }
    # The ensemble prior's members first, each a task: they are the longest part of its fits.
    member_tasks = [
        {**task, "member": m}
        for task in tasks
        if task["settings"]["prior"] == "ensemble"
        for m in range(task["settings"]["ensemble_size"])
    ]
    members = iter(map_fits(_member_task, member_tasks, **run))
    for task in tasks:
        if task["settings"]["prior"] == "ensemble":
            task["members"] = [next(members) for _ in range(task["settings"]["ensemble_size"])]
    fitted = map_fits(_fit_task, tasks, **run)
    for k, ex in enumerate(extrapolators):
        ex._collect([f for f, owner in zip(fitted, owners, strict=True) if owner == k])
    # The predictions draw from the default generator: from a state set by the seed, not by
    # whichever fit happened to run last in this process.
    _core.manual_seed(
        int(np.random.SeedSequence([extrapolators[0].config.seed, _PREDICT_STREAM]).generate_state(1)[0])
    )


def _fit_task(task: dict[str, Any], seed: int) -> dict[str, Any]:
    """One fit of ``fit_all`` (a variational posterior, or a Langevin chain), run in a worker: the
    model comes back as checkpoint bytes, its records as plain data. ``seed`` is unused: a fit
    seeds itself from its config."""
    start = time.perf_counter()
    ex = NCSMExtrapolator(NCSMConfig(**task["settings"]))
    arch, (x, y, xv, yv), fit_seed = task["architecture"], task["arrays"], task["seed"]
    members = task.get("members", [])
    ex.ensemble_histories = [m["history"] for m in members]
    if ex.config.prior == "sgld":
        model = ex._fit_sgld(arch, x, y, fit_seed, task["progress"])
    else:
        nets = [io.load(BytesIO(m["model"])) for m in members]
        model = ex._fit_variational(arch, x, y, xv, yv, task["x_phys"], fit_seed, task["progress"], nets)
    return {
        "model": _checkpoint(model),
        "histories": ex.histories,
        "ensemble_histories": ex.ensemble_histories,
        "sgld_traces": ex.sgld_traces,
        "sgld_warnings": ex.sgld_warnings,
        "lr_schedule": ex.lr_schedule,
        "seconds": time.perf_counter() - start + sum(m["seconds"] for m in members),
    }


def _member_task(task: dict[str, Any], seed: int) -> dict[str, Any]:
    """Member ``task["member"]`` of the ensemble prior of one fit of ``fit_all``, in a worker."""
    start = time.perf_counter()
    ex = NCSMExtrapolator(NCSMConfig(**task["settings"]))
    x, y, xv, yv = task["arrays"]
    net, history, _ = ex._train_member(
        task["architecture"],
        x,
        y,
        (xv, yv) if len(xv) else None,
        task["seed"],
        task["member"],
        ex.config.ensemble_epochs,
    )
    return {"model": _checkpoint(net), "history": history, "seconds": time.perf_counter() - start}


def _checkpoint(model: Any) -> bytes:
    buffer = BytesIO()
    io.save(model, buffer)
    return buffer.getvalue()
