"""Private kernels against references: crossover targets (pandas), scoring (ntlab.risk)."""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest._score_nb import SCORE_NAMES, score_nb
from ntlab.risk import measures
from ntlab.strategies.builtin.sma_cross import SmaCross, cross_target_nb
from ntlab.testing import check_strategy


def test_cross_targets_and_levels_match_a_pandas_reference(bars):
    close = bars.close
    fast, slow = close.rolling(5).mean(), close.rolling(20).mean()
    c = close.to_numpy()
    target, stop, take = np.empty_like(c), np.empty_like(c), np.empty_like(c)
    cross_target_nb(c, fast.to_numpy(), slow.to_numpy(), True, 0.05, 0.1, target, stop, take)
    ref = np.where(fast > slow, 1.0, np.where(fast < slow, -1.0, 0.0))
    np.testing.assert_array_equal(target, ref)
    # levels are fixed at the close of the bar whose target opened the position
    t = pd.DataFrame(ref)
    entry = (
        pd.DataFrame(np.where(t.ne(t.shift(1).fillna(0)) & t.ne(0), c, np.nan)).ffill().to_numpy()
    )
    np.testing.assert_allclose(
        stop, np.where(ref != 0, entry * (1 - ref * 0.05), np.nan), equal_nan=True
    )
    np.testing.assert_allclose(
        take, np.where(ref != 0, entry * (1 + ref * 0.1), np.nan), equal_nan=True
    )


def test_sma_cross_passes_the_strategy_checks(bars):
    check_strategy(SmaCross(fast=5, slow=20, stop_loss_pct=0.05), bars)


def test_score_matches_the_risk_module():
    rng = np.random.default_rng(1)
    equity = 1e5 * np.cumprod(1 + rng.normal(0.0004, 0.01, 1000))
    r = pd.Series(equity).pct_change().fillna(0.0)
    got = dict(zip(SCORE_NAMES, score_nb(equity, 252.0)))
    ref = {
        "total_return": measures.total_return(r),
        "cagr": measures.cagr(r, 252.0),
        "sharpe": measures.sharpe_ratio(r, 252.0, undefined="nan"),
        "sortino": measures.sortino_ratio(r, 252.0, undefined="nan"),
        "max_drawdown": measures.max_drawdown(r),
        "volatility": measures.volatility(r, 252.0),
    }
    for k, v in ref.items():
        assert got[k] == pytest.approx(v, rel=1e-10), k
    flat = score_nb(np.full(10, 5.0), 252.0)
    assert flat[0] == 0 and np.isnan(flat[2]) and np.isnan(flat[3]) and flat[4] == 0
