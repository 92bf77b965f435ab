"""Preprocessing of NCSM tables for training: MinMax scaling, train/validation/test split, and
densification by cubic splines along hw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.interpolate import CubicSpline

from .. import io
from .data import NCSMTable

__all__ = ["MinMaxScaler", "NotFittedError", "Split", "densify", "split"]


class NotFittedError(ValueError, AttributeError):
    """A scaler used before ``fit`` (subclasses both, as scikit-learn's, so ``hasattr`` works)."""


class MinMaxScaler:
    """Scale each feature to ``feature_range``: ``X * scale_ + min_`` (scikit-learn semantics).

    A 1-D array is one feature (a column of samples) and stays 1-D; a 2-D array is
    (n_samples, n_features). A constant feature gets ``scale_ = 1`` (as in scikit-learn), so it
    maps to ``feature_range[0]`` instead of dividing by zero.
    """

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = (float(v) for v in feature_range)
        if not lo < hi:
            raise ValueError(f"feature_range must be (min, max) with min < max, got {feature_range}")
        self.feature_range = (lo, hi)
        self._data_min: np.ndarray | None = None
        self._data_max: np.ndarray | None = None

    def fit(self, X: ArrayLike) -> MinMaxScaler:
        """Learn per-feature minimum and maximum of ``X``."""
        X2 = self._as_2d(X, check_features=False)
        if X2.shape[0] == 0:
            raise ValueError("cannot fit a scaler on an empty array")
        if not np.all(np.isfinite(X2)):
            raise ValueError("cannot fit a scaler on NaN or infinite values")
        self._data_min = X2.min(axis=0)
        self._data_max = X2.max(axis=0)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Map ``X`` into the feature range (values outside the fitted range map outside it)."""
        X2 = self._as_2d(X)
        return self._like_input(X2 * self.scale_ + self.min_, X)

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Undo :meth:`transform`, e.g. return network outputs in MeV."""
        X2 = self._as_2d(X)
        return self._like_input((X2 - self.min_) / self.scale_, X)

    def fit_transform(self, X: ArrayLike) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform_std(self, std: ArrayLike) -> np.ndarray:
        """Scale a standard deviation back to data units: divide by ``scale_``, no shift."""
        S = self._as_2d(std)
        return self._like_input(S / self.scale_, std)

    @property
    def data_min_(self) -> np.ndarray:
        return self._fitted()[0]

    @property
    def data_max_(self) -> np.ndarray:
        return self._fitted()[1]

    @property
    def data_range_(self) -> np.ndarray:
        data_min, data_max = self._fitted()
        return data_max - data_min

    @property
    def scale_(self) -> np.ndarray:
        data_range = self.data_range_
        # scikit-learn's rule: a range below 10 eps counts as a constant feature, scale 1.
        safe_range = np.where(data_range < 10 * np.finfo(np.float64).eps, 1.0, data_range)
        lo, hi = self.feature_range
        return (hi - lo) / safe_range

    @property
    def min_(self) -> np.ndarray:
        return self.feature_range[0] - self.data_min_ * self.scale_

    @property
    def n_features_in_(self) -> int:
        return int(self._fitted()[0].size)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (plain lists); ``scale_`` and ``min_`` are derived from it."""
        data_min, data_max = self._fitted()
        return {
            "type": "MinMaxScaler",
            "feature_range": list(self.feature_range),
            "data_min": data_min.tolist(),
            "data_max": data_max.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MinMaxScaler:
        """Inverse of :meth:`to_dict`."""
        if d.get("type", "MinMaxScaler") != "MinMaxScaler":
            raise ValueError(f"not a MinMaxScaler state: type {d.get('type')!r}")
        scaler = cls(tuple(d["feature_range"]))
        data_min = np.asarray(d["data_min"], dtype=np.float64)
        data_max = np.asarray(d["data_max"], dtype=np.float64)
        if data_min.ndim != 1 or data_min.shape != data_max.shape or np.any(data_min > data_max):
            raise ValueError("MinMaxScaler state needs equal-length data_min <= data_max lists")
        scaler._data_min, scaler._data_max = data_min, data_max
        return scaler

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self._data_min is None or self._data_max is None:
            raise NotFittedError("this MinMaxScaler is not fitted yet; call fit(X) first")
        return self._data_min, self._data_max

    def _as_2d(self, X: ArrayLike, check_features: bool = True) -> np.ndarray:
        a = np.asarray(X, dtype=np.float64)
        if a.ndim == 1:
            a = a[:, None]
        elif a.ndim != 2:
            raise ValueError(f"expected a 1-D or 2-D array, got {a.ndim} dimensions")
        if check_features and a.shape[1] != self.n_features_in_:
            raise ValueError(f"scaler was fitted on {self.n_features_in_} feature(s), got {a.shape[1]}")
        return a

    @staticmethod
    def _like_input(out: np.ndarray, X: ArrayLike) -> np.ndarray:
        return out[:, 0] if np.ndim(X) == 1 else out

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range})"


@dataclass(frozen=True, eq=False)
class Split:
    """Row indices into an :class:`NCSMTable`; ``ignored`` rows (Nmax above ``train_nmax_max``)
    are used for nothing, scaling included."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    ignored: np.ndarray
    train_nmax_max: int
    mode: str
    seed: int


io.register(MinMaxScaler, "scaler", MinMaxScaler.to_dict, MinMaxScaler.from_dict)


def split(
    table: NCSMTable,
    train_nmax_max: int,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    mode: Literal["random", "holdout_nmax"] = "random",
) -> Split:
    """Split the rows with Nmax <= ``train_nmax_max`` into train / validation / test.

    ``mode="random"``: a seeded permutation; ``round(fraction * n)`` rows go to validation and to
    test. ``mode="holdout_nmax"``: validation is every row of the highest Nmax <= ``train_nmax_max``
    (``val_fraction`` is not used) and test a seeded ``test_fraction`` of the other rows.
    The training part always keeps at least two distinct Nmax, else ``ValueError``.
    """
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= f < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {f}")
    if mode == "random" and val_fraction + test_fraction >= 1.0:
        raise ValueError(f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}")
    if mode not in ("random", "holdout_nmax"):
        raise ValueError(f"mode must be 'random' or 'holdout_nmax', got {mode!r}")

    rows = np.arange(len(table))
    usable = rows[table.nmax <= train_nmax_max]
    ignored = rows[table.nmax > train_nmax_max]
    rng = np.random.default_rng(seed)
    if mode == "random":
        perm = rng.permutation(usable)
        n_val = round(val_fraction * usable.size)
        n_test = round(test_fraction * usable.size)
        val, test, train = perm[:n_val], perm[n_val : n_val + n_test], perm[n_val + n_test :]
    else:
        if usable.size == 0:
            raise ValueError(f"no rows with Nmax <= {train_nmax_max}")
        top = table.nmax[usable].max()
        val = usable[table.nmax[usable] == top]
        rest = rng.permutation(usable[table.nmax[usable] < top])
        n_test = round(test_fraction * rest.size)
        test, train = rest[:n_test], rest[n_test:]

    train_nmax = np.unique(table.nmax[train])
    if train_nmax.size < 2:
        raise ValueError(
            f"the training part would hold Nmax {train_nmax.tolist()} only (Nmax <= {train_nmax_max}, "
            f"mode {mode!r}); at least two distinct Nmax are needed"
        )
    return Split(np.sort(train), np.sort(val), np.sort(test), ignored, int(train_nmax_max), mode, int(seed))


def densify(
    nmax: ArrayLike, hw: ArrayLike, energy: ArrayLike, points_per_interval: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add spline-interpolated points along hw for each Nmax (training data only).

    For every Nmax with at least four points, a :class:`scipy.interpolate.CubicSpline` through
    E(hw) (not-a-knot ends; any non-uniform hw mesh) is evaluated at ``points_per_interval``
    equally spaced hw strictly inside each interval of neighbouring hw. Returns
    ``(nmax, hw, energy)`` holding the original points plus the new ones, sorted by (Nmax, hw);
    Nmax with fewer than four points are passed through unchanged.
    """
    if int(points_per_interval) != points_per_interval or points_per_interval < 0:
        raise ValueError(f"points_per_interval must be a non-negative integer, got {points_per_interval}")
    nmax_a = np.asarray(nmax, dtype=np.int64)
    hw_a = np.asarray(hw, dtype=np.float64)
    e_a = np.asarray(energy, dtype=np.float64)
    if nmax_a.ndim != 1 or not nmax_a.shape == hw_a.shape == e_a.shape:
        raise ValueError("nmax, hw and energy must be 1-D arrays of equal length")

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [(nmax_a, hw_a, e_a)]
    fractions = np.arange(1, points_per_interval + 1) / (points_per_interval + 1)
    for n in np.unique(nmax_a):
        sel = nmax_a == n
        if sel.sum() < 4 or fractions.size == 0:
            continue
        order = np.argsort(hw_a[sel])
        x, y = hw_a[sel][order], e_a[sel][order]
        if np.any(np.diff(x) <= 0):
            raise ValueError(f"duplicate hw values for Nmax={n}")
        new_hw = (x[:-1, None] + np.diff(x)[:, None] * fractions[None, :]).ravel()
        parts.append((np.full(new_hw.size, n, dtype=np.int64), new_hw, CubicSpline(x, y)(new_hw)))

    out_n, out_hw, out_e = (np.concatenate(cols) for cols in zip(*parts, strict=True))
    order = np.lexsort((out_hw, out_n))
    return out_n[order], out_hw[order], out_e[order]
