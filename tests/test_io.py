"""Checkpoints: round trips of modules, values, optimizer/scheduler states and scalers, a fresh
process, corrupted/truncated/foreign files, atomic writes, no pickle, and module registration."""

import hashlib
import json
import math
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest

import varbayes as vb
from reference import assert_same_state
from varbayes.io import CheckpointError
from varbayes.ncsm.preprocess import MinMaxScaler
from varbayes.optim.lr_scheduler import WarmupCosine

X = np.linspace(-1, 1, 24, dtype=np.float32).reshape(12, 2)


def round_trip(obj, tmp_path):
    path = tmp_path / "obj.vb"
    vb.save(obj, path)
    return vb.load(path)


def perturbed(model):
    """model with every parameter and buffer moved off its initial value (so a load that rebuilt
    defaults would be caught)."""
    state = {
        k: v + np.asarray(0.01 * (i + 1), dtype=v.dtype)
        for i, (k, v) in enumerate(model.state_dict().items())
    }
    model.load_state_dict(state)
    return model


# --------------------------------------------------------------------------- modules


def mlp():
    return vb.nn.Sequential(
        vb.nn.Linear(2, 8), vb.nn.ReLU(), vb.nn.Dropout(0.25), vb.nn.Linear(8, 4), vb.nn.Tanh()
    )


def bnn(layer, prior=None, dtype=vb.float32):
    return vb.nn.Sequential(
        layer(2, 6, prior=prior, dtype=dtype), vb.nn.Tanh(), layer(6, 1, prior=prior, dtype=dtype)
    )


def per_weight_priors():
    model = bnn(vb.nn.BayesLinearLRT)
    rng = np.random.default_rng(0)
    for layer in (model[0], model[2]):
        shape = layer.weight_mu.shape
        layer.set_prior(
            vb.nn.NormalPrior(vb.tensor(rng.normal(0, 0.3, shape)), vb.tensor(rng.uniform(0.5, 2.0, shape))),
            vb.nn.NormalPrior(0.1, 3.0),
        )
    return model


def with_likelihood():
    model = bnn(vb.nn.BayesLinear)
    model.likelihood = vb.nn.GaussianLikelihood(0.2)
    return model


MODELS = [
    pytest.param(mlp, id="mlp"),
    pytest.param(lambda: bnn(vb.nn.BayesLinear), id="bayes-fixed-prior"),
    pytest.param(lambda: bnn(vb.nn.BayesLinear, vb.nn.NormalPrior(0.2, 0.5)), id="bayes-custom-prior"),
    pytest.param(
        lambda: bnn(vb.nn.BayesLinear, vb.nn.NormalPrior(0.0, 1.0, trainable=True)), id="bayes-trainable"
    ),
    pytest.param(lambda: bnn(vb.nn.BayesLinearLRT, dtype=vb.float64), id="lrt-float64"),
    pytest.param(per_weight_priors, id="lrt-per-weight-priors"),
    pytest.param(
        lambda: vb.nn.Sequential(vb.nn.BayesLinear(2, 5), vb.nn.ReLU(), vb.nn.GaussianHead(5, 1)), id="head"
    ),
    pytest.param(with_likelihood, id="likelihood"),
]


@pytest.mark.parametrize("make", MODELS)
def test_module_round_trip(make, tmp_path):
    vb.manual_seed(0)
    model = perturbed(make())
    model.eval()
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert [type(m) for m in loaded.modules()] == [type(m) for m in model.modules()]
    assert_same_state(model, loaded)
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert not loaded.training
    assert loaded.kl().item() == model.kl().item()  # the priors came back, not default ones
    vb.manual_seed(1)
    expected = model(vb.tensor(X, dtype=model.parameters()[0].dtype)).numpy()
    vb.manual_seed(1)
    np.testing.assert_array_equal(loaded(vb.tensor(X, dtype=loaded.parameters()[0].dtype)).numpy(), expected)


