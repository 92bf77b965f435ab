"""``vb.device`` and ``vb.cuda``: the device vocabulary of PyTorch code, for a CPU-only library.

Ordinary PyTorch programs pick a device (``torch.device("cuda" if torch.cuda.is_available() else
"cpu")``) and move models and tensors to it. varbayes computes on the CPU only: a device object can
name any device, as in PyTorch, but ``Tensor.to`` and ``Module.to`` accept only the CPU.
"""

from __future__ import annotations

__all__ = ["device"]


class device:  # noqa: N801  (PyTorch's spelling)
    """A device name, as ``torch.device``: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``.

    Parameters
    ----------
    type : str or device
        The device type, optionally with an index after a colon.
    index : int, optional
        The device index.

    Examples
    --------
    >>> import varbayes as vb
    >>> vb.device("cuda" if vb.cuda.is_available() else "cpu")
    device(type='cpu')
    """

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index  # noqa: A001
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a device name such as 'cpu', got {type!r}")
        kind, colon, number = type.partition(":")
        if colon:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"device(): invalid device string {type!r}")
            index = int(number)
        if not kind or not kind.isidentifier():
            raise RuntimeError(f"device(): invalid device string {type!r}")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
            raise RuntimeError(f"device(): the device index must be a non-negative integer, got {index!r}")
        self.type: str = kind
        self.index: int | None = index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))
