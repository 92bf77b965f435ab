"""Every op, forward and backward, against NumPy, PyTorch (when importable) and finite differences.

An op is one line of CASES: ``fn(L, *inputs)`` written once against the op namespaces of
tests/reference.py (varbayes, NumPy, PyTorch), and its inputs (shapes, or pos/away/uniform for
restricted domains). Each case runs four ways: float64 against NumPy, float64 against PyTorch
(forward rtol 1e-7, gradients rtol 1e-6), gradients against central differences, and float32
against the float64 reference. Edge values, non-contiguous views, type promotion, dropout and
error messages follow.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy import special

import varbayes as vb
import varbayes.nn.functional as F
from reference import NP, VB, numerical_grads, torch_reference

FORWARD_TOL = {"rtol": 1e-7, "atol": 1e-12}
GRAD_TOL = {"rtol": 1e-6, "atol": 1e-10}
FD_TOL = {"rtol": 1e-5, "atol": 1e-7}
FLOAT32_TOL = {"rtol": 1e-5, "atol": 1e-6}


@dataclass(frozen=True)
class Arg:
    """An input: its shape and where its values come from (standard normal when low is None)."""

    shape: tuple[int, ...]
    low: float | None = None
    high: float = 2.0
    signed: bool = False  # a random sign on values in [low, high]: away from 0 (kinks, poles)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        if self.low is None:
            return np.asarray(rng.standard_normal(self.shape))
        x = rng.uniform(self.low, self.high, self.shape)
        return x * rng.choice([-1.0, 1.0], self.shape) if self.signed else x


def pos(*shape: int) -> Arg:
    return Arg(shape, 0.5)


def away(*shape: int) -> Arg:
    return Arg(shape, 0.2, signed=True)


def uniform(low: float, high: float, *shape: int) -> Arg:
    return Arg(shape, low, high)


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[..., Any]
    args: tuple[Arg, ...]

    def inputs(self, dtype: type = np.float64) -> list[np.ndarray]:
        rng = np.random.default_rng(zlib.crc32(self.id.encode()))
        return [a.sample(rng).astype(dtype) for a in self.args]

    def upstream(self, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        rng = np.random.default_rng(zlib.crc32(self.id.encode()) + 1)
        return np.asarray(rng.standard_normal(shape), dtype)


def case(id: str, fn: Callable[..., Any], *args: Arg | tuple[int, ...]) -> Case:
    return Case(id, fn, tuple(a if isinstance(a, Arg) else Arg(a) for a in args))


EW = (5, 7)  # elementwise inputs: 35 elements fill SIMD vectors and leave a tail in float32 and float64
TARGETS = [0, 2, 1, 2]
REDUCTIONS = ("mean", "sum", "none")
REDUCTION_DIMS = {
    "all": {},
    "all-keepdim": {"keepdim": True},
    "dim1": {"dim": 1},
    "dims02": {"dim": (0, 2)},
    "dim-1-keepdim": {"dim": -1, "keepdim": True},
}

CASES = [
    # arithmetic: broadcasting, 0-d tensors, Python scalars, reflected operators
    case("add", lambda L, x, y: x + y, EW, EW),
    case("add-3x1-1x4", lambda L, x, y: x + y, (3, 1), (1, 4)),
    case("add-2x3-3", lambda L, x, y: L.add(x, y), (2, 3), (3,)),
    case("add-0d", lambda L, x, y: x + y, (), (2, 3)),
    case("add-scalar", lambda L, x: x + 2.5, (2, 3)),
    case("radd-scalar", lambda L, x: 2.5 + x, (2, 3)),
    case("sub", lambda L, x, y: x - y, (3, 4), (4,)),
    case("sub-fn", lambda L, x, y: L.sub(x, y), (3, 1), (1, 4)),
    case("sub-scalar", lambda L, x: x - 1.5, (2, 3)),
    case("rsub-scalar", lambda L, x: 1.5 - x, EW),
    case("mul", lambda L, x, y: x * y, (3, 1), (1, 4)),
    case("mul-0d", lambda L, x, y: L.mul(x, y), (2, 3), ()),
    case("rmul-scalar", lambda L, x: 3.0 * x, (2, 3)),
    case("div", lambda L, x, y: x / y, EW, away(*EW)),
    case("div-2x3-3", lambda L, x, y: L.div(x, y), (2, 3), away(3)),
    case("div-scalar", lambda L, x: x / 4.0, (2, 3)),
    case("rdiv-scalar", lambda L, x: 2.0 / x, away(2, 3)),
    case("pow", lambda L, x, y: x**y, pos(*EW), EW),
    case("pow-3x1-1x4", lambda L, x, y: L.pow(x, y), pos(3, 1), (1, 4)),
    case("pow-int-scalar", lambda L, x: x**3, (2, 3)),
    case("pow-fn-scalar", lambda L, x: L.pow(x, 0.5), pos(2, 3)),
    case("rpow-scalar", lambda L, x: 2.0**x, EW),
    case("neg", lambda L, x: -x, EW),
    case("neg-fn", lambda L, x: L.neg(x), (2, 3)),
    # elementwise functions
    case("reciprocal", lambda L, x: L.reciprocal(x), away(*EW)),
    case("exp", lambda L, x: L.exp(x), EW),
    case("log", lambda L, x: L.log(x), pos(*EW)),
    case("log1p", lambda L, x: L.log1p(x), uniform(-0.5, 2.0, *EW)),
    case("sqrt", lambda L, x: L.sqrt(x), pos(*EW)),
    case("abs", lambda L, x: L.abs(x), away(*EW)),
    case("abs-builtin", lambda L, x: abs(x), away(2, 3)),
    case("clamp-min", lambda L, x: L.clamp(x, min=-0.5), (3, 4)),
    case("clamp-max", lambda L, x: L.clamp(x, max=0.3), (3, 4)),
    case("clamp-both", lambda L, x: L.clamp(x, min=-0.5, max=0.3), EW),
    case("where", lambda L, x, y: L.where(x > 0, x, y), EW, EW),
    case("where-broadcast", lambda L, c, x, y: L.where(c > 0, x, y), (3, 1), (1, 4), (4,)),
    case("where-scalar", lambda L, x: L.where(x > 0, x, 0.5), (3, 4)),
    case("maximum", lambda L, x, y: L.maximum(x, y), EW, EW),
    case("maximum-3x1-4", lambda L, x, y: L.maximum(x, y), (3, 1), (4,)),
    case("minimum", lambda L, x, y: L.minimum(x, y), EW, EW),
    case("minimum-0d", lambda L, x, y: L.minimum(x, y), (3, 4), ()),
    case("relu", lambda L, x: L.relu(x), away(*EW)),
    case("sigmoid", lambda L, x: L.sigmoid(x), uniform(-6.0, 6.0, *EW)),
    case("tanh", lambda L, x: L.tanh(x), EW),
    case("softplus", lambda L, x: L.softplus(x), uniform(-6.0, 6.0, *EW)),
    # trigonometric, hyperbolic, error, exponential and logarithm functions, rounding (issue 19)
    *[
        case(name, lambda L, x, name=name: getattr(L, name)(x), arg)
        for name, arg in [
            ("sin", uniform(-8.0, 8.0, *EW)),
            ("cos", uniform(-8.0, 8.0, *EW)),
            ("tan", uniform(-1.2, 1.2, *EW)),
            ("asin", uniform(-0.9, 0.9, *EW)),
            ("acos", uniform(-0.9, 0.9, *EW)),
            ("atan", Arg(EW)),
            ("sinh", Arg(EW)),
            ("cosh", Arg(EW)),
            ("asinh", Arg(EW)),
            ("acosh", uniform(1.2, 4.0, *EW)),
            ("atanh", uniform(-0.9, 0.9, *EW)),
            ("erf", Arg(EW)),
            ("erfc", Arg(EW)),
            ("erfinv", uniform(-0.95, 0.95, *EW)),
            ("expm1", Arg(EW)),
            ("exp2", Arg(EW)),
            ("log2", pos(*EW)),
            ("log10", pos(*EW)),
            ("rsqrt", pos(*EW)),
            ("square", Arg(EW)),
            ("floor", uniform(-5.0, 5.0, *EW)),
            ("ceil", uniform(-5.0, 5.0, *EW)),
            ("round", uniform(-5.0, 5.0, *EW)),
            ("trunc", uniform(-5.0, 5.0, *EW)),
            ("frac", uniform(-5.0, 5.0, *EW)),
            ("logit", uniform(0.05, 0.95, *EW)),
        ]
    ],
    case("round-decimals2", lambda L, x: L.round(x, decimals=2), uniform(-5.0, 5.0, *EW)),
    case("round-decimals-1", lambda L, x: L.round(x, decimals=-1), uniform(-50.0, 50.0, *EW)),
    case("logit-eps", lambda L, x: L.logit(x, eps=0.2), uniform(0.02, 0.98, *EW)),
    case("nan_to_num", lambda L, x: L.nan_to_num(x), (3, 4)),
    case("atan2", lambda L, x, y: L.atan2(x, y), EW, EW),
    case("atan2-3x1-4", lambda L, x, y: L.atan2(x, y), (3, 1), (4,)),
    case("fmod", lambda L, x, y: L.fmod(x, y), uniform(-5.0, 5.0, *EW), away(*EW)),
    case("fmod-scalar", lambda L, x: L.fmod(x, 1.5), uniform(-5.0, 5.0, 3, 4)),
    case("remainder", lambda L, x, y: L.remainder(x, y), uniform(-5.0, 5.0, 3, 1), away(4)),
    case("remainder-operator", lambda L, x, y: x % y, uniform(-5.0, 5.0, *EW), away(*EW)),
    case("hypot", lambda L, x, y: L.hypot(x, y), EW, (5, 1)),
    case("logaddexp", lambda L, x, y: L.logaddexp(x, y), uniform(-6.0, 6.0, *EW), uniform(-6.0, 6.0, 7)),
    case("lerp", lambda L, x, y, w: L.lerp(x, y, w), EW, EW, uniform(-0.5, 1.5, *EW)),
    case("lerp-broadcast", lambda L, x, y, w: L.lerp(x, y, w), (3, 1), (1, 4), uniform(0.0, 1.0, 4)),
    case("lerp-scalar-weight", lambda L, x, y: L.lerp(x, y, 0.3), (3, 4), (3, 4)),
    # activations
    case("gelu", lambda L, x: L.gelu(x), EW),
    case("gelu-tanh", lambda L, x: L.gelu(x, approximate="tanh"), EW),
    case("silu", lambda L, x: L.silu(x), uniform(-6.0, 6.0, *EW)),
    case("elu", lambda L, x: L.elu(x), away(*EW)),
    case("elu-alpha", lambda L, x: L.elu(x, alpha=0.5), away(*EW)),
    case("leaky_relu", lambda L, x: L.leaky_relu(x), away(*EW)),
    case("leaky_relu-slope", lambda L, x: L.leaky_relu(x, negative_slope=0.2), away(*EW)),
    case("mish", lambda L, x: L.mish(x), uniform(-6.0, 6.0, *EW)),
    case("hardtanh", lambda L, x: L.hardtanh(x), uniform(-2.0, 2.0, *EW)),
    case("hardtanh-bounds", lambda L, x: L.hardtanh(x, min_val=-0.5, max_val=2.0), uniform(-3.0, 3.0, *EW)),
    case("softsign", lambda L, x: L.softsign(x), away(*EW)),
    case("prelu-one", lambda L, x, w: L.prelu(x, w), away(2, 3, 4), (1,)),
    case("prelu-channels", lambda L, x, w: L.prelu(x, w), away(2, 3, 4), (3,)),
    case("prelu-2d", lambda L, x, w: L.prelu(x, w), away(*EW), (7,)),
    # matmul and linear
    case("matmul-1d-1d", lambda L, x, y: L.matmul(x, y), (3,), (3,)),
    case("matmul-1d-2d", lambda L, x, y: x @ y, (3,), (3, 4)),
    case("matmul-2d-1d", lambda L, x, y: x @ y, (3, 4), (4,)),
    case("matmul-2d-2d", lambda L, x, y: x @ y, (3, 4), (4, 2)),
    case("matmul-batch-broadcast", lambda L, x, y: x @ y, (2, 1, 3, 4), (5, 4, 2)),
    case("matmul-3d-2d", lambda L, x, y: L.matmul(x, y), (2, 3, 4), (4, 2)),
    case("matmul-2d-3d", lambda L, x, y: L.matmul(x, y), (3, 4), (2, 4, 5)),
    case("matmul-3d-1d", lambda L, x, y: L.matmul(x, y), (2, 3, 4), (4,)),
    case("matmul-1d-3d", lambda L, x, y: L.matmul(x, y), (4,), (2, 4, 3)),
    case("linear", lambda L, x, w, b: L.linear(x, w, b), (5, 3), (4, 3), (4,)),
    case("linear-no-bias", lambda L, x, w: L.linear(x, w), (5, 3), (4, 3)),
    case("matmul-large", lambda L, x, y: x @ y, (17, 33), (33, 9)),
    case("linear-large", lambda L, x, w, b: L.linear(x, w, b), (19, 33), (17, 33), (17,)),
    case("linear-3d-input", lambda L, x, w, b: L.linear(x, w, b), (2, 5, 3), (4, 3), (4,)),
    # reductions over None / one dim / a tuple of dims, with keepdim
    *[
        case(f"{name}-{key}", lambda L, x, name=name, kw=kw: getattr(L, name)(x, **kw), (2, 3, 4))
        for name in ("sum", "mean", "var", "amax", "amin", "logsumexp")
        for key, kw in REDUCTION_DIMS.items()
    ],
    case("sum-0d", lambda L, x: L.sum(x), ()),
    case("exp-0d", lambda L, x: L.exp(x), ()),
    case("sum-empty", lambda L, x: L.sum(x, 0), (0, 3)),
    case("exp-empty", lambda L, x: L.exp(x), (0, 3)),
    case("var-correction0", lambda L, x: L.var(x, 1, correction=0), (3, 4)),
    # views and copies that change shape
    case("reshape", lambda L, x: L.reshape(x, (4, 6)), (2, 3, 4)),
    case("reshape-method-infer", lambda L, x: x.reshape(-1, 3), (2, 3, 4)),
    case("view", lambda L, x: L.view(x, (6, 4)), (2, 3, 4)),
    case("transpose", lambda L, x: L.transpose(x, 0, 2), (2, 3, 4)),
    case("T", lambda L, x: x.T, (3, 4)),
    case("permute", lambda L, x: L.permute(x, (2, 0, 1)), (2, 3, 4)),
    case("slice-step", lambda L, x: x[1:3, ::2], (4, 5)),
    case("slice-negative", lambda L, x: x[-3:-1, -2:], (4, 5)),
    case("index-int", lambda L, x: x[1], (4, 5)),
    case("index-negative-ints", lambda L, x: x[-1, -2], (4, 5)),
    case("index-none-ellipsis", lambda L, x: x[None, ..., 1], (2, 3, 4)),
    case("index-mixed", lambda L, x: x[1, None, :, ::3], (2, 3, 7)),
    case("index-list-repeated", lambda L, x: x[[0, 2, 2]], (4, 3)),
    case("index-list-dim1", lambda L, x: x[:, [2, 0]], (4, 3)),
    case("index_select", lambda L, x: L.index_select(x, 1, [2, 0, 2]), (3, 4)),
    case("cat-dim0", lambda L, x, y: L.cat([x, y]), (2, 3), (1, 3)),
    case("cat-dim1", lambda L, x, y, z: L.cat([x, y, z], dim=1), (2, 3), (2, 1), (2, 2)),
    case("cat-dim-1", lambda L, x, y: L.cat([x, y], dim=-1), (2, 2, 3), (2, 2, 1)),
    case("stack-dim0", lambda L, x, y: L.stack([x, y]), (2, 3), (2, 3)),
    case("stack-dim-1", lambda L, x, y: L.stack([x, y], dim=-1), (2, 3), (2, 3)),
    case("expand", lambda L, x: L.expand(x, (2, 3, 4)), (3, 1)),
    case("squeeze", lambda L, x: L.squeeze(x), (2, 1, 3, 1)),
    case("squeeze-dim", lambda L, x: L.squeeze(x, 1), (2, 1, 3, 1)),
    case("unsqueeze", lambda L, x: L.unsqueeze(x, 0), (2, 3)),
    case("unsqueeze-last", lambda L, x: L.unsqueeze(x, -1), (2, 3)),
    case("flatten", lambda L, x: L.flatten(x), (2, 3, 4)),
    case("flatten-1-2", lambda L, x: L.flatten(x, 1, 2), (2, 3, 4, 2)),
    # neural-network functions and losses
    case("softmax-dim0", lambda L, x: L.softmax(x, 0), (3, 5)),
    case("softmax-dim-1", lambda L, x: L.softmax(x, -1), (3, 5)),
    case("log_softmax-dim0", lambda L, x: L.log_softmax(x, 0), (3, 5)),
    case("log_softmax-dim-1", lambda L, x: L.log_softmax(x, -1), (3, 5)),
    *[
        case(f"{name}-{r}", lambda L, x, name=name, r=r: getattr(L, name)(x, TARGETS, reduction=r), (4, 3))
        for name in ("cross_entropy", "nll_loss")
        for r in REDUCTIONS
    ],
    *[case(f"mse_loss-{r}", lambda L, x, y, r=r: L.mse_loss(x, y, reduction=r), EW, EW) for r in REDUCTIONS],
    *[
        case(
            f"gaussian_nll_loss-{r}-full{full}-var{var[1]}",
            lambda L, x, y, v, r=r, full=full: L.gaussian_nll_loss(x, y, v, full=full, reduction=r),
            (4, 3),
            (4, 3),
            pos(*var),
        )
        for r in REDUCTIONS
        for full in (False, True)
        for var in ((4, 3), (4, 1))
    ],
]


def ids(cases: list[Any]) -> list[str]:
    return [c.id for c in cases]


def run(c: Case, L: Any, to_tensor: Callable[..., Any], arrays: list[np.ndarray]) -> tuple[Any, list[Any]]:
    """Forward and backward (seeded random upstream gradient) of case c with the op namespace L and
    the tensor constructor to_tensor(array, requires_grad=...): the output and the inputs' .grad."""
    xs = [to_tensor(a, requires_grad=True) for a in arrays]
    out = c.fn(L, *xs)
    out.backward(to_tensor(c.upstream(tuple(out.shape), arrays[0].dtype)))
    return out, [x.grad for x in xs]


