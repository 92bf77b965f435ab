"""Optimizers (``vb.optim``) with PyTorch's update rules and parameter groups."""

from .._core import SGD, Adam, AdamW, Optimizer

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]
