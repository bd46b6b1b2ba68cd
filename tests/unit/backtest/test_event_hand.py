"""The event engine on a handful of bars where every fill, fee and stop is known."""

import math

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import EventSettings, run_event
from ntlab.data import MarketData
from ntlab.errors import ConfigError
from ntlab.execution import Commission, ExecutionPolicy, FillModel, Slippage
from tests.unit.backtest._hand import NAN, panel, signals

# open, high, low, close, volume
X = [
    (10.0, 10.5, 9.5, 10.0, 1e6),
    (10.0, 10.6, 9.8, 10.2, 1e6),  # decide long at the close (10.2)
    (10.1, 10.9, 10.0, 10.8, 1e6),  # buy at the open 10.1 (fits the cash)
    (10.9, 11.4, 10.7, 11.2, 1e6),
    (11.1, 11.5, 10.9, 11.0, 1e6),  # decide flat
    (11.3, 11.6, 11.0, 11.5, 1e6),  # sell at the open 11.3
]


def settings(**kw):
    pol = dict(commission=Commission(pct=0.001), slippage=Slippage(pct=0.0005))
    pol.update(kw.pop("policy", {}))
    return EventSettings(
        init_cash=kw.pop("init_cash", 10_000.0), policy=ExecutionPolicy(**pol), **kw
    )


def test_long_round_trip_every_fill_and_fee():
    md = panel({"X": X})
    res = run_event(signals(md, [0, 1, 1, 1, 0, 0]), md, settings())
    shares = math.floor(10_000 / 10.2)  # sized at the decision close: 980
    buy = 10.1 * 1.0005
    buy_fee = shares * buy * 0.001
    sell = 11.3 * 0.9995
    sell_fee = shares * sell * 0.001
    cash_after_buy = 10_000 - shares * buy - buy_fee
    expected = [
        10_000,
        10_000,
        cash_after_buy + shares * 10.8,
        cash_after_buy + shares * 11.2,
        cash_after_buy + shares * 11.0,
    ]
    expected.append(cash_after_buy + shares * sell - sell_fee)
    np.testing.assert_allclose(res.equity.to_numpy(), expected, rtol=1e-12)
    assert res.positions["X"].tolist() == [0, 0, shares, shares, shares, 0]
    o = res.orders
    assert o["side"].tolist() == ["buy", "sell"] and o["quantity"].tolist() == [shares, shares]
    np.testing.assert_allclose(o["price"], [buy, sell])
    np.testing.assert_allclose(o["fee"], [buy_fee, sell_fee])
    assert res.n_trades == 1
    t = res.trades.iloc[0]
    assert (t.symbol, t.side, t.exit_reason) == ("X", "long", "signal")
    assert (t.entry_time, t.exit_time) == (md.index[2], md.index[5])
    pnl = shares * (sell - buy) - buy_fee - sell_fee
    assert t.pnl == pytest.approx(pnl) and t["return"] == pytest.approx(pnl / (shares * buy))
    assert res.costs["commission"] == pytest.approx(buy_fee + sell_fee)
    assert res.final_equity == pytest.approx(10_000 + pnl)


STOPS = [
    (10.0, 10.5, 9.5, 10.0, 1e6),  # decide long, stop 9.5, take 11.0
    (10.1, 10.3, 9.9, 10.2, 1e6),  # buy at 10.1
    (10.2, 11.2, 9.4, 10.0, 1e6),  # touches both 9.5 and 11.0: the stop counts
    (10.0, 10.4, 9.8, 10.1, 1e6),  # target still 1: no re-entry after a stop
]


def test_stop_counts_first_when_a_bar_touches_both_levels_and_no_reentry():
    md = panel({"X": STOPS})
    sig = signals(md, [1, 1, 1, 1], stop=[9.5] * 4, take=[11.0] * 4)
    res = run_event(sig, md, settings(policy={"slippage": Slippage(pct=0.0)}))
    o = res.orders
    assert o["reason"].tolist() == ["signal", "stop"]
    assert o["price"].tolist() == [10.1, 9.5]
    assert res.trades["exit_reason"].tolist() == ["stop"]
    # sized 1000 at the decision close 10.0, cut by the cash at 10.1 + 0.1% fee
    assert res.positions["X"].tolist() == [0, 989, 0, 0]


