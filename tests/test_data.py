"""varbayes.data: IDX and CIFAR-10 readers, validation, the directory search, downloads, conversions."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import urllib.error
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from varbayes import data
from varbayes.data import datasets, remote

RNG = np.random.default_rng(7)


# ---------------------------------------------------------------- helpers writing synthetic files


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_set(
    directory: Path, n_train: int = 6, n_test: int = 4, gz: bool = True, first_label: int = 0
) -> None:
    """A FashionMNIST-like IDX set; `first_label` marks which copy the search found."""
    directory.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        labels[0] = first_label
        for kind, array in (("images-idx3", RNG.integers(0, 256, (n, 28, 28))), ("labels-idx1", labels)):
            raw = idx_bytes(array)
            name = f"{prefix}-{kind}-ubyte"
            if gz:
                (directory / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (directory / name).write_bytes(raw)


class Py2Pickler(pickle._Pickler):
    """Writes str and bytes as Python 2 byte strings, as the official batches (made by cPickle) hold them."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj: str | bytes) -> None:
        raw = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = save_py2_str
    dispatch[bytes] = save_py2_str


def py2_pickle(obj: object) -> bytes:
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(obj)
    # numpy < 2 (and so every official batch) names the module numpy.core.multiarray.
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def cifar_batches(n: int, n_test: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, NHWC images, labels) for data_batch_1..5 with n images each and test_batch."""
    sizes = [n] * 5 + [n_test]
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return [
        (name, RNG.integers(0, 256, (k, 32, 32, 3), dtype=np.uint8), RNG.integers(0, 10, k))
        for name, k in zip(names, sizes, strict=True)
    ]


def planar(images: np.ndarray) -> np.ndarray:
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1)


def write_cifar_python(directory: Path, batches: list) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, images, labels in batches:
        batch = {
            "batch_label": f"{name} of 6",
            "labels": [int(v) for v in labels],
            "data": planar(images),
            "filenames": [f"img_{i}.png" for i in range(len(labels))],
        }
        (directory / name).write_bytes(py2_pickle(batch))


def write_cifar_binary(directory: Path, batches: list) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, images, labels in batches:
        records = np.concatenate([labels.astype(np.uint8)[:, None], planar(images)], axis=1)
        (directory / f"{name}.bin").write_bytes(records.tobytes())


# ---------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every searched location into tmp_path so the machine's own data never leaks into a test."""
    monkeypatch.delenv("VARBAYES_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    fashion = datasets._SPECS["fashion-mnist"]
    monkeypatch.setitem(
        datasets._SPECS, "fashion-mnist", replace(fashion, extra_bases=((tmp_path / "debian", "Debian"),))
    )

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test reached the network")

    monkeypatch.setattr(remote, "urlopen", no_network)


def shrink(monkeypatch: pytest.MonkeyPatch, key: str, n_train: int, n_test: int, **changes: object) -> None:
    """Make the loader expect a small synthetic set instead of the full 60000/10000 or 50000/10000."""
    spec = replace(datasets._SPECS[key], n_train=n_train, n_test=n_test, **changes)
    monkeypatch.setitem(datasets._SPECS, key, spec)


@pytest.fixture(scope="module")
def fashion(shared_data: Path) -> data.Dataset:
    return data.load_fashion_mnist(shared_data)


@pytest.fixture(scope="module")
def cifar(shared_data: Path) -> data.Dataset:
    return data.load_cifar10(shared_data)


# ---------------------------------------------------------------- the shipped data


def test_shipped_fashion_mnist(fashion: data.Dataset, shared_data: Path) -> None:
    assert fashion.name == "FashionMNIST"
    assert fashion.source == shared_data / "fashion-mnist"
    assert fashion.x_train.shape == (60000, 28, 28) and fashion.x_test.shape == (10000, 28, 28)
    assert fashion.x_train.dtype == np.uint8 and fashion.y_train.dtype == np.int64
    # Balanced classes 0..9; the first image of both splits is an ankle boot (class 9).
    assert np.array_equal(np.bincount(fashion.y_train), [6000] * 10)
    assert np.array_equal(np.bincount(fashion.y_test), [1000] * 10)
    assert fashion.y_train[0] == 9 and fashion.y_test[0] == 9


def test_shipped_cifar_npz(cifar: data.Dataset) -> None:
    assert cifar.name == "CIFAR-10 (JPEG-reconstructed)"
    assert cifar.x_train.shape == (50000, 32, 32, 3) and cifar.x_test.shape == (10000, 32, 32, 3)
    assert cifar.x_train.dtype == np.uint8 and cifar.y_test.dtype == np.int64
    assert np.array_equal(np.bincount(cifar.y_train), [5000] * 10)
    assert np.array_equal(np.bincount(cifar.y_test), [1000] * 10)


def test_cifar_as_fashion_input(cifar: data.Dataset) -> None:
    gray = data.to_grayscale(cifar.x_test[:50])
    features = data.to_float_features(gray)
    assert gray.shape == (50, 28, 28) and gray.dtype == np.uint8
    assert features.shape == (50, 784) and features.dtype == np.float32
    assert 0.0 <= features.min() and features.max() <= 1.0


# ---------------------------------------------------------------- IDX


@pytest.mark.parametrize("gz", [True, False])
def test_idx_round_trip(tmp_path: Path, gz: bool) -> None:
    images = RNG.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    raw = idx_bytes(images)
    path = tmp_path / "images"
    path.write_bytes(gzip.compress(raw) if gz else raw)
    assert np.array_equal(data.read_idx_images(path), images)
    labels_path = tmp_path / "labels"
    labels_path.write_bytes(idx_bytes(np.array([3, 0, 9])))
    labels = data.read_idx_labels(labels_path)
    assert labels.dtype == np.int64 and labels.tolist() == [3, 0, 9]


def test_idx_bad_magic(tmp_path: Path) -> None:
    path = tmp_path / "labels-as-images"
    path.write_bytes(idx_bytes(np.arange(5)))
    with pytest.raises(
        ValueError, match=r"labels-as-images: bad IDX magic.*expected 0x00000803.*found 0x00000801"
    ):
        data.read_idx_images(path)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda raw: raw[:-1], r"truncated IDX file.*\(2, 3, 4\).*40 bytes, found 39"),
        (lambda raw: raw + b"\0", r"oversized IDX file.*40 bytes, found 41"),
        (lambda raw: raw[:10], r"truncated IDX header: expected 16 bytes, found 10"),
        (lambda raw: gzip.compress(raw)[:-12], r"corrupt gzip stream"),
    ],
    ids=["truncated", "oversized", "short-header", "cut-gzip"],
)
def test_idx_bad_size(tmp_path: Path, mangle, message: str) -> None:
    path = tmp_path / "bad-idx"
    path.write_bytes(mangle(idx_bytes(np.zeros((2, 3, 4)))))
    with pytest.raises(ValueError, match=f"bad-idx: {message}"):
        data.read_idx_images(path)


