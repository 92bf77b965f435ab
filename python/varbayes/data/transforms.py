"""Conversions of uint8 image arrays into what the models and the out-of-distribution check need."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 luma weights, the ones PIL's "L" mode uses, so results match common tooling.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def to_float_features(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, ...) -> float32 array (N, D) in [0, 1], one flattened row per image (MLP input)."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim < 2:
        raise ValueError(
            f"images: expected a uint8 array (N, ...), found {images.dtype} of shape {images.shape}"
        )
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix averaging each output pixel's footprint of input pixels by overlap length."""
    scale = n_in / n_out
    edges = np.arange(n_out + 1) * scale
    left = np.arange(n_in)
    overlap = np.minimum(edges[1:, None], left + 1) - np.maximum(edges[:-1, None], left)
    return (np.clip(overlap, 0, None) / scale).astype(np.float32)


def to_grayscale(images: np.ndarray, size: tuple[int, int] = (28, 28)) -> np.ndarray:
    """RGB (N, H, W, 3) or gray (N, H, W) uint8 images -> gray uint8 (N, *size).

    Luminance by the BT.601 weights, then area-averaging resize (each output pixel is the mean over the
    part of the input it covers), e.g. to feed CIFAR-10 to a FashionMNIST model.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise ValueError(
            f"images: expected uint8 (N, H, W, 3) or (N, H, W), found {images.dtype} of shape {images.shape}"
        )
    gray = images @ _LUMA if images.ndim == 4 else images.astype(np.float32)
    rows = _area_weights(gray.shape[1], size[0])
    cols = _area_weights(gray.shape[2], size[1])
    resized = rows @ gray @ cols.T
    return np.clip(np.rint(resized), 0, 255).astype(np.uint8)
