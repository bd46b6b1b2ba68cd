"""Issue 14, hole 1: sweeps and walk-forward check every configuration they run."""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import _guard, run_event, sweep, walk_forward
from ntlab.dashboards.explorer_model import sweep_grid
from ntlab.errors import LookAheadError
from tests.conftest import make_bars
from tests.unit.backtest._leaky import Smooth


@pytest.fixture
def panel():
    return make_bars(n=400, seed=3)


def test_the_leak_is_real_when_allowed(panel):
    honest = run_event(Smooth(smooth=1), panel).summary()["sharpe"]
    leaky = run_event(Smooth(smooth=15), panel, allow_lookahead=True).summary()["sharpe"]
    assert leaky > 3 and leaky > honest + 3  # knowing the trend ahead is a money machine


@pytest.mark.parametrize("grid", [{"smooth": [1, 15]}, {"lag": [0, -1]}])
def test_a_leaky_value_in_the_grid_is_refused_and_never_picked(panel, grid):
    res = sweep(Smooth, panel, grid, progress=False)
    (name, (good, bad)) = next(iter(grid.items()))
    table = res.table.set_index(name)
    assert res.refused == 1
    assert table.loc[good, "guard"] == "passed"
    assert table.loc[bad, "guard"].startswith("refused: smooth_probe is not causal")
    assert np.isnan(table.loc[bad, "sharpe"]) and np.isfinite(table.loc[good, "sharpe"])
    assert res.best() == {name: good}
    # the refused row was never evaluated; the passed one equals a plain backtest
    ref = run_event(Smooth(**{name: good}), panel).summary()["sharpe"]
    assert table.loc[good, "sharpe"] == pytest.approx(ref, rel=1e-9)


def test_a_grid_of_only_leaky_values_raises(panel):
    with pytest.raises(LookAheadError, match="every one of the 2 configurations"):
        sweep(Smooth, panel, {"smooth": [9, 15]}, progress=False)


def test_allow_lookahead_sweeps_everything_without_a_guard_column(panel):
    res = sweep(Smooth, panel, {"smooth": [1, 15]}, progress=False, allow_lookahead=True)
    assert "guard" not in res.table and res.refused == 0 and res.best() == {"smooth": 15}


def test_verdicts_are_cached_per_config_and_data(panel, monkeypatch):
    _guard.clear_guard_cache()
    calls = []
    real = _guard.check_causal
    monkeypatch.setattr(
        _guard, "check_causal", lambda s, d, **k: calls.append(s) or real(s, d, **k)
    )
    grid = {"smooth": [1, 15, 1]}
    sweep(Smooth, panel, grid, progress=False)
    assert len(calls) == 2  # the repeated value is checked once
    sweep(Smooth, panel, grid, progress=False)
    assert len(calls) == 2  # same data: cached
    sweep(Smooth, panel[:300], grid, progress=False)
    assert len(calls) == 4  # other data: checked again


def test_walk_forward_never_trades_a_leaky_configuration(panel):
    wf = walk_forward(Smooth, panel, {"smooth": [1, 15]}, train=150, test=50, progress=False)
    assert (wf.folds["smooth"] == 1).all()
    assert (wf.folds["refused"] == 1).all()
    leaky = walk_forward(
        Smooth, panel, {"smooth": [1, 15]}, train=150, test=50, progress=False,
        allow_lookahead=True,
    )  # fmt: skip
    assert (leaky.folds["smooth"] == 15).all()  # what the unguarded folds picked
    assert leaky.summary()["total_return"] > wf.summary()["total_return"] + 0.3


def test_the_explorer_sweep_inherits_the_guard(panel):
    from ntlab.backtest import EventSettings

    grid = sweep_grid(
        Smooth(), ("smooth", [1, 15]), ("lag", [0, -1]), panel, EventSettings(), "sharpe"
    )
    assert isinstance(grid, pd.DataFrame) and grid.shape == (2, 2)
    assert np.isfinite(grid.loc[0, 1])
    assert grid.loc[0, 15] != grid.loc[0, 15]  # NaN: refused
    assert grid.loc[-1].isna().all()  # a lag of -1 reads tomorrow
