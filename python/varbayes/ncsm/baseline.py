"""The classic NCSM extrapolation the networks are compared with.

At fixed hw the energy converges roughly exponentially in the basis size,
``E(Nmax) = E_inf + a * exp(-c * Nmax)``, fitted on the highest computed Nmax values. With three
equally spaced Nmax the fit is exact (Aitken's delta-squared); with more points it is a least-
squares fit. Sequences that do not converge (non-monotone, or differences that do not shrink) give
a fit flagged invalid with a message, never an exception or an unflagged NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar

from .data import NCSMTable

__all__ = [
    "BaselineResult",
    "ConvergedEstimate",
    "ExponentialFit",
    "converged_estimate",
    "exponential_baseline",
    "fit_exponential",
    "variational_minimum",
]

# Search range of the convergence rate c (per unit of Nmax) in the least-squares fit; NCSM rates
# are O(0.1-1), and a best fit at either end means the data show no exponential convergence.
_C_MIN, _C_MAX = 1e-3, 10.0


@dataclass(frozen=True)
class ExponentialFit:
    """Fit ``E(Nmax) = e_inf + a * exp(-c * Nmax)`` on the Nmax values ``nmax``.

    When ``valid`` is False, ``message`` says why and ``e_inf``, ``a``, ``c`` are NaN.
    """

    e_inf: float
    a: float
    c: float
    valid: bool
    message: str
    nmax: tuple[int, ...]

    def predict(self, nmax: ArrayLike) -> np.ndarray:
        """Extrapolated values at ``nmax``; ``ValueError`` for an invalid fit."""
        if not self.valid:
            raise ValueError(f"cannot predict from an invalid exponential fit: {self.message}")
        return self.e_inf + self.a * np.exp(-self.c * np.asarray(nmax, dtype=np.float64))


def fit_exponential(nmax: ArrayLike, energy: ArrayLike, n_points: int = 3) -> ExponentialFit:
    """Fit the exponential on the ``n_points`` highest Nmax of one hw.

    Three equally spaced points are solved exactly: with ``d1 = E1 - E2``, ``d2 = E2 - E3``,
    ``c = ln(d1 / d2) / dN`` and ``E_inf = E3 - d2**2 / (d1 - d2)``. Otherwise ``c`` is found by
    least squares (for each c the model is linear in ``E_inf`` and ``a``).
    """
    n = np.asarray(nmax, dtype=np.float64)
    e = np.asarray(energy, dtype=np.float64)
    if n.ndim != 1 or n.shape != e.shape:
        raise ValueError("nmax and energy must be 1-D arrays of equal length")
    if n_points < 3:
        raise ValueError(f"n_points must be at least 3 (three parameters), got {n_points}")
    if np.unique(n).size != n.size:
        raise ValueError(f"duplicate Nmax values in {n.tolist()}")
    if n.size < n_points:
        raise ValueError(f"need {n_points} Nmax values, got {n.size}")
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(e))):
        raise ValueError("nmax and energy must be finite")
    top = np.argsort(n)[-n_points:]
    n, e = n[top], e[top]
    used = tuple(int(v) for v in n)

    def invalid(message: str) -> ExponentialFit:
        return ExponentialFit(math.nan, math.nan, math.nan, False, message, used)

    steps = np.diff(n)
    if n_points == 3 and np.isclose(steps[0], steps[1]):
        d1, d2 = e[0] - e[1], e[1] - e[2]
        if d2 == 0.0:
            return invalid(f"equal values at Nmax {used[1]} and {used[2]}: convergence rate undefined")
        if d1 * d2 < 0.0:
            return invalid(f"non-monotone in Nmax {list(used)}: values {e.tolist()}")
        if abs(d1) <= abs(d2):
            return invalid(
                f"differences do not shrink over Nmax {list(used)} ({d1:.6g}, {d2:.6g}): no convergence"
            )
        c = math.log(d1 / d2) / float(steps[0])
        e_inf = e[2] - d2 * d2 / (d1 - d2)
        return ExponentialFit(
            float(e_inf), float((e[2] - e_inf) * math.exp(c * n[2])), c, True, "exact", used
        )

    # Variable projection: basis shifted to the highest Nmax keeps the columns O(1).
    def linear_fit(c: float) -> tuple[np.ndarray, float]:
        design = np.column_stack([np.ones_like(n), np.exp(-c * (n - n[-1]))])
        coef = np.linalg.lstsq(design, e, rcond=None)[0]
        return coef, float(np.sum((design @ coef - e) ** 2))

    opt = minimize_scalar(
        lambda log_c: linear_fit(math.exp(log_c))[1],
        bounds=(math.log(_C_MIN), math.log(_C_MAX)),
        method="bounded",
        options={"xatol": 1e-10},
    )
    c = math.exp(opt.x)
    if not _C_MIN * 1.001 < c < _C_MAX / 1.001:
        return invalid(f"best rate c={c:.3g} at the search bound over Nmax {list(used)}: no convergence")
    (e_inf, a_shifted), sse = linear_fit(c)
    rms = math.sqrt(sse / n.size)
    return ExponentialFit(
        float(e_inf), float(a_shifted * math.exp(c * n[-1])), c, True, f"least squares, rms {rms:.3g}", used
    )


def variational_minimum(
    nmax: ArrayLike, hw: ArrayLike, energy: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each Nmax (ascending) the minimum over hw of the energy: ``(nmax, hw_at_min, e_min)``."""
    n = np.asarray(nmax, dtype=np.int64)
    h = np.asarray(hw, dtype=np.float64)
    e = np.asarray(energy, dtype=np.float64)
    if n.ndim != 1 or not n.shape == h.shape == e.shape:
        raise ValueError("nmax, hw and energy must be 1-D arrays of equal length")
    values = np.unique(n)
    best = [np.flatnonzero(n == v)[np.argmin(e[n == v])] for v in values]
    return values, h[best], e[best]


