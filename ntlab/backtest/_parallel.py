"""Running a sweep's combinations on several cores: worker processes here, or tasks on Ray.

Both cut the combinations into contiguous chunks, evaluate each chunk with the same
function as a one-core sweep (``chunk_fn``, which prepares the data once per chunk) and
put the rows back in the original order, so the table is the one-core table bit for bit.

- Processes: a pool of ``workers`` processes kept warm for the life of this process, so
  only the first parallel sweep pays for starting them (each imports ntlab and loads the
  cached numba kernels). They are forked from a clean server process (``forkserver``),
  never from this one, whose threads (numba's, tqdm's, Ray's) a plain ``fork`` would copy.
- Ray: :func:`ntlab._ray.ray_session` connects to a cluster that is already running (``ray start``,
  found the way ``ray.init()`` finds one: ``RAY_ADDRESS``, then the cluster ``ray start``
  recorded), or starts a local one when there is none, and shuts down only what it
  started. Chunks are batched (two per CPU of the cluster) so the per-task cost is paid a
  few times per sweep, not once per combination.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

import numpy as np

from ntlab._ray import ray_session
from ntlab.errors import ConfigError

__all__ = ["chunk_bounds", "run_processes", "run_ray", "shutdown_pool", "worker_count"]

ChunkFn = Callable[..., list[dict[str, float]]]

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def worker_count(workers: int | None) -> int:
    """``workers`` checked (``None`` = every core of this machine)."""
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a positive integer or None, got {workers!r}")
    return workers


def chunk_bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous, non-empty ``(start, stop)`` ranges covering ``range(n)``."""
    edges = np.linspace(0, n, max(1, min(n, parts)) + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _process_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size != workers:
        if _pool is not None:
            _pool.shutdown(wait=True)
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ntlab.backtest.sweep"])
        _pool, _pool_size = ProcessPoolExecutor(max_workers=workers, mp_context=ctx), workers
    return _pool


def shutdown_pool() -> None:
    """Stop the warm worker processes (they also stop when this process exits)."""
    global _pool, _pool_size
    if _pool is not None:
        _pool.shutdown(wait=True)
    _pool, _pool_size = None, 0


def run_processes(
    chunk_fn: ChunkFn, cls: type, configs: list[Any], data: Any, settings: Any, workers: int,
    bar: Any,
) -> list[dict[str, float]]:  # fmt: skip
    """Rows of every config, evaluated in chunks (two per worker) on the warm pool."""
    pool = _process_pool(workers)
    bounds = chunk_bounds(len(configs), 2 * workers)
    futures = {
        pool.submit(chunk_fn, cls, configs[a:b], data, settings): k
        for k, (a, b) in enumerate(bounds)
    }
    return _collect(futures, bar, lambda pending: wait(pending, return_when=FIRST_COMPLETED), lambda f: f.result())  # fmt: skip


def _collect(futures: dict, bar: Any, wait_one: Callable, get: Callable) -> list[dict[str, float]]:
    parts: dict[int, list[dict[str, float]]] = {}
    pending = list(futures)
    while pending:
        done, pending = wait_one(pending)
        for ref in done:
            k = futures[ref]
            parts[k] = get(ref)
            if bar is not None:
                bar.update(len(parts[k]))
        pending = list(pending)
    return [row for k in sorted(parts) for row in parts[k]]


def run_ray(
    chunk_fn: ChunkFn, cls: type, configs: list[Any], data: Any, settings: Any, bar: Any
) -> list[dict[str, float]]:
    """Rows of every config, evaluated in batched chunks (two per cluster CPU) on Ray."""
    with ray_session() as ray:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        remote = ray.remote(num_cpus=1)(chunk_fn)
        data_ref = ray.put(data)
        bounds = chunk_bounds(len(configs), 2 * cpus)
        futures = {
            remote.remote(cls, configs[a:b], data_ref, settings): k
            for k, (a, b) in enumerate(bounds)
        }
        return _collect(futures, bar, lambda pending: ray.wait(pending, num_returns=1), ray.get)  # fmt: skip
