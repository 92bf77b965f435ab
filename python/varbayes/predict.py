"""Predictive distributions by Monte Carlo over weight samples (``vb.predict``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core
from ._checks import check_count
from .autograd import no_grad
from .creation import tensor
from .infer import SampleBank
from .likelihood import resolve
from .nn.bayes import sampling


@dataclass(frozen=True)
class Prediction:
    """Monte-Carlo predictive distribution.

    Regression: ``mean``, ``std`` (total), ``epistemic_std`` (spread of the per-sample means),
    ``aleatoric_std`` (root of the mean likelihood variance); total variance = epistemic +
    aleatoric. Classification: ``mean`` holds the averaged class probabilities, ``std`` their
    spread over samples, with ``entropy()`` and ``mutual_information()``.
    ``samples`` (n_samples, N, ...) holds the per-sample means (probabilities) when requested.
    """

    mean: np.ndarray
    std: np.ndarray
    epistemic_std: np.ndarray
    aleatoric_std: np.ndarray | None
    kind: str
    samples: np.ndarray | None = None
    _means: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    _vars: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_samples(
        cls,
        means: np.ndarray,
        variances: np.ndarray | None = None,
        kind: str = "regression",
        return_samples: bool = False,
    ) -> Prediction:
        """The predictive distribution of per-sample means (n_samples, N, ...): class probabilities
        for ``kind="classification"``, else regression means with, when the model has a likelihood,
        their per-sample likelihood variances ``variances`` (same shape; ignored for
        classification). ``return_samples`` keeps the means in ``samples``."""
        if kind not in ("regression", "classification"):
            raise ValueError(f"kind must be 'regression' or 'classification', got {kind!r}")
        means = _float_array(means, "means")
        if means.ndim < 2 or means.shape[0] == 0:
            raise ValueError(
                f"means must have shape (n_samples, N, ...) with n_samples >= 1, got {means.shape}"
            )
        mean = means.mean(axis=0)
        epistemic_var = means.var(axis=0)
        samples = means if return_samples else None
        if kind == "classification":
            std = np.sqrt(epistemic_var)
            return cls(mean, std, std, None, kind, samples, means)
        if variances is not None:
            variances = _float_array(variances, "variances")
            if variances.shape != means.shape:
                raise ValueError(
                    f"variances must have the shape of means {means.shape}, got {variances.shape}"
                )
            if not np.all(np.isfinite(variances) & (variances >= 0)):
                raise ValueError("variances must be finite and >= 0")
        aleatoric_var = variances.mean(axis=0) if variances is not None else np.zeros_like(mean)
        return cls(
            mean,
            np.sqrt(epistemic_var + aleatoric_var),
            np.sqrt(epistemic_var),
            np.sqrt(aleatoric_var),
            kind,
            samples,
            means,
            variances,
        )

    @property
    def sample_variances(self) -> np.ndarray | None:
        """Per-sample likelihood variances (regression with a likelihood), else None."""
        return self._vars

    def quantile(self, q: float | np.ndarray) -> np.ndarray:
        """Quantiles of the predictive distribution: the mixture of the per-sample Gaussians
        (empirical quantiles of the samples when there is no aleatoric noise)."""
        if self.kind != "regression":
            raise ValueError("quantile() is defined for regression predictions")
        qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
        if not np.all((qs > 0) & (qs < 1)):  # written so that NaN fails it too
            raise ValueError(f"quantile levels must be in (0, 1), got {q}")
        if self._vars is None:
            out = np.quantile(self._means, qs, axis=0)
        else:
            out = np.stack([_mixture_quantile(self._means, np.sqrt(self._vars), level) for level in qs])
        return out[0] if np.ndim(q) == 0 else out

    def interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Central predictive interval (lower, upper) with the given coverage."""
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        lo, hi = self.quantile(np.array([(1 - level) / 2, (1 + level) / 2]))
        return lo, hi

    def entropy(self) -> np.ndarray:
        """Entropy of the averaged class probabilities (total uncertainty)."""
        from scipy.special import xlogy  # (here: ``import varbayes`` does not load SciPy)

        self._require_classification()
        return -np.sum(xlogy(self.mean, self.mean), axis=-1)

    def mutual_information(self) -> np.ndarray:
        """Entropy of the mean minus the mean entropy of the samples (epistemic part)."""
        from scipy.special import xlogy

        self._require_classification()
        expected = -np.sum(xlogy(self._means, self._means), axis=-1).mean(axis=0)
        return self.entropy() - expected

    def _require_classification(self) -> None:
        if self.kind != "classification":
            raise ValueError("entropy and mutual information are defined for classification predictions")


