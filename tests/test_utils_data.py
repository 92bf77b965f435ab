"""vb.utils.data against torch.utils.data: the same batches for the same indices (samplers,
batch samplers, iterable data sets), the structure default_collate gives, lengths, splits, the
random samplers' laws, argument errors; and fit / sgld_sample fed by such a loader."""

import warnings
from collections import namedtuple

import numpy as np
import pytest

import varbayes as vb
from varbayes.utils import data as vbd

torch = pytest.importorskip("torch")
tud = torch.utils.data

X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10) % 3  # integer labels


def as_numpy(batch):
    """A batch of either library as nested lists/dicts of float64/int64 arrays."""
    if isinstance(batch, (vb.Tensor, torch.Tensor, np.ndarray)):
        return np.asarray(batch.numpy() if hasattr(batch, "numpy") else batch)
    if isinstance(batch, dict):
        return {k: as_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [as_numpy(v) for v in batch]
    return batch


def assert_same_batches(ours, theirs):
    a, b = [as_numpy(x) for x in ours], [as_numpy(x) for x in theirs]
    assert len(ours) == len(theirs) == len(a) == len(b)

    def same(u, v):
        if isinstance(u, np.ndarray):
            np.testing.assert_array_equal(u, v)
            assert u.dtype == v.dtype
        elif isinstance(u, dict):
            assert list(u) == list(v)
            for k in u:
                same(u[k], v[k])
        elif isinstance(u, list):
            assert len(u) == len(v)
            for p, q in zip(u, v, strict=True):
                same(p, q)
        else:
            assert u == v

    same(a, b)


def datasets():
    return vbd.TensorDataset(vb.tensor(X), Y), tud.TensorDataset(torch.tensor(X), torch.tensor(Y))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"batch_size": 4},
        {"batch_size": 4, "drop_last": True},
        {"batch_size": 3, "sampler": [9, 0, 4, 4, 7]},
        {"batch_sampler": [[3, 1], [0, 2, 5], [9]]},
        {"batch_size": 10},
        {"batch_size": 11, "drop_last": True},
    ],
    ids=["default", "bs4", "drop-last", "sampler", "batch-sampler", "full", "empty"],
)
def test_same_batches_as_torch_for_the_same_indices(kwargs):
    ours, theirs = datasets()
    assert_same_batches(vbd.DataLoader(ours, **kwargs), tud.DataLoader(theirs, **kwargs))


Point = namedtuple("Point", ["x", "label"])


class Records(tud.Dataset):
    """Samples of every structure default_collate handles (a torch Dataset; also indexable by ours)."""

    def __init__(self, n=5):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {
            "features": np.full((2,), i, dtype=np.float64),
            "pair": (np.float32(i) / 2, i),
            "point": Point(np.full((1, 2), i, dtype=np.float32), i % 2 == 0),
            "name": f"item{i}",
            "weight": 0.5 * i,
        }


def test_default_collate_structure_and_dtypes_as_torch():
    ours = vbd.DataLoader(Records(), batch_size=2)
    theirs = tud.DataLoader(Records(), batch_size=2)
    for a, b in zip(ours, theirs, strict=True):
        assert isinstance(a, dict) and list(a) == list(b)
        assert isinstance(a["features"], vb.Tensor) and a["features"].dtype == vb.float64
        assert isinstance(a["pair"], list) and isinstance(a["point"], Point)
        assert a["point"].x.dtype == vb.float32 and tuple(a["point"].x.shape) == tuple(b["point"].x.shape)
        assert a["name"] == b["name"]
        # integers and booleans become int64 and bool tensors, as torch's
        assert a["pair"][1].dtype == vb.int64 and b["pair"][1].dtype == torch.int64
        assert a["point"].label.dtype == vb.bool and b["point"].label.dtype == torch.bool
        assert a["weight"].dtype == vb.float64 and b["weight"].dtype == torch.float64
        for u, v in [
            (a["features"], b["features"]),
            (a["pair"][0], b["pair"][0]),
            (a["weight"], b["weight"]),
        ]:
            np.testing.assert_array_equal(u.numpy(), v.numpy())
        np.testing.assert_array_equal(a["pair"][1].numpy(), b["pair"][1].numpy())
        np.testing.assert_array_equal(a["point"].label.numpy(), b["point"].label.numpy())


def test_default_collate_refuses_what_torch_refuses():
    with pytest.raises(RuntimeError, match="equal size"):
        vbd.default_collate([[1.0, 2.0], [1.0]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        vbd.default_collate([object(), object()])


def test_batch_size_none_yields_samples_uncollated():
    ours, theirs = datasets()
    a, b = list(vbd.DataLoader(ours, batch_size=None)), list(tud.DataLoader(theirs, batch_size=None))
    assert len(a) == len(b) == 10
    np.testing.assert_array_equal(a[3][0].numpy(), b[3][0].numpy())
    assert a[3][1] == b[3][1].item()


class Stream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter([np.array([i, -i], dtype=np.float64) for i in range(self.n)])

    def __len__(self):
        return self.n


class VbStream(Stream, vbd.IterableDataset):
    pass


@pytest.mark.parametrize(
    "kwargs", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}]
)
def test_iterable_dataset_batches_as_torch(kwargs):
    assert_same_batches(vbd.DataLoader(VbStream(7), **kwargs), tud.DataLoader(Stream(7), **kwargs))


