"""torch.nn parity of the everyday pieces: Parameter, containers, the Module API, losses, nn.init
and nn.utils, each checked against PyTorch itself (values, gradients, state_dict keys and shapes,
repr, error types)."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import varbayes as vb
import varbayes.nn.functional as F
from varbayes import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def copy_weights(src, dst):
    """Copies a varbayes model's state into a PyTorch model of the same architecture."""
    dst.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in src.state_dict().items()})
    return dst


def shapes(state):
    return {k: tuple(v.shape) for k, v in state.items()}


# --------------------------------------------------------------------------- Parameter


def test_parameter_is_a_class_recognising_module_parameters():
    lin = nn.Linear(3, 2)
    assert issubclass(nn.Parameter, vb.Tensor)
    assert all(isinstance(p, nn.Parameter) for p in lin.parameters())
    assert not isinstance(vb.randn(3), nn.Parameter)
    assert not isinstance(3.0, nn.Parameter)


def test_parameter_constructor_as_torch():
    data = vb.randn(4)
    p = nn.Parameter(data)
    q = nn.Parameter(data, requires_grad=False)
    assert isinstance(p, nn.Parameter) and isinstance(p, vb.Tensor)
    assert p.requires_grad and p.is_leaf and not q.requires_grad
    with vb.no_grad():
        p.fill_(2.0)  # an alias of data, as torch.nn.Parameter(data)
    np.testing.assert_array_equal(data.numpy(), [2.0] * 4)
    assert tuple(nn.Parameter().shape) == tuple(torch.nn.Parameter().shape) == (0,)


# --------------------------------------------------------------------------- containers


class VbBlocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.heads = nn.ModuleDict({"mean": nn.Linear(4, 1), "logvar": nn.Linear(4, 1)})
        self.scales = nn.ParameterList([nn.Parameter(vb.ones(4)), vb.zeros(1)])
        self.register_buffer("count", vb.zeros(1))
        self.flat = nn.Flatten()

    def forward(self, x):
        x = self.flat(x)
        for layer in self.layers:
            x = vb.tanh(layer(x)) * self.scales[0]
        return self.heads["mean"](x) + self.heads["logvar"](x) + self.scales[1]


class TorchBlocks(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(4, 4) for _ in range(2)])
        self.heads = torch.nn.ModuleDict({"mean": torch.nn.Linear(4, 1), "logvar": torch.nn.Linear(4, 1)})
        self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(4)), torch.zeros(1)])
        self.register_buffer("count", torch.zeros(1))
        self.flat = torch.nn.Flatten()

    def forward(self, x):
        x = self.flat(x)
        for layer in self.layers:
            x = torch.tanh(layer(x)) * self.scales[0]
        return self.heads["mean"](x) + self.heads["logvar"](x) + self.scales[1]


@pytest.fixture
def blocks():
    vb.manual_seed(3)
    return VbBlocks(), TorchBlocks().double()


def test_container_names_and_shapes_match_torch(blocks):
    model, ref = blocks
    assert list(model.state_dict()) == list(ref.state_dict())
    assert shapes(model.state_dict()) == shapes(ref.state_dict())
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in model.named_modules()] == [n for n, _ in ref.named_modules()]
    assert [n for n, _ in model.named_buffers()] == [n for n, _ in ref.named_buffers()]


def test_container_forward_and_gradients_match_torch(blocks):
    model, ref = blocks
    model.double()
    copy_weights(model, ref)
    x = np.random.default_rng(0).standard_normal((5, 2, 2))
    y = model(vb.tensor(x))
    y_ref = ref(torch.from_numpy(x))
    np.testing.assert_allclose(y.numpy(), y_ref.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    y_ref.sum().backward()
    grads = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_containers_train_with_an_optimizer(blocks):
    model, _ = blocks
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    opt = vb.optim.SGD(model.parameters(), lr=0.1)
    model(vb.randn(5, 2, 2)).pow(2).sum().backward()
    opt.step()
    after = model.state_dict()
    changed = [k for k in before if not np.array_equal(before[k], after[k])]
    assert sorted(changed) == sorted(n for n, _ in model.named_parameters())


def test_container_checkpoint_round_trip(blocks, tmp_path):
    model, _ = blocks
    vb.save(model.layers, tmp_path / "layers.vb")  # containers of built-in layers load as they are
    vb.save(model.scales, tmp_path / "scales.vb")
    for name, original in (("layers", model.layers), ("scales", model.scales)):
        loaded = vb.load(tmp_path / f"{name}.vb")
        assert type(loaded) is type(original) and repr(loaded) == repr(original)
        state, expected = loaded.state_dict(), original.state_dict()
        assert list(state) == list(expected)
        for k in state:
            np.testing.assert_array_equal(state[k], expected[k])
    heads = nn.ModuleDict({"a": nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 2))), "b": nn.Linear(2, 3)})
    vb.save(heads, tmp_path / "heads.vb")
    loaded = vb.load(tmp_path / "heads.vb")
    assert repr(loaded) == repr(heads) and list(loaded.keys()) == ["a", "b"]