def test_module_configuration_round_trips(tmp_path):
    model = vb.nn.Sequential(
        vb.nn.Dropout(0.3),
        vb.nn.Linear(2, 3, bias=False),
        vb.nn.BayesLinear(3, 2, bias=False),
        vb.nn.GaussianHead(2, 2, min_var=1e-3),
    )
    model[2].sample = False
    model.likelihood = vb.nn.GaussianLikelihood(0.5, trainable=False)
    loaded = round_trip(model, tmp_path)
    assert loaded[0].p == 0.3 and loaded[1].bias is None and loaded[2].bias_mu is None
    assert loaded[2].sample is False
    assert loaded[3].out_features == 2 and loaded[3].min_var == 1e-3
    assert not loaded.likelihood.std_rho.requires_grad
    assert loaded.likelihood.std.item() == pytest.approx(0.5)


def test_shared_prior_stays_shared(tmp_path):
    prior = vb.nn.NormalPrior(0.0, 1.0, trainable=True)
    loaded = round_trip(perturbed(bnn(vb.nn.BayesLinear, prior)), tmp_path)
    first, second = loaded[0], loaded[2]
    assert first.weight_prior is second.weight_prior is first.bias_prior
    assert len(loaded.parameters()) == 10  # 2 x (4 posterior tensors) + one prior's mean and std_rho
    before = loaded.kl().item()
    loaded.load_state_dict({**loaded.state_dict(), "0.weight_prior.mean": np.asarray(3.0, np.float32)})
    assert second.weight_prior.mean.item() == 3.0 and loaded.kl().item() > before


# --------------------------------------------------------------------------- values


VALUES = [
    pytest.param(None, id="none"),
    pytest.param(True, id="bool"),
    pytest.param(-7, id="int"),
    pytest.param(2**62, id="big-int"),
    pytest.param(0.1, id="float"),
    pytest.param(-math.inf, id="inf"),
    pytest.param('ünïcode "quoted" \n text', id="str"),
    pytest.param({"a": 1, 2: "two", "nested": {"list": [1, 2.5, "x"], "tuple": (1, (2, 3))}}, id="dict"),
    pytest.param([[], (), {}, [None]], id="empty-containers"),
    pytest.param((1, [2, (3,)]), id="tuple"),
]


@pytest.mark.parametrize("value", VALUES)
def test_plain_values_round_trip(value, tmp_path):
    loaded = round_trip(value, tmp_path)
    assert loaded == value
    assert type(loaded) is type(value)


ARRAYS = [
    np.arange(12, dtype=np.float32).reshape(3, 4),
    np.linspace(0, 1, 7),  # float64
    np.array([-1, 2**40], dtype=np.int64),
    np.array([1, 2, 255], dtype=np.uint8),
    np.array([True, False]),
    np.array(3.5),  # 0-d
    np.zeros((0, 3), dtype=np.int32),
    np.arange(20.0).reshape(4, 5)[:, ::2],  # not contiguous
    np.array([np.nan, np.inf, -0.0], dtype=np.float16),
]


@pytest.mark.parametrize("array", ARRAYS, ids=[f"{a.dtype}-{a.shape}" for a in ARRAYS])
def test_arrays_round_trip(array, tmp_path):
    loaded = round_trip({"a": array, "list": [array]}, tmp_path)
    for value in (loaded["a"], loaded["list"][0]):
        assert isinstance(value, np.ndarray) and value.dtype == array.dtype and value.shape == array.shape
        np.testing.assert_array_equal(value, array)


@pytest.mark.parametrize("dtype", [vb.float32, vb.float64])
def test_tensors_round_trip(dtype, tmp_path):
    t = vb.tensor(np.arange(6.0).reshape(2, 3) / 7, dtype=dtype)
    loaded = round_trip({"t": t, "scalar": np.float64(2.5)}, tmp_path)
    assert isinstance(loaded["t"], vb.Tensor) and loaded["t"].dtype == dtype
    np.testing.assert_array_equal(loaded["t"].numpy(), t.numpy())
    assert loaded["scalar"] == 2.5 and type(loaded["scalar"]) is float


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (object(), "object"),
        (np.array([1 + 2j]), "complex128"),
        (np.array(["a"]), "<U1"),
        ({(1, 2): 3}, "dict keys"),
    ],
)
def test_unsupported_values_raise_type_error(value, match, tmp_path):
    with pytest.raises(TypeError, match=match):
        vb.save(value, tmp_path / "x.vb")
    assert list(tmp_path.iterdir()) == []


