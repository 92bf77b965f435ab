"""ELBO training: the loss, KL schedules, a DataLoader, early stopping and the ``fit`` loop.

Convention (documented in the README): for a data set of N points and a minibatch B,
``loss = mean_{i in B} NLL_i + beta * KL / N``, i.e. the negative ELBO divided by N. NLL, KL and
beta are reported separately.
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from ._checks import check_count, is_int
from .autograd import no_grad
from .creation import tensor
from .nn.bayes import GaussianHead, GaussianLikelihood, sampling

# ---- KL schedules: beta factor in [0, 1] as a function of the optimizer step ----------------


@dataclass(frozen=True)
class KLSchedule:
    """beta(step) = kl_weight * factor(step). kind: "constant", "linear" or "cosine" warm-up over
    ``steps``, or "cyclical" (Fu et al. 2019: within each period of ``steps``, a linear rise over
    the first ``ramp`` fraction, then constant)."""

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
        if self.kind == "constant":
            return 1.0
        if self.kind == "cyclical":
            phase = (step % self.steps) / self.steps
            return min(1.0, phase / self.ramp)
        p = min(1.0, step / self.steps)
        return p if self.kind == "linear" else 0.5 * (1.0 - math.cos(math.pi * p))


class ELBO:
    """Negative ELBO per data point: ``mean batch NLL + beta * KL / n_data``.

    likelihood: "gaussian" (homoscedastic; the noise is the model's ``likelihood`` attribute, a
    ``GaussianLikelihood``), "heteroscedastic" (the model ends in ``GaussianHead``), "categorical"
    (logits and integer targets), or a callable ``nll(output, target) -> Tensor`` (mean NLL).
    After each call, ``last`` holds the floats nll, kl and beta.
    """

    def __init__(
        self,
        n_data: int,
        likelihood: str | Callable[[_core.Tensor, Any], _core.Tensor] = "gaussian",
        kl_weight: float = 1.0,
        kl_schedule: KLSchedule | None = None,
    ) -> None:
        n_data = check_count("n_data", n_data)
        if not kl_weight >= 0:
            raise ValueError(f"kl_weight must be non-negative, got {kl_weight}")
        if isinstance(likelihood, str) and likelihood not in ("gaussian", "heteroscedastic", "categorical"):
            raise ValueError(f"unknown likelihood {likelihood!r}")
        self.n_data, self.likelihood, self.kl_weight = n_data, likelihood, kl_weight
        self.kl_schedule = kl_schedule or KLSchedule()
        self.last: dict[str, float] = {}

    def beta(self, step: int | None) -> float:
        """beta at an optimizer step; ``None`` gives the final value (kl_weight), which validation
        uses so the monitored objective does not drift while beta is annealed."""
        return self.kl_weight * (1.0 if step is None else self.kl_schedule.factor(step))

    def nll(self, model: _core.Module, output: _core.Tensor, target: Any) -> _core.Tensor:
        if callable(self.likelihood):
            return self.likelihood(output, target)
        if self.likelihood == "categorical":
            return _core.cross_entropy(output, target)
        if self.likelihood == "heteroscedastic":
            head = _last_module(model, GaussianHead)
            return head.nll(output, target)
        noise = getattr(model, "likelihood", None)
        if not isinstance(noise, GaussianLikelihood):
            raise ValueError(
                "likelihood='gaussian' needs the model to have a GaussianLikelihood 'likelihood' attribute"
            )
        return noise.nll(output, target)

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


def _last_module(model: _core.Module, cls: type) -> Any:
    found = [m for m in model.modules() if isinstance(m, cls)]
    if not found:
        raise ValueError(f"the model has no {cls.__name__}")
    return found[-1]


# ---- data ------------------------------------------------------------------------------------


class DataLoader:
    """Minibatches of (x, y) from NumPy arrays or tensors; seeded shuffling, optional drop_last.

    y may be None (yields x only); float arrays become tensors (float64 kept), integer targets stay
    NumPy int64 arrays (class labels)."""

    def __init__(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        self.x = _as_array(x, "x")
        self.y = None if y is None else _as_array(y, "y")
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"x has {len(self.x)} rows but y has {len(self.y)}")
        self.batch_size, self.shuffle, self.drop_last = (
            check_count("batch_size", batch_size),
            shuffle,
            drop_last,
        )
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.x)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for b in range(len(self)):
            idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            xb = _to_tensor(self.x[idx])
            yield xb if self.y is None else (xb, _to_tensor(self.y[idx]))


def _require_batches(loader: DataLoader, name: str) -> None:
    """Refuses a loader that yields nothing (drop_last with fewer rows than a batch): looping over
    it would do no work and report no error."""
    if len(loader) == 0:
        raise ValueError(
            f"{name} yields no batch: {len(loader.x)} rows, batch_size={loader.batch_size} and "
            "drop_last=True; use a batch size of at most the number of rows or drop_last=False"
        )


def _as_array(a: Any, name: str) -> np.ndarray:
    arr = a.numpy() if isinstance(a, _core.Tensor) else np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a sample dimension, got a scalar")
    if len(arr) == 0:  # (before the finiteness check, whose reshape cannot infer a size from 0 rows)
        raise ValueError(f"DataLoader got zero samples ({name} has shape {arr.shape})")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
        if bad.any():
            raise ValueError(f"{name} has non-finite values (NaN or inf) in row {int(np.argmax(bad))}")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


def _to_tensor(a: np.ndarray) -> Any:
    if a.dtype.kind in "iub":
        return a.astype(np.int64)
    return tensor(a, dtype=_core.float64 if a.dtype == np.float64 else _core.float32)


# ---- early stopping and history --------------------------------------------------------------


@dataclass
class EarlyStopping:
    """Stops after ``patience`` epochs without an improvement of at least ``min_delta`` in
    ``monitor`` and restores the weights of the best epoch (also written to ``checkpoint`` when
    given)."""

    patience: int = 10
    min_delta: float = 0.0
    monitor: str = "val_loss"
    mode: str = "min"
    restore_best: bool = True
    checkpoint: str | Path | None = None
    best: float = field(default=math.inf, init=False)
    best_epoch: int = field(default=-1, init=False)
    best_state: dict[str, np.ndarray] | None = field(default=None, init=False, repr=False)
    bad_epochs: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.patience = check_count("patience", self.patience)
        # NaN or inf would make every comparison false: no epoch could ever count as an improvement.
        if not (math.isfinite(self.min_delta) and self.min_delta >= 0):
            raise ValueError(f"min_delta must be finite and non-negative, got {self.min_delta}")
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {self.mode!r}")
        if self.mode == "max":
            self.best = -math.inf

    def update(self, epoch: int, value: float, model: _core.Module) -> bool:
        """Records an epoch's monitored value; returns True when training should stop."""
        improved = (
            value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        )
        if improved:
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            self.best_state = model.state_dict()
            if self.checkpoint is not None:
                from .io import save

                save(model, self.checkpoint)
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, model: _core.Module) -> None:
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