def test_module_list_operations_match_a_python_list():
    mods = [nn.Linear(1, i + 1) for i in range(5)]
    tmods = [torch.nn.Linear(1, i + 1) for i in range(5)]
    ml, tl = nn.ModuleList(mods[:2]), torch.nn.ModuleList(tmods[:2])
    ml.append(mods[2]).extend(mods[3:4])
    tl.append(tmods[2]).extend(tmods[3:4])
    ml.insert(1, mods[4])
    tl.insert(1, tmods[4])
    assert len(ml) == len(tl) == 5
    assert [m.out_features for m in ml] == [m.out_features for m in tl] == [1, 5, 2, 3, 4]
    assert ml[-1] is mods[3] and ml[1] is mods[4]
    assert [m.out_features for m in ml[1:4]] == [m.out_features for m in tl[1:4]]
    assert isinstance(ml[1:4], nn.ModuleList)
    del ml[0]
    del tl[0]
    assert [n for n, _ in ml.named_children()] == [n for n, _ in tl.named_children()] == ["0", "1", "2", "3"]
    assert list(ml.state_dict()) == list(tl.state_dict())
    with pytest.raises(IndexError):
        ml[4]
    with pytest.raises(IndexError):
        tl[4]
    with pytest.raises(TypeError):
        ml.extend(nn.Linear(1, 1))


def test_module_list_repr_groups_repeats_as_torch():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3)])
    tl = torch.nn.ModuleList(
        [torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 3)]
    )
    assert repr(ml) == repr(tl)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_module_dict_operations():
    md = nn.ModuleDict([("a", nn.ReLU()), ("b", nn.Tanh())])
    md["c"] = nn.Linear(2, 2)
    md.update({"a": nn.Sigmoid()})
    assert list(md) == list(md.keys()) == ["a", "b", "c"]
    assert isinstance(md["a"], nn.Sigmoid) and "c" in md and "z" not in md
    assert md.pop("b").__class__ is nn.Tanh and len(md) == 2
    assert [k for k, _ in md.items()] == ["a", "c"] and len(md.values()) == 2
    with pytest.raises(KeyError):
        md["zz"]
    with pytest.raises(ValueError):
        md.update([("x", nn.ReLU(), 3)])
    md.clear()
    assert len(md) == 0 and md.state_dict() == {}


def test_parameter_list_repr_and_wrapping():
    pl = nn.ParameterList([vb.zeros(3, 4), nn.Parameter(vb.ones(2), requires_grad=False)])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    assert pl[0].requires_grad and not pl[1].requires_grad
    tpl = torch.nn.ParameterList([torch.zeros(3, 4), torch.nn.Parameter(torch.ones(2), requires_grad=False)])
    assert repr(pl) == repr(tpl).replace("torch.", "varbayes.")
    assert list(pl.state_dict()) == list(tpl.state_dict()) == ["0", "1"]


def test_parameter_dict_as_torch(tmp_path):
    pd = nn.ParameterDict({"a": vb.zeros(3, 4), "b": nn.Parameter(vb.ones(2), requires_grad=False)})
    tpd = torch.nn.ParameterDict(
        {"a": torch.zeros(3, 4), "b": torch.nn.Parameter(torch.ones(2), requires_grad=False)}
    )
    assert repr(pd) == repr(tpd).replace("torch.", "varbayes.")
    assert list(pd) == list(tpd) and list(pd.state_dict()) == list(tpd.state_dict())
    assert isinstance(pd["a"], nn.Parameter) and pd["a"].requires_grad and not pd["b"].requires_grad
    pd.update([("c", vb.full((1,), 5.0))])
    assert "c" in pd and len(pd) == 3 and [tuple(v.shape) for v in pd.values()] == [(3, 4), (2,), (1,)]
    vb.save(pd, tmp_path / "pd.vb")
    loaded = vb.load(tmp_path / "pd.vb")
    assert repr(loaded) == repr(pd) and not loaded["b"].requires_grad
    np.testing.assert_array_equal(loaded["c"].numpy(), [5.0])
    assert pd.pop("a").shape == (3, 4) and list(pd) == ["b", "c"]
    with pytest.raises(KeyError):
        del pd["a"]
    with pytest.raises(TypeError):
        pd["x"] = 3.0
    assert repr(nn.ParameterDict()) == repr(torch.nn.ParameterDict())