def test_min_max_scaler_round_trip(tmp_path):
    data = np.array([[1.0, -5.0], [3.0, 5.0], [2.0, 0.0]])
    scaler = MinMaxScaler((-1.0, 1.0)).fit(data)
    loaded = round_trip({"scaler": scaler}, tmp_path)["scaler"]
    assert isinstance(loaded, MinMaxScaler) and loaded.feature_range == (-1.0, 1.0)
    np.testing.assert_array_equal(loaded.transform(data), scaler.transform(data))


# --------------------------------------------------------------------------- optimizer and scheduler


def train_steps(model, optimizer, scheduler, steps):
    """Deterministic given the step indices: each step reseeds the weight sampling."""
    x, y = vb.tensor(X), vb.tensor(np.sin(X[:, :1]))
    for step in steps:
        vb.manual_seed(step)
        optimizer.zero_grad()
        loss = vb.mean((model(x) - y) ** 2) + model.kl() * 1e-3
        loss.backward()
        optimizer.step()
        scheduler.step()


def training_setup(model=None):
    if model is None:
        vb.manual_seed(0)
        model = bnn(vb.nn.BayesLinear, vb.nn.NormalPrior(0.0, 1.0, trainable=True))
    params = model.named_parameters()  # (the shared prior's parameters are named after the first layer)
    optimizer = vb.optim.Adam(
        [
            {"params": [p for name, p in params if name.startswith("0.")], "lr": 0.02},
            {"params": [p for name, p in params if not name.startswith("0.")]},
        ],
        lr=0.01,
        amsgrad=True,
    )
    return model, optimizer, WarmupCosine(optimizer, 3, 20, 1e-4)


def test_optimizer_and_scheduler_resume_bit_identically(tmp_path):
    model, optimizer, scheduler = training_setup()
    train_steps(model, optimizer, scheduler, range(12))

    model, optimizer, scheduler = training_setup()
    train_steps(model, optimizer, scheduler, range(5))
    for name, obj in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        vb.save(obj, tmp_path / f"{name}.vb")
    expected_model, expected_optimizer, expected_scheduler = model, optimizer, scheduler
    train_steps(expected_model, expected_optimizer, expected_scheduler, range(5, 12))

    resumed_model, resumed_optimizer, resumed_scheduler = training_setup(vb.load(tmp_path / "model.vb"))
    assert vb.load(tmp_path / "optimizer.vb", into=resumed_optimizer) is resumed_optimizer
    assert vb.load(tmp_path / "scheduler.vb", into=resumed_scheduler) is resumed_scheduler
    assert resumed_scheduler.last_epoch == 5
    train_steps(resumed_model, resumed_optimizer, resumed_scheduler, range(5, 12))
    assert_same_state(expected_model, resumed_model)
    assert resumed_scheduler.get_last_lr() == expected_scheduler.get_last_lr()
    assert str(resumed_optimizer.state_dict()) == str(expected_optimizer.state_dict())


def test_states_come_back_as_dicts_and_load_into_a_module(tmp_path):
    model, optimizer, scheduler = training_setup()
    train_steps(model, optimizer, scheduler, range(3))
    for obj, key in ((optimizer, "__optimizer__"), (scheduler, "__scheduler__")):
        vb.save(obj, tmp_path / "state.vb")
        assert str(vb.load(tmp_path / "state.vb")[key]) == str(obj.state_dict())
    vb.save(model, tmp_path / "model.vb")
    fresh, _, _ = training_setup(bnn(vb.nn.BayesLinear, vb.nn.NormalPrior(0.0, 1.0, trainable=True)))
    assert vb.load(tmp_path / "model.vb", into=fresh) is fresh
    assert_same_state(model, fresh)
    with pytest.raises(CheckpointError, match="does not hold a module"):
        vb.load(tmp_path / "state.vb", into=fresh)
    with pytest.raises(CheckpointError, match="nothing that can be loaded"):
        vb.load(tmp_path / "model.vb", into=optimizer)


