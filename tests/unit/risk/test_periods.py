"""Bars per year from the data's own timestamps and calendar (issue 14, hole 5).

Before, every series was annualised as 252 days of 6.5 hours: 24/7 hourly data got
1638 bars a year instead of 8760, daily crypto 252 instead of 365.
"""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import EventSettings, VectorSettings, run_event, run_vector
from ntlab.data import MarketData
from ntlab.errors import ConfigError
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.risk import calendar_of, periods_per_year
from ntlab.strategies import Signals


def _regular_session_hours(days):
    """Hourly bars 9:30 .. 15:30 New York time (7 a session) on business days."""
    stamps = [
        pd.Timestamp(f"{d.date()} {h:02d}:30", tz="America/New_York")
        for d in pd.bdate_range("2024-03-04", periods=days)
        for h in range(9, 16)
    ]
    return pd.DatetimeIndex(stamps).tz_convert("UTC")


@pytest.mark.parametrize(
    "index, calendar, expected",
    [
        (pd.date_range("2024-01-01", periods=24 * 60, freq="h", tz="UTC"), "24/7", 365 * 24),
        (pd.date_range("2024-01-01", periods=400, freq="D", tz="UTC"), "24/7", 365),
        (pd.bdate_range("2024-01-01", periods=400, tz="UTC"), "trading days", 252),
        (_regular_session_hours(30), "trading days", 252 * 7),
        (pd.date_range("2024-01-01", periods=100, freq="W", tz="UTC"), "24/7", 52),
        (pd.bdate_range("2020-01-01", periods=60, freq="BME", tz="UTC"), "trading days", 12),
        (pd.date_range("2024-01-01", periods=24 * 4 * 20, freq="15min", tz="UTC"), "24/7", 35040),
    ],
    ids=[
        "24/7-hourly",
        "24/7-daily",
        "stock-daily",
        "stock-hourly",
        "weekly",
        "monthly",
        "24/7-15m",
    ],
)
def test_periods_per_year_reads_the_calendar(index, calendar, expected):
    assert calendar_of(index) == calendar
    assert periods_per_year(index) == pytest.approx(expected, rel=1e-12)


def test_extended_hours_count_the_bars_each_session_holds():
    # 4:00 .. 19:00 New York, hourly: 16 bars a session; Friday 19:00 NY is Saturday 00:00 UTC
    stamps = [
        pd.Timestamp(f"{d.date()} {h:02d}:00", tz="America/New_York")
        for d in pd.bdate_range("2024-03-04", periods=20)
        for h in range(4, 20)
    ]
    index = pd.DatetimeIndex(stamps).tz_convert("UTC")
    assert calendar_of(index) == "trading days"
    assert periods_per_year(index) == 252 * 16


def test_forced_calendar_and_bad_calendar():
    index = pd.bdate_range("2024-01-01", periods=50, tz="UTC")
    assert periods_per_year(index, calendar="24/7") == 365
    with pytest.raises(ConfigError, match="calendar"):
        periods_per_year(index, calendar="lunar")


def _walk(index, seed=0):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(index))))
    close = pd.DataFrame({"BTC": close}, index=index)
    return MarketData({"open": close, "high": close, "low": close, "close": close})


def _hold(md, value):
    t = pd.DataFrame({"BTC": np.full(md.n_bars, value)}, index=md.index)
    return Signals("hold", t, t.abs())


FREE = ExecutionPolicy(fractional=True, commission=Commission(pct=0.0), slippage=Slippage(pct=0.0))


@pytest.mark.parametrize("freq, ppy", [("h", 8760.0), ("D", 365.0)])
def test_24_7_backtest_annualises_with_its_own_year(freq, ppy):
    md = _walk(pd.date_range("2024-01-01", periods=2000, freq=freq, tz="UTC"))
    for res in (
        run_event(_hold(md, 1.0), md, EventSettings(policy=FREE)),
        run_vector(_hold(md, 1.0), md, VectorSettings(fees=0.0, slippage=0.0)),
    ):
        r = res.equity.pct_change().fillna(0.0).to_numpy()
        s = res.summary()
        assert s["periods_per_year"] == ppy
        assert s["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(ppy), rel=1e-9)
        assert s["volatility"] == pytest.approx(r.std(ddof=1) * np.sqrt(ppy), rel=1e-9)
        growth = res.equity.iloc[-1] / res.equity.iloc[0]
        assert s["cagr"] == pytest.approx(growth ** (ppy / len(r)) - 1, rel=1e-9)
        line = next(x for x in res.summary_table().splitlines() if "periods_per_year" in x)
        assert line.split()[-1] == f"{ppy:,.6g}"


def test_borrow_on_24_7_hourly_bars_is_the_annual_rate():
    # a flat price shorted for a year of hourly bars pays 10% of the short value, not 53.5%
    index = pd.date_range("2024-01-01", periods=8761, freq="h", tz="UTC")
    flat = pd.DataFrame({"BTC": np.full(len(index), 100.0)}, index=index)
    md = MarketData({"open": flat, "high": flat, "low": flat, "close": flat})
    res = run_event(_hold(md, -1.0), md, EventSettings(policy=FREE, borrow_rate=0.10))
    short_value = 100_000.0  # the whole sleeve, at 100 per unit
    assert res.costs["borrow"] == pytest.approx(short_value * 0.10 * 8760 / 8760, rel=1e-9)


def test_user_override_is_used_and_checked():
    md = _walk(pd.date_range("2024-01-01", periods=500, freq="D", tz="UTC"))
    res = run_event(_hold(md, 1.0), md, EventSettings(policy=FREE, periods_per_year=252))
    r = res.returns.to_numpy()
    assert res.summary()["periods_per_year"] == 252
    assert res.summary()["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(252))
    with pytest.raises(ConfigError, match="periods_per_year"):
        EventSettings(periods_per_year=0)
    with pytest.raises(ConfigError, match="periods_per_year"):
        VectorSettings(periods_per_year="daily")
