"""Python threads and the engine (issue 23, item 5): the heavy bindings (matmul, binary ops,
reductions, linear, losses, Bayesian sampling and KL, backward, optimizer steps) run without the
GIL, and what the engine shares between threads is safe: two models trained in two threads at once
give bit for bit the results of sequential runs, grad mode and the sampling switch are per thread,
each thread can draw from its own generator (vb.generator_scope), the shared default generator
hands out disjoint draws, and the kernel thread count is one setting for the whole process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import varbayes as vb
import varbayes.nn.functional as F


def run_in_threads(*jobs: Callable[[], Any]) -> list[Any]:
    """Runs the jobs in one thread each, released together; re-raises the first error."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = jobs[i]()
        except BaseException as e:  # noqa: BLE001  (handed to the main thread)
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def bayesian_regression() -> tuple[vb.nn.Module, Callable[..., Any]]:
    model = vb.nn.Sequential(
        vb.nn.BayesLinear(8, 64, prior=vb.nn.NormalPrior(0.0, 0.5, trainable=True)),
        vb.nn.ReLU(),
        vb.nn.BayesLinearLRT(64, 2),
    )
    return model, lambda params: vb.optim.Adam(params, lr=1e-2)


def mixed_classifier() -> tuple[vb.nn.Module, Callable[..., Any]]:
    model = vb.nn.Sequential(
        vb.nn.Linear(8, 96), vb.nn.Tanh(), vb.nn.Dropout(0.1), vb.nn.BayesLinear(96, 4), vb.nn.Softplus()
    )
    return model, lambda params: vb.optim.SGD(params, lr=0.05, momentum=0.9)


def train(seed: int, build: Callable[[], tuple[vb.nn.Module, Callable[..., Any]]], steps: int = 25) -> list:
    """Builds and trains a model from a generator of its own; returns the losses and parameters."""
    rng = np.random.default_rng(seed)
    x = vb.tensor(rng.normal(size=(128, 8)).astype(np.float32))
    y = vb.tensor(rng.normal(size=(128, 2)).astype(np.float32))
    labels = rng.integers(0, 4, size=128)
    with vb.generator_scope(vb.Generator(seed)):
        model, make_optimizer = build()
        optimizer = make_optimizer(model.parameters())
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            out, kl = model.forward_with_kl(x)
            data = F.mse_loss(out, y) if out.shape[1] == 2 else F.cross_entropy(out, labels)
            loss = data + kl / 1000.0 + (out @ out.T).mean() * 1e-4
            loss.backward()
            vb.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            optimizer.step()
            losses.append(loss.item())
        with vb.no_grad():
            prediction = vb.predict(model, x, 4).mean
    return [np.array(losses), prediction] + [p.numpy().copy() for p in model.parameters()]


def test_two_threads_training_two_models_give_the_sequential_results_bit_for_bit():
    """Each run draws from its own generator (initialisation, weight samples, dropout, prediction),
    so a run does not depend on what the other thread does while both compute without the GIL."""
    jobs = [lambda: train(1, bayesian_regression), lambda: train(2, mixed_classifier)]
    sequential = [job() for job in jobs]
    assert not np.array_equal(sequential[0][0], train(3, bayesian_regression)[0])  # the seed matters
    for _ in range(3):
        concurrent = run_in_threads(*jobs)
        for seq, con in zip(sequential, concurrent, strict=True):
            assert len(seq) == len(con)
            for a, b in zip(seq, con, strict=True):
                np.testing.assert_array_equal(a, b)


def test_heavy_ops_release_the_gil(num_threads):
    """While one thread multiplies large matrices (on one kernel thread), another Python thread
    keeps running: it counts about as many loop iterations as while the first thread sleeps (with
    the GIL held it would run only between calls, a small fraction of the time)."""
    vb.set_num_threads(1)
    a = vb.randn(700, 700)
    stop, count = threading.Event(), [0]

    def spin() -> None:
        while not stop.is_set():
            count[0] += 1

    def products() -> None:
        for _ in range(3):
            a @ a
            vb.matmul(a, a)
            (a * a + a).sum()
            vb.nn.functional.linear(a, a)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        # Baseline: how far the spinner gets while this thread sleeps (GIL free) for the same time.
        start = time.perf_counter()
        products()
        elapsed = time.perf_counter() - start
        during = count[0]
        count[0] = 0
        time.sleep(elapsed)
        idle = count[0]
    finally:
        stop.set()
        spinner.join()
    assert during > 0.25 * idle, (during, idle)