def test_shuffle_is_a_seeded_permutation_each_epoch():
    ds = vbd.TensorDataset(np.arange(20))
    loader = vbd.DataLoader(ds, batch_size=6, shuffle=True, generator=vb.Generator(3))
    epochs = [np.concatenate([b[0] for b in loader]) for _ in range(2)]
    assert len(loader) == 4
    for e in epochs:
        assert sorted(e.tolist()) == list(range(20))
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[0], np.arange(20))
    again = vbd.DataLoader(ds, batch_size=6, shuffle=True, generator=vb.Generator(3))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in again]), epochs[0])


def test_random_sampler_lengths_and_replacement():
    data = range(5)
    assert list(vbd.SequentialSampler(data)) == list(tud.SequentialSampler(data))
    for kwargs in [{}, {"num_samples": 12}, {"replacement": True, "num_samples": 3}]:
        ours = list(vbd.RandomSampler(data, generator=vb.Generator(0), **kwargs))
        assert (
            len(ours)
            == len(list(tud.RandomSampler(data, **kwargs)))
            == len(vbd.RandomSampler(data, **kwargs))
        )
        assert set(ours) <= set(data)
    assert sorted(vbd.RandomSampler(data, generator=vb.Generator(1))) == list(data)  # a permutation
    twelve = list(vbd.RandomSampler(data, num_samples=12, generator=vb.Generator(2)))
    assert sorted(twelve[:5]) == sorted(twelve[5:10]) == list(data)  # whole permutations first
    draws = list(vbd.RandomSampler(range(4), replacement=True, num_samples=4000, generator=vb.Generator(4)))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 4000, 0.25, atol=0.03)


def test_weighted_random_sampler_follows_the_weights():
    weights = [0.1, 0.0, 0.6, 0.3]
    draws = list(vbd.WeightedRandomSampler(weights, 20000, generator=vb.Generator(5)))
    assert len(draws) == 20000 == len(vbd.WeightedRandomSampler(weights, 20000))
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, weights, atol=0.015)
    once = list(vbd.WeightedRandomSampler(weights, 3, replacement=False, generator=vb.Generator(6)))
    assert sorted(once) == [0, 2, 3]  # the zero weight is never drawn
    # without replacement, the first draw follows the weights too
    firsts = [next(iter(vbd.WeightedRandomSampler(weights, 1, False, vb.Generator(s)))) for s in range(3000)]
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 3000, weights, atol=0.03)


def test_batch_sampler_as_torch():
    for drop_last in (False, True):
        ours = vbd.BatchSampler(vbd.SequentialSampler(range(10)), 4, drop_last)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(10)), 4, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("n", [10, 11, 7, 3])
@pytest.mark.parametrize("lengths", [[0.7, 0.3], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33]])
def test_random_split_fractions_give_torchs_lengths(n, lengths):
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = vbd.random_split(range(n), lengths, generator=vb.Generator(0))
    with warnings.catch_warnings(record=True) as torch_warned:
        warnings.simplefilter("always")
        theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    # both warn about each empty split
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in torch_warned]
    assert sorted(i for s in ours for i in s) == list(range(n))  # disjoint and complete


def test_random_split_is_seeded_and_checks_lengths():
    a = vbd.random_split(range(10), [6, 4], generator=vb.Generator(9))
    b = vbd.random_split(range(10), [6, 4], generator=vb.Generator(9))
    assert [list(s) for s in a] == [list(s) for s in b]
    assert isinstance(a[0], vbd.Subset) and a[0][0] == a[0].indices[0]
    for bad in ([6, 5], [0.5, 0.6]):
        with pytest.raises(ValueError):
            tud.random_split(range(10), bad)
        with pytest.raises(ValueError, match="(?i)sum"):
            vbd.random_split(range(10), bad)
    with pytest.raises(ValueError, match="non-negative integers"):  # torch slices these silently
        vbd.random_split(range(10), [-1, 11])