@dataclass(frozen=True, eq=False)
class BaselineResult:
    """Per-hw exponential extrapolation of a table (see :func:`exponential_baseline`).

    ``predictions[i, j]`` is the value at ``hw[i]``, ``predict_nmax[j]`` (NaN where ``fits[i]`` is
    invalid). ``variational_min_hw`` is the hw minimising the energy at the highest trained Nmax
    ``variational_min_nmax``, the centre of :func:`converged_estimate`.
    """

    hw: np.ndarray
    fits: tuple[ExponentialFit, ...]
    predict_nmax: np.ndarray
    predictions: np.ndarray
    train_nmax_max: int
    n_points: int
    variational_min_nmax: int
    variational_min_hw: float

    @property
    def valid(self) -> np.ndarray:
        return np.array([f.valid for f in self.fits], dtype=bool)

    @property
    def e_inf(self) -> np.ndarray:
        return np.array([f.e_inf for f in self.fits], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary; invalid values are ``None``."""
        return {
            "method": "E(Nmax) = E_inf + a*exp(-c*Nmax) per hw, fitted on the highest trained Nmax",
            "train_nmax_max": self.train_nmax_max,
            "n_points": self.n_points,
            "fits": [
                {
                    "hw": float(h),
                    "fit_nmax": list(f.nmax),
                    "e_inf": _json_float(f.e_inf),
                    "a": _json_float(f.a),
                    "c": _json_float(f.c),
                    "valid": f.valid,
                    "message": f.message,
                }
                for h, f in zip(self.hw, self.fits, strict=True)
            ],
            "predictions": [
                {"nmax": int(nm), "hw": float(h), "energy": _json_float(self.predictions[i, j])}
                for i, h in enumerate(self.hw)
                for j, nm in enumerate(self.predict_nmax)
            ],
        }


def exponential_baseline(
    table: NCSMTable, train_nmax_max: int, predict_nmax: Sequence[int], n_points: int = 3
) -> BaselineResult:
    """Fit :func:`fit_exponential` at every hw having ``n_points`` Nmax <= ``train_nmax_max`` and
    predict at ``predict_nmax``; rows above ``train_nmax_max`` are not looked at."""
    train = table.subset(nmax_max=train_nmax_max)
    if len(train) == 0:
        raise ValueError(f"no rows with Nmax <= {train_nmax_max}")
    targets = np.asarray(predict_nmax, dtype=np.int64).reshape(-1)
    hws, fits, rows = [], [], []
    for h in train.hw_values():
        at_hw = train.hw == h
        if np.count_nonzero(at_hw) < n_points:
            continue
        fit = fit_exponential(train.nmax[at_hw], train.energy[at_hw], n_points)
        hws.append(h)
        fits.append(fit)
        rows.append(fit.predict(targets) if fit.valid else np.full(targets.shape, np.nan))
    if not fits:
        raise ValueError(
            f"the exponential baseline needs {n_points} Nmax values <= {train_nmax_max} at some hw, "
            f"and no hw of {table.source or 'the table'} has them"
        )
    nmax_top, hw_at_min, _ = variational_minimum(train.nmax, train.hw, train.energy)
    return BaselineResult(
        hw=np.array(hws),
        fits=tuple(fits),
        predict_nmax=targets,
        predictions=np.vstack(rows),
        train_nmax_max=int(train_nmax_max),
        n_points=n_points,
        variational_min_nmax=int(nmax_top[-1]),
        variational_min_hw=float(hw_at_min[-1]),
    )


@dataclass(frozen=True)
class ConvergedEstimate:
    """Converged (Nmax -> infinity) value from the exponential baseline.

    ``e_inf`` is E_inf of the fit at ``hw`` (the variational-minimum hw, or the nearest hw with a
    valid fit inside the window); ``spread = (e_inf_max - e_inf_min) / 2`` over the valid fits with
    ``|hw' - variational_min_hw| <= hw_window / 2`` (``n_hw`` of them), a measure of how much the
    extrapolation still depends on hw.
    """

    e_inf: float
    spread: float
    e_inf_min: float
    e_inf_max: float
    hw: float
    variational_min_hw: float
    hw_window: float
    n_hw: int
    valid: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; NaN becomes ``None``."""
        return {k: _json_float(v) if isinstance(v, float) else v for k, v in asdict(self).items()}


def converged_estimate(result: BaselineResult, hw_window: float = 10.0) -> ConvergedEstimate:
    """Converged estimate and its hw spread from a :class:`BaselineResult` (definition in
    :class:`ConvergedEstimate`); ``hw_window`` is the full window width in MeV."""
    if hw_window < 0:
        raise ValueError(f"hw_window must be non-negative, got {hw_window}")
    centre = result.variational_min_hw
    usable = (np.abs(result.hw - centre) <= hw_window / 2) & result.valid
    if not usable.any():
        return ConvergedEstimate(
            e_inf=math.nan,
            spread=math.nan,
            e_inf_min=math.nan,
            e_inf_max=math.nan,
            hw=math.nan,
            variational_min_hw=centre,
            hw_window=float(hw_window),
            n_hw=0,
            valid=False,
            message=f"no valid exponential fit within hw {centre:g} +- {hw_window / 2:g} MeV",
        )
    candidates = np.flatnonzero(usable)
    pick = candidates[np.argmin(np.abs(result.hw[candidates] - centre))]
    window_e = result.e_inf[usable]
    return ConvergedEstimate(
        e_inf=float(result.e_inf[pick]),
        spread=float((window_e.max() - window_e.min()) / 2),
        e_inf_min=float(window_e.min()),
        e_inf_max=float(window_e.max()),
        hw=float(result.hw[pick]),
        variational_min_hw=centre,
        hw_window=float(hw_window),
        n_hw=int(usable.sum()),
        valid=True,
        message=(
            "E_inf at the variational-minimum hw"
            if result.hw[pick] == centre
            else f"fit at the variational-minimum hw {centre:g} invalid; nearest valid hw used"
        ),
    )


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