def test_grad_mode_and_sampling_switch_are_per_thread():
    """no_grad and sampling(False) in one thread do not change another thread's modes."""
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def switched() -> None:
        with vb.no_grad(), vb.nn.sampling(False):
            inside.set()
            outside.wait(5)
            seen["switched"] = (vb.is_grad_enabled(), vb._core.is_sampling_enabled())

    def other() -> None:
        inside.wait(5)
        x = vb.ones(3, requires_grad=True)
        seen["other"] = (vb.is_grad_enabled(), vb._core.is_sampling_enabled(), (x * 2).requires_grad)
        outside.set()

    run_in_threads(switched, other)
    assert seen == {"switched": (False, False), "other": (True, True, True)}


def test_generator_scope_is_per_thread_and_nests():
    """Inside a scope, draws naming no generator come from the scope's generator (as drawing from
    it directly), the default generator is untouched, nested scopes restore the outer one, and
    another thread meanwhile draws from the default generator."""

    def other_thread() -> tuple[int, int]:
        state = vb.default_generator().get_state()
        vb.randn(2)  # one block of the default generator: this thread has no scope
        return state

    vb.manual_seed(5)
    before = vb.default_generator().get_state()
    with vb.generator_scope(vb.Generator(7)):
        a = vb.randn(6).numpy().copy()
        with vb.generator_scope(vb.Generator(8)):
            inner = vb.randn(6).numpy().copy()
        b = vb.randn(6).numpy().copy()
        seen_by_other = run_in_threads(other_thread)[0]
    g = vb.Generator(7)
    np.testing.assert_array_equal(a, vb.randn(6, generator=g).numpy())
    np.testing.assert_array_equal(b, vb.randn(6, generator=g).numpy())
    np.testing.assert_array_equal(inner, vb.randn(6, generator=vb.Generator(8)).numpy())
    assert seen_by_other == before
    assert vb.default_generator().get_state() == (before[0], before[1] + 1)


def test_generator_scope_rejects_misuse():
    with pytest.raises(TypeError, match="generator_scope: expected a vb.Generator, got <class 'int'>"):
        vb.generator_scope(3)
    scope = vb.generator_scope(vb.Generator(1))
    with pytest.raises(RuntimeError, match="exited without being entered"):
        scope.__exit__(None, None, None)
    with scope, pytest.raises(RuntimeError, match="already entered"):
        scope.__enter__()
    scope.__enter__()
    with pytest.raises(RuntimeError, match="exited in another thread"):
        run_in_threads(lambda: scope.__exit__(None, None, None))
    scope.__exit__(None, None, None)


def test_shared_default_generator_gives_disjoint_draws_across_threads():
    """Threads drawing from the one default generator at once get distinct counter ranges: together
    their draws are the sequential stream's, in some order."""
    vb.manual_seed(11)
    draws = run_in_threads(*[lambda: [vb.randn(4).numpy().copy() for _ in range(50)]] * 4)
    vb.manual_seed(11)
    stream = sorted(tuple(vb.randn(4).numpy()) for _ in range(200))
    assert sorted(tuple(d) for ds in draws for d in ds) == stream


def test_kernel_thread_count_is_one_setting_for_the_process(num_threads):
    """set_num_threads in one thread is what every thread's kernels use (OpenMP's own setting
    would be per calling thread)."""
    vb.set_num_threads(1)
    assert run_in_threads(vb.get_num_threads)[0] == 1
    run_in_threads(lambda: vb.set_num_threads(3))
    assert vb.get_num_threads() == 3
