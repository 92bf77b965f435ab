"""Plots (matplotlib, the optional ``plot`` extra): training curves, learning-rate schedule,
reliability diagram, predictive band for 1-D inputs. Each function draws into ``ax`` (or a new
figure) and, given ``path``, saves the figure atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._fs import atomic_write


def figure_axes(ax: Any = None) -> tuple[Any, Any]:
    """The figure and axes to draw in: ``ax`` and its figure, or a new 6x4 figure (Agg backend
    unless one is chosen).

    Parameters
    ----------
    ax : matplotlib Axes, optional

    Returns
    -------
    (Figure, Axes)
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'varbayes[plot]'") from exc
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
        return fig, ax
    return ax.figure, ax


def save_figure(fig: Any, path: str | Path) -> None:
    """Saves through a temporary file and a rename, so an interrupted save leaves no partial file.

    Parameters
    ----------
    fig : matplotlib Figure
    path : path
        The image file; its suffix picks the format (PNG without one).
    """
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=120, bbox_inches="tight"))


def _finish(fig: Any, ax: Any, path: str | Path | None) -> Any:
    """Legend, then save when a path is given; returns the figure."""
    ax.legend()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_history(history: Any, path: str | Path | None = None, ax: Any = None) -> Any:
    """Training and validation loss per epoch (log scale when positive)."""
    fig, ax = figure_axes(ax)
    epochs = np.arange(1, len(history.epochs) + 1)
    for key in ("loss", "val_loss", "nll", "val_nll"):
        values = np.asarray(history[key], dtype=float)
        if np.isfinite(values).any():
            ax.plot(epochs, values, label=key)
    if history.best_epoch is not None and history.best_epoch >= 0:
        ax.axvline(history.best_epoch + 1, color="grey", ls=":", label="best epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return _finish(fig, ax, path)


def plot_lr_schedule(lrs: Any, path: str | Path | None = None, ax: Any = None) -> Any:
    """Learning rate per optimizer step."""
    fig, ax = figure_axes(ax)
    ax.plot(np.arange(len(lrs)), lrs)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_yscale("log")
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_reliability(
    diagram: Any, path: str | Path | None = None, ax: Any = None, label: str | None = None
) -> Any:
    """Reliability diagram from ``vb.metrics.reliability_diagram``: accuracy vs confidence per bin."""
    fig, ax = figure_axes(ax)
    ok = np.asarray(diagram.counts) > 0
    conf, acc = np.asarray(diagram.confidence)[ok], np.asarray(diagram.accuracy)[ok]
    ax.plot([0, 1], [0, 1], color="grey", ls=":", label="perfect calibration")
    ax.plot(conf, acc, marker="o", label=label or f"ECE {diagram.ece:.3f}")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    return _finish(fig, ax, path)


def plot_predictive_band(
    x: Any,
    prediction: Any,
    x_train: Any = None,
    y_train: Any = None,
    level: float = 0.95,
    path: str | Path | None = None,
    ax: Any = None,
) -> Any:
    """Predictive mean and central interval over a 1-D input, with the training points."""
    fig, ax = figure_axes(ax)
    x = np.asarray(x).ravel()
    lo, hi = prediction.interval(level)
    ax.fill_between(x, np.ravel(lo), np.ravel(hi), alpha=0.3, label=f"{level:.0%} interval")
    ax.plot(x, np.ravel(prediction.mean), label="predictive mean")
    if x_train is not None:
        ax.scatter(np.ravel(x_train), np.ravel(y_train), s=8, color="k", label="data")
    return _finish(fig, ax, path)


__all__ = [
    "figure_axes",
    "plot_history",
    "plot_lr_schedule",
    "plot_predictive_band",
    "plot_reliability",
    "save_figure",
]