def dense(arrays: list[np.ndarray], grads: list[Any]) -> list[np.ndarray]:
    """Gradients as float64 arrays, zeros for inputs that backward did not reach."""
    return [
        np.zeros(a.shape) if g is None else np.asarray(g, dtype=np.float64)
        for a, g in zip(arrays, grads, strict=True)
    ]


@pytest.fixture(scope="module")
def torch_ops() -> tuple[Any, Any]:
    torch = pytest.importorskip("torch")
    return torch, torch_reference(torch)


@pytest.mark.parametrize("c", CASES, ids=ids(CASES))
def test_float64_matches_numpy(c: Case) -> None:
    arrays = c.inputs()
    out, grads = run(c, VB, vb.tensor, arrays)
    expected = np.asarray(c.fn(NP, *arrays))
    assert out.dtype == vb.float64 and out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, **FORWARD_TOL)
    for a, g in zip(arrays, grads, strict=True):
        assert g is None or (g.dtype == vb.float64 and g.shape == a.shape)


@pytest.mark.parametrize("c", CASES, ids=ids(CASES))
def test_float64_matches_torch(c: Case, torch_ops: tuple[Any, Any]) -> None:
    torch, T = torch_ops
    arrays = c.inputs()
    out, grads = run(c, VB, vb.tensor, arrays)
    expected, expected_grads = run(c, T, torch.tensor, arrays)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **FORWARD_TOL)
    for g, e in zip(dense(arrays, grads), dense(arrays, expected_grads), strict=True):
        np.testing.assert_allclose(g, e, **GRAD_TOL)


