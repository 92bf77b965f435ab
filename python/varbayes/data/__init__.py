"""Data sets for the vision benchmarks: FashionMNIST, MNIST and CIFAR-10 (pure NumPy, no core needed)."""

from .cifar import read_cifar_binary_batch, read_cifar_npz, read_cifar_python_batch
from .datasets import Dataset, data_dirs, download, load_cifar10, load_fashion_mnist, load_mnist
from .idx import read_idx, read_idx_images, read_idx_labels
from .transforms import to_float_features, to_grayscale

__all__ = [
    "Dataset",
    "data_dirs",
    "download",
    "load_cifar10",
    "load_fashion_mnist",
    "load_mnist",
    "read_cifar_binary_batch",
    "read_cifar_npz",
    "read_cifar_python_batch",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "to_float_features",
    "to_grayscale",
]
