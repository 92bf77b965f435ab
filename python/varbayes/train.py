"""The training loop ``fit`` and its per-epoch ``History``.

The loss, KL schedules, array loader and callbacks live in ``elbo``, ``batches`` and
``callbacks``; their names are re-exported here, where users of ``vb.train`` find them.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from ._checks import check_count
from ._fs import atomic_write_bytes
from .autograd import no_grad
from .batches import DataLoader, loader_of
from .callbacks import EarlyStopping, progress_bar
from .elbo import ELBO, KLSchedule
from .nn.bayes import sampling
from .plot import plot_history

# ---- history ---------------------------------------------------------------------------------


@dataclass
class History:
    """Per-epoch records: train loss/NLL/KL/beta, lr, grad norm before clipping, validation
    loss and metrics, epoch time.

    ``history["val_loss"]`` gives one key over the epochs (NaN where an epoch lacks it).
    """

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    def __getitem__(self, key: str) -> list[float]:
        return [e.get(key, math.nan) for e in self.epochs]

    def to_json(self, path: str | Path | None = None) -> str:
        """The records as JSON text, also written atomically to ``path`` when given."""
        text = json.dumps(
            {"epochs": self.epochs, "best_epoch": self.best_epoch, "stopped_early": self.stopped_early},
            indent=1,
        )
        if path is not None:
            atomic_write_bytes(Path(path), text.encode())
        return text

    def plot(self, path: str | Path | None = None) -> Any:
        """The loss curves (``vb.plot.plot_history``; needs matplotlib)."""
        return plot_history(self, path)


def fit(
    model: _core.Module,
    train_data: Any,
    val_data: Any = None,
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

    ``train_data`` and ``val_data``: (x, y) arrays (then minibatches of ``batch_size``, the
    training ones shuffled with ``seed``), a ``vb.train.DataLoader``, or a
    ``vb.utils.data.DataLoader`` yielding (x, y) batches.

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
    train = loader_of(train_data, batch_size, True, seed, "the training loader")
    val = None
    if val_data is not None:
        val = loader_of(val_data, max(batch_size, 256), False, None, "the validation loader")
    params = model.parameters()
    history = History()
    step, bad_steps = 0, 0
    bar = progress_bar(epochs, progress)
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
    model: _core.Module, val: Any, loss: Any, step: int, metrics: dict[str, Callable[..., float]]
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


__all__ = ["DataLoader", "ELBO", "EarlyStopping", "History", "KLSchedule", "fit"]