@pytest.mark.parametrize("c", CASES, ids=ids(CASES))
def test_gradients_match_finite_differences(c: Case) -> None:
    arrays = c.inputs()
    out, grads = run(c, VB, vb.tensor, arrays)
    g = c.upstream(tuple(out.shape))
    numeric = numerical_grads(lambda *a: c.fn(VB, *map(vb.tensor, a)).numpy(), arrays, g)
    for got, want in zip(dense(arrays, grads), numeric, strict=True):
        np.testing.assert_allclose(got, want, **FD_TOL)


@pytest.mark.parametrize("c", CASES, ids=ids(CASES))
def test_float32_matches_float64(c: Case) -> None:
    arrays = c.inputs(np.float32)
    wide = [a.astype(np.float64) for a in arrays]
    out, grads = run(c, VB, vb.tensor, arrays)
    _, wide_grads = run(c, VB, vb.tensor, wide)
    assert out.dtype == vb.float32
    np.testing.assert_allclose(out.numpy(), np.asarray(c.fn(NP, *wide)), **FLOAT32_TOL)
    for a, g in zip(arrays, grads, strict=True):
        assert g is None or (g.dtype == vb.float32 and g.shape == a.shape)
    for g, w in zip(dense(arrays, grads), dense(wide, wide_grads), strict=True):
        np.testing.assert_allclose(g, w, **FLOAT32_TOL)


