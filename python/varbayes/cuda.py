"""``vb.cuda``: what PyTorch code asks of CUDA, answered for a CPU-only library (no devices)."""

from __future__ import annotations

__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """False: varbayes computes on the CPU only."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices for varbayes."""
    return 0


def manual_seed(seed: int) -> None:
    """Seeds nothing, as ``torch.cuda.manual_seed`` without CUDA devices (use ``vb.manual_seed``)."""


def manual_seed_all(seed: int) -> None:
    """Seeds nothing, as ``torch.cuda.manual_seed_all`` without CUDA devices (use ``vb.manual_seed``)."""
