import numpy as np
import pandas as pd
import pytest

from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.errors import RiskError
from ntlab.reports import (
    benchmark_equity,
    format_metrics,
    metrics_table,
    monthly_returns,
    trades_table,
)
from tests.unit.reports._cases import hand_case


def _hand_result():
    md, sig = hand_case()
    return run_vector(sig, md, VectorSettings(init_cash=1000, fees=0.001, slippage=0.01))


def test_monthly_returns_hand_computed():
    idx = pd.DatetimeIndex(["2024-01-02", "2024-01-31", "2024-02-01", "2025-03-03"], tz="UTC")
    table = monthly_returns(pd.Series([0.01, -0.02, 0.03, 0.5], index=idx))
    assert list(table.columns) == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
        "Year",
    ]
    assert table.loc[2024, "Jan"] == pytest.approx(1.01 * 0.98 - 1, abs=1e-15)
    assert table.loc[2024, "Feb"] == pytest.approx(0.03)
    assert table.loc[2024, "Year"] == pytest.approx(1.01 * 0.98 * 1.03 - 1)
    assert np.isnan(table.loc[2024, "Mar"]) and table.loc[2025, "Mar"] == pytest.approx(0.5)
    assert np.isnan(table.loc[2025, "Jan"])


def test_monthly_returns_match_empyrical_on_real_returns():
    empyrical = pytest.importorskip("empyrical")
    from ntlab.data import load_sample

    r = load_sample("indices").close["SP500"].pct_change().dropna()
    ours = monthly_returns(r).drop(columns="Year").stack()
    theirs = empyrical.aggregate_returns(r, "monthly")
    assert len(ours) == len(theirs) == 240
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        monthly_returns(r)["Year"], empyrical.aggregate_returns(r, "yearly"), rtol=1e-12
    )


def test_monthly_returns_refuse_naive_and_nan():
    idx = pd.date_range("2024-01-01", periods=3, freq="D")
    with pytest.raises(RiskError, match="tz-aware"):
        monthly_returns(pd.Series([0.0, 0.1, 0.2], index=idx))
    with pytest.raises(RiskError, match="1 NaN"):
        monthly_returns(pd.Series([0.0, np.nan, 0.2], index=idx.tz_localize("UTC")))
    with pytest.raises(RiskError, match="DatetimeIndex"):
        monthly_returns(pd.Series([0.0, 0.1]))


def test_trades_table_hand_computed():
    trades = trades_table(_hand_result())
    assert len(trades) == 1
    row = trades.iloc[0]
    buy, sell = 12 * 1.01, 14 * 0.99
    shares = 1000 / (buy * 1.001)
    assert (row["symbol"], row["side"], row["exit_reason"], row["status"], row["bars_held"]) == (
        "X",
        "long",
        "signal",
        "closed",
        2,
    )
    assert row["entry_price"] == pytest.approx(buy) and row["exit_price"] == pytest.approx(sell)
    assert row["quantity"] == pytest.approx(shares)
    assert row["pnl"] == pytest.approx(shares * sell * 0.999 - 1000)


def test_trades_table_of_the_event_engine_marks_open_positions(stocks):
    from ntlab.backtest import run_event
    from ntlab.strategies import get

    res = run_event(
        get("momentum"), stocks.select(["AAPL", "IBM"]).between("2011-01-01T00:00Z", None)
    )
    trades = trades_table(res)
    assert len(trades) == res.n_trades > 5
    assert trades["symbol"].map(type).eq(str).all()
    assert set(trades["exit_reason"]) <= {"signal", "stop", "take_profit", "open"}
    assert (trades["status"] == "open").sum() == (res.trades["exit_reason"] == "open").sum()
    held = trades.loc[trades["status"] == "closed", "bars_held"]
    assert (held > 0).all()


def test_metrics_table_hand_computed():
    res = _hand_result()
    table = metrics_table(res)
    col = table["hand"]
    for key, value in res.summary().items():
        assert col[key] == pytest.approx(value, nan_ok=True)
    assert col["exposure"] == pytest.approx(2 / 5)  # held at the closes of bars 2 and 3
    assert col["win_rate"] == 1.0 and col["avg_trade_return"] == pytest.approx(
        0.999 * 14 * 0.99 / (12 * 1.01) - 1.001  # pnl / entry value (vectorbt)
    )
    assert col["best_bar"] == pytest.approx(13.5 / 12.5 - 1)  # fully invested from bar 2 to bar 3
    assert col["worst_bar"] == pytest.approx(res.returns.min())


def test_benchmark_equity_and_metrics_column():
    idx = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    close = pd.DataFrame({"A": [10.0, 11, 12, 13], "B": [np.nan, 20, 10, 30]}, index=idx)
    bench = benchmark_equity(close, 1000)
    # A's sleeve grows 13/10; B's sleeve is cash until its first close, then follows 30/20
    np.testing.assert_allclose(bench, [1000.0, 500 * 1.1 + 500, 500 * 1.2 + 250, 500 * 1.3 + 750])
    with pytest.raises(RiskError, match="at least one symbol"):
        benchmark_equity(close.iloc[:, :0], 1000)
    res = _hand_result()
    with pytest.raises(RiskError, match="share the backtest's index"):
        metrics_table(res, benchmark=bench)


def test_format_metrics():
    table = pd.DataFrame(
        {"s": [0.97384, 0.6049, 208.0, float("nan")]},
        index=["total_return", "sharpe", "trades", "sortino"],
    )
    assert format_metrics(table)["s"].tolist() == ["97.38%", "0.605", "208", "n/a"]