@pytest.mark.parametrize(
    ("args", "shape"), [((), (2, 3, 4)), ((0,), (2, 3, 4)), ((1, 2), (2, 3, 4, 5)), ((0, -2), (2, 3, 4))]
)
def test_flatten_matches_torch(args, shape):
    x = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    out, ref = nn.Flatten(*args)(vb.tensor(x)), torch.nn.Flatten(*args)(torch.from_numpy(x))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert repr(nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))


@pytest.mark.parametrize(("dim", "size"), [(1, (2, 6)), (-1, (3, -1)), (0, [4])])
def test_unflatten_matches_torch(dim, size):
    x = np.arange(48, dtype=np.float32).reshape(4, 12)
    out, ref = nn.Unflatten(dim, size)(vb.tensor(x)), torch.nn.Unflatten(dim, size)(torch.from_numpy(x))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert repr(nn.Unflatten(dim, size)) == repr(torch.nn.Unflatten(dim, size))
    with pytest.raises(TypeError):
        nn.Unflatten(1, 6)


def test_identity_accepts_and_ignores_arguments():
    layer = nn.Identity(54, unused_argument1=0.1)
    x = vb.randn(2, 3)
    assert layer(x) is x or np.array_equal(layer(x).numpy(), x.numpy())
    assert repr(layer) == repr(torch.nn.Identity(54, unused_argument1=0.1))


# --------------------------------------------------------------------------- Module API


def test_nested_repr_matches_torch():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 4, bias=False), nn.Tanh()))
    ref = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Linear(4, 4, bias=False), torch.nn.Tanh()),
    )
    assert repr(model) == repr(ref)


def test_multi_line_extra_repr_is_indented_as_torch():
    class Note(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "first\nsecond"

    class TNote(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(1, 1)

        def extra_repr(self):
            return "first\nsecond"

    assert repr(Note()) == repr(TNote()).replace("TNote", "Note")


def test_apply_visits_children_first_and_returns_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh(), nn.Linear(2, 1)))
    ref = torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(2, 1))
    )
    seen, tseen = [], []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    ref.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)

    model.apply(init)
    assert np.all(model[0].weight.numpy() == 0.5) and np.all(model[1][1].weight.numpy() == 0.5)


def test_requires_grad_and_get_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Tanh(), nn.Linear(2, 1)))
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())
    assert model.get_submodule("1.1") is model[1][1] and model.get_submodule("") is model
    ref = torch.nn.Sequential(torch.nn.Linear(2, 2))
    for m in (model, ref):
        with pytest.raises(AttributeError, match="has no attribute `x`"):
            m.get_submodule("0.x")


def test_buffers_persistent_flag_and_state_dict_order_match_torch():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(vb.zeros(2))
            self.register_buffer("running", vb.zeros(2))
            self.register_buffer("scratch", vb.zeros(3), persistent=False)
            self.register_buffer("empty", None)
            self.fc = nn.Linear(2, 2)

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2))
            self.register_buffer("running", torch.zeros(2))
            self.register_buffer("scratch", torch.zeros(3), persistent=False)
            self.register_buffer("empty", None)
            self.fc = torch.nn.Linear(2, 2)

    net, ref = Net(), TNet()
    assert list(net.state_dict()) == list(ref.state_dict()) == ["w", "running", "fc.weight", "fc.bias"]
    assert (
        [n for n, _ in net.named_buffers()] == [n for n, _ in ref.named_buffers()] == ["running", "scratch"]
    )
    assert net.empty is None
    net.scratch = vb.ones(3)  # reassigning keeps the buffer non-persistent, as in PyTorch
    ref.scratch = torch.ones(3)
    assert list(net.state_dict()) == list(ref.state_dict())
    assert np.array_equal(dict(net.named_buffers())["scratch"].numpy(), np.ones(3))
    result = net.load_state_dict(net.state_dict())
    assert repr(result) == repr(ref.load_state_dict(ref.state_dict())) == "<All keys matched successfully>"
    state = net.state_dict()
    del state["running"]
    state["extra"] = np.zeros(1)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["running"] and result.unexpected_keys == ["extra"]
    assert result == (["running"], ["extra"])