def test_concat_and_subset_index_as_torch():
    ours = vbd.ConcatDataset([vbd.TensorDataset(np.arange(3)), vbd.TensorDataset(np.arange(10, 14))])
    theirs = tud.ConcatDataset([tud.TensorDataset(torch.arange(3)), tud.TensorDataset(torch.arange(10, 14))])
    assert len(ours) == len(theirs) == 7
    for i in [*range(7), -1, -7]:
        assert ours[i][0] == theirs[i][0].item()
    added = vbd.TensorDataset(np.arange(2)) + vbd.TensorDataset(np.arange(5, 6))
    assert [added[i][0] for i in range(3)] == [0, 1, 5]
    sub = vbd.Subset(ours, [6, 0, 3])
    assert len(sub) == 3 and [sub[i][0] for i in range(3)] == [13, 0, 10]
    with pytest.raises(IndexError):
        ours[7]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_workers": 2}, NotImplementedError, "num_workers=2.*calling process"),
        ({"num_workers": -1}, ValueError, "non-negative"),
        ({"batch_size": 0}, ValueError, "positive integer"),
        ({"sampler": [0, 1], "shuffle": True}, ValueError, "mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 2}, ValueError, "mutually exclusive"),
        ({"batch_size": None, "drop_last": True}, ValueError, "mutually exclusive with drop_last"),
    ],
    ids=["workers", "negative-workers", "batch-size", "sampler-shuffle", "batch-sampler", "none-drop-last"],
)
def test_argument_errors(kwargs, error, match):
    ours, theirs = datasets()
    with pytest.raises(error, match=match):
        vbd.DataLoader(ours, **kwargs)
    if error is ValueError:  # torch refuses the same combinations
        with pytest.raises(ValueError):
            tud.DataLoader(theirs, **kwargs)


def test_dataset_errors():
    with pytest.raises(ValueError, match="Size mismatch"):
        vbd.TensorDataset(np.zeros((3, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="shuffle"):
        vbd.DataLoader(VbStream(3), shuffle=True)
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        vbd.Dataset()[0]


def regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0]], dtype=np.float32) + 0.5).astype(np.float32)


def linear_model():
    vb.manual_seed(1)
    return vb.nn.Sequential(vb.nn.Linear(2, 1))


def test_fit_takes_a_utils_data_loader_and_trains_as_with_arrays():
    x, y = regression()
    histories = []
    for loader in (
        vb.train.DataLoader(x, y, batch_size=8),
        vbd.DataLoader(vbd.TensorDataset(vb.tensor(x), vb.tensor(y)), batch_size=8),
    ):
        model = linear_model()
        opt = vb.optim.SGD(model.parameters(), lr=0.05)
        histories.append(
            vb.train.fit(
                model, loader, (x, y), loss=vb.nn.functional.mse_loss, optimizer=opt, epochs=3, progress=False
            )
        )
    assert (
        histories[0]["loss"] == histories[1]["loss"] and histories[0]["val_loss"] == histories[1]["val_loss"]
    )
    assert histories[1]["loss"][-1] < histories[1]["loss"][0]


def test_sgld_takes_a_utils_data_loader_with_the_data_set_size():
    x, y = regression()
    model = linear_model()
    model.likelihood = vb.nn.GaussianLikelihood(0.5, trainable=False)
    loader = vbd.DataLoader(vbd.TensorDataset(vb.tensor(x), vb.tensor(y)), batch_size=10, shuffle=True)
    bank, trace = vb.infer.sgld_sample(model, loader, lr=1e-4, prior=1.0, steps=8, check=False)
    assert len(bank) == 8 and np.all(np.isfinite(trace.loss))
    with pytest.raises(ValueError, match="yields no batch"):
        vb.infer.sgld_sample(
            model,
            vbd.DataLoader(vbd.TensorDataset(x), batch_size=50, drop_last=True),
            lr=1e-4,
            prior=1.0,
            steps=2,
        )


def test_fit_names_data_that_is_neither_arrays_nor_a_loader():
    x, y = regression()
    model = linear_model()
    opt = vb.optim.SGD(model.parameters(), lr=0.05)
    batches = ((vb.tensor(x[i : i + 8]), vb.tensor(y[i : i + 8])) for i in range(0, 40, 8))
    with pytest.raises(TypeError, match="the training loader must be .* got generator"):
        vb.train.fit(model, batches, loss=vb.nn.functional.mse_loss, optimizer=opt, epochs=1, progress=False)


class BatchFetch(vbd.Dataset):
    """Records how it is read: one __getitems__ call per batch, never __getitem__."""

    def __init__(self):
        self.calls = []

    def __len__(self):
        return 7

    def __getitem__(self, i):
        raise AssertionError("read a sample at a time")

    def __getitems__(self, indices):
        self.calls.append(indices)
        return [np.float64(i) for i in indices]


def test_a_data_set_with_getitems_is_read_a_batch_at_a_time():
    ds = BatchFetch()
    batches = [b.numpy().tolist() for b in vbd.DataLoader(ds, batch_size=3)]
    assert ds.calls == [[0, 1, 2], [3, 4, 5], [6]] and batches == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]]


def test_the_array_loader_is_a_utils_data_loader_over_its_rows():
    loader = vb.train.DataLoader(X, Y, batch_size=4, shuffle=True, seed=0)
    assert isinstance(loader, vbd.DataLoader) and len(loader.dataset) == 10 and len(loader) == 3
    xb, yb = loader.dataset.__getitems__([2, 5])
    np.testing.assert_array_equal(xb.numpy(), X[[2, 5]])
    assert yb.dtype == np.int64 and yb.tolist() == Y[[2, 5]].tolist()
    # each epoch is NumPy's default_rng(seed) permutation, as before the loader was a utils.data one
    rng = np.random.default_rng(0)
    for _ in range(2):
        order = rng.permutation(10)
        np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in loader]), X[order])
