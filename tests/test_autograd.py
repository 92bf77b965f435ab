"""Reverse-mode autodiff: leaves and grad accumulation, graph nodes, grad modes, long chains, freed graphs."""

import threading

import numpy as np
import pytest

import varbayes as vb

CHAIN_LENGTH = 100_000


@pytest.fixture(params=[vb.float32, vb.float64], ids=["f32", "f64"])
def leaf(request):
    return vb.tensor([1.0, 2.0, 3.0], dtype=request.param, requires_grad=True)


# --------------------------------------------------------------------------- leaves, .grad, .grad_fn


def test_leaf_properties(leaf):
    assert leaf.requires_grad and leaf.is_leaf
    assert leaf.grad is None and leaf.grad_fn is None
    y = leaf * 2
    assert y.requires_grad and not y.is_leaf
    assert y.grad_fn.name() == "mul" and repr(y.grad_fn) == "<mul>"
    plain = vb.ones(3, dtype=leaf.dtype)
    assert not plain.requires_grad and plain.is_leaf
    assert not (plain * 2).requires_grad and (plain * 2).grad_fn is None


def test_grad_has_the_leaf_dtype_and_shape(leaf):
    (leaf * leaf).sum().backward()
    assert leaf.grad.dtype == leaf.dtype and leaf.grad.shape == leaf.shape
    np.testing.assert_allclose(leaf.grad.numpy(), [2.0, 4.0, 6.0])
    assert leaf.grad.grad_fn is None and not leaf.grad.requires_grad


def test_grad_accumulates_and_resets(leaf):
    for expected in ([3.0] * 3, [6.0] * 3):
        (leaf * 3).sum().backward()
        np.testing.assert_allclose(leaf.grad.numpy(), expected)
    leaf.grad = None
    assert leaf.grad is None
    (leaf * 5).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [5.0] * 3)


def test_grad_assignment_is_checked(leaf):
    leaf.grad = vb.full((3,), 0.5, dtype=leaf.dtype)
    leaf.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [1.5] * 3)
    with pytest.raises(ValueError, match="shape"):
        leaf.grad = vb.ones(4, dtype=leaf.dtype)


def test_next_functions():
    x = vb.ones(2, requires_grad=True)
    c = vb.ones(2)
    y = (x * c + 1.0).sum()
    assert y.grad_fn.name() == "sum"
    (add,) = y.grad_fn.next_functions
    assert add.name() == "add"
    mul, constant = add.next_functions
    assert mul.name() == "mul" and constant is None
    assert mul.next_functions == [None, None]  # leaves and inputs without grad have no node


def test_only_leaves_get_grad():
    x = vb.ones(2, requires_grad=True)
    hidden = x * 2
    (hidden * hidden).sum().backward()
    assert hidden.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 8.0])


def test_mixed_dtype_graph_sends_each_leaf_its_dtype():
    a = vb.ones(2, dtype=vb.float64, requires_grad=True)
    b = vb.full((2,), 3.0, requires_grad=True)
    (a.float() * b).sum().backward()
    assert a.grad.dtype == vb.float64 and b.grad.dtype == vb.float32
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


def test_integer_data_cannot_require_grad():
    # As torch.tensor([1, 2, 3], requires_grad=True): integer leaves have no gradient.
    with pytest.raises(RuntimeError, match="floating point"):
        vb.tensor([1, 2, 3], requires_grad=True)
    x = vb.tensor([1, 2, 3], dtype=vb.float32, requires_grad=True)
    (x**2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_requires_grad_switches():
    x = vb.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = vb.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_detach_shares_memory_without_history(leaf):
    y = leaf * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.numpy())
    d.fill_(7.0)
    np.testing.assert_array_equal(y.numpy(), [7.0] * 3)
    (d * leaf).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [7.0] * 3)


# --------------------------------------------------------------------------- backward arguments


def test_backward_needs_a_gradient_for_non_scalars(leaf):
    y = leaf * leaf
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    y.backward(gradient=vb.tensor([1.0, 0.0, -1.0], dtype=leaf.dtype))
    np.testing.assert_allclose(leaf.grad.numpy(), [2.0, 0.0, -6.0])


def test_backward_gradient_shape_is_checked(leaf):
    with pytest.raises(ValueError, match="shape"):
        (leaf * 2).backward(gradient=vb.ones(4, dtype=leaf.dtype))


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        vb.ones(2).sum().backward()


def test_retain_graph_allows_a_second_backward(leaf):
    y = (leaf * leaf).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), 4 * leaf.numpy())


def test_backward_through_a_freed_graph_raises(leaf):
    y = (leaf * leaf).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), 2 * leaf.numpy())  # the failed call added nothing


def test_backward_of_a_shared_subgraph_after_freeing_one_branch(leaf):
    shared = leaf * leaf
    first, second = shared.sum(), (shared * 3).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="second time"):
        second.backward()