# ---------------------------------------------------------------- edge values: 0, inf, -inf, nan

INF, NAN = np.inf, np.nan


@dataclass(frozen=True)
class Edge:
    id: str
    fn: Callable[..., Any]
    values: tuple[list[Any], ...]
    # False: gradients at NaN inputs are a convention where PyTorch differs (and is not consistent:
    # it passes the gradient through relu and maximum at NaN but blocks it in abs); not compared.
    grad_at_nan: bool = True


def edge(id: str, fn: Callable[..., Any], *values: list[Any], grad_at_nan: bool = True) -> Edge:
    return Edge(id, fn, values, grad_at_nan)


UNARY_EDGE = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN]
NAN_PAIRS = ([NAN, 1.0, INF, -INF], [1.0, NAN, 2.0, 0.0])
EDGES = [
    edge("neg", lambda L, x: -x, UNARY_EDGE),
    edge("reciprocal", lambda L, x: L.reciprocal(x), UNARY_EDGE),
    edge("exp", lambda L, x: L.exp(x), [*UNARY_EDGE, 710.0, -750.0]),
    edge("log", lambda L, x: L.log(x), [*UNARY_EDGE, 1e-300]),
    edge("log1p", lambda L, x: L.log1p(x), [*UNARY_EDGE, -2.0, 1e-20]),
    edge("sqrt", lambda L, x: L.sqrt(x), UNARY_EDGE),
    edge("abs", lambda L, x: L.abs(x), UNARY_EDGE, grad_at_nan=False),
    edge("relu", lambda L, x: L.relu(x), UNARY_EDGE, grad_at_nan=False),
    edge("sigmoid", lambda L, x: L.sigmoid(x), [*UNARY_EDGE, 100.0, -100.0, 800.0, -800.0]),
    edge("tanh", lambda L, x: L.tanh(x), [*UNARY_EDGE, 30.0, -30.0]),
    edge("softplus", lambda L, x: L.softplus(x), [*UNARY_EDGE, 100.0, -100.0, 800.0, -800.0]),
    edge("clamp", lambda L, x: L.clamp(x, min=-0.5, max=2.0), UNARY_EDGE),
    *[
        edge(name, lambda L, x, name=name: getattr(L, name)(x), values)
        for name, values in [
            ("sin", [*UNARY_EDGE, 1e6, -3e5]),  # beyond the vector range reduction
            ("cos", [*UNARY_EDGE, 1e6, -3e5]),
            ("tan", UNARY_EDGE),
            ("asin", [*UNARY_EDGE, 0.5, 2.0, -2.0]),
            ("acos", [*UNARY_EDGE, 0.5, 2.0, -2.0]),
            ("atan", UNARY_EDGE),
            ("sinh", [*UNARY_EDGE, 800.0]),
            ("cosh", [*UNARY_EDGE, -800.0]),
            ("asinh", UNARY_EDGE),
            ("acosh", [1.0, 0.5, 2.0, INF, -INF, NAN]),
            ("atanh", [*UNARY_EDGE, 0.5, 2.0]),
            ("erf", UNARY_EDGE),
            ("erfc", [*UNARY_EDGE, 30.0]),
            ("erfinv", [*UNARY_EDGE, 0.5, -0.999999, 1 - 1e-12, 2.0]),
            ("expm1", [*UNARY_EDGE, 1e-10, -50.0, 709.0, 710.0]),
            ("exp2", [*UNARY_EDGE, 0.5, 1023.0, 1024.0, -1074.0, -1080.0]),
            ("log2", [*UNARY_EDGE, 8.0, 1e-300]),
            ("log10", [*UNARY_EDGE, 1000.0, 1e-300]),
            ("rsqrt", UNARY_EDGE),
            ("square", [*UNARY_EDGE, 1e30]),
            ("floor", [*UNARY_EDGE, 2.5, -2.5]),
            ("ceil", [*UNARY_EDGE, 2.5, -2.5]),
            ("round", [*UNARY_EDGE, 0.5, 1.5, 2.5, -0.5, -2.5, 2.5000001]),  # half to even
            ("trunc", [*UNARY_EDGE, 2.5, -2.5]),
            ("frac", [*UNARY_EDGE, 2.5, -2.5]),
            ("logit", [0.0, 1.0, 0.5, -0.1, 1.1, NAN]),
            ("gelu", [*UNARY_EDGE, 30.0, -30.0]),
            ("silu", [*UNARY_EDGE, 100.0, -100.0]),
            ("elu", [*UNARY_EDGE, -100.0]),
            ("leaky_relu", UNARY_EDGE),
            ("mish", [*UNARY_EDGE, 100.0, -100.0]),
            ("hardtanh", [*UNARY_EDGE, 0.5, -1.5]),  # no gradient at the bounds -1, 1
            ("softsign", [0.0, -0.0, 1.0, -1.0, 1e30, NAN]),
        ]
    ],
    edge("round-decimals", lambda L, x: L.round(x, decimals=1), [0.25, 0.75, -0.25, 1.25, INF, NAN]),
    edge("logit-eps", lambda L, x: L.logit(x, eps=0.1), [0.0, 0.1, 0.9, 1.0, 0.5, NAN]),
    edge(
        "nan_to_num",
        lambda L, x: L.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
        UNARY_EDGE,
    ),
    edge(
        "atan2",
        lambda L, x, y: L.atan2(x, y),
        [0.0, -0.0, 0.0, 1.0, INF, INF, NAN],
        [0.0, -0.0, -1.0, INF, INF, 1.0, 1.0],
    ),
    edge(
        "fmod", lambda L, x, y: L.fmod(x, y), [5.0, -5.0, 5.0, 1.0, INF, 3.0], [3.0, 3.0, -3.0, 0.0, 2.0, INF]
    ),
    edge(
        "remainder",
        lambda L, x, y: L.remainder(x, y),
        [5.0, -5.0, 5.0, -6.0, 1.0, INF, 3.0, -3.0],
        [3.0, 3.0, -3.0, 3.0, 0.0, 2.0, INF, INF],
    ),
    edge(
        "hypot",
        lambda L, x, y: L.hypot(x, y),
        [3.0, 1e30, INF, NAN, 0.0],
        [4.0, 1e30, NAN, INF, -0.0],
        grad_at_nan=False,
    ),
    edge(
        "logaddexp",
        lambda L, x, y: L.logaddexp(x, y),
        [INF, -INF, 1000.0, -1000.0, 0.0, NAN],
        [INF, -INF, 1000.0, -INF, 800.0, 1.0],
    ),
    edge("lerp", lambda L, x, y: L.lerp(x, y, 0.75), [0.0, INF, 1.0, NAN], [1.0, 1.0, -INF, 2.0]),
    edge("add", lambda L, x, y: x + y, [INF, INF, NAN, 1.0], [-INF, 1.0, 1.0, INF]),
    edge("mul", lambda L, x, y: x * y, [0.0, INF, NAN, -0.0], [INF, -1.0, 1.0, 2.0]),
    edge("div", lambda L, x, y: x / y, [1.0, 0.0, -1.0, INF, NAN, 1.0], [0.0, 0.0, 0.0, INF, 1.0, INF]),
    edge(
        "pow",
        lambda L, x, y: x**y,
        [0.0, 0.0, 0.0, -8.0, INF, NAN, 1.0, 2.0],
        [0, -1, 2, 1 / 3, 0, 0, NAN, INF],
    ),
    edge("maximum-nan", lambda L, x, y: L.maximum(x, y), *NAN_PAIRS, grad_at_nan=False),
    edge("minimum-nan", lambda L, x, y: L.minimum(x, y), *NAN_PAIRS, grad_at_nan=False),
    edge("maximum-ties", lambda L, x, y: L.maximum(x, y), [1.0, 2.0, -INF, 3.0], [1.0, 0.0, -INF, 5.0]),
    edge("minimum-ties", lambda L, x, y: L.minimum(x, y), [1.0, 2.0, INF, 3.0], [1.0, 0.0, INF, 5.0]),
    edge("where-nan", lambda L, x, y: L.where(x > 0, x, y), [NAN, 1.0, -1.0, INF], [2.0, NAN, INF, 0.0]),
    edge(
        "logsumexp-inf-rows",
        lambda L, x: L.logsumexp(L.reshape(x, (4, 3)), 1),
        [-INF, -INF, -INF, 1.0, INF, 2.0, INF, INF, 1.0, NAN, 0.0, 1.0],
    ),
    edge("logsumexp-all-minus-inf", lambda L, x: L.logsumexp(x), [-INF, -INF, -INF]),
    edge("amax-nan", lambda L, x: L.amax(L.reshape(x, (2, 3)), 1), [1.0, NAN, 3.0, -INF, INF, 0.0]),
    edge("amin-nan", lambda L, x: L.amin(L.reshape(x, (2, 3)), 1), [NAN, 1.0, 3.0, -INF, INF, 0.0]),
    edge("sum-inf", lambda L, x: L.sum(L.reshape(x, (2, 2)), 1), [INF, -INF, INF, 1.0]),
    edge("softmax-inf", lambda L, x: L.softmax(L.reshape(x, (2, 3)), -1), [0, -INF, 1, -INF, -INF, 2]),
    edge(
        "log_softmax-inf", lambda L, x: L.log_softmax(L.reshape(x, (2, 3)), -1), [0, -INF, 1, -INF, -INF, 2]
    ),
]


