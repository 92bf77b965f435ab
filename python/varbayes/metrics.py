"""Metrics for classification and regression predictions: pure NumPy/SciPy, no dependence on the core.

Every argument may be anything ``np.asarray`` accepts, or an object with a ``.numpy()`` method (a
``varbayes`` or PyTorch tensor). Functions taking predictions also accept a ``Prediction``-like object,
recognised by a non-callable ``mean`` attribute (duck typing, so NumPy arrays never match):

- classification: ``pred.mean`` holds the predictive class probabilities (N, C);
- regression: ``pred.mean`` and ``pred.std`` are used, and the prediction replaces both ``mean`` and
  ``std``: ``gaussian_nll(pred, y)`` is ``gaussian_nll(pred.mean, pred.std, y)``.

Classification metrics take probabilities (rows non-negative, summing to 1 within 1e-3), never logits
(use :func:`softmax`), and integer class targets. Regression arrays must have identical shapes: no
broadcasting, since (N, 1) against (N,) silently broadcasting to (N, N) is a classic wrong result. Bad
input raises ``ValueError`` naming the argument and its shape. Means over examples are returned as floats.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from ._checks import is_int

_ROW_SUM_ATOL = 1e-3


class ClassificationPrediction(Protocol):
    """What the classification metrics accept in place of an array, e.g. a ``vb.Prediction``.

    Attributes
    ----------
    mean : array_like
        Predictive class probabilities, shape (N, C).
    """

    mean: Any


class RegressionPrediction(Protocol):
    """What the regression metrics accept in place of arrays, e.g. a ``vb.Prediction``.

    Attributes
    ----------
    mean : array_like
        Predictive means.
    std : array_like
        Predictive standard deviations (total), of the same shape.
    """

    mean: Any
    std: Any


Level = float | Sequence[float]


def _is_prediction(x: object) -> bool:
    return not isinstance(x, np.ndarray) and hasattr(x, "mean") and not callable(x.mean)


def _numpy(x: Any) -> np.ndarray:
    if callable(getattr(x, "numpy", None)):
        x = x.numpy()
    return np.asarray(x)


def _finite(x: Any, name: str) -> np.ndarray:
    """`x` as a non-empty, finite float64 array."""
    array = _numpy(x)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name}: expected numbers, found dtype {array.dtype} (shape {array.shape})")
    array = array.astype(np.float64, copy=False)
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values (shape {array.shape})")
    return array


def _same_shape(**arrays: np.ndarray) -> None:
    shapes = {name: a.shape for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"shape mismatch: {listed}; reshape them to agree (no broadcasting is done)")


def _probabilities(probs: Any) -> np.ndarray:
    if _is_prediction(probs):
        probs = probs.mean
    p = _finite(probs, "probs")
    if p.ndim != 2:
        raise ValueError(f"probs: expected class probabilities of shape (N, C), found shape {p.shape}")
    if (p < 0).any():
        raise ValueError(f"probs: negative probabilities (min {p.min():.3g}); pass probabilities, not logits")
    worst = np.abs(p.sum(axis=1) - 1).max()
    if worst > _ROW_SUM_ATOL:
        raise ValueError(
            f"probs: rows must sum to 1 (within {_ROW_SUM_ATOL}); the worst is off by {worst:.3g} "
            f"(shape {p.shape}); pass probabilities, not logits"
        )
    return p


def _classification(probs: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
    p = _probabilities(probs)
    t = _finite(targets, "targets")
    if t.shape != (len(p),):
        raise ValueError(f"targets: expected shape ({len(p)},) to match probs {p.shape}, found {t.shape}")
    if (t != np.round(t)).any():
        raise ValueError(
            f"targets: expected integer class indices, found non-integer values (shape {t.shape})"
        )
    if t.min() < 0 or t.max() >= p.shape[1]:
        raise ValueError(
            f"targets: class indices must lie in 0..{p.shape[1] - 1}, found {t.min():g}..{t.max():g}"
        )
    return p, t.astype(np.int64)


def softmax(logits: ArrayLike, axis: int = -1) -> np.ndarray:
    """Class probabilities from logits (numerically stable)."""
    return special.softmax(_finite(logits, "logits"), axis=axis)


def accuracy(probs: ArrayLike | ClassificationPrediction, targets: ArrayLike) -> float:
    """Fraction of examples whose most probable class is the target."""
    p, t = _classification(probs, targets)
    return float(np.mean(p.argmax(axis=1) == t))


def nll(probs: ArrayLike | ClassificationPrediction, targets: ArrayLike, eps: float = 1e-12) -> float:
    """Mean negative log probability of the targets; probabilities are clipped at `eps` to stay finite.

    `eps` must lie in (0, 1e-3]: at 0 or below a zero probability still gives an infinite NLL, and a
    higher floor would move the result by more than the 1e-3 tolerance allowed on row sums."""
    if not isinstance(eps, numbers.Real) or not 0 < eps <= _ROW_SUM_ATOL:
        raise ValueError(f"eps must be a number in (0, {_ROW_SUM_ATOL:g}], found {eps!r}")
    p, t = _classification(probs, targets)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(t)), t], eps, None))))


def brier(probs: ArrayLike | ClassificationPrediction, targets: ArrayLike) -> float:
    """Multi-class Brier score: mean over examples of sum over classes of (p - one_hot)^2, in [0, 2]."""
    p, t = _classification(probs, targets)
    squared = p**2
    rows = np.arange(len(t))
    squared[rows, t] = (p[rows, t] - 1) ** 2
    return float(np.mean(squared.sum(axis=1)))


@dataclass(frozen=True)
class ReliabilityDiagram:
    """Per-bin data of a reliability diagram; empty bins have NaN confidence and accuracy."""

    edges: np.ndarray  # (n_bins + 1,); bin b holds confidences in (edges[b], edges[b + 1]]
    confidence: np.ndarray  # (n_bins,) mean top-class probability in the bin
    accuracy: np.ndarray  # (n_bins,) fraction correct in the bin
    counts: np.ndarray  # (n_bins,) number of examples
    ece: float


def reliability_diagram(
    probs: ArrayLike | ClassificationPrediction, targets: ArrayLike, n_bins: int = 15
) -> ReliabilityDiagram:
    """Bin the top-class confidence into `n_bins` equal-width bins on [0, 1] (standard ECE binning)."""
    if not is_int(n_bins) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer at least 1, found {n_bins!r}")
    p, t = _classification(probs, targets)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == t).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Right-closed bins; a confidence of exactly 0 cannot be a top-class probability but goes to bin 0.
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    confidence_sum = np.bincount(bins, weights=confidence, minlength=n_bins)
    correct_sum = np.bincount(bins, weights=correct, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):  # empty bins become NaN, as documented
        mean_confidence = confidence_sum / counts
        mean_accuracy = correct_sum / counts
    ece_value = float(np.abs(correct_sum - confidence_sum).sum() / len(t))
    return ReliabilityDiagram(edges, mean_confidence, mean_accuracy, counts, ece_value)


def ece(probs: ArrayLike | ClassificationPrediction, targets: ArrayLike, n_bins: int = 15) -> float:
    """Expected calibration error: sum over bins of (n_b / N) |accuracy_b - confidence_b|."""
    return reliability_diagram(probs, targets, n_bins).ece


def predictive_entropy(probs: ArrayLike | ClassificationPrediction) -> np.ndarray:
    """Entropy (nats) of each predictive distribution, shape (N,); 0 log 0 counts as 0."""
    return special.entr(_probabilities(probs)).sum(axis=1)


def auroc(scores_pos: ArrayLike, scores_neg: ArrayLike) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counting 1/2.

    Computed from the Mann-Whitney U statistic with average ranks; for the out-of-distribution check
    pass e.g. the predictive entropies of out-of-distribution inputs as positives.
    """
    pos = _finite(scores_pos, "scores_pos")
    neg = _finite(scores_neg, "scores_neg")
    for name, scores in (("scores_pos", pos), ("scores_neg", neg)):
        if scores.ndim != 1:
            raise ValueError(f"{name}: expected a 1-D array of scores, found shape {scores.shape}")
    ranks = stats.rankdata(np.concatenate([pos, neg]))
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def _point(pred: ArrayLike | RegressionPrediction, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    mean = _finite(pred.mean if _is_prediction(pred) else pred, "pred")
    target = _finite(y, "y")
    _same_shape(pred=mean, y=target)
    return mean, target


def _positive(std: Any, name: str = "std") -> np.ndarray:
    s = _finite(std, name)
    if (s <= 0).any():
        raise ValueError(f"{name} must be > 0, found minimum {s.min():.3g} (shape {s.shape})")
    return s


def _gaussian(mean: Any, std: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated (mean, std, y); `mean` may be a prediction standing in for mean and std."""
    if _is_prediction(mean):
        if y is None:  # called as f(prediction, y)
            std, y = None, std
        if std is not None:
            raise TypeError("pass a prediction and y, or mean, std and y, not a prediction and std")
        mean, std = mean.mean, mean.std
    if std is None or y is None:
        raise TypeError("expected mean, std and y (or a prediction and y)")
    m, s, t = _finite(mean, "mean"), _positive(std), _finite(y, "y")
    _same_shape(mean=m, std=s, y=t)
    return m, s, t


def _z(level: Level) -> np.ndarray:
    """Half-width in standard deviations of the central Gaussian interval holding `level` of the mass."""
    levels = np.asarray(level, dtype=np.float64)
    if levels.ndim > 1 or levels.size == 0 or not ((levels > 0) & (levels < 1)).all():
        raise ValueError(f"level: expected a number or a 1-D sequence in (0, 1), found {level!r}")
    return stats.norm.ppf(0.5 + levels / 2)


def rmse(pred: ArrayLike | RegressionPrediction, y: ArrayLike) -> float:
    """Root mean squared error of the (mean) prediction."""
    mean, target = _point(pred, y)
    return float(np.sqrt(np.mean((mean - target) ** 2)))


def mae(pred: ArrayLike | RegressionPrediction, y: ArrayLike) -> float:
    """Mean absolute error of the (mean) prediction."""
    mean, target = _point(pred, y)
    return float(np.mean(np.abs(mean - target)))


def gaussian_nll(
    mean: ArrayLike | RegressionPrediction, std: ArrayLike | None = None, y: ArrayLike | None = None
) -> float:
    """Mean of 0.5 log(2 pi std^2) + (y - mean)^2 / (2 std^2)."""
    m, s, t = _gaussian(mean, std, y)
    return float(np.mean(0.5 * np.log(2 * np.pi * s**2) + (t - m) ** 2 / (2 * s**2)))


def coverage(lo: ArrayLike, hi: ArrayLike, y: ArrayLike) -> float:
    """Fraction of targets inside their closed interval [lo, hi]."""
    low, high, target = _finite(lo, "lo"), _finite(hi, "hi"), _finite(y, "y")
    _same_shape(lo=low, hi=high, y=target)
    if (low > high).any():
        raise ValueError(f"lo must not exceed hi; it does at {(low > high).sum()} of {low.size} points")
    return float(np.mean((low <= target) & (target <= high)))


def interval_coverage(
    mean: ArrayLike | RegressionPrediction,
    std: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    level: Level = 0.95,
) -> float | np.ndarray:
    """Coverage of the central Gaussian interval mean +- z std at `level` (one float, or one per level)."""
    m, s, t = _gaussian(mean, std, y)
    z = _z(level)
    covered = np.mean(np.abs(t - m)[..., None] <= s[..., None] * z.ravel(), axis=tuple(range(t.ndim)))
    return float(covered[0]) if z.ndim == 0 else covered


def interval_width(std: ArrayLike | RegressionPrediction, *, level: Level = 0.95) -> float | np.ndarray:
    """Mean width 2 z std of the central Gaussian interval at `level` (one float, or one per level)."""
    s = _positive(std.std if _is_prediction(std) else std)
    width = 2 * _z(level) * s.mean()
    return float(width) if width.ndim == 0 else width


def crps_gaussian(
    mean: ArrayLike | RegressionPrediction, std: ArrayLike | None = None, y: ArrayLike | None = None
) -> float:
    """Mean continuous ranked probability score of Gaussian predictions (closed form, lower is better).

    CRPS = std [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)] with z = (y - mean) / std.
    """
    m, s, t = _gaussian(mean, std, y)
    z = (t - m) / s
    return float(
        np.mean(s * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi)))
    )
