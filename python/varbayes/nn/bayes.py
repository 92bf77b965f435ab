"""Bayesian building blocks in Python: the sampling switch, ensemble-derived priors and
likelihood heads (the layers themselves are C++: BayesLinear, BayesLinearLRT, NormalPrior)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import _core, io
from .._core import BayesLinear, DType, Linear, Module, NormalPrior, Tensor, float32
from ..autograd import ModeSwitch, no_grad
from ..creation import tensor
from ..likelihood import Heteroscedastic
from .modules import Parameter


class sampling(ModeSwitch):  # noqa: N801  (a context manager, like no_grad)
    """``with vb.nn.sampling(False):`` makes Bayesian layers use their posterior means
    (deterministic, fast inference); thread-local. ``eval()`` does not change sampling: this
    switch (or a layer's ``sample`` flag) does. Also a decorator: ``@vb.nn.sampling(False)``."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__(mode, _core.is_sampling_enabled, _core.set_sampling_enabled)


@dataclass(frozen=True)
class EnsemblePrior:
    """Per-weight Gaussian priors from an ensemble: for every parameter name of the deterministic
    architecture ("0.weight", "0.bias", ...), the ensemble's mean and standard deviation."""

    mean: dict[str, np.ndarray]
    std: dict[str, np.ndarray]
    trainable: bool = False

    def prior(self, name: str, dtype: DType = float32) -> NormalPrior:
        """The NormalPrior for one parameter name of the deterministic architecture."""
        if name not in self.mean:
            raise KeyError(f"the ensemble has no parameter '{name}' (it has {sorted(self.mean)})")
        return NormalPrior(
            tensor(self.mean[name], dtype=dtype),
            tensor(self.std[name], dtype=dtype),
            trainable=self.trainable,
        )

    def apply(self, model: Module, init_posterior: bool = True) -> Module:
        """Gives every Bayesian linear layer of ``model`` (same architecture as the ensemble's
        members) its per-weight priors; with ``init_posterior`` its posterior means start at the
        ensemble mean. Returns the model."""
        layers = [(name, m) for name, m in model.named_modules() if isinstance(m, BayesLinear)]
        if not layers:
            raise ValueError("the model has no BayesLinear layers to give priors to")
        used = set()
        for name, layer in layers:
            prefix = f"{name}." if name else ""
            w, b = prefix + "weight", prefix + "bias"
            dtype = layer.weight_mu.dtype
            bias_prior = self.prior(b, dtype) if b in self.mean else None
            layer.set_prior(self.prior(w, dtype), bias_prior)
            used.update({w, b} & self.mean.keys())
            if init_posterior:
                with no_grad():
                    layer.weight_mu.copy_(tensor(self.mean[w], dtype=layer.weight_mu.dtype))
                    if bias_prior is not None:
                        layer.bias_mu.copy_(tensor(self.mean[b], dtype=layer.bias_mu.dtype))
        unused = sorted(self.mean.keys() - used)
        if unused:
            raise ValueError(f"ensemble parameters without a matching Bayesian layer: {unused}")
        return model


def ensemble_prior(
    models: Sequence[Module], std_floor: float = 1e-3, trainable: bool = False
) -> EnsemblePrior:
    """Priors from trained deterministic networks of one architecture: per weight, the mean and
    the standard deviation (ddof=0, floored at ``std_floor``) across the ensemble."""
    if len(models) < 2:
        raise ValueError(f"ensemble_prior needs at least two models, got {len(models)}")
    if not std_floor > 0:
        raise ValueError(f"std_floor must be positive, got {std_floor}")
    states = [dict(m.named_parameters()) for m in models]
    names = list(states[0])
    for i, s in enumerate(states[1:], start=1):
        if list(s) != names or any(s[n].shape != states[0][n].shape for n in names):
            raise ValueError(
                f"model {i} does not have the same architecture (parameter names/shapes) as model 0"
            )
    mean, std = {}, {}
    for n in names:
        stacked = np.stack([s[n].numpy().astype(np.float64) for s in states])
        mean[n] = stacked.mean(axis=0)
        std[n] = np.maximum(stacked.std(axis=0), std_floor)
    return EnsemblePrior(mean, std, trainable)


class GaussianLikelihood(Module):
    """Homoscedastic Gaussian noise with a learned standard deviation ``std = softplus(std_rho)``.

    A ``vb.likelihood.Likelihood`` (``nll``, ``predictive``), found by ``likelihood="gaussian"``
    as the model's ``likelihood`` attribute.

    Parameters
    ----------
    std : float
        The initial standard deviation (positive).
    trainable : bool
        Whether ``std_rho`` is learned.
    """

    kind = "regression"

    def __init__(self, std: float = 0.1, trainable: bool = True) -> None:
        super().__init__()
        if not std > 0:
            raise ValueError(f"GaussianLikelihood: std must be positive, got {std}")
        rho = float(np.log(np.expm1(std)))
        self.std_rho = Parameter(_core.full((), rho), requires_grad=trainable)

    @property
    def std(self) -> Tensor:
        return _core.softplus(self.std_rho)

    def forward(self, prediction: Tensor) -> Tensor:
        return prediction

    def nll(self, prediction: Tensor, target: Tensor) -> Tensor:
        """Mean Gaussian negative log-likelihood (with the log(2 pi) constant)."""
        s = self.std
        return _core.gaussian_nll_loss(prediction, target, s * s, full=True)

    def predictive(self, prediction: Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The prediction as the mean and ``std**2`` as the variance (float64 arrays)."""
        mean = prediction.numpy().astype(np.float64)
        return mean, np.full_like(mean, self.std.item() ** 2)

    def extra_repr(self) -> str:
        return f"std={self.std.item():.4g}"


class GaussianHead(Module):
    """Heteroscedastic regression head: one linear map to a mean and a variance per output.

    The output has shape (..., 2 * out_features): means first, then variances
    (softplus + ``min_var``), so it passes through Sequential as one tensor. Its likelihood is
    ``vb.likelihood.Heteroscedastic`` (also reachable as the head's ``nll`` and ``predictive``).

    Parameters
    ----------
    in_features : int
        Input features.
    out_features : int
        Regression outputs (the output has twice as many columns).
    min_var : float
        Floor added to every predicted variance.
    """

    kind = "regression"

    def __init__(self, in_features: int, out_features: int = 1, min_var: float = 1e-6) -> None:
        super().__init__()
        self.linear = Linear(in_features, 2 * out_features)
        self.out_features = out_features
        self.min_var = min_var

    def forward(self, x: Tensor) -> Tensor:
        z = self.linear(x)
        k = self.out_features
        mean, raw = z[..., :k], z[..., k:]
        return _core.cat([mean, _core.softplus(raw) + self.min_var], -1)

    def nll(self, output: Tensor, target: Tensor) -> Tensor:
        """Mean Gaussian negative log-likelihood of target under the head's output."""
        return Heteroscedastic().nll(output, target)

    def predictive(self, output: Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Means and variances of the head's output (float64 arrays)."""
        return Heteroscedastic().predictive(output)

    def extra_repr(self) -> str:
        return f"in_features={self.linear.in_features}, out_features={self.out_features}"


io.register_module_type(
    GaussianLikelihood,
    lambda m: {"trainable": m.std_rho.requires_grad},
    lambda c: GaussianLikelihood(trainable=c["trainable"]),
)
io.register_module_type(
    GaussianHead,
    lambda m: {"in_features": m.linear.in_features, "out_features": m.out_features, "min_var": m.min_var},
    lambda c: GaussianHead(c["in_features"], c["out_features"], c["min_var"]),
)