@pytest.mark.parametrize(
    "modify",
    [lambda t: t.add_(1.0), lambda t: t.mul_(2.0), lambda t: t.fill_(0.0), lambda t: t.__setitem__(0, 5.0)],
    ids=["add_", "mul_", "fill_", "setitem"],
)
def test_modifying_a_saved_tensor_then_backward_raises(leaf, modify):
    constant = vb.full((3,), 2.0, dtype=leaf.dtype)
    y = (leaf * constant).sum()  # mul saves `constant` for leaf's gradient
    modify(constant)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_modifying_a_saved_leaf_under_no_grad_then_backward_raises(leaf):
    y = (leaf * leaf).sum()
    with vb.no_grad():
        leaf.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_modifying_through_a_view_is_detected(leaf):
    constant = vb.ones(2, 3, dtype=leaf.dtype)
    y = (leaf * constant).sum()
    constant[1].fill_(4.0)  # a view shares the storage and its version counter
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_modifying_an_unsaved_tensor_is_allowed(leaf):
    constant = vb.ones(3, dtype=leaf.dtype)
    y = (leaf + constant).sum()  # add saves neither input
    constant.fill_(9.0)
    y.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [1.0] * 3)


# --------------------------------------------------------------------------- grad modes


def test_no_grad_context_manager(leaf):
    assert vb.is_grad_enabled()
    with vb.no_grad():
        assert not vb.is_grad_enabled()
        y = leaf * 2
    assert vb.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator(leaf):
    @vb.no_grad()
    def double(t):
        """Doubles t."""
        assert not vb.is_grad_enabled()
        return t * 2

    y = double(leaf)
    assert not y.requires_grad
    assert vb.is_grad_enabled()
    assert double.__name__ == "double" and double.__doc__ == "Doubles t."


def test_enable_grad_inside_no_grad(leaf):
    @vb.enable_grad()
    def triple(t):
        return t * 3

    with vb.no_grad():
        with vb.enable_grad():
            assert vb.is_grad_enabled()
            inner = leaf * 2
            with vb.no_grad():
                assert not vb.is_grad_enabled()
            assert vb.is_grad_enabled()
        assert not vb.is_grad_enabled()
        decorated = triple(leaf)
        assert not vb.is_grad_enabled()
        outer = leaf * 2
    assert inner.requires_grad and inner.grad_fn.name() == "mul"
    assert decorated.requires_grad
    assert not outer.requires_grad


def test_grad_mode_is_restored_after_an_exception():
    @vb.no_grad()
    def fail():
        raise KeyError("boom")

    with pytest.raises(ValueError), vb.no_grad():
        raise ValueError("boom")
    assert vb.is_grad_enabled()
    with pytest.raises(KeyError):
        fail()
    assert vb.is_grad_enabled()


def test_a_no_grad_object_is_reusable():
    mode = vb.no_grad()
    for _ in range(2):
        with mode:
            with mode:
                assert not vb.is_grad_enabled()
            assert not vb.is_grad_enabled()
        assert vb.is_grad_enabled()


def test_set_grad_enabled():
    try:
        vb.set_grad_enabled(False)
        assert not vb.is_grad_enabled()
        assert not (vb.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        vb.set_grad_enabled(True)


def test_no_grad_is_thread_local():
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with vb.no_grad():
            entered.set()
            checked.wait(timeout=10)
            seen["worker_enabled"] = vb.is_grad_enabled()
            seen["worker_records"] = (vb.ones(1, requires_grad=True) * 2).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert entered.wait(timeout=10)
        assert vb.is_grad_enabled()  # the other thread's no_grad does not leak here
        x = vb.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    finally:
        checked.set()
        thread.join(timeout=10)
    assert seen == {"worker_enabled": False, "worker_records": False}


def test_new_threads_start_with_grad_enabled():
    seen = []
    with vb.no_grad():
        thread = threading.Thread(target=lambda: seen.append(vb.is_grad_enabled()))
        thread.start()
        thread.join(timeout=10)
    assert seen == [True]


# --------------------------------------------------------------------------- long chains


@pytest.mark.parametrize(
    ("step", "expected"),
    [(lambda y: y * 1.000001, 1.000001**CHAIN_LENGTH), (lambda y: y + 1.0, 1.0)],
    ids=["mul", "add"],
)
def test_long_chain_backward_and_free(step, expected):
    x = vb.tensor(1.0, dtype=vb.float64, requires_grad=True)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = step(y)
    y.backward()
    assert x.grad.item() == pytest.approx(expected, rel=1e-9)
    del y  # freeing the (already released) chain must not recurse


@pytest.mark.parametrize("step", [lambda y: y * 1.000001, lambda y: y + 1.0], ids=["mul", "add"])
def test_long_chain_dropped_without_backward(step):
    x = vb.ones(3, requires_grad=True)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = step(y)
    del y  # 100,000 nodes freed iteratively: no stack overflow, no RecursionError
    z = (x * 2).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0] * 3)


def test_long_chain_with_retained_graph():
    x = vb.tensor(2.0, dtype=vb.float64, requires_grad=True)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = y + x * 1e-6
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * (1 + CHAIN_LENGTH * 1e-6), rel=1e-9)