@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gz: bool) -> None:
    shrink(monkeypatch, "mnist", 6, 4)
    write_idx_set(tmp_path / "root" / "mnist", gz=gz)
    mnist = data.load_mnist(tmp_path / "root")
    assert mnist.name == "MNIST" and mnist.source == tmp_path / "root" / "mnist"
    assert mnist.x_train.shape == (6, 28, 28) and mnist.y_test.tolist() == [0, 1, 2, 3]


def test_idx_set_wrong_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "fashion-mnist", 7, 4)
    write_idx_set(tmp_path)
    with pytest.raises(
        ValueError, match=r"train images: expected uint8 of shape \(7, 28, 28\).*\(6, 28, 28\)"
    ):
        data.load_fashion_mnist(tmp_path)


def test_idx_set_label_out_of_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "fashion-mnist", 6, 4)
    write_idx_set(tmp_path, first_label=10)
    with pytest.raises(ValueError, match=r"train labels: expected values in 0\.\.9, found 1\.\.10"):
        data.load_fashion_mnist(tmp_path)


def test_idx_set_label_count_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "fashion-mnist", 6, 4)
    write_idx_set(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.arange(5))))
    with pytest.raises(ValueError, match=r"test labels: expected 4 integers, found int64 of shape \(5,\)"):
        data.load_fashion_mnist(tmp_path)


# ---------------------------------------------------------------- CIFAR-10


def test_cifar_python_and_binary_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "cifar10", 15, 2)
    batches = cifar_batches(3, 2)
    write_cifar_python(tmp_path / "py" / "cifar-10-batches-py", batches)
    write_cifar_binary(tmp_path / "bin" / "cifar-10-batches-bin", batches)
    expected_x = np.concatenate([x for _, x, _ in batches[:5]])
    expected_y = np.concatenate([y for _, _, y in batches[:5]])
    for root in ("py", "bin"):
        cifar = data.load_cifar10(tmp_path / root)
        assert cifar.name == "CIFAR-10"
        assert np.array_equal(cifar.x_train, expected_x) and np.array_equal(cifar.y_train, expected_y)
        assert np.array_equal(cifar.x_test, batches[5][1]) and np.array_equal(cifar.y_test, batches[5][2])
        assert cifar.x_train.flags.c_contiguous and cifar.y_train.dtype == np.int64


