"""Gradient clipping and flat parameter vectors (``vb.nn.utils``), as ``torch.nn.utils``."""

from __future__ import annotations

from collections.abc import Iterable

from .. import _core
from .._core import Tensor, clip_grad_norm_, clip_grad_value_
from ..autograd import no_grad


def _tensors(parameters: Iterable[Tensor], op: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        raise TypeError(f"{op}: expected an iterable of tensors, got a Tensor")
    out = list(parameters)
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expected tensors, got {type(p).__name__}")
    return out


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable).

    Parameters
    ----------
    parameters : iterable of Tensor

    Returns
    -------
    Tensor
    """
    return _core.cat([p.reshape(-1) for p in _tensors(parameters, "parameters_to_vector")])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copies consecutive slices of a 1-D vector into the parameters, in place.

    Parameters
    ----------
    vec : Tensor
        1-D, with as many elements as the parameters together.
    parameters : iterable of Tensor
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got {type(vec).__name__}")
    params = _tensors(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(
            f"vector_to_parameters: vec of shape {tuple(vec.shape)} does not hold {total} parameter values"
        )
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[offset : offset + n].reshape(*p.shape))
            offset += n


__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