def _hook_trace(lib):
    """Pre-hooks and hooks on a layer inside a Sequential, in varbayes (lib=vb) or torch: the
    calls seen, the output, and the output once the handles are removed."""
    layers = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())
    with lib.no_grad():
        layers[0].weight.copy_(lib.tensor([[1.0, -1.0], [0.5, 2.0]]))
        layers[0].bias.copy_(lib.tensor([0.1, -0.2]))
    seen = []

    def pre(module, args):
        seen.append(("pre", type(module).__name__, len(args)))
        return args[0] * 2.0  # a single value replaces the arguments

    def post(module, args, output):
        seen.append(("post", type(module).__name__, tuple(output.shape)))
        return output + 1.0

    handles = [layers[0].register_forward_pre_hook(pre), layers[0].register_forward_hook(post)]
    x = lib.tensor([[1.0, 2.0], [-1.0, 0.5]])
    hooked = layers(x).detach().numpy().copy()
    for h in handles:
        h.remove()
    with layers[1].register_forward_hook(lambda m, a, out: out * 0.0):
        zeroed = layers(x).detach().numpy().copy()
    return seen, hooked, zeroed, layers(x).detach().numpy()


def test_forward_hooks_fire_inside_containers_as_torch():
    seen, hooked, zeroed, plain = _hook_trace(vb)
    tseen, thooked, tzeroed, tplain = _hook_trace(torch)
    assert seen == tseen == [("pre", "Linear", 1), ("post", "Linear", (2, 2))]
    np.testing.assert_allclose(hooked, thooked, rtol=1e-6)
    np.testing.assert_array_equal(zeroed, np.zeros((2, 2)))
    np.testing.assert_array_equal(tzeroed, np.zeros((2, 2)))
    np.testing.assert_allclose(plain, tplain, rtol=1e-6)
    assert not np.allclose(hooked, plain)


def test_forward_hooks_on_a_python_module_with_keyword_arguments():
    class Pair(nn.Module):
        def forward(self, a, b, *, scale=1.0):
            return (a - b) * scale

    pair = Pair()
    calls = []
    pair.register_forward_pre_hook(lambda m, args: calls.append(len(args)))
    handle = pair.register_forward_hook(lambda m, args, out: out.sum())
    out = pair(vb.ones(3), vb.zeros(3), scale=2.0)
    assert calls == [2] and out.item() == 6.0
    handle.remove()
    handle.remove()  # removing twice is harmless, as in PyTorch
    assert tuple(pair(vb.ones(3), vb.zeros(3)).shape) == (3,)
    with pytest.raises(TypeError):
        pair.register_forward_hook(3)


def test_zero_grad_and_train_eval_return_self_as_torch():
    model = nn.Sequential(nn.Linear(2, 1))
    model(vb.randn(3, 2)).sum().backward()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.eval() is model and not model[0].training
    assert model.train() is model and model[0].training


# --------------------------------------------------------------------------- losses


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def _probs(rng, *shape):
    return rng.uniform(0.05, 0.95, shape)


