"""Checkpoints between C++ and Python: files of vb.save load with the C++ reader and files of the
C++ writer load with vb.load (through the test hooks _core.save_module_cpp / load_module_cpp, which
run exactly varbayes::save / varbayes::load_module). State, module types, shared priors and outputs
(posterior means, and seeded sampling) must come through unchanged both ways."""

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

import varbayes as vb
from varbayes.io import CheckpointError

X = np.linspace(-1, 1, 24).reshape(12, 2)
# Written by ctest's C++ example run: build/cpp in the README's test command, build/catch in development.
EXAMPLE_CHECKPOINT = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[1] / "build" / d / "example-build" / "bnn_regression.vb"
            for d in ("cpp", "catch")
        )
        if p.is_file()
    ),
    Path("build/cpp/example-build/bnn_regression.vb"),
)

save_cpp, load_cpp = vb._core.save_module_cpp, vb._core.load_module_cpp


def perturbed(model):
    """model with every parameter and buffer moved off its initial value."""
    state = {
        k: v + np.asarray(0.01 * (i + 1), v.dtype) for i, (k, v) in enumerate(model.state_dict().items())
    }
    model.load_state_dict(state)
    return model


def bnn(layer=vb.nn.BayesLinear, prior=None, dtype=vb.float32):
    return vb.nn.Sequential(
        layer(2, 6, prior=prior, dtype=dtype),
        vb.nn.Tanh(),
        vb.nn.Dropout(0.25),
        layer(6, 1, prior=prior, dtype=dtype),
    )


def per_weight_priors():
    model = bnn(vb.nn.BayesLinearLRT, dtype=vb.float64)
    rng = np.random.default_rng(0)
    for layer in (model[0], model[3]):
        shape = layer.weight_mu.shape
        layer.set_prior(
            vb.nn.NormalPrior(vb.tensor(rng.normal(0, 0.3, shape)), vb.tensor(rng.uniform(0.5, 2.0, shape))),
            vb.nn.NormalPrior(vb.tensor(0.1, dtype=vb.float64), vb.tensor(3.0, dtype=vb.float64)),
        )
    return model


def every_builtin():
    model = vb.nn.Sequential(
        vb.nn.Linear(2, 3, bias=False, dtype=vb.float64),
        vb.nn.Sigmoid(),
        vb.nn.BayesLinear(3, 4, bias=False, dtype=vb.float64),
        vb.nn.Softplus(),
        vb.nn.Linear(4, 3, dtype=vb.float64),
        vb.nn.ReLU(),
        vb.nn.Identity(),
    )
    model[2].sample = False
    return model


def every_activation():
    return vb.nn.Sequential(
        vb.nn.Linear(2, 3, dtype=vb.float64),
        vb.nn.GELU("tanh"),
        vb.nn.ELU(0.5),
        vb.nn.LeakyReLU(0.2),
        vb.nn.Hardtanh(-2.0, 3.0),
        vb.nn.Softsign(),
        vb.nn.Mish(),
        vb.nn.SiLU(),
        vb.nn.PReLU(3, 0.1, dtype=vb.float64),
        vb.nn.LogSoftmax(1),
        vb.nn.Softmax(),
        vb.nn.GELU(),
    )


MODELS = [
    pytest.param(lambda: bnn(prior=vb.nn.NormalPrior(0.0, 1.0, trainable=True)), id="shared-trainable-prior"),
    pytest.param(lambda: bnn(vb.nn.BayesLinearLRT, vb.nn.NormalPrior(0.2, 0.5)), id="lrt-fixed-prior"),
    pytest.param(per_weight_priors, id="lrt-float64-per-weight-priors"),
    pytest.param(every_builtin, id="every-builtin"),
    pytest.param(every_activation, id="every-activation"),
]


def assert_same_model(a, b):
    assert repr(a) == repr(b)
    assert [type(m) for m in a.modules()] == [type(m) for m in b.modules()]
    assert [m.training for m in a.modules()] == [m.training for m in b.modules()]
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name, value in sa.items():
        assert sb[name].dtype == value.dtype, name
        np.testing.assert_array_equal(sb[name], value, err_msg=name)
    assert [getattr(m, "sample", None) for m in a.modules()] == [
        getattr(m, "sample", None) for m in b.modules()
    ]
    # Which modules are one object (a shared prior) must be the same in both.
    ids_a, ids_b = [id(m) for m in a.modules()], [id(m) for m in b.modules()]
    assert len(set(ids_a)) == len(set(ids_b))
    assert len(a.parameters()) == len(b.parameters())


def assert_same_outputs(a, b):
    x = vb.tensor(X, dtype=a.parameters()[0].dtype)
    a.eval(), b.eval()
    with vb.nn.sampling(False):
        np.testing.assert_array_equal(b(x).numpy(), a(x).numpy())
    a.train(), b.train()
    vb.manual_seed(7)  # weight, pre-activation and dropout draws alike
    expected = a(x).numpy()
    vb.manual_seed(7)
    np.testing.assert_array_equal(b(x).numpy(), expected)
    assert b.kl().item() == a.kl().item()


@pytest.mark.parametrize("make", MODELS)
def test_python_save_cpp_load(make, tmp_path):
    vb.manual_seed(0)
    model = perturbed(make())
    vb.save(model, tmp_path / "m.vb")
    loaded = load_cpp(tmp_path / "m.vb")
    assert_same_model(model, loaded)
    assert_same_outputs(model, loaded)