def edge_inputs(e: Edge) -> list[np.ndarray]:
    return [np.array(v, dtype=np.float64) for v in e.values]


@pytest.mark.parametrize(
    ("dtype", "tol"), [(np.float64, FORWARD_TOL), (np.float32, {"rtol": 1e-5})], ids=["64", "32"]
)
@pytest.mark.parametrize("e", EDGES, ids=ids(EDGES))
def test_edge_values_match_numpy(e: Edge, dtype: type, tol: dict[str, float]) -> None:
    arrays = [a.astype(dtype) for a in edge_inputs(e)]
    with np.errstate(all="ignore"):  # log(0), inf - inf, and float32 overflow of the float64 reference
        expected = np.asarray(e.fn(NP, *[a.astype(np.float64) for a in arrays])).astype(dtype)
    out = e.fn(VB, *map(vb.tensor, arrays))
    assert out.numpy().dtype == dtype
    np.testing.assert_allclose(out.numpy(), expected, equal_nan=True, **tol)


@pytest.mark.parametrize("e", EDGES, ids=ids(EDGES))
def test_edge_values_match_torch(e: Edge, torch_ops: tuple[Any, Any]) -> None:
    torch, T = torch_ops
    arrays = edge_inputs(e)
    results = []
    for L, to_tensor in ((VB, vb.tensor), (T, torch.tensor)):
        xs = [to_tensor(a, requires_grad=True) for a in arrays]
        out = e.fn(L, *xs)
        out.backward(to_tensor(np.ones(tuple(out.shape))))
        nan_inputs = np.logical_or.reduce([np.isnan(a) for a in arrays]) & (not e.grad_at_nan)
        grads = [np.where(nan_inputs, 0.0, g) for g in dense(arrays, [x.grad for x in xs])]
        results.append([np.asarray(out.detach()), *grads])
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, equal_nan=True, **GRAD_TOL)