def test_cifar_python_batch_written_by_python3(tmp_path: Path) -> None:
    """A batch re-pickled by Python 3 and numpy 2 (bytes keys, numpy._core names) loads too."""
    images = RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": planar(images), b"labels": [4, 2]}, protocol=4))
    x, y = data.read_cifar_python_batch(path)
    assert np.array_equal(x, images) and y.tolist() == [4, 2]


class Exploit:
    def __init__(self, func: object, *args: object) -> None:
        self.reduce = (func, args)

    def __reduce__(self) -> tuple:
        return self.reduce


@pytest.mark.parametrize(
    ("make", "refused"),
    [
        (lambda marker: Exploit(os.system, f"touch {marker}"), r"(posix|os)\.system"),
        (lambda marker: Exploit(eval, f"open({str(marker)!r}, 'w')"), r"(__builtin__|builtins)\.eval"),
        (lambda marker: Exploit(np.save, str(marker), np.zeros(1)), r"numpy\.save"),
    ],
    ids=["os.system", "eval", "numpy.save"],
)
def test_cifar_malicious_pickle_refused(tmp_path: Path, make, refused: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": make(marker), "labels": []}, protocol=2))
    with pytest.raises(ValueError, match=f"data_batch_1: refusing to unpickle global {refused}"):
        data.read_cifar_python_batch(path)
    assert not list(tmp_path.glob("pwned*"))


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([1, 2], r"expected a pickled dict, found list"),
        ({"data": np.zeros((2, 3072), np.uint8)}, r"batch lacks the keys \['labels'\]"),
        (
            {"data": np.zeros((2, 3071), np.uint8), "labels": [0, 1]},
            r"'data' must be .*\(N, 3072\).*\(2, 3071\)",
        ),
        ({"data": np.zeros((2, 3072), np.float32), "labels": [0, 1]}, r"'data' must be .*found float32"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}, r"'labels' must be 2 integers"),
        ({"data": np.zeros((1, 3072), np.uint8), "labels": ["cat"]}, r"'labels' must be 1 integers"),
    ],
    ids=["not-dict", "no-labels", "wrong-width", "wrong-dtype", "label-count", "label-type"],
)
def test_cifar_python_batch_invalid(tmp_path: Path, batch: object, message: str) -> None:
    path = tmp_path / "test_batch"
    path.write_bytes(py2_pickle(batch))
    with pytest.raises(ValueError, match=f"test_batch: {message}"):
        data.read_cifar_python_batch(path)


def test_cifar_python_batch_truncated(tmp_path: Path) -> None:
    path = tmp_path / "test_batch"
    path.write_bytes(py2_pickle({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]})[:3000])
    with pytest.raises(ValueError, match=r"test_batch: not a readable CIFAR-10 python batch"):
        data.read_cifar_python_batch(path)


@pytest.mark.parametrize("size", [0, 3072, 2 * 3073 + 1])
def test_cifar_binary_batch_bad_size(tmp_path: Path, size: int) -> None:
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(bytes(size))
    with pytest.raises(
        ValueError, match=f"data_batch_1.bin: expected a whole number of 3073-byte records, found {size}"
    ):
        data.read_cifar_binary_batch(path)


def test_cifar_label_out_of_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "cifar10", 5, 1)
    batches = cifar_batches(1, 1)
    batches[5][2][0] = 10
    write_cifar_binary(tmp_path / "cifar-10-batches-bin", batches)
    with pytest.raises(ValueError, match=r"test labels: expected values in 0\.\.9, found 10\.\.10"):
        data.load_cifar10(tmp_path)


