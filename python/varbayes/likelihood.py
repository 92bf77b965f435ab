"""Likelihoods: how a network's output explains a target, shared by ``ELBO``, ``sgld_sample`` and
``predict``.

A likelihood has ``nll(output, target)``, the mean negative log-likelihood of the targets (a
tensor, with every constant so that values compare across likelihoods), ``predictive(output)``,
the per-point predictive ``(mean, variance)`` as float64 arrays (class probabilities and ``None``
for a categorical one), and ``kind``, ``"regression"`` or ``"classification"``. The strings
``"gaussian"`` (the model's learned ``likelihood`` attribute, a ``vb.nn.GaussianLikelihood``),
``"heteroscedastic"``, ``"categorical"``, ``"bernoulli"`` and ``"poisson"`` are shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import _core
from .creation import tensor


@runtime_checkable
class Likelihood(Protocol):
    """What ``ELBO``, ``sgld_sample`` and ``predict`` need of a likelihood (see the module doc)."""

    kind: str

    def nll(self, output: _core.Tensor, target: Any) -> _core.Tensor:
        """Mean negative log-likelihood of ``target`` given the network's ``output``."""
        ...

    def predictive(self, output: _core.Tensor) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictive mean and variance per point (probabilities and None when categorical)."""
        ...


def _target_like(output: _core.Tensor, target: Any) -> _core.Tensor:
    """``target`` as a tensor of the output's dtype (a NumPy array or a tensor)."""
    if isinstance(target, _core.Tensor):
        return target if target.dtype == output.dtype else target.to(output.dtype)
    return tensor(np.asarray(target, dtype=np.float64), dtype=output.dtype)


