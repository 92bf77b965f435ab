"""Independent tasks (fits, chains, sweeps) in parallel: ``map_fits`` on joblib, locally or on a
Dask or Ray cluster.

Every task gets a seed derived from (``seed``, its index) alone, so a map gives the same results,
bit for bit, whatever the number of workers and the backend. Tasks and results travel as plain
data (models as checkpoint bytes: ``vb.save(model, io.BytesIO())``), never as pickles of engine
objects. A failed task is retried; with ``results=`` every finished task is appended to a
JSON-lines file at once, and a rerun skips the tasks already in it.
"""

from __future__ import annotations

import contextlib
import json
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from . import _core
from ._checks import check_count, is_int
from ._fs import writable_directory
from .callbacks import progress_bar

BACKENDS = ("loky", "threading", "dask", "ray")


class TaskError(RuntimeError):
    """Tasks of ``map_fits`` that failed on every try.

    Attributes
    ----------
    failures : list of (int, object, str)
        Per failed task: its index, its config and the error (the worker's traceback).
    """

    def __init__(self, failures: list[tuple[int, Any, str]]) -> None:
        self.failures = failures
        lines = [f"{len(failures)} task(s) failed on every try:"]
        for index, config, error in failures:
            last = error.strip().splitlines()[-1] if error.strip() else "unknown error"
            lines.append(f"  task {index} (config {config!r}): {last}")
        super().__init__("\n".join(lines) + "\n\nfirst traceback:\n" + failures[0][2])


def task_seed(seed: int, index: int) -> int:
    """The seed of task ``index`` of a map with ``seed``.

    Parameters
    ----------
    seed : int
        The map's seed (non-negative).
    index : int
        The task's position in the configs (non-negative).

    Returns
    -------
    int
        A 63-bit integer that depends on (seed, index) only; nearby seeds and indices give
        unrelated streams (NumPy's ``SeedSequence``).
    """
    for name, value in (("seed", seed), ("index", index)):
        if not is_int(value) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1, np.uint64)[0] >> 1)


def map_fits(
    fn: Callable[[Any, int], Any],
    configs: Sequence[Any],
    n_jobs: int | None = None,
    backend: str = "loky",
    *,
    seed: int = 0,
    retries: int = 1,
    results: str | os.PathLike[str] | None = None,
    threads_per_worker: int | None = None,
    scheduler: str | None = None,
    address: str | None = None,
    progress: bool = False,
) -> list[Any]:
    """``[fn(config, seed_i) for i, config in enumerate(configs)]``, the calls in parallel.

    Parameters
    ----------
    fn : callable
        ``fn(config, seed)``: one task. ``seed`` is ``task_seed(seed, i)``; in worker processes
        (every backend but ``"threading"``) varbayes' default generator is also seeded with it
        before the call, so ``vb.randn`` and layer initialisations are reproducible. It must
        return plain data (numbers, strings, bytes, arrays, lists, dicts, dataclasses of them):
        engine objects (modules, tensors) are refused; send a model as ``vb.save`` bytes.
    configs : sequence
        One config per task (plain data; JSON-able when ``results`` is given).
    n_jobs : int, optional
        Tasks run at the same time. None: every core (``"loky"``, ``"threading"``) or every
        worker slot of the cluster (``"dask"``, ``"ray"``). 1 runs the tasks one after the other
        in this process.
    backend : {"loky", "threading", "dask", "ray"}
        ``"loky"``: worker processes on this machine. ``"threading"``: threads of this process;
        the default generator is shared by the threads and is not seeded, so ``fn`` must draw
        from generators made from its ``seed`` to be reproducible. ``"dask"``: a Dask cluster
        (``pip install "varbayes[dask]"``). ``"ray"``: a Ray cluster (``"varbayes[ray]"``).
    seed : int
        Seed of the map; task ``i`` gets ``task_seed(seed, i)``.
    retries : int
        Further tries of a task that raised or whose worker died. When a worker dies, every task
        it may have been running counts one try.
    results : path, optional
        A JSON-lines file: each finished task is appended as one line (flushed and synced to
        disk at once), and the tasks already in it are not run again (a truncated last line, from
        a run killed while writing it, is dropped). The results returned are then JSON values
        (tuples come back as lists).
    threads_per_worker : int, optional
        Kernel threads of each task (``vb.set_num_threads``). None: cores // workers for the
        local backends (at least 1), 1 for the cluster backends (one worker per core), and left
        as is when ``n_jobs`` is 1.
    scheduler : str, optional
        ``"dask"``: the scheduler address (``tcp://HOST:PORT``). None: the current
        ``distributed.Client`` if there is one, else a local cluster of ``n_jobs`` processes
        started for this call.
    address : str, optional
        ``"ray"``: the address of the Ray head (``HOST:PORT``). None: the running Ray runtime,
        else a local one started (and stopped) for this call.
    progress : bool
        A progress bar over the tasks (in a terminal).

    Returns
    -------
    list
        The results in the order of ``configs``.

    Raises
    ------
    TaskError
        When tasks still fail after ``retries`` further tries; every other task has finished
        (and is in ``results``) by then.
    ValueError
        Bad arguments, or a ``results`` file written by a different map.
    """
    if not callable(fn):
        raise TypeError(f"map_fits: fn must be callable, got {type(fn).__name__}")
    configs = list(configs)
    if backend not in BACKENDS:
        raise ValueError(f"map_fits: backend must be one of {BACKENDS}, got {backend!r}")
    if n_jobs is not None:
        n_jobs = check_count("n_jobs", n_jobs)
    if threads_per_worker is not None:
        threads_per_worker = check_count("threads_per_worker", threads_per_worker)
    retries = check_count("retries", retries, minimum=0)
    if not is_int(seed) or seed < 0:
        raise ValueError(f"map_fits: seed must be a non-negative integer, got {seed!r}")
    if scheduler is not None and backend != "dask":
        raise ValueError(f"map_fits: scheduler= is the Dask scheduler address; backend is {backend!r}")
    if address is not None and backend != "ray":
        raise ValueError(f"map_fits: address= is the Ray head address; backend is {backend!r}")
    seeds = [task_seed(seed, i) for i in range(len(configs))]
    log = _ResultsLog(Path(results), configs, seeds) if results is not None else None
    done: dict[int, Any] = dict(log.done) if log is not None else {}
    pending = [i for i in range(len(configs)) if i not in done]
    if n_jobs is None and backend in ("loky", "threading"):
        n_jobs = joblib.cpu_count()
    if pending:
        with _engine(backend, n_jobs, scheduler, address):
            _run(
                fn, configs, seeds, pending, done, log, retries, backend, n_jobs, threads_per_worker, progress
            )
    return [done[i] for i in range(len(configs))]