# --------------------------------------------------------------------------- a fresh process

PREDICT_IN_CHILD = """
import sys
import numpy as np
import varbayes as vb
model = vb.load(sys.argv[1])
vb.manual_seed(11)
prediction = vb.predict(model, np.load(sys.argv[2]), n_samples=8)
np.save(sys.argv[3], np.stack([prediction.mean, prediction.std]))
"""


def test_checkpoint_predicts_bit_identically_in_a_fresh_process(tmp_path):
    vb.manual_seed(3)
    model = perturbed(with_likelihood())
    x = np.linspace(-2, 2, 30).reshape(15, 2).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    vb.save(model, tmp_path / "model.vb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    args = [str(tmp_path / name) for name in ("model.vb", "x.npy", "out.npy")]
    subprocess.run([sys.executable, "-c", PREDICT_IN_CHILD, *args], env=env, check=True, timeout=60)
    vb.manual_seed(11)
    prediction = vb.predict(model, x, n_samples=8)
    assert prediction.std.min() > 0
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.stack([prediction.mean, prediction.std]))


# --------------------------------------------------------------------------- bad files


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "model.vb"
    vb.save(perturbed(bnn(vb.nn.BayesLinear)), path)
    return path


def header_end(data):
    return 20 + struct.unpack_from("<Q", data, 12)[0]


@pytest.mark.parametrize(
    ("where", "match"),
    [
        (lambda data: 0, "not a varbayes checkpoint"),  # the magic
        (lambda data: 8, "format version"),
        (lambda data: 13, "truncated|checksum"),  # the header length
        (lambda data: 40, "checksum"),  # inside the JSON header
        (lambda data: (header_end(data) + len(data) - 32) // 2, "checksum"),  # the array bytes
        (lambda data: len(data) - 32, "checksum"),
        (lambda data: len(data) - 1, "checksum"),
    ],
    ids=["magic", "version", "header-length", "header", "arrays", "checksum-start", "checksum-end"],
)
def test_flipped_byte_raises_checkpoint_error(checkpoint, where, match):
    data = bytearray(checkpoint.read_bytes())
    data[where(data)] ^= 0xFF
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=match) as info:
        vb.load(checkpoint)
    assert isinstance(info.value, ValueError) and str(checkpoint) in str(info.value)


@pytest.mark.parametrize(
    "cut",
    [
        lambda data: 0,
        lambda data: 4,
        lambda data: 8,
        lambda data: 20,
        lambda data: 30,
        lambda data: header_end(data) - 1,
        lambda data: header_end(data),
        lambda data: len(data) // 2,
        lambda data: len(data) - 32,
        lambda data: len(data) - 1,
    ],
    ids=[
        "empty",
        "in-magic",
        "after-magic",
        "after-prefix",
        "in-header",
        "header-end-1",
        "header-end",
        "middle",
        "no-checksum",
        "last-byte",
    ],
)
def test_truncated_file_raises_checkpoint_error(checkpoint, cut):
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[: cut(data)])
    with pytest.raises(CheckpointError, match="not a varbayes checkpoint|truncated"):
        vb.load(checkpoint)


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(100),
        b"PK\x03\x04" + bytes(100),
        pickle.dumps({"weights": np.zeros(3)}),
        b'{"format": "varbayes-checkpoint"}' + bytes(64),
        b"VARBAYES",
    ],
    ids=["png", "zip", "pickle", "json", "magic-only"],
)
def test_foreign_file_raises_checkpoint_error(tmp_path, content):
    path = tmp_path / "foreign.vb"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a varbayes checkpoint"):
        vb.load(path)


def test_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.vb"):
        vb.load(tmp_path / "nothing.vb")
    with pytest.raises(FileNotFoundError):
        vb.save(1, tmp_path / "no-such-dir" / "x.vb")


def crafted(tmp_path, obj, arrays=(), blob=b""):
    """A checkpoint with a valid checksum around a hand-written header."""
    header = json.dumps({"format": "varbayes-checkpoint", "object": obj, "arrays": list(arrays)}).encode()
    body = struct.pack("<8sIQ", b"VARBAYES", 1, len(header)) + header + blob
    path = tmp_path / "crafted.vb"
    path.write_bytes(body + hashlib.sha256(body).digest())
    return path


