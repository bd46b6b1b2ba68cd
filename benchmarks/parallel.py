"""Sweeps across cores and on Ray, against the one-core sweep and vectorbt, in one run.

Run from the repository root: ``python -m benchmarks.parallel``. Writes
``benchmarks/results/parallel.{json,md}``.

Work: the backtest benchmark's sweep, 1,225 SMA(fast, slow) pairs (2..51, fast < slow) on
2 symbols x 2520 bars of the seeded random walk (event core, next-open fills, whole
shares, 0.1% commission), and the same grid on 20 symbols (ten times the work per
combination). Contenders, taking turns every round (best of the rounds, after a warm-up):

- ntlab sweep, 1 worker: today's path, in this process;
- ntlab sweep, ``workers=k`` for k = 2 .. cores: the warm pool of worker processes (the
  pool's start-up, paid once per process, is timed apart as "cold");
- ntlab sweep on Ray: connected to a running cluster (``ray start --head`` with one CPU
  per core, started by this benchmark before timing and stopped after it);
- vectorbt ``MA.run_combs`` + ``from_signals`` (fills at the signal bar's close).

Every table is checked to equal the one-worker table before anything is timed. The
look-ahead pre-check of every combination is off here (``allow_lookahead=True``; it runs
before, and apart from, the parallel execution, and ``benchmarks/backtest.py`` times it).
``speedup`` = the one-worker time / this row's time; ``per_core`` = speedup / cores used.
The Ray rows answer "from what work size does Ray pay off here": the grid sizes are run
on Ray and on one worker, and ``ray_vs_local`` > 1 means Ray was faster.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from benchmarks._common import interleaved_best, load_average, write_results
from benchmarks.backtest import N_BARS, WINDOWS, random_walk, vectorbt_sweep
from ntlab._ray import LocalCluster
from ntlab.backtest import EventSettings, sweep
from ntlab.backtest._parallel import shutdown_pool
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.strategies.builtin.sma_cross import SmaCross

SETTINGS = EventSettings(
    policy=ExecutionPolicy(commission=Commission(pct=0.001), slippage=Slippage(pct=0.0))
)
GRID = {"fast": list(WINDOWS), "slow": list(WINDOWS)}
RAY = str(Path(sys.executable).with_name("ray"))


def _sweep(data, **kw):
    return sweep(
        SmaCross, data, GRID, settings=SETTINGS, progress=False, allow_lookahead=True, **kw
    ).table


def _small_grid(n: int) -> dict:
    return {"fast": list(WINDOWS[:n]), "slow": list(WINDOWS[:n])}


def _row(work, engine, seconds, cells, base, cores, **extra):
    speedup = base / seconds
    return {"work": work, "engine": engine, "cores": cores, "seconds": seconds,
            "cells_per_s": cells / seconds, "speedup": speedup, "per_core": speedup / cores,
            **extra}  # fmt: skip


def core_rows(t0: float) -> list[dict]:
    cores = os.cpu_count() or 1
    pair = random_walk(m=2)
    local = _sweep(pair)
    t = time.perf_counter()
    cold = _sweep(pair, workers=cores)  # starts the pool
    cold_s = time.perf_counter() - t
    assert cold.equals(local), "the worker processes' table differs from the one-worker table"
    contenders = {"1": lambda: _sweep(pair)}
    contenders |= {str(k): (lambda k=k: _sweep(pair, workers=k)) for k in range(2, cores + 1)}
    contenders["vbt"] = lambda: vectorbt_sweep(pair)
    best = interleaved_best(contenders, rounds=7)
    cells = N_BARS * 2 * len(local)
    work = f"{len(local):,}-pair SMA sweep, 2520 x 2"
    rows = [_row(work, "ntlab sweep, 1 worker (today's path)", best["1"], cells, best["1"], 1)]
    rows += [
        _row(work, f"ntlab sweep, workers={k} (warm pool)", best[str(k)], cells, best["1"], k)
        for k in range(2, cores + 1)
    ]
    rows.append(
        _row(work, f"ntlab sweep, workers={cores}, cold (pool start-up included)", cold_s,
             cells, best["1"], cores)
    )  # fmt: skip
    rows.append(_row(work, "vectorbt run_combs (1 core)", best["vbt"], cells, best["1"], 1))
    return rows


def ray_rows() -> list[dict]:
    cores = os.cpu_count() or 1
    try:
        cluster = LocalCluster(nodes=1, cpus=cores)
    except RuntimeError as exc:  # a busy machine can keep Ray from starting: say so
        return [{"work": "Ray sweeps", "engine": f"not measured: {str(exc).splitlines()[-1]}"}]
    os.environ["RAY_ADDRESS"], os.environ["RAY_AUTH_MODE"] = cluster.address, "disabled"
    rows = []
    try:
        for m, n in ((2, 10), (2, 50), (20, 50)):
            data = random_walk(m=m)
            grid = _small_grid(n)
            local = sweep(
                SmaCross, data, grid, settings=SETTINGS, progress=False, allow_lookahead=True
            ).table
            remote = sweep(
                SmaCross,
                data,
                grid,
                settings=SETTINGS,
                progress=False,
                allow_lookahead=True,
                engine="ray",
            )
            assert remote.table.equals(local), "the Ray table differs from the local table"
            best = interleaved_best(
                {
                    "local": lambda d=data, g=grid: sweep(SmaCross, d, g, settings=SETTINGS, progress=False, allow_lookahead=True),
                    "ray": lambda d=data, g=grid: sweep(SmaCross, d, g, settings=SETTINGS, progress=False, allow_lookahead=True, engine="ray"),
                },
                rounds=3,
            )  # fmt: skip
            cells = N_BARS * m * len(local)
            work = f"{len(local):,}-pair SMA sweep, 2520 x {m}"
            base = best["local"]
            rows.append(_row(work, "ntlab sweep, 1 worker", base, cells, base, 1))
            rows.append(
                _row(work, f"ntlab sweep on Ray (running {cores}-CPU cluster, connect included)",
                     best["ray"], cells, base, cores, ray_vs_local=base / best["ray"])
            )  # fmt: skip
    finally:
        os.environ.pop("RAY_ADDRESS", None)
        cluster.stop()
    return rows


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    t0 = time.perf_counter()
    rows = core_rows(t0)
    shutdown_pool()
    rows += ray_rows()
    notes = (
        f"{__doc__.split('Run from')[0].strip()} Load average when the run ended: "
        f"{load_average()} (the machine is shared with other work: a second core is only as "
        f"free as the load leaves it, so the speed-up per core is a floor). Benchmark wall "
        f"time {time.perf_counter() - t0:.0f}s."
    )
    write_results("parallel", rows, title="Sweeps across cores and on Ray", notes=notes)


if __name__ == "__main__":
    main()
