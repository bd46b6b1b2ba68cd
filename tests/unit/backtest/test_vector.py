import pandas as pd
import pytest

from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.data import MarketData
from ntlab.errors import ConfigError
from ntlab.strategies import Signals, get


def _bars():
    index = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    ohlc = {
        "open": [10.0, 11, 12, 13, 14],
        "high": [11.0, 12, 13, 14, 15],
        "low": [9.0, 10, 11, 12, 13],
        "close": [10.5, 11.5, 12.5, 13.5, 14.5],
    }
    return MarketData({k: pd.DataFrame({"X": v}, index=index) for k, v in ohlc.items()})


def _signals(md, target):
    t = pd.DataFrame({"X": target}, index=md.index, dtype=float)
    return Signals("hand", t, t.abs())


def test_hand_computed_round_trip_with_fees_and_slippage():
    md = _bars()
    # long decided on bar 1 -> bought at bar 2's open (12); flat decided on bar 3 -> sold at bar 4's open (14)
    res = run_vector(
        _signals(md, [0, 1, 1, 0, 0]), md, VectorSettings(init_cash=1000, fees=0.001, slippage=0.01)
    )
    buy_price, sell_price = 12 * 1.01, 14 * 0.99
    shares = 1000 / (buy_price * 1.001)
    final = shares * sell_price * (1 - 0.001)
    assert res.equity.iloc[-1] == pytest.approx(final, rel=1e-9)
    assert res.equity.iloc[2] == pytest.approx(shares * 12.5, rel=1e-9)  # marked at bar 2's close
    assert res.n_trades == 1
    assert res.summary()["total_return"] == pytest.approx(final / 1000 - 1, rel=1e-9)


def test_no_signal_no_trade_and_bad_settings():
    md = _bars()
    res = run_vector(_signals(md, [0, 0, 0, 0, 0]), md)
    assert res.n_trades == 0 and res.equity.iloc[-1] == pytest.approx(100_000)
    with pytest.raises(ConfigError, match="fees and slippage"):
        VectorSettings(fees=0.5)


def test_momentum_on_real_data_trades(stocks):
    res = run_vector(get("momentum"), stocks)
    s = res.summary()
    assert s["trades"] > 50
    assert -1 < s["max_drawdown"] < 0
    assert res.equity.index.equals(stocks.index)