def _float_array(values: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers, got {type(values).__name__}: {err}") from None


def _mixture_quantile(means: np.ndarray, stds: np.ndarray, level: float) -> np.ndarray:
    """Solves mean_t Phi((y - m_t) / s_t) = level for y, elementwise, by bisection."""
    from scipy.special import ndtr  # the standard normal CDF

    lo = (means - 10 * stds).min(axis=0)
    hi = (means + 10 * stds).max(axis=0)
    for _ in range(80):  # 80 halvings reach float64 resolution from a range of 20 stds
        mid = 0.5 * (lo + hi)
        below = ndtr((mid - means) / stds).mean(axis=0) < level
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def predict(
    model: Any,
    x: Any,
    n_samples: int | None = None,
    *,
    batch_size: int | None = None,
    likelihood: Any = None,
    return_samples: bool = False,
) -> Prediction:
    """Predictive distribution of ``model`` at inputs ``x`` from ``n_samples`` forward passes
    (default 100).

    ``model`` may also be a ``vb.infer.SampleBank`` of SGLD snapshots: one pass per snapshot
    (default all of them, else ``n_samples`` evenly spaced ones), with the same meaning of mean,
    epistemic and aleatoric parts as for a variational posterior; or a list/tuple of models (or
    banks): the equal-weight mixture of their predictive distributions (e.g. independently
    fitted posteriors, a deep ensemble), ``n_samples`` passes through each.
    ``likelihood``: None for plain regression (aleatoric 0), unless the model has a
    ``likelihood`` attribute; a ``vb.likelihood`` object (``predictive(output)`` gives each
    pass's mean and variance, e.g. a ``GaussianLikelihood``) or a shortcut: ``"gaussian"`` (the
    model's ``likelihood``), ``"heteroscedastic"`` for a model ending in ``GaussianHead``,
    ``"categorical"`` for logits, ``"bernoulli"``, ``"poisson"``. Runs without building a
    graph, in input batches of ``batch_size`` so memory stays bounded.
    """
    xs = x if isinstance(x, _core.Tensor) else tensor(x)
    if xs.ndim == 0:
        raise ValueError("predict: x must have a batch dimension")
    if xs.shape[0] == 0:
        raise ValueError(f"predict: x has no rows (shape {tuple(xs.shape)})")
    if batch_size is not None:
        check_count("batch_size", batch_size)
    members = list(model) if isinstance(model, (list, tuple)) else [model]
    if not members:
        raise ValueError("predict: the list of models is empty")
    passes = [_passes(m, xs, n_samples, batch_size, likelihood) for m in members]
    kinds = {kind for kind, _, _ in passes}
    if len(kinds) > 1:
        raise ValueError("predict: the models of a mixture mix classification and regression outputs")
    kind = kinds.pop()
    sample_means = np.concatenate([means for _, means, _ in passes])
    with_vars = [v is not None for _, _, v in passes]
    if any(with_vars) and not all(with_vars):
        raise ValueError("predict: some models of the mixture have a likelihood noise and others none")
    sample_vars = np.concatenate([v for _, _, v in passes]) if all(with_vars) else None
    return Prediction.from_samples(sample_means, sample_vars, kind, return_samples)


def _passes(
    model: Any, xs: _core.Tensor, n_samples: int | None, batch_size: int | None, likelihood: Any
) -> tuple[str, np.ndarray, np.ndarray | None]:
    """The per-pass means (n_samples, N, ...) and likelihood variances (or None) of one model."""
    if isinstance(model, SampleBank):
        model = model.model(n_samples)
        n_samples = model.n_samples
    elif n_samples is None:
        n_samples = 100
    check_count("n_samples", n_samples)
    n = xs.shape[0]
    batch_size = batch_size or n
    if likelihood is None:
        likelihood = getattr(model, "likelihood", None)
    lik = None if likelihood is None else resolve(likelihood, model)
    kind = "regression" if lik is None else lik.kind
    means, variances = [], []
    with no_grad(), sampling(True):
        for start in range(0, n, batch_size):
            xb = xs[start : start + batch_size]
            m_b, v_b = [], []
            for _ in range(n_samples):
                out = model(xb)
                mean, var = (out.numpy().astype(np.float64), None) if lik is None else lik.predictive(out)
                m_b.append(mean)
                if var is not None:
                    v_b.append(var)
            means.append(np.stack(m_b))
            if v_b:
                variances.append(np.stack(v_b))
    return kind, np.concatenate(means, axis=1), np.concatenate(variances, axis=1) if variances else None