# (id, loss name, input shapes/arrays builder, kwargs): builders return (inputs that get gradients,
# other arguments). Targets that are class indices are int64 arrays.
LOSS_CASES = [
    ("mse", "mse_loss", lambda r: ([r.standard_normal((4, 3)), r.standard_normal((4, 3))], []), {}),
    ("l1", "l1_loss", lambda r: ([r.standard_normal((4, 3)), r.standard_normal((4, 3))], []), {}),
    (
        "smooth_l1",
        "smooth_l1_loss",
        lambda r: ([2 * r.standard_normal((6, 3)), r.standard_normal((6, 3))], []),
        {"beta": 0.7},
    ),
    (
        "smooth_l1_beta0",
        "smooth_l1_loss",
        lambda r: ([r.standard_normal((5,)), r.standard_normal((5,))], []),
        {"beta": 0.0},
    ),
    (
        "huber",
        "huber_loss",
        lambda r: ([2 * r.standard_normal((6, 3)), r.standard_normal((6, 3))], []),
        {"delta": 1.3},
    ),
    ("bce", "binary_cross_entropy", lambda r: ([_probs(r, 5, 2), r.uniform(0, 1, (5, 2))], []), {}),
    (
        "bce_weight",
        "binary_cross_entropy",
        lambda r: ([_probs(r, 5, 2), r.uniform(0, 1, (5, 2))], []),
        {"weight": "w2"},
    ),
    (
        "bce_logits",
        "binary_cross_entropy_with_logits",
        lambda r: ([3 * r.standard_normal((5, 3)), r.uniform(0, 1, (5, 3))], []),
        {},
    ),
    (
        "bce_logits_pos",
        "binary_cross_entropy_with_logits",
        lambda r: ([3 * r.standard_normal((5, 3)), r.uniform(0, 1, (5, 3))], []),
        {"pos_weight": "w3", "weight": "w3"},
    ),
    ("kl", "kl_div", lambda r: ([np.log(_probs(r, 4, 3)), _probs(r, 4, 3)], []), {}),
    # A zero target adds 0; its gradient is NaN in PyTorch, so that target stays constant.
    (
        "kl_zero_target",
        "kl_div",
        lambda r: ([np.log(_probs(r, 2, 3))], [np.array([[0.2, 0.8, 0.0], [0.0, 0.5, 0.5]])]),
        {},
    ),
    (
        "kl_log_target",
        "kl_div",
        lambda r: ([np.log(_probs(r, 4, 3)), np.log(_probs(r, 4, 3))], []),
        {"log_target": True},
    ),
    (
        "poisson",
        "poisson_nll_loss",
        lambda r: ([r.standard_normal((4, 3)), r.poisson(2.0, (4, 3)) * 1.0], []),
        {},
    ),
    (
        "poisson_full",
        "poisson_nll_loss",
        # The target stays constant: PyTorch's target gradient is NaN where the target is 0.
        lambda r: ([r.uniform(0.5, 3, (4, 3))], [r.poisson(2.0, (4, 3)) * 1.0]),
        {"log_input": False, "full": True},
    ),
    (
        "gaussian_nll",
        "gaussian_nll_loss",
        lambda r: ([r.standard_normal((4, 2)), r.standard_normal((4, 2)), r.uniform(0.5, 2, (4, 2))], []),
        {"full": True},
    ),
    ("ce", "cross_entropy", lambda r: ([r.standard_normal((5, 4))], [np.array([0, 3, 1, 3, 2])]), {}),
    (
        "ce_weight_ignore",
        "cross_entropy",
        lambda r: ([r.standard_normal((5, 4))], [np.array([0, 3, -100, 3, 2])]),
        {"weight": "w4"},
    ),
    (
        "ce_smoothing",
        "cross_entropy",
        lambda r: ([r.standard_normal((5, 4))], [np.array([0, 3, 1, 1, 2])]),
        {"label_smoothing": 0.2, "weight": "w4", "ignore_index": 1},
    ),
    (
        "ce_spatial",
        "cross_entropy",
        lambda r: ([r.standard_normal((2, 3, 4))], [r.integers(0, 3, (2, 4))]),
        {"label_smoothing": 0.1},
    ),
    ("ce_unbatched", "cross_entropy", lambda r: ([r.standard_normal((4,))], [np.array(2)]), {}),
    (
        "ce_probs",
        "cross_entropy",
        lambda r: ([r.standard_normal((3, 4)), _probs(r, 3, 4)], []),
        {"label_smoothing": 0.1},
    ),
    (
        "nll",
        "nll_loss",
        lambda r: ([np.log(_probs(r, 5, 3))], [np.array([2, 0, 1, 1, 0])]),
        {"weight": "w3", "ignore_index": 0},
    ),
]
WEIGHTS = {"w2": np.array([0.5, 2.0]), "w3": np.array([1.0, 0.2, 3.0]), "w4": np.array([1.0, 0.5, 2.0, 0.1])}