def test_softplus_is_stable_at_plus_minus_100() -> None:
    x = vb.tensor(np.array([-100.0, -30.0, 0.0, 30.0, 100.0]), requires_grad=True)
    y = vb.softplus(x)
    y.backward(vb.ones_like(y))
    x64 = x.detach().numpy()
    np.testing.assert_allclose(y.numpy(), np.logaddexp(0.0, x64), rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), special.expit(x64), rtol=1e-15)
    assert y.numpy()[0] > 0 and x.grad.numpy()[0] > 0  # exp(-100), not an underflow to 0


# ---------------------------------------------------------------- non-contiguous inputs

VIEWS = {  # base shape and a (3, 4) non-contiguous view of it
    "transposed": ((4, 3), lambda t: t.T),
    "stepped-slice": ((6, 9), lambda t: t[1::2, ::2][:, :4]),
    "expanded-rows": ((1, 4), lambda t: t.expand(3, 4)),
    "expanded-cols": ((3, 1), lambda t: t.expand(3, 4)),
}
VIEW_OPS = {
    "exp": lambda x: vb.exp(x),
    "softplus": lambda x: vb.softplus(x),
    "clamp": lambda x: vb.clamp(x, min=-0.5, max=0.5),
    "add-self": lambda x: x + x.T.T,
    "mul-contiguous": lambda x: x * vb.tensor(np.arange(12.0).reshape(3, 4)),
    "where": lambda x: vb.where(x > 0, x, 2.0 * x),
    "matmul-left": lambda x: x @ vb.tensor(np.arange(8.0).reshape(4, 2)),
    "matmul-right": lambda x: vb.tensor(np.arange(6.0).reshape(2, 3)) @ x,
    "linear": lambda x: F.linear(x, vb.tensor(np.arange(8.0).reshape(2, 4))),
    "sum-dim0": lambda x: vb.sum(x, 0),
    "amax-dim1": lambda x: vb.amax(x, 1),
    "var": lambda x: vb.var(x, -1),
    "logsumexp": lambda x: vb.logsumexp(x, 1),
    "softmax": lambda x: vb.softmax(x, -1),
    "index_select": lambda x: vb.index_select(x, 1, [3, 0]),
    "sin": lambda x: vb.sin(x),
    "expm1": lambda x: vb.expm1(x),
    "atan2": lambda x: vb.atan2(x, vb.tensor(np.arange(4.0) - 1.5)),
    "lerp": lambda x: vb.lerp(x, x.T.T * 2.0, x),
    "gelu": lambda x: F.gelu(x),
    "prelu": lambda x: F.prelu(x, vb.tensor([0.1, 0.2, 0.3, 0.4])),
    "cat": lambda x: vb.cat([x, x], 1),
    "reshape": lambda x: x.reshape(4, 3),
    "mse_loss": lambda x: F.mse_loss(x, vb.zeros(3, 4, dtype=vb.float64)),
    "cross_entropy": lambda x: F.cross_entropy(x, [3, 0, 1], reduction="none"),
    "nll_loss": lambda x: F.nll_loss(x, [2, 1, 3], reduction="sum"),
}


@pytest.mark.parametrize("op", VIEW_OPS.values(), ids=VIEW_OPS.keys())
@pytest.mark.parametrize(("base_shape", "make_view"), VIEWS.values(), ids=VIEWS.keys())
def test_non_contiguous_inputs_match_contiguous_copies(
    base_shape: tuple[int, ...], make_view: Callable[..., Any], op: Callable[..., Any]
) -> None:
    base = np.random.default_rng(3).standard_normal(base_shape)
    results = []
    for copy in (False, True):
        x = vb.tensor(base, requires_grad=True)
        view = make_view(x)
        assert view.shape == (3, 4) and not view.is_contiguous()
        out = op(view.contiguous() if copy else view)
        out.backward(vb.tensor(np.linspace(-1.0, 1.0, out.numel()).reshape(out.shape)))
        results.append((out.numpy(), x.grad.numpy()))
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


