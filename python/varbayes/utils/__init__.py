"""Utilities with PyTorch's names: ``vb.utils.data`` (data sets, samplers, DataLoader)."""

from . import data

__all__ = ["data"]