def _call_loss(lib, name, grads_in, others, kwargs, reduction, dtype):
    """The loss in varbayes (lib=None) or torch, with its inputs; returns (loss, leaves)."""
    if lib is None:
        leaves = [vb.tensor(a, dtype=dtype, requires_grad=True) for a in grads_in]
        kw = {k: vb.tensor(WEIGHTS[v], dtype=dtype) if v in WEIGHTS else v for k, v in kwargs.items()}
        return getattr(F, name)(*leaves, *others, reduction=reduction, **kw), leaves
    tdtype = torch.float64 if dtype == vb.float64 else torch.float32
    leaves = [torch.tensor(a, dtype=tdtype, requires_grad=True) for a in grads_in]
    kw = {k: torch.tensor(WEIGHTS[v], dtype=tdtype) if v in WEIGHTS else v for k, v in kwargs.items()}
    return getattr(TF, name)(
        *leaves, *[torch.from_numpy(o) for o in others], reduction=reduction, **kw
    ), leaves


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # kl_div's, in PyTorch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("dtype", "tol"), [(vb.float64, 1e-10), (vb.float32, 1e-5)], ids=["f64", "f32"])
@pytest.mark.parametrize(("id", "name", "build", "kwargs"), LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss_values_and_gradients_match_torch(id, name, build, kwargs, reduction, dtype, tol):
    rng = _rng(id)
    grads_in, others = build(rng)
    loss, leaves = _call_loss(None, name, grads_in, others, kwargs, reduction, dtype)
    ref, tleaves = _call_loss(torch, name, grads_in, others, kwargs, reduction, dtype)
    assert loss.dtype == dtype and tuple(loss.shape) == tuple(ref.shape)
    np.testing.assert_allclose(loss.numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    upstream = _rng(id + "g").standard_normal(tuple(ref.shape))
    (loss * vb.tensor(upstream, dtype=dtype)).sum().backward()
    (ref * torch.tensor(upstream, dtype=ref.dtype)).sum().backward()
    for leaf, tleaf in zip(leaves, tleaves, strict=True):
        np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=10 * tol, atol=10 * tol)


def test_kl_div_batchmean_and_legacy_flags():
    r = _rng("kl_bm")
    x, t = np.log(_probs(r, 4, 3)), _probs(r, 4, 3)
    out = F.kl_div(vb.tensor(x), vb.tensor(t), reduction="batchmean")
    ref = TF.kl_div(torch.from_numpy(x), torch.from_numpy(t), reduction="batchmean")
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        with pytest.warns(UserWarning):
            ref = TF.mse_loss(torch.from_numpy(x), torch.from_numpy(t), size_average, reduce)
        out = F.mse_loss(vb.tensor(x), vb.tensor(t), size_average, reduce)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


LOSS_MODULES = [
    ("MSELoss", {}, "mse_loss"),
    ("L1Loss", {"reduction": "sum"}, "l1_loss"),
    ("SmoothL1Loss", {"beta": 0.5}, "smooth_l1_loss"),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}, "huber_loss"),
    ("BCEWithLogitsLoss", {"pos_weight": "w3"}, "bce"),
    ("BCELoss", {"weight": "w3"}, "probs"),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "mse_loss"),
    ("PoissonNLLLoss", {"log_input": True, "full": True}, "poisson"),
    ("CrossEntropyLoss", {"weight": "w3", "label_smoothing": 0.1}, "classes"),
    ("NLLLoss", {"ignore_index": 1}, "classes"),
]


@pytest.mark.parametrize(("cls", "kwargs", "data"), LOSS_MODULES, ids=[m[0] for m in LOSS_MODULES])
def test_loss_modules_match_torch(cls, kwargs, data):
    r = _rng(cls)
    x = r.standard_normal((4, 3))
    target = {
        "classes": np.array([0, 2, 1, 1]),
        "poisson": r.poisson(2.0, (4, 3)) * 1.0,
        "probs": r.uniform(0, 1, (4, 3)),
        "bce": r.uniform(0, 1, (4, 3)),
    }.get(data, r.standard_normal((4, 3)))
    if data == "probs":
        x = _probs(r, 4, 3)
    module = getattr(nn, cls)(
        **{k: vb.tensor(WEIGHTS[v], dtype=vb.float64) if v in WEIGHTS else v for k, v in kwargs.items()}
    )
    ref = getattr(torch.nn, cls)(
        **{k: torch.from_numpy(WEIGHTS[v]) if v in WEIGHTS else v for k, v in kwargs.items()}
    )
    out = module(vb.tensor(x), target if data == "classes" else vb.tensor(target))
    expected = ref(torch.from_numpy(x), torch.from_numpy(target))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(module) == repr(ref)
    assert list(module.state_dict()) == list(ref.state_dict())