def _run(
    fn: Callable[[Any, int], Any],
    configs: list[Any],
    seeds: list[int],
    pending: list[int],
    done: dict[int, Any],
    log: _ResultsLog | None,
    retries: int,
    backend: str,
    n_jobs: int | None,
    threads_per_worker: int | None,
    progress: bool,
) -> None:
    """Runs ``pending`` until each has succeeded or used ``retries`` further tries."""
    in_process = backend == "threading" or (backend == "loky" and n_jobs == 1)
    threads = threads_per_worker
    if threads is None and not (backend == "loky" and n_jobs == 1):
        threads = max(1, joblib.cpu_count() // n_jobs) if backend in ("loky", "threading") else 1
    tries = dict.fromkeys(pending, 0)
    errors: dict[int, str] = {}
    bar = progress_bar(len(configs), progress, unit="task", initial=len(configs) - len(pending))
    task_args = {
        i: (
            fn,
            i,
            configs[i],
            seeds[i],
            None if in_process else threads,
            backend != "threading",
            log is not None,
        )
        for i in pending
    }
    with _kernel_threads(threads if in_process else None):
        while pending:
            outcomes = (
                _ray_outcomes([task_args[i] for i in pending], n_jobs)
                if backend == "ray"
                else _joblib_outcomes([task_args[i] for i in pending], backend, n_jobs)
            )
            for index, ok, value in outcomes:
                tries[index] += 1
                if ok:
                    done[index] = log.append(index, value) if log is not None else value
                    if bar is not None:
                        bar.update(1)
                else:
                    errors[index] = value
            pending = [i for i in pending if i not in done and tries[i] <= retries]
    if bar is not None:
        bar.close()
    failed = sorted(i for i in tries if i not in done)
    if failed:
        raise TaskError([(i, configs[i], errors[i]) for i in failed])


def _lost(exc: BaseException) -> str:
    return f"the worker running the task failed: {type(exc).__name__}: {exc}"


def _joblib_outcomes(tasks: list[tuple], backend: str, n_jobs: int | None) -> Iterator[tuple[int, bool, Any]]:
    """(index, ok, value) per task, as they finish; when the engine fails (mostly: a worker
    died), every unfinished task comes back failed, as any of them may have been on it."""
    finished: set[int] = set()
    # parallel_config, not Parallel(backend=), is what registers joblib's Dask backend
    with joblib.parallel_config(backend=backend, n_jobs=n_jobs or -1):
        outcomes = iter(
            joblib.Parallel(return_as="generator_unordered")(joblib.delayed(_task)(*t) for t in tasks)
        )
        while True:
            try:
                index, ok, value = next(outcomes)
            except StopIteration:
                return
            except Exception as exc:
                for t in tasks:
                    if t[1] not in finished:
                        yield t[1], False, _lost(exc)
                return
            finished.add(index)
            yield index, ok, value


def _ray_outcomes(tasks: list[tuple], n_jobs: int | None) -> Iterator[tuple[int, bool, Any]]:
    """The same through Ray tasks (Ray's joblib backend cannot hand results over as they finish),
    at most ``n_jobs`` at a time; Ray's own retries are off, the tries being counted here."""
    import ray

    remote = ray.remote(num_cpus=1, max_retries=0)(_task)
    waiting = list(reversed(tasks))
    running: dict[Any, int] = {}
    while waiting or running:
        while waiting and (n_jobs is None or len(running) < n_jobs):
            t = waiting.pop()
            running[remote.remote(*t)] = t[1]
        ready, _ = ray.wait(list(running), num_returns=1)
        index = running.pop(ready[0])
        try:
            yield ray.get(ready[0])
        except ray.exceptions.RayError as exc:
            yield index, False, _lost(exc)


def _task(
    fn: Callable[[Any, int], Any],
    index: int,
    config: Any,
    seed: int,
    threads: int | None,
    seed_default_generator: bool,
    as_json: bool,
) -> tuple[int, bool, Any]:
    """One try of one task, in the worker: (index, True, result) or (index, False, traceback).
    Failures come back as text, since an exception object may not survive the trip."""
    try:
        if threads is not None:
            _core.set_num_threads(threads)
        if seed_default_generator:
            _core.manual_seed(seed)
        result = fn(config, seed)
        _check_plain(result, "the result")
        return index, True, _json_line(result, "the result") if as_json else result
    except Exception:  # any failure of the task is reported with its config
        return index, False, traceback.format_exc()


def _check_plain(value: Any, where: str) -> None:
    """Refuses engine objects, which cannot travel between processes."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(v, f"{where}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for k, v in enumerate(value):
            _check_plain(v, f"{where}[{k}]")
    elif type(value).__module__.startswith(_core.__name__):
        raise TypeError(
            f"{where} is a {type(value).__module__}.{type(value).__qualname__}, which cannot leave its "
            "process: return plain data, and a model as checkpoint bytes (vb.save(model, io.BytesIO()))"
        )


def _json_line(value: Any, what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} is not JSON-able, which a results= file needs: {exc}") from None


class _ResultsLog:
    """The JSON-lines results file: one line {"index", "seed", "config", "result"} per finished task."""

    def __init__(self, path: Path, configs: list[Any], seeds: list[int]) -> None:
        self.path = path
        self.lines = [
            {"index": i, "seed": s, "config": json.loads(_json_line(c, f"config {i}"))}
            for i, (c, s) in enumerate(zip(configs, seeds, strict=True))
        ]
        self.done: dict[int, Any] = {}
        if path.is_dir():
            raise IsADirectoryError(f"results file {path} is a directory")
        if path.exists():
            self._read()
        else:
            writable_directory(path)

    def _read(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        for number, raw in enumerate(data[:end].splitlines(), 1):
            try:
                line = json.loads(raw)
                index = line["index"]
                expected = self.lines[index] if is_int(index) and 0 <= index < len(self.lines) else None
                result = line["result"]
            except (ValueError, KeyError, TypeError):
                raise ValueError(f"{self.path}:{number}: not a line of a map_fits results file") from None
            if expected is None or {k: line.get(k) for k in expected} != expected:
                raise ValueError(
                    f"{self.path}:{number}: task {index} of another map (config {line.get('config')!r}, "
                    f"seed {line.get('seed')}); this map's task {index} is "
                    f"{expected!r}: write to another file"
                )
            self.done[index] = result
        if end < len(data):
            # The last line of a run killed while writing it: dropped, the task runs again.
            os.truncate(self.path, end)

    def append(self, index: int, result_json: str) -> Any:
        """Appends the line of a finished task, durably; returns the result as it will be read back."""
        head = json.dumps(self.lines[index])[:-1]
        with open(self.path, "ab") as f:
            f.write(f'{head}, "result": {result_json}}}\n'.encode())
            f.flush()
            os.fsync(f.fileno())
        return json.loads(result_json)


@contextlib.contextmanager
def _kernel_threads(threads: int | None) -> Iterator[None]:
    if threads is None:
        yield
        return
    before = _core.get_num_threads()
    _core.set_num_threads(threads)
    try:
        yield
    finally:
        _core.set_num_threads(before)


@contextlib.contextmanager
def _engine(backend: str, n_jobs: int | None, scheduler: str | None, address: str | None) -> Iterator[None]:
    """The Dask client or Ray runtime that a cluster backend needs, for the duration of a map."""
    if backend in ("loky", "threading"):
        yield
    elif backend == "dask":
        try:
            from distributed import Client, LocalCluster, default_client
        except ImportError:
            raise ImportError('backend "dask" needs Dask: pip install "varbayes[dask]"') from None
        with contextlib.ExitStack() as stack:
            if scheduler is not None:
                stack.enter_context(Client(scheduler))
            else:
                try:
                    default_client()
                except ValueError:  # no client yet: a local cluster for this call
                    cluster = stack.enter_context(
                        LocalCluster(
                            n_workers=n_jobs or joblib.cpu_count(),
                            threads_per_worker=1,
                            processes=True,
                            host="127.0.0.1",
                            dashboard_address=None,
                        )
                    )
                    stack.enter_context(Client(cluster))
            yield
    else:
        try:
            import ray
        except ImportError:
            raise ImportError('backend "ray" needs Ray: pip install "varbayes[ray]"') from None
        started = not ray.is_initialized()
        if started:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        try:
            yield
        finally:
            if started:
                ray.shutdown()


__all__ = ["BACKENDS", "TaskError", "map_fits", "task_seed"]
