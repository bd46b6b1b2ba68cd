"""A limit entry and a take-profit on the same bar (issue 14, hole 7).

On the bar a limit order fills inside the range, the bar's high may have come before the
fill: a take-profit above the fill is not known to be reachable after it, so it must
not trigger (a stop-loss may). Before, it did, and a random walk with limit entries
and take-profits earned money out of nothing.
"""

import numpy as np
import pandas as pd

from ntlab.backtest import EventSettings, run_event
from ntlab.data import MarketData
from ntlab.execution import Commission, ExecutionPolicy, FillModel, Slippage
from ntlab.execution._fill_nb import LIMIT, MARKET, STOP, take_after_fill_nb
from tests.unit.backtest._hand import NAN, panel, signals


def _settings(order_type="limit", optimistic=False, offset=0.02):
    fills = FillModel(order_type=order_type, entry_offset=offset, optimistic_take=optimistic)
    policy = ExecutionPolicy(
        fractional=True, commission=Commission(pct=0.0), slippage=Slippage(pct=0.0), fills=fills
    )
    return EventSettings(policy=policy)


def _case(bar1):
    """Decision at bar 0's close (100): long, stop 96, take 104; bar 1 is the fill bar."""
    md = panel({"A": [(100, 100, 100, 100, 1e6), bar1, (100, 101, 99, 100, 1e6)]})
    sig = signals(md, [1, 1, 1], stop=[96, 96, 96], take=[104, 104, 104])
    return md, sig


def _exit(res):
    t = res.trades.iloc[0]
    return t["entry_price"], t["exit_reason"], t["exit_price"]


def test_take_profit_does_not_trigger_on_the_limit_fill_bar():
    md, sig = _case((100, 105, 97, 100, 1e6))  # limit 98 fills inside; high 105 may be earlier
    assert _exit(run_event(sig, md, _settings())) == (98.0, "open", 100.0)
    # the optimistic reading, on request only
    assert _exit(run_event(sig, md, _settings(optimistic=True))) == (98.0, "take_profit", 104.0)


def test_the_stop_still_triggers_on_the_limit_fill_bar():
    md, sig = _case((100, 105, 95, 100, 1e6))  # the fall below the limit came after the fill
    assert _exit(run_event(sig, md, _settings())) == (98.0, "stop", 96.0)


def test_market_entries_and_limits_filled_at_the_open_keep_the_whole_bar():
    md, sig = _case((100, 105, 97, 100, 1e6))
    assert _exit(run_event(sig, md, _settings("market"))) == (100.0, "take_profit", 104.0)
    md, sig = _case((97.5, 105, 97, 100, 1e6))  # opens through the limit: fills at the open
    assert _exit(run_event(sig, md, _settings())) == (97.5, "take_profit", 104.0)


def test_the_kernel_rule():
    assert take_after_fill_nb(MARKET, 100.0, 100.0, 101.0)
    assert take_after_fill_nb(STOP, 102.0, 100.0, 101.0)
    assert take_after_fill_nb(LIMIT, 97.5, 97.5, 101.0)
    assert not take_after_fill_nb(LIMIT, 98.0, 100.0, 101.0)


def test_a_random_walk_earns_nothing_from_limit_entries_and_take_profits():
    # bars aggregated from a driftless tick path (2% a bar); long for 3 bars, flat for 1,
    # entering with a limit 0.5% under the decision close, taking profit 0.5% above it. A martingale
    # pays nothing on average to any entry and exit rule: the mean trade return must be
    # within 3 standard errors of 0. The optimistic reading is far above it.
    rng = np.random.default_rng(5)
    n, ticks = 3000, 60
    path = 100 * np.exp(np.cumsum(rng.normal(0, 0.02 / np.sqrt(ticks), n * ticks)))
    bars = path.reshape(n, ticks)
    index = pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC")

    def frame(v):
        return pd.DataFrame({"RW": v}, index=index)

    md = MarketData(
        {
            "open": frame(bars[:, 0]),
            "high": frame(bars.max(1)),
            "low": frame(bars.min(1)),
            "close": frame(bars[:, -1]),
        }
    )
    target = np.tile([1.0, 1.0, 1.0, 0.0], n // 4)
    take = np.where(target > 0, bars[:, -1] * 1.005, NAN)
    # the level is fixed at the entry decision: carry it while the position lasts
    take = pd.Series(take).where(pd.Series(target).diff().fillna(1) != 0).ffill().to_numpy()
    take = np.where(target > 0, take, NAN)
    sig = signals(md, list(target), take=list(take))

    def t_stat(settings):
        r = run_event(sig, md, settings).trades["return"].to_numpy()
        return r.mean() / (r.std(ddof=1) / np.sqrt(r.size)), r.size

    honest, n_trades = t_stat(_settings(offset=0.005))
    optimistic, _ = t_stat(_settings(offset=0.005, optimistic=True))
    assert n_trades > 300
    assert abs(honest) < 3.0  # measured: t = -1.1
    assert optimistic > 4.0  # measured: t = 4.9 (+756% where the honest run loses)