NON_SCALAR_CASES = [c for c in CASES if c.fn(VB, *map(vb.tensor, c.inputs())).ndim > 0]


@pytest.mark.parametrize("c", NON_SCALAR_CASES, ids=ids(NON_SCALAR_CASES))
def test_non_contiguous_upstream_gradient(c: Case) -> None:
    arrays = c.inputs()
    xs = [vb.tensor(a, requires_grad=True) for a in arrays]
    out = c.fn(VB, *xs)
    spaced = np.zeros((*out.shape[:-1], 2 * out.shape[-1]))
    spaced[..., ::2] = c.upstream(tuple(out.shape))
    out.backward(vb.from_numpy(spaced)[..., ::2])  # every other element: a strided gradient
    _, expected = run(c, VB, vb.tensor, arrays)
    # Equal up to round-off: reductions may sum in a different order for a different layout.
    for got, want in zip(dense(arrays, [x.grad for x in xs]), dense(arrays, expected), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- type promotion

PROMOTING = {
    "add": lambda L, x, y: x + y,
    "sub": lambda L, x, y: x - y,
    "mul": lambda L, x, y: x * y,
    "div": lambda L, x, y: x / y,
    "pow": lambda L, x, y: L.abs(x) ** y,
    "maximum": lambda L, x, y: L.maximum(x, y),
    "where": lambda L, x, y: L.where(x > 0, x, y),
    "matmul": lambda L, x, y: x @ L.transpose(y, 0, 1),
    "linear": lambda L, x, y: L.linear(x, y),
    "cat": lambda L, x, y: L.cat([x, y]),
    "mse_loss": lambda L, x, y: L.mse_loss(x, y),
}


@pytest.mark.parametrize("order", ["f32-f64", "f64-f32"])
@pytest.mark.parametrize("fn", PROMOTING.values(), ids=PROMOTING.keys())
def test_float32_with_float64_promotes_to_float64(fn: Callable[..., Any], order: str) -> None:
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3))]
    arrays = arrays if order == "f32-f64" else arrays[::-1]
    xs = [vb.tensor(a, requires_grad=True) for a in arrays]
    out = fn(VB, *xs)
    assert out.dtype == vb.float64
    np.testing.assert_allclose(out.numpy(), fn(NP, *[a.astype(np.float64) for a in arrays]), **FORWARD_TOL)
    vb.sum(out).backward()
    assert [x.grad.dtype for x in xs] == [x.dtype for x in xs]


SCALAR_OPS = [
    lambda x: x + 2.5,
    lambda x: 2.5 * x,
    lambda x: x**2,
    lambda x: 1 / x,
    lambda x: vb.maximum(x, 0.5),
]


@pytest.mark.parametrize("fn", SCALAR_OPS, ids=["add", "rmul", "pow", "rdiv", "maximum"])
def test_python_scalars_keep_the_tensor_dtype(fn: Callable[..., Any]) -> None:
    for dtype in (vb.float32, vb.float64):
        assert fn(vb.ones(2, 3, dtype=dtype)).dtype == dtype


# ---------------------------------------------------------------- functions and methods agree

UNARY_METHODS = tuple(
    """neg exp log log1p sqrt abs reciprocal relu sigmoid tanh softplus sin cos tan asin acos atan sinh
    cosh asinh acosh atanh erf erfc erfinv expm1 exp2 log2 log10 rsqrt square floor ceil round trunc frac
    logit nan_to_num isnan isinf isfinite""".split()
)
DIM_METHODS = ("sum", "mean", "var", "amax", "amin", "logsumexp", "softmax", "log_softmax")


@pytest.mark.parametrize("name", UNARY_METHODS + DIM_METHODS)
def test_tensor_methods_match_functions(name: str) -> None:
    x = vb.tensor(np.random.default_rng(2).uniform(0.5, 2.0, (3, 4)))
    args = (1,) if name in DIM_METHODS else ()
    np.testing.assert_array_equal(getattr(x, name)(*args).numpy(), getattr(vb, name)(x, *args).numpy())


@pytest.mark.parametrize("name", ["atan2", "fmod", "remainder", "hypot", "logaddexp"])
def test_binary_methods_match_functions(name: str) -> None:
    rng = np.random.default_rng(6)
    x, y = vb.tensor(rng.uniform(0.5, 2.0, (3, 4))), vb.tensor(rng.uniform(0.5, 2.0, (4,)))
    np.testing.assert_array_equal(getattr(x, name)(y).numpy(), getattr(vb, name)(x, y).numpy())


def test_lerp_method_matches_function() -> None:
    x, y = vb.linspace(0, 1, 12, dtype=vb.float64).reshape(3, 4), vb.ones(4, dtype=vb.float64)
    np.testing.assert_array_equal(x.lerp(y, 0.7).numpy(), vb.lerp(x, y, 0.7).numpy())


# ---------------------------------------------------------------- classification and nan_to_num

