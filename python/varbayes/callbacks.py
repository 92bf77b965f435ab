"""What ``fit`` and ``sgld_sample`` call around their loops: early stopping and the progress bar."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from ._checks import check_count
from .io import save


@dataclass
class EarlyStopping:
    """Stops after ``patience`` epochs without an improvement of at least ``min_delta`` in
    ``monitor`` and restores the weights of the best epoch (also written to ``checkpoint`` when
    given).

    Parameters
    ----------
    patience : int
        Epochs without improvement before stopping.
    min_delta : float
        The smallest change that counts as an improvement.
    monitor : str
        The History key watched (e.g. "val_loss").
    mode : str
        "min" or "max".
    restore_best : bool
        Whether ``restore`` loads the best epoch's weights.
    checkpoint : path, optional
        Where ``vb.save`` writes the best model.
    """

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
                save(model, self.checkpoint)
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, model: _core.Module) -> None:
        """Loads the best epoch's weights into ``model`` (with ``restore_best``)."""
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


def progress_bar(total: int, enabled: bool, unit: str = "epoch", initial: int = 0) -> Any:
    """A tqdm bar of ``total`` units, or None when disabled or when stderr is not a terminal (logs
    and CI stay clean).

    Parameters
    ----------
    total : int
        The number of units.
    enabled : bool
        False gives None.
    unit : str
        The unit's name.
    initial : int
        Units already done (a resumed run).

    Returns
    -------
    tqdm or None
    """
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit=unit, leave=False)


__all__ = ["EarlyStopping", "progress_bar"]