def module_entry(name, config=None, children=(), state=None):
    return {
        "__module__": name,
        "id": 0,
        "config": config or {},
        "training": True,
        "children": list(children),
        "state": state or {},
    }


@pytest.mark.parametrize(
    ("obj", "arrays", "match"),
    [
        (module_entry("posix.system", {"command": "touch pwned"}), (), "unknown module type 'posix.system'"),
        (module_entry("builtins.eval"), (), "unknown module type"),
        ({"__reduce__": ["os.system", ["touch pwned"]]}, (), "unknown entry"),
        (
            module_entry(
                "varbayes._core.Linear",
                {"in_features": -3, "out_features": 2, "bias": True, "dtype": "float32"},
            ),
            (),
            "positive",
        ),
        (module_entry("varbayes._core.Sequential", children=[["a", 5]]), (), "malformed"),
        (module_entry("varbayes._core.Sequential", state={"w": {"__array__": 0}}), (), "array reference"),
        ({"__array__": 0}, [{"dtype": "|O", "shape": [1], "offset": 0, "nbytes": 8}], "dtype"),
        ({"__array__": 0}, [{"dtype": "<f8", "shape": [4], "offset": 0, "nbytes": 32}], "out of bounds"),
        ({"__module_ref__": 3}, (), "malformed"),
        ([1, 2], (), "bare list"),
        (
            {"__module__": "varbayes._core.Sequential", "id": 0, "config": {}, "children": [], "state": []},
            (),
            "malformed",
        ),
    ],
    ids=[
        "unknown-type",
        "builtin-eval",
        "reduce",
        "bad-config",
        "bad-child",
        "array-ref",
        "object-dtype",
        "array-bounds",
        "module-ref",
        "bare-list",
        "state-list",
    ],
)
def test_crafted_header_raises_checkpoint_error(tmp_path, obj, arrays, match):
    path = crafted(tmp_path, obj, arrays)
    with pytest.raises(CheckpointError, match=match):
        vb.load(path)
    assert not (tmp_path / "pwned").exists()


def test_crafted_deep_or_versionless_checkpoint_raises_checkpoint_error(tmp_path):
    # nesting deeper than Python's recursion limit, and a version this format never had
    deep = b'{"format": "varbayes-checkpoint", "arrays": [], "object": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for version, header, match in (
        (1, deep, "malformed"),
        (0, b'{"object": 1, "arrays": []}', "format version 0"),
    ):
        body = struct.pack("<8sIQ", b"VARBAYES", version, len(header)) + header
        path = tmp_path / "crafted.vb"
        path.write_bytes(body + hashlib.sha256(body).digest())
        with pytest.raises(CheckpointError, match=match):
            vb.load(path)


