"""Integer and bool tensors against PyTorch: dtypes, inference, casts, promotion, integer ops.

Every case runs the same expression on varbayes and on torch (``fn(L, ...)`` with ``L`` the
module) and compares the result's dtype and values; where torch refuses an op on a dtype,
varbayes must raise too (TypeError for an unsupported dtype, RuntimeError where torch names a
value problem such as integer division by zero).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import varbayes as vb

torch = pytest.importorskip("torch")

NAMES = ["float32", "float64", "int32", "int64", "bool"]
VALUES = {  # small values with negatives, zeros and halves, so casts and signs matter
    "float32": [[-2.5, -1.0, 0.0], [0.5, 1.7, 3.0]],
    "float64": [[-2.5, -1.0, 0.0], [0.5, 1.7, 3.0]],
    "int32": [[-7, -1, 0], [2, 3, 9]],
    "int64": [[-7, -1, 0], [2, 3, 9]],
    "bool": [[True, False, True], [False, False, True]],
}


def make(lib: Any, name: str, zero_dim: bool = False) -> Any:
    """A (2, 3) tensor (or a 0-d one) of dtype `name` in lib (vb or torch)."""
    data = VALUES[name][1][1] if zero_dim else VALUES[name]
    return lib.tensor(data, dtype=getattr(lib, name))


def dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


def outcome(fn: Callable[[Any], Any], lib: Any) -> tuple[str, Any]:
    """("ok", (dtype name, values)) or ("error", exception type) of fn(lib)."""
    try:
        r = fn(lib)
    except (TypeError, RuntimeError, NotImplementedError, ValueError) as exc:
        return "error", type(exc)
    if isinstance(r, bool | int | float):
        return "ok", (type(r).__name__, r)
    values = r.detach().numpy() if lib is torch else r.numpy()
    return "ok", (dtype_name(r), np.asarray(values))


def assert_same(fn: Callable[[Any], Any]) -> None:
    """fn gives the same dtype and values (NaN-aware) in varbayes and torch, or both raise."""
    ours, ref = outcome(fn, vb), outcome(fn, torch)
    if ref[0] == "error":
        assert ours[0] == "error", f"torch raises {ref[1].__name__}, varbayes gives {ours[1]}"
        assert ours[1] in (TypeError, RuntimeError), f"varbayes raised {ours[1].__name__}"
        return
    assert ours[0] == "ok", f"varbayes raises {ours[1].__name__}, torch gives {ref[1][0]}"
    assert ours[1][0] == ref[1][0], f"dtype {ours[1][0]}, torch {ref[1][0]}"
    np.testing.assert_allclose(np.asarray(ours[1][1], float), np.asarray(ref[1][1], float), rtol=1e-6)


# ------------------------------------------------------------------------------------ dtypes


@pytest.mark.parametrize("name", NAMES)
def test_dtype_objects_match_torch(name: str) -> None:
    d, ref = getattr(vb, name), getattr(torch, name)
    assert repr(d) == str(d) == f"varbayes.{name}"
    assert d.itemsize == ref.itemsize
    assert d.is_floating_point == ref.is_floating_point


def test_torch_aliases() -> None:
    assert (vb.float, vb.double, vb.int, vb.long) == (vb.float32, vb.float64, vb.int32, vb.int64)


# ------------------------------------------------------------------------- creation and inference

INFERENCE = {
    "py-int": 3,
    "py-float": 2.5,
    "py-bool": True,
    "int-list": [[1, 2], [3, 4]],
    "float-list": [1, 2.5],
    "bool-list": [True, False],
    "mixed-bool-int": [True, 2],
    "np-int32": np.array([1, 2], dtype=np.int32),
    "np-int64": np.array([1, 2], dtype=np.int64),
    "np-bool": np.array([True, False]),
    "np-float64": np.array([1.5]),
    "np-float32": np.array([1.5], dtype=np.float32),
    "np-scalar-int32": np.int32(4),
    "np-scalar-float64": np.float64(0.25),
}


@pytest.mark.parametrize("data", INFERENCE.values(), ids=INFERENCE.keys())
def test_tensor_infers_the_dtype_as_torch(data: Any) -> None:
    assert_same(lambda L: L.tensor(data))


@pytest.mark.parametrize("np_dtype", [np.uint8, np.int16, np.uint32, np.float16])
def test_tensor_refuses_numpy_types_without_a_tensor_dtype(np_dtype: type) -> None:
    with pytest.raises(TypeError, match=np.dtype(np_dtype).name):
        vb.tensor(np.zeros(2, dtype=np_dtype))
    assert vb.tensor(np.ones(2, dtype=np_dtype), dtype=vb.int64).tolist() == [1, 1]


CREATION = {
    "zeros": lambda L, d: L.zeros(2, 3, dtype=d),
    "ones": lambda L, d: L.ones((2, 3), dtype=d),
    "full": lambda L, d: L.full((2,), 3, dtype=d),
    "arange": lambda L, d: L.arange(1, 7, 2, dtype=d),
    "eye": lambda L, d: L.eye(3, dtype=d),
    "linspace": lambda L, d: L.linspace(0, 4, 5, dtype=d),
    "zeros_like": lambda L, d: L.zeros_like(L.ones(2, 2), dtype=d),
    "ones_like": lambda L, d: L.ones_like(L.ones(2, 2), dtype=d),
    "full_like": lambda L, d: L.full_like(L.ones(2, 2), 5, dtype=d),
    "tensor": lambda L, d: L.tensor([[1.9, -1.9], [0.0, 2.0]], dtype=d),
    "randn": lambda L, d: L.randn(3, dtype=d).shape,
    "rand": lambda L, d: L.rand(3, dtype=d).shape,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("create", CREATION.values(), ids=CREATION.keys())
def test_creation_dtype_argument(create: Callable[[Any, Any], Any], name: str) -> None:
    def fn(L: Any) -> Any:
        r = create(L, getattr(L, name))
        return r if hasattr(r, "dtype") else L.tensor(list(r))  # random values differ; shapes must not

    assert_same(fn)


DEFAULT_DTYPES = {
    "arange-int": lambda L: L.arange(5),
    "arange-int-range": lambda L: L.arange(2, 9, 3),
    "arange-float": lambda L: L.arange(5.0),
    "arange-float-step": lambda L: L.arange(0, 2, 0.5),
    "full-int": lambda L: L.full((2,), 7),
    "full-bool": lambda L: L.full((2,), True),
    "full-float": lambda L: L.full((2,), 7.0),
    "zeros_like-int": lambda L: L.zeros_like(L.tensor([1, 2])),
}


@pytest.mark.parametrize("fn", DEFAULT_DTYPES.values(), ids=DEFAULT_DTYPES.keys())
def test_creation_default_dtypes(fn: Callable[[Any], Any]) -> None:
    assert_same(fn)


# ------------------------------------------------------------------------------ NumPy exchange


@pytest.mark.parametrize("name", NAMES)
def test_numpy_exchange_shares_memory_for_every_dtype(name: str) -> None:
    a = np.array(VALUES[name], dtype=name)
    t = vb.from_numpy(a)
    assert t.dtype == getattr(vb, name)
    back = t.numpy()
    assert back.dtype == a.dtype and np.shares_memory(back, a)
    a[0, 0] = a[1, 2]  # a write through NumPy shows in the tensor
    assert t[0, 0].item() == a[1, 2].item()


@pytest.mark.parametrize("name", NAMES)
def test_item_and_tolist_give_python_types(name: str) -> None:
    t = make(vb, name)
    ref = make(torch, name)
    assert t.tolist() == ref.tolist()
    assert [type(v) for v in t.tolist()[0]] == [type(v) for v in ref.tolist()[0]]
    assert type(t[1, 2].item()) is type(ref[1, 2].item()) and t[1, 2].item() == ref[1, 2].item()
    assert f"dtype={name}" in repr(t)


def test_int64_item_is_exact_beyond_2_to_the_53() -> None:
    big = 2**62 + 1
    assert vb.tensor([big]).item() == big
    assert int(vb.tensor(big)) == big
    assert [0, 1, 2][vb.tensor(1)] == 1  # __index__
    with pytest.raises(TypeError, match="float32"):
        [0, 1][vb.tensor(1.0)]


# ----------------------------------------------------------------------------------- casts

CASTS = {
    "long": lambda x: x.long(),
    "int": lambda x: x.int(),
    "bool": lambda x: x.bool(),
    "float": lambda x: x.float(),
    "double": lambda x: x.double(),
    "to-int64": lambda x: x.to(x.long().dtype),
    "to-tensor": lambda x: x.to(x.bool()),
    "to-cpu": lambda x: x.to("cpu"),
    "to-device-kw": lambda x: x.to(device="cpu"),
    "to-dtype-kw": lambda x: x.to(dtype=x.int().dtype),
    "type": lambda x: x.type(x.double().dtype),
    "is_floating_point": lambda x: x.is_floating_point(),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cast", CASTS.values(), ids=CASTS.keys())
def test_casts_match_torch(cast: Callable[[Any], Any], name: str) -> None:
    assert_same(lambda L: cast(make(L, name)))


def test_float_to_int_truncates_and_saturates_without_undefined_behaviour() -> None:
    x = vb.tensor([2.9, -2.9, 0.5, float("nan"), float("inf"), -1e300], dtype=vb.float64)
    # Finite in-range values truncate toward zero as torch; NaN and out-of-range values, whose
    # torch result is unspecified, saturate (NaN -> 0).
    assert x.long().tolist() == [2, -2, 0, 0, 2**63 - 1, -(2**63)]
    assert x.bool().tolist() == [True, True, True, True, True, True]


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps"])
def test_to_another_device_raises_naming_it(device: str) -> None:
    with pytest.raises(ValueError, match=device):
        vb.ones(2).to(device)
    with pytest.raises(ValueError, match=device):
        vb.ones(2).to(device=device)


# ------------------------------------------------------------------------------- promotion

# Operands: (2, 3) tensors of every dtype, 0-d tensors of every dtype and Python numbers.
OPERANDS: dict[str, Callable[[Any], Any]] = {
    **{name: (lambda L, n=name: make(L, n)) for name in NAMES},
    **{f"0d-{name}": (lambda L, n=name: make(L, n, zero_dim=True)) for name in NAMES},
    "py-bool": lambda L: True,
    "py-int": lambda L: 3,
    "py-float": lambda L: 2.5,
}
PAIRS = [
    (a, b)
    for a, b in itertools.product(OPERANDS, repeat=2)
    if not (a.startswith("py") and b.startswith("py"))
]
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
}


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("op", BINARY.values(), ids=BINARY.keys())
def test_binary_promotion_table_matches_torch(op: Callable[[Any, Any], Any], a: str, b: str) -> None:
    assert_same(lambda L: op(OPERANDS[a](L), OPERANDS[b](L)))


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_result_type_matches_torch(a: str, b: str) -> None:
    expected = torch.result_type(OPERANDS[a](torch), OPERANDS[b](torch))
    assert repr(vb.result_type(OPERANDS[a](vb), OPERANDS[b](vb))) == str(expected).replace(
        "torch", "varbayes"
    )


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NAMES, repeat=2)))
def test_promote_types_and_can_cast_match_torch(a: str, b: str) -> None:
    ta, tb = getattr(torch, a), getattr(torch, b)
    assert repr(vb.promote_types(getattr(vb, a), getattr(vb, b))) == str(torch.promote_types(ta, tb)).replace(
        "torch", "varbayes"
    )
    assert vb.can_cast(getattr(vb, a), getattr(vb, b)) == torch.can_cast(ta, tb)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NAMES, repeat=2)))
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_promote_as_torch(op: str, a: str, b: str) -> None:
    assert_same(lambda L: getattr(L, op)(make(L, a), make(L, b)))


# --------------------------------------------------------------------------- integer ops

UNARY = {
    "neg": lambda L, x: -x,
    "abs": lambda L, x: L.abs(x),
    "relu": lambda L, x: L.relu(x),
    "sign": lambda L, x: L.sign(x),
    "exp": lambda L, x: L.exp(x),
    "log1p": lambda L, x: L.log1p(L.abs(x) if x.dtype != L.bool else x),
    "sqrt": lambda L, x: L.sqrt(x * x if x.dtype != L.bool else x),
    "sigmoid": lambda L, x: L.sigmoid(x),
    "tanh": lambda L, x: L.tanh(x),
    "reciprocal": lambda L, x: L.reciprocal(x),
    "softplus": lambda L, x: L.nn.functional.softplus(x) if L is torch else L.softplus(x),
    "clamp-int": lambda L, x: L.clamp(x, -1, 2),
    "clamp-float": lambda L, x: L.clamp(x, -0.5, 2),
    "softmax": lambda L, x: L.softmax(x, 1) if L is vb else L.softmax(x, dim=1),
    "sum": lambda L, x: x.sum(),
    "sum-dim": lambda L, x: x.sum(1),
    "sum-keepdim": lambda L, x: L.sum(x, 0, keepdim=True),
    "max": lambda L, x: x.max(),
    "min": lambda L, x: x.min(),
    "max-dims": lambda L, x: L.amax(x, (0, 1)) if L is torch else L.max(x, (0, 1)),
    "mean": lambda L, x: x.mean(),
    "var": lambda L, x: x.var(),
    "logsumexp": lambda L, x: L.logsumexp(x, 1),
    "pow-2": lambda L, x: x**2,
    "pow-tensor": lambda L, x: x ** L.tensor([[1, 0, 2]]),
    "pow-half": lambda L, x: L.abs(x) ** 0.5 if x.dtype != L.bool else x**0.5,
    "rpow": lambda L, x: 2**x,
    "floordiv": lambda L, x: x // 2,
    "floordiv-neg": lambda L, x: x // -4,
    "mod": lambda L, x: x % 3,
    "mod-neg": lambda L, x: x % -4,
    "rfloordiv": lambda L, x: 7 // (x * 0 + 3),
    "rmod": lambda L, x: -7 % (x * 0 + 3),
    "float-mod": lambda L, x: x % 1.5,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fn", UNARY.values(), ids=UNARY.keys())
def test_ops_on_every_dtype_match_torch(fn: Callable[[Any, Any], Any], name: str) -> None:
    assert_same(lambda L: fn(L, make(L, name)))


def test_integer_arithmetic_wraps_on_overflow_as_torch() -> None:
    for expr in (
        lambda L: L.tensor([2**62]) * 4 + 1,
        lambda L: -L.tensor([-(2**63)]),
        lambda L: L.tensor([2**31 - 1], dtype=L.int32) + 1,
    ):
        assert_same(expr)


@pytest.mark.parametrize("op", [lambda a, b: a // b, lambda a, b: a % b], ids=["floordiv", "mod"])
def test_integer_division_by_zero_raises(op: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(RuntimeError, match="division by zero"):
        op(vb.tensor([1, 2]), vb.tensor([1, 0]))
    x = vb.tensor([1.0, -1.0, 0.0])
    np.testing.assert_array_equal(op(x, 0).numpy(), op(torch.tensor([1.0, -1.0, 0.0]), 0).numpy())


def test_negative_integer_powers_raise() -> None:
    with pytest.raises(RuntimeError, match="negative integer powers"):
        vb.tensor([2, 3]) ** -1
    assert_same(lambda L: L.tensor([2, 3]) ** -1.0)


def test_where_needs_a_bool_condition_and_promotes_its_operands() -> None:
    assert_same(lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 2.5))
    assert_same(lambda L: L.where(L.tensor([True, False]), 1, 2))
    assert_same(lambda L: L.where(L.tensor([[True], [False]]), L.tensor([1, 2], dtype=L.int32), L.tensor(7)))
    with pytest.raises(TypeError, match="where: expected a bool condition, got dtype float32"):
        vb.where(vb.ones(2), vb.ones(2), vb.zeros(2))


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.__iadd__(1),
        lambda x: x.__imul__(3),
        lambda x: x.__iadd__(2.5),
        lambda x: x.__itruediv__(2),
        lambda x: x.add_(x, alpha=2),
        lambda x: x.__isub__(x),
    ],
    ids=["iadd-int", "imul-int", "iadd-float", "itruediv", "add_-alpha", "isub"],
)
@pytest.mark.parametrize("name", NAMES)
def test_in_place_ops_keep_the_dtype_or_refuse_a_wider_category(fn: Callable[[Any], Any], name: str) -> None:
    assert_same(lambda L: fn(make(L, name).clone()))


# ------------------------------------------------------------- comparisons, logic, indices

LOGIC_BINARY = {
    "eq": lambda L, x, y: L.eq(x, y) if L is torch else x == y,
    "ge": lambda L, x, y: x >= y,
    "logical_and": lambda L, x, y: L.logical_and(x, y),
    "logical_or": lambda L, x, y: x.logical_or(y),
    "and": lambda L, x, y: x & y,
    "or": lambda L, x, y: x | y,
    "xor": lambda L, x, y: x ^ y,
    "max-binary": lambda L, x, y: L.max(x, y),
}
LOGIC_UNARY = {
    "ne-scalar": lambda L, x: x != 0,
    "logical_not": lambda L, x: L.logical_not(x),
    "logical_xor": lambda L, x: L.logical_xor(x, x > 0),
    "invert": lambda L, x: ~x,
    "bitwise_and-scalar": lambda L, x: L.bitwise_and(x, 6),
    "any": lambda L, x: x.any(),
    "any-dim": lambda L, x: L.any(x, 1),
    "all-keepdim": lambda L, x: x.all(0, keepdim=True),
    "argmax": lambda L, x: x.argmax(),
    "argmin-dim": lambda L, x: L.argmin(x, 1),
    "argmax-keepdim": lambda L, x: x.argmax(0, keepdim=True),
    "nonzero": lambda L, x: L.nonzero(x),
    "nonzero-tuple": lambda L, x: L.stack(L.nonzero(x, as_tuple=True)),
    "where-1-arg": lambda L, x: L.stack(L.where(x != 0)),
    "max-dim-values": lambda L, x: L.max(x, 1).values,
    "max-dim-indices": lambda L, x: x.max(1).indices,
    "min-dim-keepdim": lambda L, x: L.min(x, 0, keepdim=True).indices,
}


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NAMES, repeat=2)))
@pytest.mark.parametrize("fn", LOGIC_BINARY.values(), ids=LOGIC_BINARY.keys())
def test_comparisons_and_logic_match_torch(fn: Callable[[Any, Any, Any], Any], a: str, b: str) -> None:
    assert_same(lambda L: fn(L, make(L, a), make(L, b)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fn", LOGIC_UNARY.values(), ids=LOGIC_UNARY.keys())
def test_logic_reductions_and_indices_match_torch(fn: Callable[[Any, Any], Any], name: str) -> None:
    assert_same(lambda L: fn(L, make(L, name)))


def test_max_along_dim_is_a_named_tuple_with_gradient_to_the_selected_element() -> None:
    values = [[1.0, 3.0, 3.0], [float("nan"), 0.0, 2.0]]
    x = vb.tensor(values, dtype=vb.float64, requires_grad=True)
    ref = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    out, ref_out = vb.max(x, 1), torch.max(ref, 1)
    assert type(out).__name__ == "max" and out._fields == ("values", "indices")
    np.testing.assert_array_equal(out.values.detach().numpy(), ref_out.values.detach().numpy())
    np.testing.assert_array_equal(out.indices.numpy(), ref_out.indices.numpy())
    (out.values * vb.tensor([1.0, 1.0], dtype=vb.float64)).sum().backward()
    ref_out.values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), ref.grad.numpy())
    assert vb.max(x).dim() == 0


def test_argmax_of_an_empty_tensor_raises() -> None:
    with pytest.raises(ValueError, match="argmax: cannot reduce an empty tensor"):
        vb.zeros(0).argmax()


# -------------------------------------------------------------------------------- autograd


@pytest.mark.parametrize("name", ["int32", "int64", "bool"])
def test_integer_tensors_cannot_require_grad(name: str) -> None:
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        make(vb, name).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        vb.zeros(2, dtype=getattr(vb, name), requires_grad=True)


def test_integer_results_record_no_graph() -> None:
    x = vb.tensor([1.5, -2.0], requires_grad=True)
    for r in (x > 0, x.long(), x.bool(), (x * 2).int() + 1):
        assert not r.requires_grad and r.grad_fn is None


MIXED_GRADS = {
    "int-times-float": lambda L, x: (L.tensor([1, 2, 3]) * x).sum(),
    "float-div-int": lambda L, x: (x / L.tensor([2, 4, 8])).sum(),
    "bool-mask": lambda L, x: (x * (x > 0)).sum(),
    "where": lambda L, x: L.where(x > 0, x * x, -x).sum(),
    "remainder": lambda L, x: (x % 0.75).sum() + (x % L.tensor([3, -2, 1], dtype=L.int32)).sum(),
    "int-pow-float": lambda L, x: (x ** L.tensor([2, 3, 1])).sum(),
    "clamp": lambda L, x: L.clamp(x, -1, 1).sum(),
}


@pytest.mark.parametrize("fn", MIXED_GRADS.values(), ids=MIXED_GRADS.keys())
def test_gradients_through_mixed_dtype_ops_match_torch(fn: Callable[[Any, Any], Any]) -> None:
    values = [1.3, -0.4, 2.2]
    x = vb.tensor(values, dtype=vb.float64, requires_grad=True)
    ref = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    out, ref_out = fn(vb, x), fn(torch, ref)
    out.backward()
    ref_out.backward()
    assert dtype_name(out) == dtype_name(ref_out)
    np.testing.assert_allclose(out.item(), ref_out.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-12)


def test_remainder_gradient_in_the_divisor_matches_finite_differences() -> None:
    # torch has no derivative of remainder in its second argument; d/db = -floor(a / b).
    a, b0 = np.array([2.0, -3.5, 5.0]), np.array([0.7, 1.3, -1.1])
    b = vb.tensor(b0, requires_grad=True)
    (vb.tensor(a) % b).sum().backward()
    h = 1e-6
    numeric = (np.remainder(a, b0 + h) - np.remainder(a, b0 - h)) / (2 * h)
    np.testing.assert_allclose(b.grad.numpy(), numeric, rtol=1e-6)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("target_dtype", ["int64", "int32"])
def test_class_targets_as_integer_tensors(loss: str, target_dtype: str) -> None:
    logits = np.random.default_rng(5).standard_normal((4, 3))
    x = vb.tensor(logits, requires_grad=True)
    ref = torch.tensor(logits, requires_grad=True)
    target = [2, 0, 1, 2]
    out = getattr(vb.nn.functional, loss)(x, vb.tensor(target, dtype=getattr(vb, target_dtype)))
    ref_out = getattr(torch.nn.functional, loss)(ref, torch.tensor(target))
    out.backward()
    ref_out.backward()
    np.testing.assert_allclose(out.item(), ref_out.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_save_and_load_keep_the_dtype(name: str, tmp_path: Any) -> None:
    path = tmp_path / "t.vb"
    vb.save({"t": make(vb, name)}, path)
    back = vb.load(path)["t"]
    assert back.dtype == getattr(vb, name)
    assert back.tolist() == make(vb, name).tolist()


CLOSE_VALUES = [1.0, 1.0 + 1e-6, 1.0, float("inf"), float("-inf"), float("nan"), 0.0, 1e-9]
CLOSE_OTHER = [1.0, 1.0, 1.1, float("inf"), float("inf"), float("nan"), 1e-9, 0.0]
CLOSE = {
    "default": lambda L, x, y: L.isclose(x, y),
    "rtol": lambda L, x, y: L.isclose(x, y, rtol=0.2),
    "atol-equal_nan": lambda L, x, y: L.isclose(x, y, atol=0.0, equal_nan=True),
    "allclose": lambda L, x, y: L.allclose(x[:2], y[:2]),
    "allclose-false": lambda L, x, y: L.allclose(x, y, equal_nan=True),
    "equal": lambda L, x, y: L.equal(x, x.clone()),
    "equal-false": lambda L, x, y: L.equal(x[:2], y[:2]),
}


@pytest.mark.parametrize("name", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("fn", CLOSE.values(), ids=CLOSE.keys())
def test_isclose_allclose_equal_match_torch(fn: Callable[..., Any], name: str) -> None:
    def run(L: Any) -> Any:
        # Floats include infinities and NaNs; integer and bool data are finite.
        data = (CLOSE_VALUES, CLOSE_OTHER) if name.startswith("float") else ([3, 0, 5, 7], [3, 1, 5, 0])
        x, y = (L.tensor(v, dtype=getattr(L, name)) for v in data)
        return fn(L, x, y)

    assert_same(run)


# ------------------------------------------------------------------------- random integers


def test_randint_is_uniform_in_range_and_reproducible() -> None:
    x = vb.randint(-3, 4, (20000,), generator=vb.Generator(7))
    assert x.dtype == vb.int64 and x.shape == (20000,)
    counts = np.bincount(x.numpy() + 3, minlength=7)
    assert counts.sum() == 20000 and len(counts) == 7
    expected = 20000 / 7
    assert ((counts - expected) ** 2 / expected).sum() < 30  # chi-square, 6 dof: p < 1e-4
    again = vb.randint(-3, 4, (20000,), generator=vb.Generator(7))
    np.testing.assert_array_equal(x.numpy(), again.numpy())
    assert vb.randint(5, (2, 3)).shape == tuple(torch.randint(5, (2, 3)).shape)
    assert vb.randint(0, 2, (3,), dtype=vb.bool).dtype == vb.bool


def test_randperm_is_a_permutation() -> None:
    p = vb.randperm(1000, generator=vb.Generator(3))
    assert p.dtype == vb.int64
    np.testing.assert_array_equal(np.sort(p.numpy()), np.arange(1000))
    assert not np.array_equal(p.numpy(), np.arange(1000))
    np.testing.assert_array_equal(vb.randperm(1000, generator=vb.Generator(3)).numpy(), p.numpy())
    assert vb.randperm(0).shape == (0,)


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda: vb.randint(3, 3, (2,)), ValueError),
        (lambda: vb.randint(0.5, 3, (2,)), TypeError),
        (lambda: vb.randint(3), TypeError),
        (lambda: vb.randint(5, (2,), requires_grad=True), RuntimeError),
        (lambda: vb.randperm(-1), ValueError),
    ],
    ids=["empty-range", "float-low", "no-size", "grad", "negative-n"],
)
def test_random_integers_reject_bad_arguments(fn: Callable[[], Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        fn()


# ---------------------------------------------------------------------------------- errors

FLOAT_ONLY = {
    "matmul": lambda x: x @ x.T,
    "linear": lambda x: vb.nn.functional.linear(x, x),
    "mse_loss": lambda x: vb.nn.functional.mse_loss(x, x),
    "log_softmax": lambda x: vb.log_softmax(x),
    "randn": lambda x: vb.randn(2, dtype=x.dtype),
}


@pytest.mark.parametrize("name", ["int32", "int64", "bool"])
@pytest.mark.parametrize(("op", "fn"), FLOAT_ONLY.items(), ids=FLOAT_ONLY.keys())
def test_floating_only_ops_name_the_op_and_dtype(op: str, fn: Callable[[Any], Any], name: str) -> None:
    with pytest.raises(TypeError, match=rf"{op}.*{name}"):
        fn(make(vb, name))
