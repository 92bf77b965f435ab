"""Finding, validating, loading and (on request) downloading FashionMNIST, MNIST and CIFAR-10.

Search order for the data directory: the ``root`` argument, ``$VARBAYES_DATA``, the user cache
(``$XDG_CACHE_HOME/varbayes`` or ``~/.cache/varbayes``) and, for FashionMNIST, the install location of
Debian's ``dataset-fashion-mnist``. In each directory the files are looked for in the directory itself and
in a subdirectory named after the data set (``fashion-mnist``, ``mnist``, ``cifar10``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cifar import IMAGE_SHAPE as CIFAR_IMAGE_SHAPE
from .cifar import read_cifar_binary_batch, read_cifar_npz, read_cifar_python_batch
from .idx import read_idx_images, read_idx_labels
from .remote import extract_tar, fetch

DEBIAN_DATASETS = Path("/usr/share/datasets")

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """A train/test split: uint8 images (NHW or NHWC) and int64 labels, with the name to report it under."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: Path  # the directory or file it was read from


@dataclass(frozen=True)
class _Layout:
    """One way of storing a data set: required files (each with alternative names) and their reader."""

    name: str  # what the data is reported as when read from this layout
    files: tuple[tuple[str, ...], ...]
    read: Callable[[list[Path]], Arrays]
    hint: str  # tells a user which files to provide


@dataclass(frozen=True)
class _Download:
    url: str
    md5: str


@dataclass(frozen=True)
class _Spec:
    key: str
    title: str
    subdirs: tuple[str, ...]
    layouts: tuple[_Layout, ...]
    n_train: int
    n_test: int
    image_shape: tuple[int, ...]
    n_classes: int
    downloads: tuple[_Download, ...]  # saved under <base>/<subdirs[0]>; a .tar.gz is extracted there
    extra_bases: tuple[tuple[Path, str], ...] = ()


def _read_idx_set(paths: list[Path]) -> Arrays:
    train_images, train_labels, test_images, test_labels = paths
    return (
        read_idx_images(train_images),
        read_idx_labels(train_labels),
        read_idx_images(test_images),
        read_idx_labels(test_labels),
    )


def _batches_reader(
    read_batch: Callable[[Path], tuple[np.ndarray, np.ndarray]],
) -> Callable[[list[Path]], Arrays]:
    def read(paths: list[Path]) -> Arrays:
        *train_paths, test_path = paths
        train = [read_batch(p) for p in train_paths]
        x_test, y_test = read_batch(test_path)
        return np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), x_test, y_test

    return read


def _read_npz(paths: list[Path]) -> Arrays:
    return read_cifar_npz(paths[0])


_IDX_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def _idx_layout(title: str) -> _Layout:
    return _Layout(
        name=title,
        files=tuple((f"{stem}.gz", stem) for stem in _IDX_STEMS),
        read=_read_idx_set,
        hint=", ".join(f"{stem}.gz" for stem in _IDX_STEMS) + " (gzipped or not)",
    )


def _idx_downloads(base_url: str, md5s: tuple[str, ...]) -> tuple[_Download, ...]:
    return tuple(_Download(f"{base_url}{stem}.gz", md5) for stem, md5 in zip(_IDX_STEMS, md5s, strict=True))


_CIFAR_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"