def test_gap_through_the_stop_fills_at_the_open_with_slippage():
    bars = [STOPS[0], STOPS[1], (9.2, 9.6, 9.0, 9.4, 1e6), STOPS[3]]
    md = panel({"X": bars})
    res = run_event(signals(md, [1, 1, 1, 1], stop=[9.5] * 4), md, settings())
    stop_fill = res.orders.iloc[1]
    assert stop_fill["reason"] == "stop"
    assert stop_fill["price"] == pytest.approx(9.2 * (1 - 0.0005))  # the open, not the stop


def test_take_profit_fills_at_its_level_without_slippage():
    bars = [STOPS[0], STOPS[1], (10.2, 11.3, 10.1, 11.1, 1e6), STOPS[3]]
    md = panel({"X": bars})
    res = run_event(signals(md, [1, 1, 1, 1], stop=[9.5] * 4, take=[11.0] * 4), md, settings())
    assert res.orders["reason"].tolist() == ["signal", "take_profit"]
    assert res.orders["price"].iloc[1] == 11.0
    assert res.trades["exit_reason"].tolist() == ["take_profit"]


def test_engine_stop_pct_from_the_entry_fill_when_signals_give_none():
    md = panel({"X": STOPS})
    res = run_event(
        signals(md, [1, 1, 1, 1]),
        md,
        settings(stop_loss_pct=0.05, policy={"slippage": Slippage(pct=0)}),
    )
    assert res.orders["price"].tolist() == [10.1, pytest.approx(10.1 * 0.95)]


def test_limit_entry_waits_until_the_range_reaches_it():
    bars = [
        (10.0, 10.2, 9.9, 10.0, 1e6),  # decide long; buy limit at 10.0 * 0.97 = 9.7
        (10.0, 10.1, 9.8, 9.9, 1e6),  # not reached
        (9.9, 10.0, 9.6, 9.8, 1e6),  # reached: fills at 9.7, no slippage
        (9.8, 9.9, 9.7, 9.8, 1e6),
    ]
    md = panel({"X": bars})
    pol = {
        "fills": FillModel(order_type="limit", entry_offset=0.03),
        "slippage": Slippage(pct=0.01),
    }
    res = run_event(signals(md, [1, 1, 1, 1]), md, settings(policy=pol))
    (fill,) = res.orders.itertuples(index=False)
    assert fill.time == md.index[2] and fill.price == pytest.approx(9.7)
    assert fill.quantity == 1000  # sized at the decision close 10.0


def test_volume_cap_splits_an_order_over_bars():
    bars = [(10.0, 10.0, 10.0, 10.0, 1000.0)] * 5
    md = panel({"X": bars})
    pol = {
        "fills": FillModel(max_participation=0.1),
        "commission": Commission(pct=0),
        "slippage": Slippage(pct=0),
    }
    res = run_event(signals(md, [1, 1, 1, 1, 1]), md, settings(init_cash=2_500.0, policy=pol))
    assert res.orders["quantity"].tolist() == [100, 100, 50]  # 250 shares at 100 per bar
    assert res.positions["X"].tolist() == [0, 100, 200, 250, 250]
    (t,) = res.trades.itertuples(index=False)
    assert t.quantity == 250 and t.exit_reason == "open"


def test_short_pays_borrow_fee_every_bar():
    bars = [(10.0, 10.0, 10.0, 10.0, 1e6)] * 4
    md = panel({"X": bars})
    pol = {"commission": Commission(pct=0), "slippage": Slippage(pct=0)}
    res = run_event(signals(md, [-1, -1, -1, -1]), md, settings(policy=pol, borrow_rate=0.252))
    assert res.positions["X"].tolist() == [0, -1000, -1000, -1000]
    daily = 10_000 * 0.252 / 252  # short value 10_000, daily bars -> 252 per year
    np.testing.assert_allclose(
        res.equity.to_numpy(), [10_000, 10_000 - daily, 10_000 - 2 * daily, 10_000 - 3 * daily]
    )
    assert res.costs["borrow"] == pytest.approx(3 * daily)
    assert res.trades["side"].tolist() == ["short"]