def test_gaussian_nll_loss_module_matches_torch():
    r = _rng("gnll")
    x, y, v = r.standard_normal((3, 2)), r.standard_normal((3, 2)), r.uniform(0.5, 2, (3, 1))
    out = nn.GaussianNLLLoss(full=True, eps=1e-3)(vb.tensor(x), vb.tensor(y), vb.tensor(v))
    ref = torch.nn.GaussianNLLLoss(full=True, eps=1e-3)(*map(torch.from_numpy, (x, y, v)))
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)


def test_gaussian_nll_loss_variance_per_row_as_torch():
    # (2, 2) input and (2,) var: one variance per row in PyTorch, not NumPy's per-column broadcast.
    x, y, v = np.array([[0.0, 1.0], [2.0, 0.5]]), np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([0.5, 4.0])
    out = F.gaussian_nll_loss(vb.tensor(x), vb.tensor(y), vb.tensor(v), reduction="none")
    ref = TF.gaussian_nll_loss(*map(torch.from_numpy, (x, y, v)), reduction="none")
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


def test_class_targets_accept_lists_numpy_and_integral_tensors():
    x = vb.randn(3, 4)
    expected = F.cross_entropy(x, np.array([1, 0, 3])).item()
    for target in ([1, 0, 3], np.array([1, 0, 3], dtype=np.int32), vb.tensor([1.0, 0.0, 3.0])):
        assert F.cross_entropy(x, target).item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="integers"):
        F.cross_entropy(x, vb.tensor([1.5, 0.0, 3.0]))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, np.array(["a", "b", "c"]))


def test_bce_with_logits_is_stable_for_large_logits():
    x = vb.tensor([-200.0, -50.0, 50.0, 200.0], dtype=vb.float64, requires_grad=True)
    t = vb.tensor([1.0, 0.0, 1.0, 0.0], dtype=vb.float64)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    ref = TF.binary_cross_entropy_with_logits(
        torch.tensor([-200.0, -50.0, 50.0, 200.0], dtype=torch.float64),
        torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64),
        reduction="none",
    )
    np.testing.assert_allclose(loss.numpy(), ref.numpy(), rtol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: F.mse_loss(vb.randn(3), vb.randn(4)), ValueError),
        (lambda: F.l1_loss(vb.randn(3), vb.randn(3), reduction="avg"), ValueError),
        (lambda: F.cross_entropy(vb.randn(3, 4), [0, 1]), ValueError),
        (lambda: F.cross_entropy(vb.randn(3, 4), [0, 1, 4]), IndexError),
        (lambda: F.nll_loss(vb.randn(3, 4), [0, 1, -1]), IndexError),
        (lambda: F.cross_entropy(vb.randn(3, 4), [0, 1, 2], label_smoothing=1.5), ValueError),
        (lambda: F.binary_cross_entropy(vb.tensor([0.5, 1.5]), vb.tensor([0.0, 1.0])), RuntimeError),
        (lambda: F.smooth_l1_loss(vb.randn(3), vb.randn(3), beta=-1.0), ValueError),
    ],
    ids=["shape", "reduction", "batch", "class_range", "negative_class", "smoothing", "bce_range", "beta"],
)
def test_loss_errors(call, error):
    with pytest.raises(error):
        call()


# --------------------------------------------------------------------------- nn.init


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3, 3), (7, 1)])
def test_fans_and_gains_match_torch(shape):
    assert nn.init._calculate_fan_in_and_fan_out(
        vb.zeros(*shape)
    ) == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    for nl in ["linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert nn.init.calculate_gain(nl) == pytest.approx(torch.nn.init.calculate_gain(nl), rel=1e-12)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2)
    )
    for bad in (lambda m: m.calculate_gain("swish"), lambda m: m._calculate_fan_in_and_fan_out(vb.zeros(3))):
        with pytest.raises(ValueError):
            bad(nn.init)


N = 200_000  # draws: the sample mean of a unit-variance draw is within 5/sqrt(N) ~ 0.011 of its mean


def _moments_match(t, mean, std, lo=-np.inf, hi=np.inf):
    x = t.numpy().astype(np.float64).ravel()
    assert x.min() >= lo and x.max() <= hi
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(x.size)
    assert abs(x.std() - std) < 0.01 * std