class Gaussian:
    """Gaussian noise of a fixed standard deviation around the output.

    Parameters
    ----------
    std : float
        The noise standard deviation (positive). For a learned one use ``vb.nn.GaussianLikelihood``,
        which has the same ``nll`` and ``predictive``.

    Examples
    --------
    >>> lik = vb.likelihood.Gaussian(0.5)
    >>> mean, var = lik.predictive(vb.tensor([[1.0], [2.0]]))
    >>> var.ravel().tolist()
    [0.25, 0.25]
    """

    kind = "regression"

    def __init__(self, std: float = 1.0) -> None:
        if not (isinstance(std, (int, float)) and 0 < std < float("inf")):
            raise ValueError(f"Gaussian: std must be a positive finite number, got {std!r}")
        self.std = float(std)

    def nll(self, output: _core.Tensor, target: Any) -> _core.Tensor:
        """Mean Gaussian negative log-likelihood, with the log(2 pi) constant."""
        return _core.gaussian_nll_loss(output, _target_like(output, target), self.std**2, full=True)

    def predictive(self, output: _core.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The output as the mean, ``std**2`` as the variance."""
        mean = output.numpy().astype(np.float64)
        return mean, np.full_like(mean, self.std**2)

    def __repr__(self) -> str:
        return f"Gaussian(std={self.std:g})"


class Heteroscedastic:
    """Gaussian noise whose variance the network predicts: the output of ``vb.nn.GaussianHead``.

    The output's last dimension holds ``k`` means then ``k`` positive variances.

    Examples
    --------
    >>> out = vb.tensor([[0.0, 1.0, 4.0, 0.25]])  # means 0, 1; variances 4, 0.25
    >>> vb.likelihood.Heteroscedastic().predictive(out)[1].tolist()
    [[4.0, 0.25]]
    """

    kind = "regression"

    def nll(self, output: _core.Tensor, target: Any) -> _core.Tensor:
        """Mean Gaussian negative log-likelihood under the predicted means and variances."""
        k = self._half(output)
        return _core.gaussian_nll_loss(
            output[..., :k], _target_like(output, target), output[..., k:], full=True
        )

    def predictive(self, output: _core.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The first half of the last dimension as means, the second as variances."""
        k = self._half(output)
        values = output.numpy().astype(np.float64)
        variances = values[..., k:]
        if not np.all(np.isfinite(variances) & (variances > 0)):
            raise ValueError(
                "likelihood='heteroscedastic' expects the second half of the model's last dimension "
                "to be positive, finite variances (as a GaussianHead outputs them), got "
                f"values in [{variances.min()}, {variances.max()}]"
            )
        return values[..., :k], variances

    @staticmethod
    def _half(output: _core.Tensor) -> int:
        shape = tuple(output.shape)
        if not shape or shape[-1] < 2 or shape[-1] % 2:
            raise ValueError(
                "likelihood='heteroscedastic' expects the model to end in a GaussianHead: a last "
                f"dimension of 2 * out_features (means, then variances), got output shape {shape}"
            )
        return shape[-1] // 2

    def __repr__(self) -> str:
        return "Heteroscedastic()"


class Categorical:
    """Classes from logits over the last dimension; integer class targets.

    Examples
    --------
    >>> probs, _ = vb.likelihood.Categorical().predictive(vb.tensor([[0.0, 0.0]]))
    >>> probs.tolist()
    [[0.5, 0.5]]
    """

    kind = "classification"

    def nll(self, output: _core.Tensor, target: Any) -> _core.Tensor:
        """Mean cross-entropy (``torch.nn.functional.cross_entropy``)."""
        return _core.cross_entropy(output, target)

    def predictive(self, output: _core.Tensor) -> tuple[np.ndarray, None]:
        """Class probabilities (softmax of the logits); no variance."""
        return _core.softmax(output, -1).numpy().astype(np.float64), None

    def __repr__(self) -> str:
        return "Categorical()"


class Bernoulli:
    """Binary targets in [0, 1] from logits of the same shape.

    Examples
    --------
    >>> mean, var = vb.likelihood.Bernoulli().predictive(vb.tensor([[0.0]]))
    >>> mean.tolist(), var.tolist()
    ([[0.5]], [[0.25]])
    """

    kind = "regression"

    def nll(self, output: _core.Tensor, target: Any) -> _core.Tensor:
        """Mean binary cross-entropy with logits: ``softplus(x) - x * y``."""
        y, _ = _checked_target("Bernoulli", output, target, lambda v: (v >= 0) & (v <= 1), "lie in [0, 1]")
        return _core.mean(_core.softplus(output) - output * y)

    def predictive(self, output: _core.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The probability ``p = sigmoid(x)`` as the mean and ``p (1 - p)`` as the variance."""
        p = _core.sigmoid(output).numpy().astype(np.float64)
        return p, p * (1.0 - p)

    def __repr__(self) -> str:
        return "Bernoulli()"


class Poisson:
    """Counts from the log of the rate (the output), as ``torch.distributions.Poisson(log_rate.exp())``.

    Examples
    --------
    >>> mean, var = vb.likelihood.Poisson().predictive(vb.tensor([[0.0]]))
    >>> mean.tolist(), var.tolist()
    ([[1.0]], [[1.0]])
    """

    kind = "regression"

    def nll(self, output: _core.Tensor, target: Any) -> _core.Tensor:
        """Mean ``exp(x) - y x + log(y!)``."""
        from scipy.special import gammaln  # (here, not at import: ``import varbayes`` stays light)

        y, counts = _checked_target("Poisson", output, target, lambda v: v >= 0, "be non-negative counts")
        return _core.mean(_core.exp(output) - output * y) + float(gammaln(counts + 1.0).mean())

    def predictive(self, output: _core.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The rate ``exp(x)`` as both mean and variance."""
        rate = np.exp(output.numpy().astype(np.float64))
        return rate, rate

    def __repr__(self) -> str:
        return "Poisson()"


def _checked_target(
    name: str, output: _core.Tensor, target: Any, valid: Callable[[np.ndarray], np.ndarray], rule: str
) -> tuple[_core.Tensor, np.ndarray]:
    """The target as a tensor and as float64 values, refused unless it has the output's shape and
    every value passes ``valid``."""
    y = _target_like(output, target)
    # Broadcasting (N, 1) against (N,) would silently pair every output with every target.
    if tuple(output.shape) != tuple(y.shape):
        raise ValueError(
            f"{name}: the output of shape {tuple(output.shape)} and the target of shape "
            f"{tuple(y.shape)} must have the same shape"
        )
    values = y.numpy().astype(np.float64)
    if not np.all(valid(values)):
        raise ValueError(f"{name}: targets must {rule}")
    return y, values


_SHORTCUTS: dict[str, Callable[[], Likelihood]] = {
    "heteroscedastic": Heteroscedastic,
    "categorical": Categorical,
    "bernoulli": Bernoulli,
    "poisson": Poisson,
}


def resolve(likelihood: str | Likelihood, model: Any = None) -> Likelihood:
    """The Likelihood a shortcut string names, or ``likelihood`` itself.

    Parameters
    ----------
    likelihood : str or Likelihood
        ``"gaussian"`` (the ``likelihood`` attribute of ``model``, a ``vb.nn.GaussianLikelihood``),
        ``"heteroscedastic"``, ``"categorical"``, ``"bernoulli"``, ``"poisson"``, or an object
        with ``nll``, ``predictive`` and ``kind``.
    model : Module, optional
        The network, for ``"gaussian"``.

    Returns
    -------
    Likelihood

    Raises
    ------
    ValueError
        For an unknown string, or ``"gaussian"`` without a model noise.
    """
    if isinstance(likelihood, str):
        if likelihood == "gaussian":
            noise = getattr(model, "likelihood", None)
            if not isinstance(noise, Likelihood):
                raise ValueError(
                    "likelihood='gaussian' needs the model to have a GaussianLikelihood "
                    "'likelihood' attribute"
                )
            return noise
        if likelihood not in _SHORTCUTS:
            raise ValueError(f"unknown likelihood {likelihood!r}; use gaussian, {', '.join(_SHORTCUTS)}")
        return _SHORTCUTS[likelihood]()
    if not isinstance(likelihood, Likelihood):
        raise TypeError(
            f"a likelihood needs nll(output, target), predictive(output) and kind, got {likelihood!r}"
        )
    return likelihood


def nll_function(
    likelihood: str | Likelihood | Callable[[_core.Tensor, Any], _core.Tensor], model: Any = None
) -> Callable[[_core.Tensor, Any], _core.Tensor]:
    """``nll(output, target)`` of a likelihood, a shortcut, or a plain callable (returned as is).

    Parameters
    ----------
    likelihood : str, Likelihood or callable
        As in ``resolve``, or a function giving the mean NLL.
    model : Module, optional
        The network, for ``"gaussian"``.

    Returns
    -------
    callable
    """
    if callable(likelihood) and not isinstance(likelihood, Likelihood):
        return likelihood
    return resolve(likelihood, model).nll


__all__ = [
    "Bernoulli",
    "Categorical",
    "Gaussian",
    "Heteroscedastic",
    "Likelihood",
    "Poisson",
    "nll_function",
    "resolve",
]