_SPECS = {
    "fashion-mnist": _Spec(
        key="fashion-mnist",
        title="FashionMNIST",
        subdirs=("fashion-mnist",),
        layouts=(_idx_layout("FashionMNIST"),),
        n_train=60000,
        n_test=10000,
        image_shape=(28, 28),
        n_classes=10,
        downloads=_idx_downloads(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
        ),
        extra_bases=((DEBIAN_DATASETS, "Debian package dataset-fashion-mnist"),),
    ),
    "mnist": _Spec(
        key="mnist",
        title="MNIST",
        subdirs=("mnist",),
        layouts=(_idx_layout("MNIST"),),
        n_train=60000,
        n_test=10000,
        image_shape=(28, 28),
        n_classes=10,
        downloads=_idx_downloads(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
        ),
    ),
    "cifar10": _Spec(
        key="cifar10",
        title="CIFAR-10",
        subdirs=(
            "cifar10",
            "cifar-10-batches-py",
            "cifar-10-batches-bin",
            "cifar10/cifar-10-batches-py",
            "cifar10/cifar-10-batches-bin",
        ),
        layouts=(
            _Layout(
                "CIFAR-10",
                tuple((f,) for f in _CIFAR_BATCHES),
                _batches_reader(read_cifar_python_batch),
                f"cifar-10-batches-py/ with {', '.join(_CIFAR_BATCHES)} (the extracted {_CIFAR_URL})",
            ),
            _Layout(
                "CIFAR-10",
                tuple((f"{f}.bin",) for f in _CIFAR_BATCHES),
                _batches_reader(read_cifar_binary_batch),
                f"cifar-10-batches-bin/ with {', '.join(f + '.bin' for f in _CIFAR_BATCHES)}",
            ),
            _Layout(
                "CIFAR-10",
                (("cifar10.npz",),),
                _read_npz,
                "cifar10.npz holding x_train (N, 32, 32, 3) uint8, y_train, x_test, y_test",
            ),
            _Layout(
                "CIFAR-10 (JPEG-reconstructed)",
                (("cifar10-jpeg-reconstructed.npz",),),
                _read_npz,
                "cifar10-jpeg-reconstructed.npz (same arrays)",
            ),
        ),
        n_train=50000,
        n_test=10000,
        image_shape=CIFAR_IMAGE_SHAPE,
        n_classes=10,
        downloads=(_Download(_CIFAR_URL, "c58f30108f718f92721af3b95e74349a"),),
    ),
}
_ALIASES = {"fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist", "cifar-10": "cifar10"}


def _spec(dataset: str) -> _Spec:
    key = dataset.lower()
    key = _ALIASES.get(key, key)
    if key not in _SPECS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(_SPECS)}")
    return _SPECS[key]


def _cache_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "varbayes"


def data_dirs(dataset: str, root: str | os.PathLike[str] | None = None) -> list[tuple[Path, str]]:
    """The base directories searched for `dataset`, in order, each with where it comes from."""
    bases = [] if root is None else [(Path(root), "root argument")]
    if os.environ.get("VARBAYES_DATA"):
        bases.append((Path(os.environ["VARBAYES_DATA"]), "$VARBAYES_DATA"))
    bases.append((_cache_dir(), "user cache"))
    bases.extend(_spec(dataset).extra_bases)
    return bases


def _resolve(layout: _Layout, directory: Path) -> tuple[list[Path], list[str]]:
    """The paths of the layout's files found in `directory`, and the names of those missing."""
    found, missing = [], []
    for alternatives in layout.files:
        path = next((directory / name for name in alternatives if (directory / name).is_file()), None)
        if path is None:
            missing.append(alternatives[0])
        else:
            found.append(path)
    return found, missing


def _locate(spec: _Spec, root: str | os.PathLike[str] | None) -> tuple[_Layout, list[Path], Path]:
    bases = data_dirs(spec.key, root)
    incomplete = []
    for base, _ in bases:
        for directory in (base, *(base / sub for sub in spec.subdirs)):
            for layout in spec.layouts:
                found, missing = _resolve(layout, directory)
                if not missing:
                    return layout, found, directory
                if found:
                    incomplete.append(f"  {directory} has {found[0].name} but lacks {', '.join(missing)}")
    lines = [
        f"{spec.title} not found. Searched (each also with the subdirectories {', '.join(spec.subdirs)}):"
    ]
    lines += [f"  {base} ({origin})" for base, origin in bases]
    if not os.environ.get("VARBAYES_DATA"):
        lines.append("  ($VARBAYES_DATA is not set)")
    if incomplete:
        lines += ["Incomplete copies:", *incomplete]
    target = _download_base(root) / spec.subdirs[0]
    lines.append(
        f"Put {'one of these' if len(spec.layouts) > 1 else 'these files'} into {target}/ "
        f"(or into a directory named by $VARBAYES_DATA or the root argument):"
    )
    lines += [f"  {layout.hint}" for layout in spec.layouts]
    source = (
        spec.downloads[0].url if len(spec.downloads) == 1 else spec.downloads[0].url.rsplit("/", 1)[0] + "/"
    )
    lines.append(f"or pass download=True to fetch them (needs network access) from {source}")
    raise FileNotFoundError("\n".join(lines))