def test_directories_are_named_as_such(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"{tmp_path} is a directory"):
        vb.save(1, tmp_path)
    with pytest.raises(IsADirectoryError, match=f"checkpoint {tmp_path} is a directory"):
        vb.load(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no temporary file left


def test_crafted_header_that_is_not_json_raises_checkpoint_error(tmp_path):
    body = struct.pack("<8sIQ", b"VARBAYES", 1, 4) + b"\xff\xfe{["
    path = tmp_path / "bad.vb"
    path.write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(CheckpointError, match="malformed"):
        vb.load(path)


# --------------------------------------------------------------------------- atomic writes


def fail(*args, **kwargs):
    raise OSError("disk full (simulated)")


@pytest.mark.parametrize("target", ["replace", "fsync"])
def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(checkpoint, monkeypatch, target):
    old = checkpoint.read_bytes()
    monkeypatch.setattr(os, target, fail)
    with pytest.raises(OSError, match="simulated"):
        vb.save(mlp(), checkpoint)
    monkeypatch.undo()
    assert checkpoint.read_bytes() == old
    assert [p.name for p in checkpoint.parent.iterdir()] == [checkpoint.name]
    vb.load(checkpoint)


def test_save_replaces_an_existing_checkpoint(checkpoint):
    vb.save({"step": 3}, checkpoint)
    assert vb.load(checkpoint) == {"step": 3}
    assert [p.name for p in checkpoint.parent.iterdir()] == [checkpoint.name]


# --------------------------------------------------------------------------- module registration


class Scaled(vb.nn.Module):
    """A user module: a Linear layer whose output is multiplied by a constant."""

    def __init__(self, features, factor):
        super().__init__()
        self.factor = factor
        self.inner = vb.nn.Linear(features, features)

    def forward(self, x):
        return self.inner(x) * self.factor


class MySequential(vb.nn.Sequential):
    pass


@pytest.mark.parametrize("make", [lambda: Scaled(2, 3.0), lambda: MySequential(vb.nn.Linear(2, 2))])
def test_unregistered_python_module_raises_type_error_with_a_hint(make, tmp_path):
    module = make()  # kept referenced: a bound container's Python subclass held only by C++ loses its type
    with pytest.raises(TypeError, match="register_module_type"):
        vb.save(vb.nn.Sequential(vb.nn.Linear(2, 2), module), tmp_path / "x.vb")
    assert list(tmp_path.iterdir()) == []


def test_registered_python_module_round_trips(tmp_path):
    vb.io.register_module_type(
        Scaled, lambda m: {"features": m.inner.in_features, "factor": m.factor}, lambda c: Scaled(**c)
    )
    model = perturbed(vb.nn.Sequential(Scaled(2, 3.0), vb.nn.Tanh(), vb.nn.BayesLinear(2, 1)))
    loaded = round_trip(model, tmp_path)
    assert isinstance(loaded[0], Scaled) and loaded[0].factor == 3.0
    assert_same_state(model, loaded)
    with vb.nn.sampling(False):
        np.testing.assert_array_equal(loaded(vb.tensor(X)).numpy(), model(vb.tensor(X)).numpy())


# --------------------------------------------------------------------------- the type registry


class Interval:
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi


def test_registered_type_round_trips_inside_containers(tmp_path):
    vb.io.register(Interval, "test_interval", lambda i: {"lo": i.lo, "hi": i.hi}, lambda s: Interval(**s))
    loaded = round_trip({"range": Interval(np.arange(3.0), 2.5), "others": [Interval(0, 1)]}, tmp_path)
    assert isinstance(loaded["range"], Interval) and loaded["range"].hi == 2.5
    np.testing.assert_array_equal(loaded["range"].lo, np.arange(3.0))
    assert isinstance(loaded["others"][0], Interval) and (loaded["others"][0].lo, loaded["others"][0].hi) == (
        0,
        1,
    )


@pytest.mark.parametrize(
    ("tag", "match"),
    [
        ("Interval", "lowercase identifier"),
        ("_x", "not starting with '_'"),
        ("a-b", "identifier"),
        ("scaler", "already"),
        ("dict", "reserved"),
    ],
)
def test_register_refuses_bad_or_taken_tags(tag, match):
    with pytest.raises(ValueError, match=match):
        vb.io.register(Interval, tag, vars, lambda s: s)


LOAD_IN_CHILD = """
import sys
import varbayes as vb
assert "varbayes.ncsm" not in sys.modules
obj = vb.load(sys.argv[1])
print(type(obj).__module__, type(obj).__name__)
"""


def test_load_imports_the_module_that_registers_a_type(tmp_path):
    # a fresh process that never imported varbayes.ncsm still loads a scaler
    path = tmp_path / "scaler.vb"
    vb.save(MinMaxScaler().fit(X), path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [sys.executable, "-c", LOAD_IN_CHILD, str(path)], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["varbayes.ncsm.preprocess", "MinMaxScaler"]


@pytest.mark.parametrize("module", ["antigravity", "varbayes.no_such_module"])
def test_load_never_imports_a_module_outside_the_package(tmp_path, module):
    path = crafted(tmp_path, {"__evil__": 1, "defined_in": module}, ())
    with pytest.raises(CheckpointError, match="unknown entry"):
        vb.load(path)
    assert "antigravity" not in sys.modules