def test_cifar_npz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "cifar10", 3, 2)
    arrays = {
        "x_train": np.zeros((3, 32, 32, 3), np.uint8),
        "y_train": np.array([0, 9, 5], np.uint8),
        "x_test": np.ones((2, 32, 32, 3), np.uint8),
        "y_test": np.array([1, 2], np.uint8),
    }
    np.savez(tmp_path / "cifar10.npz", **arrays)
    cifar = data.load_cifar10(tmp_path)
    assert cifar.name == "CIFAR-10" and cifar.source == tmp_path / "cifar10.npz"
    assert cifar.y_train.dtype == np.int64 and cifar.y_train.tolist() == [0, 9, 5]
    np.savez(tmp_path / "cifar10.npz", **{**arrays, "x_test": np.ones((2, 3, 32, 32), np.uint8)})
    with pytest.raises(
        ValueError, match=r"cifar10.npz: test images: expected uint8 of shape \(2, 32, 32, 3\)"
    ):
        data.load_cifar10(tmp_path)
    np.savez(tmp_path / "cifar10.npz", **{k: v for k, v in arrays.items() if k != "y_test"})
    with pytest.raises(ValueError, match=r"cifar10.npz: missing arrays \['y_test'\]"):
        data.load_cifar10(tmp_path)
    (tmp_path / "cifar10.npz").write_bytes(pickle.dumps(arrays))
    with pytest.raises(ValueError, match=r"cifar10.npz: not an .npz \(zip\) archive"):
        data.load_cifar10(tmp_path)


# ---------------------------------------------------------------- where the data is looked for


def test_data_dirs_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VARBAYES_DATA", str(tmp_path / "env"))
    dirs = [path for path, _ in data.data_dirs("fashion-mnist", tmp_path / "root")]
    assert dirs == [tmp_path / "root", tmp_path / "env", tmp_path / "xdg" / "varbayes", tmp_path / "debian"]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert [path for path, _ in data.data_dirs("mnist")] == [
        tmp_path / "env",
        tmp_path / "home/.cache/varbayes",
    ]


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrink(monkeypatch, "fashion-mnist", 6, 4)
    monkeypatch.setenv("VARBAYES_DATA", str(tmp_path / "env"))
    # Each copy differs in its first training label; the search must take the earliest location.
    places = [
        tmp_path / "root",
        tmp_path / "env" / "fashion-mnist",
        tmp_path / "xdg" / "varbayes",
        tmp_path / "debian" / "fashion-mnist",
    ]
    for label, place in enumerate(places):
        write_idx_set(place, first_label=label, gz=bool(label % 2))
    for label, place in enumerate(places):
        assert data.load_fashion_mnist(tmp_path / "root").y_train[0] == label
        for path in place.iterdir():
            path.unlink()
    with pytest.raises(FileNotFoundError):
        data.load_fashion_mnist(tmp_path / "root")


def test_not_found_message(tmp_path: Path) -> None:
    write_idx_set(tmp_path / "root" / "fashion-mnist")
    (tmp_path / "root" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        data.load_fashion_mnist(tmp_path / "root")
    message = str(info.value)
    for expected in (
        f"{tmp_path / 'root'} (root argument)",
        "$VARBAYES_DATA is not set",
        f"{tmp_path / 'xdg' / 'varbayes'} (user cache)",
        f"{tmp_path / 'debian'} (Debian",
        "fashion-mnist has train-images-idx3-ubyte.gz but lacks t10k-labels-idx1-ubyte.gz",
        f"Put these files into {tmp_path / 'root' / 'fashion-mnist'}/",
        "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels",
        "download=True",
    ):
        assert expected in message


def test_unknown_dataset() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        data.download("svhn")


# ---------------------------------------------------------------- downloading


class FakeResponse(io.BytesIO):
    pass


def serve(monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes]) -> list[str]:
    """Answer urlopen from `files`; return the list of requested URLs."""
    requested = []

    def urlopen(url: str, timeout: float) -> FakeResponse:
        requested.append(url)
        return FakeResponse(files[url])

    monkeypatch.setattr(remote, "urlopen", urlopen)
    return requested


