"""vb.device and vb.cuda against torch.device and torch.cuda on a machine without CUDA."""

import pytest

import varbayes as vb


@pytest.mark.parametrize(
    ("args", "type_", "index", "text"),
    [(("cpu",), "cpu", None, "cpu"), (("cuda", 1), "cuda", 1, "cuda:1"), (("cuda:0",), "cuda", 0, "cuda:0")],
)
def test_device_names_like_torch(args, type_, index, text):
    d = vb.device(*args)
    assert (d.type, d.index, str(d)) == (type_, index, text)
    torch = pytest.importorskip("torch")
    ref = torch.device(*args)
    assert (ref.type, ref.index, str(ref), repr(ref)) == (d.type, d.index, str(d), repr(d))


def test_device_equality_and_bad_names():
    assert vb.device("cpu") == vb.device(vb.device("cpu")) == "cpu"
    assert vb.device("cuda:0") != vb.device("cuda")
    assert len({vb.device("cpu"), vb.device("cpu")}) == 1
    for bad in ("cuda:x", "", "cuda:0:1", ":0"):
        with pytest.raises(RuntimeError, match="invalid device string"):
            vb.device(bad)
    with pytest.raises(TypeError, match="device name"):
        vb.device(3)


def test_only_the_cpu_can_be_moved_to():
    x = vb.ones(2)
    assert x.to(vb.device("cpu")) is not None and x.to(vb.device("cpu"), dtype=None).dtype == vb.float32
    model = vb.nn.Linear(2, 1)
    assert model.to(vb.device("cpu")) is model and model.to("cpu", vb.float64) is model
    assert model.weight.dtype == vb.float64
    for target in (vb.device("cuda", 0), "cuda:0"):
        with pytest.raises(ValueError, match="device 'cuda:0' is not available"):
            x.to(target)
        with pytest.raises(ValueError, match="device 'cuda:0' is not available"):
            model.to(target)


def test_cuda_reports_no_devices():
    assert vb.cuda.is_available() is False
    assert vb.cuda.device_count() == 0
    assert vb.cuda.manual_seed(0) is None and vb.cuda.manual_seed_all(0) is None