@pytest.mark.parametrize("make", MODELS)
def test_cpp_save_python_load(make, tmp_path):
    vb.manual_seed(0)
    model = perturbed(make())
    model[1].eval()  # vb.load gives a child its parent's mode; the C++ file must load the same way
    save_cpp(model, tmp_path / "m.vb")
    loaded = vb.load(tmp_path / "m.vb")
    expected = vb.load(_python_saved(model, tmp_path))
    assert_same_model(expected, loaded)
    assert_same_outputs(model, loaded)
    # And back into C++.
    save_cpp(loaded, tmp_path / "again.vb")
    assert_same_model(loaded, load_cpp(tmp_path / "again.vb"))


def _python_saved(model, tmp_path):
    path = tmp_path / "python.vb"
    vb.save(model, path)
    return path


def test_shared_prior_stays_shared_both_ways(tmp_path):
    prior = vb.nn.NormalPrior(0.0, 1.0, trainable=True)
    model = perturbed(bnn(prior=prior))
    vb.save(model, tmp_path / "py.vb")
    save_cpp(model, tmp_path / "cpp.vb")
    for loaded in (load_cpp(tmp_path / "py.vb"), vb.load(tmp_path / "cpp.vb")):
        assert (
            loaded[0].weight_prior is loaded[0].bias_prior is loaded[3].weight_prior is loaded[3].bias_prior
        )
        assert len(loaded.parameters()) == 10  # 2 x 4 posterior tensors + one prior's mean and std_rho
        # One object: a step on the prior reaches both layers' KL.
        before = loaded.kl().item()
        loaded[3].weight_prior.load_state_dict(
            {"mean": np.asarray(2.0, np.float32), "std_rho": np.asarray(0.0)}
        )
        assert loaded[0].weight_prior.mean.item() == 2.0 and loaded.kl().item() != before


def test_cpp_file_passes_python_format_checks(tmp_path):
    """The C++ file has io.py's layout, header and checksum; for a float-exact config it is even the
    same bytes as vb.save writes."""
    model = perturbed(bnn(prior=vb.nn.NormalPrior(0.0, 1.0, trainable=True)))
    save_cpp(model, tmp_path / "cpp.vb")
    vb.save(model, tmp_path / "py.vb")
    data = (tmp_path / "cpp.vb").read_bytes()
    magic, version, header_len = struct.unpack_from("<8sIQ", data)
    assert (magic, version) == (b"VARBAYES", 1)
    body, digest = data[:-32], data[-32:]
    assert hashlib.sha256(body).digest() == digest
    header = json.loads(body[20 : 20 + header_len])
    assert header["format"] == "varbayes-checkpoint"
    assert header["object"]["__module__"] == "varbayes._core.Sequential"
    offset = 0
    for entry in header["arrays"]:
        assert entry["dtype"] in ("<f4", "<f8") and entry["offset"] == offset
        assert entry["nbytes"] == int(np.prod(entry["shape"])) * int(entry["dtype"][2])
        offset += entry["nbytes"]
    assert 20 + header_len + offset == len(body)
    assert data == (tmp_path / "py.vb").read_bytes()


def test_corrupted_files_are_refused_by_both_readers(tmp_path):
    path = tmp_path / "m.vb"
    save_cpp(bnn(), path)
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum mismatch"):
        load_cpp(path)
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        vb.load(path)
    path.write_bytes(b"not a checkpoint" * 4)
    with pytest.raises(ValueError, match="not a varbayes checkpoint"):
        load_cpp(path)


class Scaled(vb.nn.Linear):
    """A Python subclass of a built-in layer: a plain C++ Linear underneath."""


def test_python_defined_modules_are_refused_by_name(tmp_path):
    head = vb.nn.Sequential(vb.nn.BayesLinear(2, 5), vb.nn.ReLU(), vb.nn.GaussianHead(5, 1))
    with pytest.raises(TypeError, match=r"module at '2' is a varbayes\.nn\.bayes\.GaussianHead"):
        save_cpp(head, tmp_path / "head.vb")
    scaled = Scaled(2, 2)  # (while its Python object lives; vb.save sees the subclass only then too)
    with pytest.raises(TypeError, match=r"is a test_cpp_checkpoint\.Scaled, defined in Python"):
        save_cpp(vb.nn.Sequential(scaled), tmp_path / "scaled.vb")
    assert not list(tmp_path.iterdir())
    vb.save(head, tmp_path / "head.vb")  # Python can describe it; C++ cannot build it
    with pytest.raises(ValueError, match=r"unknown module type 'varbayes\.nn\.bayes\.GaussianHead'"):
        load_cpp(tmp_path / "head.vb")


@pytest.mark.skipif(
    not EXAMPLE_CHECKPOINT.is_file(),
    reason="run ctest (the README's test command) to produce the C++ example's model",
)
def test_model_saved_by_the_cpp_example_loads_in_python():
    model = vb.load(EXAMPLE_CHECKPOINT)
    assert [type(m).__name__ for m in model] == ["BayesLinear", "Tanh", "BayesLinear"]
    assert model[0].weight_prior is model[2].weight_prior and model[0].weight_prior.trainable
    # The example fits sin(3x): the posterior-mean prediction is close to it.
    x = np.linspace(-0.8, 0.8, 5).reshape(5, 1)
    with vb.nn.sampling(False):
        pred = model(vb.tensor(x, dtype=vb.float32)).numpy()
    np.testing.assert_allclose(pred, np.sin(3 * x), atol=0.25)
