"""Optimizers (``vb.optim``) with PyTorch's update rules and parameter groups, and schedules;
``SGLD`` is the Langevin sampler (see ``vb.infer``)."""

from .._core import SGD, SGLD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSprop
from . import lr_scheduler

__all__ = [
    "SGD",
    "SGLD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]
