"""Sweeps (grid and random) and walk-forward optimisation."""

import numpy as np
import pytest

from ntlab.backtest import (
    EventSettings,
    VectorSettings,
    param_grid,
    random_params,
    run_event,
    sweep,
    walk_forward,
)
from ntlab.backtest.event import simulate
from ntlab.backtest.sweep import METRICS
from ntlab.backtest.walkforward import fold_bounds
from ntlab.errors import ConfigError
from ntlab.strategies.builtin.sma_cross import SmaCross

GRID = {"fast": [3, 5, 8], "slow": [5, 20, 40]}


def test_grid_and_random_combinations():
    combos = param_grid(GRID)
    assert len(combos) == 9 and combos[1] == {"fast": 3, "slow": 20}
    picked = random_params(GRID, 4, seed=7)
    assert len(picked) == 4 and all(p in combos for p in picked)
    assert len({tuple(p.values()) for p in picked}) == 4
    assert random_params(GRID, 4, seed=7) == picked
    assert random_params(GRID, 50) == combos
    with pytest.raises(ConfigError):
        param_grid({"fast": "5"})


def test_sweep_scores_equal_full_backtests_and_invalid_combos_are_skipped(bars):
    res = sweep(SmaCross, bars, GRID, progress=False)
    assert res.skipped == 2  # (5, 5) and (8, 5) violate fast < slow
    assert len(res.table) == 7
    row = res.table[(res.table.fast == 5) & (res.table.slow == 20)].iloc[0]
    full = run_event(SmaCross(fast=5, slow=20), bars).summary()
    for key in METRICS:
        assert row[key] == pytest.approx(full[key], rel=1e-9), key
    best = res.best("total_return")
    assert best == res.table.loc[res.table.total_return.idxmax(), ["fast", "slow"]].to_dict()
    assert isinstance(best["fast"], int)
    pivot = res.pivot("fast", "slow")
    assert pivot.shape == (3, 3) and np.isnan(pivot.loc[5, 8])


def test_random_search_and_the_vector_engine(bars):
    res = sweep(SmaCross, bars, GRID, n_random=3, seed=1, settings=VectorSettings(), progress=False)
    assert len(res.table) + res.skipped == 3
    assert set(res.table.columns) >= {"fast", "slow", "sharpe", "trades"}


def test_sweep_rejects_bad_input(bars):
    with pytest.raises(ConfigError, match="unknown parameter"):
        sweep(SmaCross, bars, {"window": [3]}, progress=False)
    with pytest.raises(ConfigError, match="metric"):
        sweep(SmaCross, bars, GRID, metric="luck", progress=False)
    with pytest.raises(ConfigError, match="rejected"):
        sweep(SmaCross, bars, {"fast": [9], "slow": [3]}, progress=False)


def test_heatmap(bars):
    hv = pytest.importorskip("holoviews")
    assert isinstance(
        sweep(SmaCross, bars, GRID, progress=False).heatmap("fast", "slow"), hv.HeatMap
    )


def test_fold_bounds():
    assert fold_bounds(100, 50, 20) == [(0, 50, 50, 70), (20, 70, 70, 90), (40, 90, 90, 100)]
    assert fold_bounds(100, 50, 20, step=30) == [(0, 50, 50, 70), (30, 80, 80, 100)]
    with pytest.raises(ConfigError):
        fold_bounds(40, 50, 20)


def test_walk_forward_stitches_out_of_sample_folds(bars):
    cfg = EventSettings()
    wf = walk_forward(SmaCross, bars, GRID, train=120, test=60, settings=cfg, progress=False)
    bounds = fold_bounds(bars.n_bars, 120, 60)
    assert len(wf.folds) == len(bounds) == 3
    assert wf.equity.index.equals(bars.index[120:])
    # fold 1, recomputed by hand: best training params, then a late-opening book on its window
    a, b, c, d = bounds[1]
    best = sweep(SmaCross, bars[a:b], GRID, progress=False, allow_lookahead=True).best()
    assert best == wf.folds.loc[1, ["fast", "slow"]].to_dict()
    window = bars[a:d]
    equity = simulate(SmaCross(**best).signals(window), window, cfg, start=c - a)[0]
    fold_growth = equity[-1] / equity[c - a - 1]
    stitched = wf.equity.loc[bars.index[c] : bars.index[d - 1]]
    before = wf.equity.iloc[wf.equity.index.get_loc(bars.index[c]) - 1]
    assert stitched.iloc[-1] / before == pytest.approx(fold_growth, rel=1e-12)
    assert wf.summary()["folds"] == 3


def test_walk_forward_with_gaps_between_folds(bars):
    wf = walk_forward(SmaCross, bars, GRID, train=100, test=30, step=60, progress=False)
    idx = np.concatenate([np.arange(c, d) for _, _, c, d in fold_bounds(bars.n_bars, 100, 30, 60)])
    assert wf.equity.index.equals(bars.index[idx])


@pytest.mark.slow
def test_sweep_on_a_local_ray_cluster_it_starts_and_stops(bars, monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.setenv("RAY_ADDRESS", "local")  # never another cluster running on this machine
    monkeypatch.setenv("RAY_agent_register_timeout_ms", "180000")  # a busy machine starts slowly
    remote = sweep(SmaCross, bars, GRID, engine="ray", progress=False)
    assert not ray.is_initialized()  # ntlab started the local cluster and stopped it
    local = sweep(SmaCross, bars, GRID, progress=False)
    assert remote.table.equals(local.table)


@pytest.mark.slow
def test_sweep_on_worker_processes_gives_the_same_table(bars):
    from ntlab.backtest._parallel import shutdown_pool

    local = sweep(SmaCross, bars, GRID, progress=False)
    try:
        for workers in (2, 3):  # 3 workers: 6 chunks for 7 combinations, some of one row
            spread = sweep(SmaCross, bars, GRID, workers=workers, progress=False)
            assert spread.table.equals(local.table)
        wf = walk_forward(SmaCross, bars, GRID, train=120, test=60, workers=2, progress=False)
    finally:
        shutdown_pool()
    one = walk_forward(SmaCross, bars, GRID, train=120, test=60, progress=False)
    assert wf.folds.equals(one.folds) and wf.equity.equals(one.equity)


def test_workers_must_be_positive(bars):
    with pytest.raises(ConfigError, match="workers must be a positive integer"):
        sweep(SmaCross, bars, GRID, workers=0, progress=False)