def served_idx_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Small gz IDX files under made-up URLs, with the FashionMNIST spec pointing at them."""
    write_idx_set(tmp_path / "origin")
    files = {
        f"https://example.invalid/{p.name}": p.read_bytes() for p in sorted((tmp_path / "origin").iterdir())
    }
    downloads = tuple(datasets._Download(url, hashlib.md5(raw).hexdigest()) for url, raw in files.items())
    shrink(monkeypatch, "fashion-mnist", 6, 4, downloads=downloads)
    return files


def test_download_idx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requested = serve(monkeypatch, served_idx_set(tmp_path, monkeypatch))
    fashion = data.load_fashion_mnist(tmp_path / "root", download=True)
    assert len(requested) == 4 and fashion.source == tmp_path / "root" / "fashion-mnist"
    assert sorted(p.name for p in fashion.source.iterdir()) == sorted(
        p.name for p in (tmp_path / "origin").iterdir()
    )
    data.load_fashion_mnist(tmp_path / "root", download=True)
    assert len(requested) == 4  # found, so not fetched again


def test_download_goes_to_cache_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, served_idx_set(tmp_path, monkeypatch))
    assert data.download("fashion_mnist") == tmp_path / "xdg" / "varbayes" / "fashion-mnist"
    assert data.load_fashion_mnist().source == tmp_path / "xdg" / "varbayes" / "fashion-mnist"


def test_download_wrong_md5_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = served_idx_set(tmp_path, monkeypatch)
    first = next(iter(files))
    serve(monkeypatch, {**files, first: files[first] + b"tampered"})
    with pytest.raises(ValueError, match="md5 mismatch"):
        data.load_fashion_mnist(tmp_path / "root", download=True)
    assert list((tmp_path / "root" / "fashion-mnist").iterdir()) == []


def test_download_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(remote, "urlopen", offline)
    with pytest.raises(
        FileNotFoundError, match=r"(?s)root argument.*Put these files.*download failed.*Name or"
    ):
        data.load_mnist(tmp_path / "root", download=True)
    assert not list((tmp_path / "root").rglob("*.gz"))


def tar_gz(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tar.addfile(info, io.BytesIO(member[1]))
    return buffer.getvalue()


def serve_cifar_tar(monkeypatch: pytest.MonkeyPatch, archive: bytes) -> None:
    url = "https://example.invalid/cifar-10-python.tar.gz"
    shrink(
        monkeypatch, "cifar10", 5, 1, downloads=(datasets._Download(url, hashlib.md5(archive).hexdigest()),)
    )
    serve(monkeypatch, {url: archive})


def test_download_cifar_tar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_cifar_python(tmp_path / "origin", cifar_batches(1, 1))
    members = [(f"cifar-10-batches-py/{p.name}", p.read_bytes()) for p in (tmp_path / "origin").iterdir()]
    serve_cifar_tar(monkeypatch, tar_gz(members))
    cifar = data.load_cifar10(tmp_path / "root", download=True)
    assert cifar.source == tmp_path / "root" / "cifar10" / "cifar-10-batches-py"
    assert cifar.x_train.shape == (5, 32, 32, 3)


def symlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


@pytest.mark.parametrize(
    "bad",
    [
        ("../escape", b"x"),
        ("/tmp/absolute-escape", b"x"),
        ("cifar-10-batches-py/../../escape", b"x"),
        symlink("cifar-10-batches-py/link", "/etc/passwd"),
    ],
    ids=["dotdot", "absolute", "nested-dotdot", "symlink"],
)
def test_download_unsafe_tar_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad) -> None:
    serve_cifar_tar(monkeypatch, tar_gz([("cifar-10-batches-py/readme", b"ok"), bad]))
    with pytest.raises(ValueError, match="refusing to extract member"):
        data.load_cifar10(tmp_path / "root", download=True)
    # Everything is checked before anything is written: only the verified archive itself is there.
    assert [p.name for p in (tmp_path / "root").rglob("*") if p.is_file()] == ["cifar-10-python.tar.gz"]


# ---------------------------------------------------------------- conversions


def test_to_float_features() -> None:
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    features = data.to_float_features(images)
    assert features.dtype == np.float32 and features.shape == (1, 4)
    np.testing.assert_allclose(features, [[0.0, 1.0, 0.2, 0.4]], rtol=1e-7)
    with pytest.raises(ValueError, match="expected a uint8 array"):
        data.to_float_features(images.astype(np.float32))


def test_to_grayscale_luminance() -> None:
    colours = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 200, 200]], dtype=np.uint8)
    images = np.broadcast_to(colours[:, None, None, :], (4, 32, 32, 3))
    gray = data.to_grayscale(images)
    assert gray.shape == (4, 28, 28)
    assert [np.unique(g).tolist() for g in gray] == [[76], [150], [29], [200]]


def test_to_grayscale_area_resize() -> None:
    # 32 -> 28 by area: replicate each pixel 7 times (224 = 28 * 8), then average 8x8 blocks.
    images = RNG.integers(0, 256, (3, 32, 32), dtype=np.uint8)
    reference = np.repeat(np.repeat(images.astype(np.float64), 7, axis=1), 7, axis=2)
    reference = reference.reshape(3, 28, 8, 28, 8).mean(axis=(2, 4))
    assert np.abs(data.to_grayscale(images).astype(float) - reference).max() <= 0.5 + 1e-3
    with pytest.raises(ValueError, match="expected uint8"):
        data.to_grayscale(np.zeros((2, 32, 32, 4), np.uint8))
