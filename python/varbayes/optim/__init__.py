"""Optimizers (``vb.optim``) with PyTorch's update rules and parameter groups, and schedules."""

from .._core import SGD, Adam, AdamW, Optimizer
from . import lr_scheduler

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