def test_cash_account_caps_a_buy_after_a_gap_and_margin_lets_it_through():
    bars = [
        (10.0, 10.0, 10.0, 10.0, 1e6),
        (11.0, 11.0, 11.0, 11.0, 1e6),
        (11.0, 11.0, 11.0, 11.0, 1e6),
    ]
    md = panel({"X": bars})
    pol = {"commission": Commission(pct=0.001), "slippage": Slippage(pct=0)}
    cash = run_event(signals(md, [1, 1, 1]), md, settings(policy=pol))
    assert cash.orders["quantity"].iloc[0] == math.floor(10_000 / (11.0 * 1.001))  # 908, not 1000
    margin = run_event(
        signals(md, [1, 1, 1]), md, settings(policy=pol, initial_margin=0.5, margin_rate=0.0)
    )
    assert margin.orders["quantity"].iloc[0] == 1000
    assert margin.cash.iloc[-1] == pytest.approx(10_000 - 11_000 - 11.0)  # borrowed cash


def test_fill_at_next_close():
    md = panel({"X": X})
    pol = {
        "fills": FillModel(fill_at="next_close"),
        "slippage": Slippage(pct=0),
        "commission": Commission(pct=0),
    }
    res = run_event(signals(md, [0, 1, 1, 1, 0, 0]), md, settings(policy=pol))
    assert res.orders["price"].tolist() == [10.8, 11.5]
    assert res.orders["time"].tolist() == [md.index[2], md.index[5]]


def test_close_only_data_trades_at_closes():
    index = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    md = MarketData.from_closes(pd.DataFrame({"X": [10.0, 11.0, 12.0, 13.0]}, index=index))
    res = run_event(
        signals(md, [1, 1, 0, 0]),
        md,
        settings(policy={"slippage": Slippage(pct=0), "commission": Commission(pct=0)}),
    )
    assert res.orders["price"].tolist() == [11.0, 13.0]
    assert res.orders["quantity"].tolist() == [909, 909]  # 1000 sized at 10, cash buys 909 at 11
    assert res.final_equity == pytest.approx(10_000 + 909 * 2)


def test_flip_long_to_short_closes_one_trade_and_opens_another():
    bars = [(10.0, 10.0, 10.0, 10.0, 1e6)] * 3 + [(12.0, 12.0, 12.0, 12.0, 1e6)] * 3
    md = panel({"X": bars})
    pol = {"slippage": Slippage(pct=0), "commission": Commission(pct=0)}
    res = run_event(
        signals(md, [1, 1, -1, -1, -1, -1]), md, settings(policy=pol, initial_margin=0.5)
    )
    # -1000 sized at the decision close 10: sell 2000 at 12 (the short half fits 2x margin)
    assert res.orders["quantity"].tolist() == [1000, 2000]
    assert res.trades["side"].tolist() == ["long", "short"]
    assert res.trades["pnl"].iloc[0] == pytest.approx(2000.0)


def test_start_opens_the_book_late():
    from ntlab.backtest.event import prepare, simulate

    md = panel({"X": X})
    sig = signals(md, [1, 1, 1, 1, 0, 0])
    equity, _, positions, rec, _, _, _ = simulate(
        sig, md, settings(), start=3, prepared=prepare(md, settings())
    )
    assert equity[:4].tolist() == [10_000] * 4  # decisions before bar 3 are history
    # the book sees target 1 first at bar 3 (buy at bar 4's open), 0 at bar 4 (sell at bar 5)
    assert positions[:, 0].tolist() == [0, 0, 0, 0, 892, 0]
    assert rec[:, 0].tolist() == [4, 5]
    with pytest.raises(ConfigError, match="start"):
        simulate(sig, md, settings(), start=6)


def test_bad_settings():
    with pytest.raises(ConfigError):
        EventSettings(initial_margin=0.0)
    with pytest.raises(ConfigError):
        EventSettings(stop_loss_pct=1.5)
    with pytest.raises(ConfigError):
        EventSettings(policy="fast")


def test_nan_bars_do_not_fill_and_keep_the_order_working():
    bars = [(10.0, 10.0, 10.0, 10.0, 1e6), (NAN, NAN, NAN, NAN, NAN), (11.0, 11.0, 11.0, 11.0, 1e6)]
    md = panel({"X": bars, "Y": [(5.0, 5.0, 5.0, 5.0, 1e6)] * 3})
    pol = {"slippage": Slippage(pct=0), "commission": Commission(pct=0)}
    res = run_event(signals(md, {"X": [1, 1, 1], "Y": [0, 0, 0]}), md, settings(policy=pol))
    assert res.orders["time"].tolist() == [md.index[2]] and res.orders["price"].tolist() == [11.0]
