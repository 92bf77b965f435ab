"""Gradient clipping (``vb.nn.utils``)."""

from .._core import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
