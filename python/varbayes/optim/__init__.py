"""Optimizers (``vb.optim``) with PyTorch's update rules and parameter groups, and schedules;
``SGLD`` is the Langevin sampler (see ``vb.infer``)."""

from .._core import SGD, SGLD, Adam, AdamW, Optimizer
from . import lr_scheduler

__all__ = ["SGD", "SGLD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