CLASSIFY_INPUT = [0.0, -0.0, 1.5, INF, -INF, NAN, -NAN, 1e-310]


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int32, np.int64], ids=["f32", "f64", "i32", "i64"]
)
def test_classification_gives_bool_tensors(name: str, dtype: type) -> None:
    x = np.array(CLASSIFY_INPUT if np.dtype(dtype).kind == "f" else [0, -3, 7, 2**30], dtype=dtype)
    out = getattr(vb, name)(vb.tensor(x))
    assert out.dtype == vb.bool and out.numpy().dtype == np.bool_
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(x))
    assert not out.requires_grad
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(out.numpy(), getattr(torch, name)(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_to_num_defaults_are_the_dtype_limits_as_torch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([NAN, INF, -INF, 2.0], dtype=dtype)
    expected = torch.nan_to_num(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(vb.nan_to_num(vb.tensor(x)).numpy(), expected)
    np.testing.assert_array_equal(vb.tensor(x).nan_to_num(posinf=1.0).numpy(), [0.0, 1.0, expected[2], 2.0])


# ---------------------------------------------------------------- dropout


def test_dropout_identity_when_p_is_zero_or_in_eval_mode() -> None:
    x = vb.randn(4, 5, dtype=vb.float64)
    for out in (F.dropout(x, 0.0), F.dropout(x, 0.7, training=False)):
        np.testing.assert_array_equal(out.numpy(), x.numpy())


@pytest.mark.parametrize("dtype", [vb.float32, vb.float64], ids=["float32", "float64"])
def test_dropout_training_masks_a_fraction_p_scales_by_1_over_1_minus_p(dtype: vb.DType) -> None:
    p, n = 0.3, 20000
    x = vb.tensor(np.random.default_rng(4).uniform(0.5, 1.5, n), dtype=dtype, requires_grad=True)
    out = F.dropout(x, p, generator=vb.Generator(7))
    out.backward(vb.ones_like(out))
    kept = out.numpy() != 0
    assert out.dtype == dtype and abs(1 - kept.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(out.numpy()[kept], x.detach().numpy()[kept] / (1 - p), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), kept / (1 - p), rtol=1e-6)  # the gradient is the scaled mask
    again = F.dropout(x, p, generator=vb.Generator(7))
    np.testing.assert_array_equal(again.numpy(), out.numpy())


def test_dropout_p_one_zeroes_everything_and_bad_p_raises() -> None:
    x = vb.ones(3, 4, requires_grad=True)
    assert not F.dropout(x, 1.0).numpy().any()
    for p in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="dropout"):
            F.dropout(x, p)


# ---------------------------------------------------------------- bad input raises clear errors


def backward_twice() -> None:
    x = vb.ones(3, requires_grad=True)
    y = vb.sum(x * x)
    y.backward()
    y.backward()


ERRORS = {
    "add-shapes": (lambda: vb.ones(2, 3) + vb.ones(4), ValueError, r"\[2, 3\].*\[4\]"),
    "matmul-shapes": (lambda: vb.ones(2, 3) @ vb.ones(4, 2), ValueError, r"\[2, 3\].*\[4, 2\]"),
    "matmul-batch-shapes": (
        lambda: vb.ones(2, 3, 4) @ vb.ones(3, 4, 5),
        ValueError,
        r"\[2, 3, 4\].*\[3, 4, 5\]",
    ),
    "matmul-0d": (lambda: vb.matmul(vb.ones(()), vb.ones(3)), ValueError, r"matmul"),
    "linear-shapes": (lambda: F.linear(vb.ones(5, 3), vb.ones(4, 2)), ValueError, r"\[5, 3\].*\[4, 2\]"),
    "linear-bias": (lambda: F.linear(vb.ones(5, 3), vb.ones(4, 3), vb.ones(3)), ValueError, r"\[3\]"),
    "mse_loss-shapes": (lambda: F.mse_loss(vb.ones(3), vb.ones(4)), ValueError, r"\[3\].*\[4\]"),
    "cat-shapes": (lambda: vb.cat([vb.ones(2, 3), vb.ones(2, 4)]), ValueError, r"\[2, 4\].*\[2, 3\]"),
    "reshape-size": (lambda: vb.ones(2, 3).reshape(4, 2), ValueError, r"\[4, 2\].*6"),
    "tensor-strings": (lambda: vb.tensor(["a"]), TypeError, r"unsupported element type"),
    "from_numpy-uint8": (lambda: vb.from_numpy(np.arange(3, dtype=np.uint8)), TypeError, r"uint8"),
    "from_numpy-byte-order": (
        lambda: vb.from_numpy(np.arange(3.0).astype(">f8" if np.little_endian else "<f8")),
        TypeError,
        r"byte order is not the machine's \(dtype [<>]f8\)",
    ),
    "zeros-float16": (lambda: vb.zeros(2, dtype=np.float16), TypeError, r"float16"),
    "tensor-ragged": (lambda: vb.tensor([[1, 2], [3]]), ValueError, r"ragged"),
    "zeros-negative": (lambda: vb.zeros(-1), ValueError, r"negative"),
    "zeros-absurd": (lambda: vb.zeros(10**7, 10**7), MemoryError, r"cannot allocate 400000000000000 bytes"),
    "index-out-of-range": (lambda: vb.ones(3, 4)[5], IndexError, r"5.*size 3"),
    "index-negative-out-of-range": (lambda: vb.ones(3, 4)[:, -5], IndexError, r"-5.*size 4"),
    "index_select-out-of-range": (
        lambda: vb.index_select(vb.ones(3, 4), 1, [0, 4]),
        IndexError,
        r"4.*size 4",
    ),
    "cross_entropy-target": (lambda: F.cross_entropy(vb.ones(2, 3), [0, 3]), IndexError, r"3.*3 classes"),
    "cross_entropy-negative": (lambda: F.cross_entropy(vb.ones(2, 3), [-1, 0]), IndexError, r"-1"),
    "atan2-shapes": (lambda: vb.atan2(vb.ones(2, 3), vb.ones(4)), ValueError, r"atan2.*\[2, 3\].*\[4\]"),
    "lerp-shapes": (lambda: vb.lerp(vb.ones(3), vb.ones(3), vb.ones(2)), ValueError, r"lerp.*\[3\].*\[2\]"),
    "gelu-approximate": (lambda: F.gelu(vb.ones(2), approximate="erf"), ValueError, r"gelu.*'erf'"),
    "prelu-weight": (lambda: F.prelu(vb.ones(2, 3), vb.ones(2)), ValueError, r"prelu.*\[2\].*\[2, 3\]"),
    "hardtanh-bounds": (lambda: F.hardtanh(vb.ones(2), 1.0, 0.0), ValueError, r"hardtanh.*min_val"),
    "backward-freed-graph": (backward_twice, RuntimeError, r"retain_graph"),
    "backward-non-scalar": (lambda: (vb.ones(3, requires_grad=True) * 2).backward(), RuntimeError, r"scalar"),
}


@pytest.mark.parametrize(("fn", "error", "match"), ERRORS.values(), ids=ERRORS.keys())
def test_bad_input_raises_a_clear_error(fn: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        fn()


def test_retain_graph_allows_a_second_backward() -> None:
    x = vb.tensor([1.0, 2.0], requires_grad=True)
    y = vb.sum(x * x)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 4 * np.array([1.0, 2.0]))
