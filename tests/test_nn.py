"""vb.nn.Module subclassed from Python as in PyTorch, built-in layers, state dicts and dtype conversion."""

import gc
import weakref

import numpy as np
import pytest

import varbayes as vb


class Net(vb.nn.Module):
    """The PyTorch pattern: submodules, a parameter and a plain attribute assigned in __init__."""

    def __init__(self):
        super().__init__()
        self.fc1 = vb.nn.Linear(3, 4)
        self.w = vb.nn.Parameter(vb.randn(4))
        self.scale = 2.0

    def forward(self, x):
        return self.fc1(x) * self.w * self.scale


class Scale(vb.nn.Module):
    """A parameter-free Python module, used inside C++ containers."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


@pytest.fixture
def net():
    vb.manual_seed(0)
    return Net()


@pytest.fixture
def mlp():
    vb.manual_seed(1)
    return vb.nn.Sequential(vb.nn.Linear(3, 5), vb.nn.Tanh(), vb.nn.Linear(5, 2))


# --------------------------------------------------------------------------- registration


def test_attribute_assignment_registers(net):
    assert [name for name, _ in net.named_parameters()] == ["w", "fc1.weight", "fc1.bias"]
    assert [type(c).__name__ for c in net.children()] == ["Linear"]
    assert net.scale == 2.0 and "scale" not in dict(net.named_parameters())
    assert isinstance(net.fc1, vb.nn.Linear) and net.w.requires_grad and net.w.is_leaf
    assert net.fc1.weight.shape == (4, 3) and net.fc1.bias.shape == (4,)


def test_parameters_are_the_live_tensors(net):
    params = net.parameters()
    assert len(params) == 3
    with vb.no_grad():
        params[0].fill_(5.0)
    np.testing.assert_array_equal(net.w.numpy(), [5.0] * 4)


def test_forward_through_call(net):
    x = vb.randn(6, 3)
    y = net(x)
    expected = (x.numpy() @ net.fc1.weight.numpy().T + net.fc1.bias.numpy()) * net.w.numpy() * 2.0
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    y.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_call_forwards_every_argument():
    class Pair(vb.nn.Module):
        def forward(self, a, b, *, scale=1.0):
            return (a - b) * scale

    assert Pair()(vb.ones(2), vb.zeros(2), scale=3.0).tolist() == [3.0, 3.0]


def test_module_without_forward_raises():
    with pytest.raises(RuntimeError, match="forward"):
        vb.nn.Module()(vb.ones(1))


def test_plain_tensors_stay_attributes():
    m = vb.nn.Module()
    m.cache = vb.ones(2)
    assert m.parameters() == [] and m.cache.tolist() == [1.0, 1.0]


def test_shared_parameters_and_modules_are_listed_once():
    m = vb.nn.Module()
    m.a = vb.nn.Linear(2, 2)
    m.b = m.a
    m.p = vb.nn.Parameter(vb.ones(1))
    m.q = m.p
    assert [name for name, _ in m.named_parameters()] == ["p", "a.weight", "a.bias"]
    assert [name for name, _ in m.named_modules()] == ["", "a"]
    assert [name for name, _ in m.named_children()] == ["a", "b"]


def test_nested_names_and_module_listings(net):
    outer = vb.nn.Module()
    outer.body = vb.nn.Sequential(net, vb.nn.ReLU())
    outer.head = vb.nn.Linear(4, 1)
    names = [name for name, _ in outer.named_parameters()]
    assert names == ["body.0.w", "body.0.fc1.weight", "body.0.fc1.bias", "head.weight", "head.bias"]
    assert [name for name, _ in outer.named_modules()] == [
        "",
        "body",
        "body.0",
        "body.0.fc1",
        "body.1",
        "head",
    ]
    modules = outer.modules()
    assert modules[0] is outer and modules[2] is net
    assert [type(m).__name__ for m in outer.children()] == ["Sequential", "Linear"]
    assert len(outer.parameters(recurse=False)) == 0


def test_train_and_eval_are_recursive_and_return_self(net):
    outer = vb.nn.Sequential(net, vb.nn.Dropout())
    everything = outer.modules()
    assert all(m.training for m in everything)
    assert outer.eval() is outer
    assert not any(m.training for m in everything)
    assert outer.train() is outer
    assert all(m.training for m in everything)
    assert net.train(False) is net and not net.fc1.training and outer.training


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(net, set_to_none):
    net(vb.ones(1, 3)).sum().backward()
    net.zero_grad(set_to_none=set_to_none)
    for p in net.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(p.grad.numpy(), np.zeros(p.shape))
    net.zero_grad()  # default: set to None
    assert all(p.grad is None for p in net.parameters())


def test_assigning_none_to_bias():
    layer = vb.nn.Linear(3, 2)
    layer.bias = None
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]
    x = vb.randn(4, 3)
    np.testing.assert_allclose(layer(x).numpy(), x.numpy() @ layer.weight.numpy().T, rtol=1e-6)
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"
    layer.bias = vb.nn.Parameter(vb.ones(2))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_deleting_attributes(net):
    del net.w
    del net.fc1
    del net.scale
    assert net.parameters() == [] and net.children() == []
    for name in ("w", "fc1", "scale"):
        assert not hasattr(net, name)
    with pytest.raises(AttributeError, match="nothing"):
        del net.nothing
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'missing'"):
        _ = net.missing


def test_reassigning_replaces_registrations(net):
    net.fc1 = vb.nn.Linear(3, 7)
    net.w = vb.nn.Parameter(vb.zeros(7))
    assert net.fc1.out_features == 7 and net.w.shape == (7,)
    assert [name for name, _ in net.named_parameters()] == ["w", "fc1.weight", "fc1.bias"]
    net.fc1 = "not a module any more"
    assert net.children() == [] and net.fc1 == "not a module any more"


def test_parameter_requires_grad_flag():
    m = vb.nn.Module()
    m.frozen = vb.nn.Parameter(vb.ones(2), requires_grad=False)
    assert [name for name, _ in m.named_parameters()] == ["frozen"]
    assert not m.parameters()[0].requires_grad and not m.frozen.requires_grad


def test_named_modules_is_pre_order_with_first_occurrence_names():
    shared = vb.nn.Linear(1, 1)
    root, branch = vb.nn.Module(), vb.nn.Module()
    branch.shared = shared
    root.a = branch
    root.x = shared
    root.b = vb.nn.Sequential(shared, vb.nn.Sequential(vb.nn.ReLU()))
    assert [name for name, _ in root.named_modules()] == ["", "a", "a.shared", "b", "b.1", "b.1.0"]


# --------------------------------------------------------------------------- state dicts


def test_state_dict_holds_numpy_copies(net):
    state = net.state_dict()
    assert list(state) == ["w", "fc1.weight", "fc1.bias"]
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in state.values())
    state["w"][:] = 100.0
    assert (net.w.numpy() != 100.0).all()


def test_load_state_dict_round_trip(net):
    vb.manual_seed(42)
    other = Net()
    x = vb.randn(5, 3)
    assert not np.allclose(other(x).numpy(), net(x).numpy())
    result = other.load_state_dict(net.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(other(x).numpy(), net(x).numpy())
    assert other.w is not net.w  # values are copied, not shared


def test_load_state_dict_strict_reports_keys(net):
    state = net.state_dict()
    del state["fc1.bias"]
    state["extra.weight"] = np.zeros(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"fc1\.bias.*extra\.weight"):
        net.load_state_dict(state)


def test_load_state_dict_non_strict_returns_keys(net):
    state = net.state_dict()
    del state["fc1.bias"]
    state["w"] = np.arange(4.0)  # float64 values are converted to the parameter's dtype
    state["extra"] = np.zeros(1)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra"]
    assert net.w.dtype == vb.float32 and net.w.tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_shape_mismatch_changes_nothing(net, strict):
    before = net.state_dict()
    state = {k: np.full_like(v, 9.0) for k, v in before.items()}
    state["fc1.bias"] = np.zeros(5, dtype=np.float32)
    with pytest.raises(ValueError, match=r"fc1\.bias.*\[5\].*\[4\]"):
        net.load_state_dict(state, strict=strict)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


# --------------------------------------------------------------------------- dtype conversion


@pytest.mark.parametrize("dtype", [vb.float64, np.float64, "float64"], ids=["vb", "numpy", "str"])
def test_to_converts_parameters_in_place(net, dtype):
    params = net.parameters()
    before = {k: v.astype(np.float64) for k, v in net.state_dict().items()}
    assert net.to(dtype) is net
    assert all(p.dtype == vb.float64 for p in net.parameters())
    assert all(p.dtype == vb.float64 for p in params)  # the same tensors, converted
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    assert net(vb.ones(2, 3, dtype=vb.float64)).dtype == vb.float64
    assert net.float() is net and net.w.dtype == vb.float32
    assert net.double() is net and net.fc1.weight.dtype == vb.float64


def test_to_keeps_parameters_of_an_existing_optimizer(net):
    opt = vb.optim.SGD(net.parameters(), lr=0.1)
    net.to(vb.float64)
    before = {k: v.copy() for k, v in net.state_dict().items()}
    net(vb.ones(2, 3, dtype=vb.float64)).sum().backward()
    grads = {name: p.grad.numpy().copy() for name, p in net.named_parameters()}
    opt.step()
    for name, value in net.state_dict().items():
        assert value.dtype == np.float64
        np.testing.assert_allclose(value, before[name] - 0.1 * grads[name], rtol=1e-12)
    assert all(p.dtype == vb.float64 for p in opt.param_groups[0]["params"])


# --------------------------------------------------------------------------- Sequential


def test_sequential_container(mlp):
    assert len(mlp) == 3
    assert isinstance(mlp[0], vb.nn.Linear) and isinstance(mlp[1], vb.nn.Tanh)
    assert mlp[-1] is mlp[2]
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Linear"]
    with pytest.raises(IndexError):
        mlp[3]
    assert mlp.append(vb.nn.Sigmoid()) is mlp
    assert len(mlp) == 4 and [name for name, _ in mlp.named_children()] == ["0", "1", "2", "3"]
    with pytest.raises(TypeError):
        vb.nn.Sequential(vb.nn.ReLU(), "relu")


def test_sequential_forward(mlp):
    x = vb.randn(7, 3)
    w1, b1, w2, b2 = (p.numpy() for p in mlp.parameters())
    expected = np.tanh(x.numpy() @ w1.T + b1) @ w2.T + b2
    np.testing.assert_allclose(mlp(x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_python_module_inside_sequential_is_called_from_cpp(net):
    seq = vb.nn.Sequential(Scale(3.0), net, vb.nn.Sequential(Scale(-1.0)))
    x = vb.randn(2, 3)
    np.testing.assert_allclose(seq(x).numpy(), -net(x * 3.0).numpy(), rtol=1e-6)
    seq(x).sum().backward()
    assert net.w.grad is not None
    assert seq[0].factor == 3.0 and isinstance(seq[0], Scale)


def test_python_module_kept_alive_only_by_sequential():
    scale = Scale(5.0)
    ref = weakref.ref(scale)
    seq = vb.nn.Sequential(vb.nn.Identity())
    seq.append(scale)
    del scale
    gc.collect()
    assert ref() is not None  # the container keeps the Python object (and its __dict__) alive
    assert seq(vb.ones(2)).tolist() == [5.0, 5.0]
    assert seq[1] is ref() and seq[1].factor == 5.0
    del seq
    gc.collect()
    assert ref() is None  # and releases it with the container


def test_python_module_kept_alive_only_as_a_submodule():
    outer = vb.nn.Module()
    outer.inner = Scale(2.0)
    outer.seq = vb.nn.Sequential(Scale(4.0))
    gc.collect()
    assert outer.inner(vb.ones(1)).tolist() == [2.0]
    assert outer.seq(vb.ones(1)).tolist() == [4.0]


def test_repr_nests_like_pytorch(net):
    model = vb.nn.Sequential(vb.nn.Linear(2, 3), vb.nn.ReLU(), vb.nn.Sequential(net, vb.nn.Dropout(0.25)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Net(\n"
        "      (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "    )\n"
        "    (1): Dropout(p=0.25)\n"
        "  )\n"
        ")"
    )


def test_repr_uses_a_python_extra_repr():
    class Custom(Scale):
        def extra_repr(self):
            return f"factor={self.factor}"

    assert repr(Custom(1.5)) == "Custom(factor=1.5)"


# --------------------------------------------------------------------------- built-in layers


def test_linear_initialisation_bounds():
    vb.manual_seed(3)
    fan_in = 64
    layer = vb.nn.Linear(fan_in, 256)
    bound = 1.0 / np.sqrt(fan_in)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert p.min() >= -bound and p.max() <= bound
    w = layer.weight.numpy().ravel()
    # U(-b, b): mean 0, variance b^2 / 3; 16,384 draws put both within a few standard errors.
    assert abs(w.mean()) < 4 * bound / np.sqrt(3 * w.size)
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.05)
    assert np.histogram(w, bins=4, range=(-bound, bound))[0].min() > 0.9 * w.size / 4
    assert abs(layer.bias.numpy().mean()) < bound / 2


def test_linear_arguments():
    layer = vb.nn.Linear(4, 3, bias=False, dtype=vb.float64)
    assert (layer.in_features, layer.out_features, layer.bias) == (4, 3, None)
    assert layer.weight.dtype == vb.float64
    with pytest.raises(ValueError):
        layer(vb.ones(2, 5, dtype=vb.float64))


@pytest.mark.parametrize(
    ("layer", "reference"),
    [
        (vb.nn.ReLU(), lambda x: np.maximum(x, 0.0)),
        (vb.nn.Tanh(), np.tanh),
        (vb.nn.Sigmoid(), lambda x: 1.0 / (1.0 + np.exp(-x))),
        (vb.nn.Softplus(), lambda x: np.logaddexp(0.0, x)),
        (vb.nn.Identity(), lambda x: x),
    ],
    ids=["relu", "tanh", "sigmoid", "softplus", "identity"],
)
def test_activation_layers(layer, reference):
    x = vb.linspace(-5, 5, 21, dtype=vb.float64)
    np.testing.assert_allclose(layer(x).numpy(), reference(x.numpy()), rtol=1e-12, atol=1e-15)
    assert layer.parameters() == []


ACTIVATION_MODULES = {  # a module and the functional form it must equal
    "GELU": (lambda: vb.nn.GELU(), lambda x: vb.nn.functional.gelu(x)),
    "GELU-tanh": (lambda: vb.nn.GELU("tanh"), lambda x: vb.nn.functional.gelu(x, approximate="tanh")),
    "SiLU": (lambda: vb.nn.SiLU(), lambda x: vb.nn.functional.silu(x)),
    "ELU": (lambda: vb.nn.ELU(0.5), lambda x: vb.nn.functional.elu(x, 0.5)),
    "LeakyReLU": (lambda: vb.nn.LeakyReLU(), lambda x: vb.nn.functional.leaky_relu(x, 0.01)),
    "Hardtanh": (lambda: vb.nn.Hardtanh(-2.0, 3.0), lambda x: vb.nn.functional.hardtanh(x, -2.0, 3.0)),
    "Softsign": (lambda: vb.nn.Softsign(), lambda x: vb.nn.functional.softsign(x)),
    "Mish": (lambda: vb.nn.Mish(), lambda x: vb.nn.functional.mish(x)),
    "Softmax": (lambda: vb.nn.Softmax(0), lambda x: vb.softmax(x, 0)),
    "LogSoftmax": (lambda: vb.nn.LogSoftmax(-1), lambda x: vb.log_softmax(x, -1)),
}


@pytest.mark.parametrize(("make", "fn"), ACTIVATION_MODULES.values(), ids=ACTIVATION_MODULES.keys())
def test_activation_modules_match_their_functions(make, fn):
    layer = make()
    x = vb.linspace(-5, 5, 24, dtype=vb.float64).reshape(4, 6)
    np.testing.assert_array_equal(layer(x).numpy(), fn(x).numpy())
    assert layer.parameters() == []


TORCH_MODULES = {  # varbayes and torch modules built from the same arguments
    "GELU": ("GELU", ()),
    "GELU-tanh": ("GELU", ("tanh",)),
    "SiLU": ("SiLU", ()),
    "ELU": ("ELU", ()),
    "ELU-alpha": ("ELU", (0.5,)),
    "LeakyReLU": ("LeakyReLU", ()),
    "LeakyReLU-tiny": ("LeakyReLU", (1e-5,)),
    "Hardtanh": ("Hardtanh", ()),
    "Hardtanh-bounds": ("Hardtanh", (-2.0, 3.5)),
    "Softsign": ("Softsign", ()),
    "Mish": ("Mish", ()),
    "Softmax": ("Softmax", (1,)),
    "Softmax-implicit": ("Softmax", ()),
    "LogSoftmax": ("LogSoftmax", (-1,)),
    "PReLU": ("PReLU", ()),
    "PReLU-channels": ("PReLU", (3, 0.1)),
}


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
@pytest.mark.parametrize(("name", "args"), TORCH_MODULES.values(), ids=TORCH_MODULES.keys())
def test_activation_modules_match_torch(name, args):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(vb.nn, name)(*args), getattr(torch.nn, name)(*args).double()
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    xv, xt = vb.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = ours.double()
    yv, yt = ours(xv), theirs(xt)
    np.testing.assert_allclose(yv.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    yv.backward(vb.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xv.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)


def test_prelu_weight_is_a_parameter_trained_per_channel():
    layer = vb.nn.PReLU(3, init=0.1, dtype=vb.float64)
    assert layer.num_parameters == 3 and [n for n, _ in layer.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(layer.weight.numpy(), [0.1, 0.1, 0.1])
    x = vb.tensor([[-1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    layer(x).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [-5.0, -2.0, -6.0])  # sums of negative inputs
    with pytest.raises(ValueError, match=r"prelu.*\[2\].*3 channels"):
        vb.nn.functional.prelu(x, vb.ones(2))
    with pytest.raises(ValueError, match="num_parameters"):
        vb.nn.PReLU(0)


def test_activation_module_arguments_are_checked():
    with pytest.raises(ValueError, match="approximate"):
        vb.nn.GELU("fast")
    with pytest.raises(ValueError, match="approximate"):
        vb.nn.functional.gelu(vb.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="max_val"):
        vb.nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="hardtanh"):
        vb.nn.functional.hardtanh(vb.ones(2), 1.0, -1.0)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_train_and_eval(p):
    vb.manual_seed(0)
    layer = vb.nn.Dropout(p)
    assert layer.p == p and repr(layer) == f"Dropout(p={p})"
    x = vb.ones(200, 100)
    y = layer(x).numpy()
    kept = y != 0.0
    assert kept.mean() == pytest.approx(1.0 - p, abs=0.01)
    np.testing.assert_allclose(y[kept], 1.0 / (1.0 - p), rtol=1e-6)
    assert not np.array_equal(layer(x).numpy(), y)  # a fresh mask each call
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_dropout_gradient_uses_the_mask():
    layer = vb.nn.Dropout(0.5)
    x = vb.ones(1000, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError):
        vb.nn.Dropout(p)