@dataclass
class History:
    """Per-epoch records: train loss/NLL/KL/beta, lr, grad norm before clipping, validation
    loss and metrics, epoch time."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    def __getitem__(self, key: str) -> list[float]:
        return [e.get(key, math.nan) for e in self.epochs]

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(
            {"epochs": self.epochs, "best_epoch": self.best_epoch, "stopped_early": self.stopped_early},
            indent=1,
        )
        if path is not None:
            from .io import atomic_write_bytes

            atomic_write_bytes(Path(path), text.encode())
        return text

    def plot(self, path: str | Path | None = None) -> Any:
        from .plot import plot_history

        return plot_history(self, path)


# ---- the training loop -----------------------------------------------------------------------


def fit(
    model: _core.Module,
    train_data: DataLoader | tuple[Any, Any],
    val_data: DataLoader | tuple[Any, Any] | None = None,
    *,
    loss: ELBO | Callable[[_core.Tensor, Any], _core.Tensor],
    optimizer: _core.Optimizer,
    scheduler: Any = None,
    epochs: int,
    batch_size: int = 32,
    clip_norm: float | None = None,
    early_stopping: EarlyStopping | None = None,
    metrics: dict[str, Callable[[np.ndarray, np.ndarray], float]] | None = None,
    callbacks: Sequence[Callable[[int, History, _core.Module], bool | None]] = (),
    seed: int | None = None,
    progress: bool = True,
    max_bad_steps: int = 10,
) -> History:
    """Trains ``model`` and returns its History.

    Each step: forward, loss (an ``ELBO`` or a plain ``loss(output, target)``), backward,
    global-norm clipping over all trainable parameters (prior parameters included) when
    ``clip_norm`` is set, optimizer step, ``scheduler.step()``. A step whose loss or gradient is not
    finite is skipped with a warning; ``max_bad_steps`` in a row raise RuntimeError.
    Validation runs with posterior means (``sampling(False)``) and no graph. Callbacks are
    called as ``cb(epoch, history, model)`` after each epoch and may return True to stop.
    """
    check_count("epochs", epochs)
    if clip_norm is not None and not clip_norm > 0:
        raise ValueError(f"clip_norm must be positive, got {clip_norm}")
    check_count("max_bad_steps", max_bad_steps)
    if seed is not None:
        _core.manual_seed(seed)
    train = (
        train_data
        if isinstance(train_data, DataLoader)
        else DataLoader(*train_data, batch_size, True, seed=seed)
    )
    _require_batches(train, "the training loader")
    val = None
    if val_data is not None:
        val = (
            val_data
            if isinstance(val_data, DataLoader)
            else DataLoader(*val_data, batch_size=max(batch_size, 256))
        )
        _require_batches(val, "the validation loader")
    params = model.parameters()
    history = History()
    step, bad_steps = 0, 0
    bar = _progress(epochs, progress)
    for epoch in range(epochs):
        model.train()
        t0 = time.perf_counter()
        sums: dict[str, float] = {}
        count = 0
        for xb, yb in train:
            optimizer.zero_grad()
            if isinstance(loss, ELBO):
                out, kl = model.forward_with_kl(xb)
                value = loss(model, out, yb, step, kl)
            else:
                value = loss(model(xb), yb)
            loss_value = value.item()
            if math.isfinite(loss_value):
                value.backward()
                norm = _core.clip_grad_norm_(params, clip_norm if clip_norm is not None else math.inf)
            else:
                norm = math.nan
            if not (math.isfinite(loss_value) and math.isfinite(norm)):
                bad_steps += 1
                optimizer.zero_grad()
                what = "gradient" if math.isfinite(loss_value) else "loss"
                warnings.warn(
                    f"fit: skipped step {step} (epoch {epoch}): non-finite {what}",
                    RuntimeWarning,
                    stacklevel=2,
                )
                if bad_steps >= max_bad_steps:
                    raise RuntimeError(
                        f"fit: {bad_steps} consecutive steps with a non-finite loss or gradient (last at "
                        f"epoch {epoch}, step {step}); lower the learning rate or enable clipping"
                    )
                continue
            bad_steps = 0
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            count += 1
            parts = {"loss": loss_value, "grad_norm": norm}
            if isinstance(loss, ELBO):
                parts.update(loss.last)
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v
        record = {k: v / max(count, 1) for k, v in sums.items()}
        record["lr"] = optimizer.param_groups[0]["lr"]
        record["epoch_seconds"] = time.perf_counter() - t0
        if val is not None:
            record.update(_evaluate(model, val, loss, step, metrics or {}))
        history.epochs.append(record)
        stop = False
        if early_stopping is not None:
            if early_stopping.monitor not in record:
                raise ValueError(f"early stopping monitors '{early_stopping.monitor}', which is not recorded")
            stop = early_stopping.update(epoch, record[early_stopping.monitor], model)
        for cb in callbacks:
            stop = bool(cb(epoch, history, model)) or stop
        if bar is not None:
            bar.set_postfix({k: f"{record[k]:.4g}" for k in ("loss", "val_loss") if k in record})
            bar.update(1)
        if stop:
            history.stopped_early = True
            break
    if bar is not None:
        bar.close()
    if early_stopping is not None:
        early_stopping.restore(model)
        history.best_epoch = early_stopping.best_epoch
    return history


def _evaluate(
    model: _core.Module, val: DataLoader, loss: Any, step: int, metrics: dict[str, Callable[..., float]]
) -> dict[str, float]:
    model.eval()
    total, total_nll, n = 0.0, 0.0, 0
    outputs, targets = [], []
    with no_grad(), sampling(False):
        for xb, yb in val:
            out = model(xb)
            value = loss(model, out, yb, None) if isinstance(loss, ELBO) else loss(out, yb)
            total += value.item() * xb.shape[0]
            if isinstance(loss, ELBO):
                total_nll += loss.last["nll"] * xb.shape[0]
            n += xb.shape[0]
            if metrics:
                outputs.append(out.numpy().copy())
                targets.append(yb.numpy().copy() if isinstance(yb, _core.Tensor) else yb)
    model.train()
    result = {"val_loss": total / n}
    if isinstance(loss, ELBO):
        result["val_nll"] = total_nll / n
    if metrics:
        o, t = np.concatenate(outputs), np.concatenate(targets)
        result.update({f"val_{name}": float(fn(o, t)) for name, fn in metrics.items()})
    return result


def _progress(total: int, enabled: bool, unit: str = "epoch") -> Any:
    # A bar only in a terminal: logs and CI stay clean.
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, leave=False)


__all__ = ["DataLoader", "ELBO", "EarlyStopping", "History", "KLSchedule", "fit"]