def _download_base(root: str | os.PathLike[str] | None) -> Path:
    if root is not None:
        return Path(root)
    return Path(os.environ["VARBAYES_DATA"]) if os.environ.get("VARBAYES_DATA") else _cache_dir()


def download(dataset: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Download `dataset` from its official URLs, verify the md5s, and return the directory holding it.

    Files go to ``<root>/<dataset>/``, where `root` defaults to ``$VARBAYES_DATA`` or else the user cache;
    archives are kept and extracted there (members that would land outside are refused).
    """
    spec = _spec(dataset)
    target = _download_base(root) / spec.subdirs[0]
    for item in spec.downloads:
        path = fetch(item.url, target / item.url.rsplit("/", 1)[1], item.md5)
        if path.name.endswith(".tar.gz"):
            extract_tar(path, target)
    return target


def _validated(
    spec: _Spec, split: str, n: int, images: np.ndarray, labels: np.ndarray, source: Path
) -> tuple[np.ndarray, np.ndarray]:
    shape = (n, *spec.image_shape)
    if images.dtype != np.uint8 or images.shape != shape:
        raise ValueError(
            f"{source}: {split} images: expected uint8 of shape {shape}, "
            f"found {images.dtype} of shape {images.shape}"
        )
    if labels.dtype.kind not in "iu" or labels.shape != (n,):
        raise ValueError(
            f"{source}: {split} labels: expected {n} integers, found {labels.dtype} of shape {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= spec.n_classes:
        raise ValueError(
            f"{source}: {split} labels: expected values in 0..{spec.n_classes - 1}, "
            f"found {labels.min()}..{labels.max()}"
        )
    return images, labels.astype(np.int64)


def _load(dataset: str, root: str | os.PathLike[str] | None, allow_download: bool) -> Dataset:
    spec = _spec(dataset)
    try:
        layout, paths, directory = _locate(spec, root)
    except FileNotFoundError as not_found:
        if not allow_download:
            raise
        try:
            download(spec.key, root)
        except OSError as err:  # offline: urllib's URLError is an OSError
            raise FileNotFoundError(f"{not_found}\nThe download failed: {err}") from err
        layout, paths, directory = _locate(spec, root)
    x_train, y_train, x_test, y_test = layout.read(paths)
    source = paths[0] if len(paths) == 1 else directory
    x_train, y_train = _validated(spec, "train", spec.n_train, x_train, y_train, source)
    x_test, y_test = _validated(spec, "test", spec.n_test, x_test, y_test, source)
    return Dataset(layout.name, x_train, y_train, x_test, y_test, source)


def load_fashion_mnist(root: str | os.PathLike[str] | None = None, *, download: bool = False) -> Dataset:
    """FashionMNIST: 60000/10000 images (N, 28, 28) uint8, labels 0..9. See the module doc for the search."""
    return _load("fashion-mnist", root, download)


def load_mnist(root: str | os.PathLike[str] | None = None, *, download: bool = False) -> Dataset:
    """MNIST: 60000/10000 images (N, 28, 28) uint8, labels 0..9. See the module doc for the search."""
    return _load("mnist", root, download)


def load_cifar10(root: str | os.PathLike[str] | None = None, *, download: bool = False) -> Dataset:
    """CIFAR-10: 50000/10000 images (N, 32, 32, 3) uint8, labels 0..9.

    Read from the official python or binary batches or an ``.npz``; data from
    ``cifar10-jpeg-reconstructed.npz`` is named "CIFAR-10 (JPEG-reconstructed)", as it must be reported.
    """
    return _load("cifar10", root, download)