def test_random_fills_have_the_right_moments_and_bounds():
    g = vb.Generator(7)
    _moments_match(nn.init.uniform_(vb.empty(N), -1.0, 3.0, generator=g), 1.0, 4 / math.sqrt(12), -1.0, 3.0)
    _moments_match(nn.init.normal_(vb.empty(N), 2.0, 0.5, generator=g), 2.0, 0.5)
    w = vb.empty(400, 500)
    bound = math.sqrt(6 / 900)
    _moments_match(nn.init.xavier_uniform_(w, generator=g), 0.0, bound / math.sqrt(3), -bound, bound)
    _moments_match(nn.init.xavier_normal_(w, gain=2.0, generator=g), 0.0, 2.0 * math.sqrt(2 / 900))
    gain = math.sqrt(2.0 / (1 + 0.1**2))
    std = gain / math.sqrt(400)  # fan_out of a (400, 500) weight
    _moments_match(
        nn.init.kaiming_uniform_(w, a=0.1, mode="fan_out", generator=g),
        0.0,
        std,
        -math.sqrt(3) * std,
        math.sqrt(3) * std,
    )
    _moments_match(nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g), 0.0, math.sqrt(2 / 500))
    with pytest.raises(ValueError, match="fan_avg"):
        nn.init.kaiming_normal_(w, mode="fan_avg")


def test_trunc_normal_matches_scipy_truncated_moments():
    from scipy import stats

    t = nn.init.trunc_normal_(vb.empty(N), mean=1.0, std=2.0, a=0.0, b=3.0, generator=vb.Generator(1))
    ref = stats.truncnorm((0.0 - 1.0) / 2.0, (3.0 - 1.0) / 2.0, loc=1.0, scale=2.0)
    _moments_match(t, ref.mean(), ref.std(), 0.0, 3.0)


@pytest.mark.parametrize("shape", [(6, 4), (3, 8), (4, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    w = nn.init.orthogonal_(vb.empty(*shape, dtype=vb.float64), gain=1.5, generator=vb.Generator(2))
    m = w.numpy().reshape(shape[0], -1) / 1.5
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-12)


def test_deterministic_fills_and_generator_reproducibility():
    p = nn.Linear(3, 4).weight
    assert nn.init.constant_(p, 0.3) is p and np.allclose(p.numpy(), 0.3)
    assert np.all(nn.init.zeros_(p).numpy() == 0) and np.all(nn.init.ones_(p).numpy() == 1)
    np.testing.assert_array_equal(nn.init.eye_(p).numpy(), torch.nn.init.eye_(torch.empty(4, 3)).numpy())
    assert p.requires_grad and p.grad is None
    a = nn.init.normal_(vb.empty(10), generator=vb.Generator(5)).numpy()
    b = nn.init.normal_(vb.empty(10), generator=vb.Generator(5)).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        nn.init.eye_(vb.empty(2, 2, 2))


# --------------------------------------------------------------------------- nn.utils


def test_parameters_to_vector_round_trip_matches_torch():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    ref = copy_weights(model, torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1)))
    vec = nn.utils.parameters_to_vector(model.parameters())
    np.testing.assert_array_equal(
        vec.numpy(), torch.nn.utils.parameters_to_vector(ref.parameters()).detach().numpy()
    )
    nn.utils.vector_to_parameters(vec * 2.0, model.parameters())
    np.testing.assert_allclose(model[0].weight.numpy(), 2 * ref[0].weight.detach().numpy())
    with pytest.raises(ValueError):
        nn.utils.vector_to_parameters(vb.zeros(3), model.parameters())
    with pytest.raises(TypeError):
        nn.utils.vector_to_parameters([1.0], model.parameters())


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_clip_grad_norm_orders_match_torch(norm_type):
    grads = [np.array([3.0, -4.0]), np.array([[1.0, 2.0], [-7.0, 0.5]])]
    params = [vb.tensor(g, dtype=vb.float64, requires_grad=True) for g in grads]
    ref = [torch.tensor(g, requires_grad=True) for g in grads]
    for p, t, g in zip(params, ref, grads, strict=True):
        (p * vb.tensor(g, dtype=vb.float64)).sum().backward()
        t.grad = torch.from_numpy(g.copy())
    norm = nn.utils.clip_grad_norm_(params, max_norm=2.0, norm_type=norm_type)
    ref_norm = torch.nn.utils.clip_grad_norm_(ref, max_norm=2.0, norm_type=norm_type)
    assert norm == pytest.approx(ref_norm.item(), rel=1e-12)
    for p, t in zip(params, ref, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_error_if_nonfinite():
    p = vb.tensor([1.0, 2.0], requires_grad=True)
    (p * vb.tensor([math.inf, 1.0])).sum().backward()
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
