"""BacktestResult: metrics from ntlab.risk, JSON/HTML export, hvplot figures."""

import json

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import run_event
from ntlab.backtest.result import ORDER_COLUMNS, TRADE_COLUMNS
from ntlab.errors import UnknownSymbolError
from ntlab.risk import measures
from ntlab.strategies.builtin.sma_cross import SmaCross


@pytest.fixture(scope="module")
def result(stocks):
    return run_event(SmaCross(fast=20, slow=50, stop_loss_pct=0.08, take_profit_pct=0.2), stocks)


def test_tables_have_clean_columns(result):
    assert tuple(result.trades.columns) == TRADE_COLUMNS
    assert tuple(result.orders.columns) == ORDER_COLUMNS
    assert set(result.trades["exit_reason"].astype(str)) <= {
        "signal",
        "stop",
        "take_profit",
        "open",
    }
    assert {"stop", "take_profit", "signal"} <= set(result.trades["exit_reason"].astype(str))
    assert (result.trades["exit_time"] >= result.trades["entry_time"]).all()
    assert result.positions.shape == (len(result.equity), 5)


def test_summary_uses_the_risk_measures(result):
    s = result.summary()
    r = result.equity.pct_change().fillna(0.0)
    ppy = measures.periods_per_year(result.equity.index)
    assert s["sharpe"] == pytest.approx(measures.sharpe_ratio(r, ppy))
    assert s["calmar"] == pytest.approx(measures.calmar_ratio(r, ppy))
    assert s["max_drawdown_bars"] == measures.max_drawdown_duration(r)
    assert s["max_drawdown"] == pytest.approx(measures.max_drawdown(r))
    assert s["total_return"] == pytest.approx(result.final_equity / result.init_cash - 1)
    pnl = result.trades["pnl"]
    assert s["win_rate"] == pytest.approx((pnl > 0).mean())
    assert s["profit_factor"] == pytest.approx(pnl[pnl > 0].sum() / -pnl[pnl < 0].sum())
    # the books balance: equity = init cash + closed pnl + open pnl (fees inside both)
    assert result.final_equity == pytest.approx(result.init_cash + pnl.sum(), rel=1e-9)


def test_json_export_round_trips(result, tmp_path):
    text = result.to_json(tmp_path / "r.json")
    back = json.loads((tmp_path / "r.json").read_text())
    assert back == json.loads(text)
    assert back["summary"]["trades"] == result.n_trades
    assert len(back["equity"]["value"]) == len(result.equity)
    assert back["trades"][0][
        "entryTime" if "entryTime" in back["trades"][0] else "entry_time"
    ].endswith("+00:00")
    assert back["settings"]["policy"]["commission"]["pct"] == 0.001


def test_html_report_and_plots(result, tmp_path):
    hv = pytest.importorskip("holoviews")
    page = result.to_html(tmp_path / "r.html")
    assert page.startswith("<!DOCTYPE html>") and "Trades (" in page and "bokeh" in page.lower()
    assert isinstance(result.plot_trades("AAPL"), hv.Overlay)
    assert isinstance(result.plot(), hv.Layout)
    with pytest.raises(UnknownSymbolError):
        result.plot_trades("ZZZZ")


def test_flat_result_summary_has_no_nan_surprises():
    from tests.unit.backtest._hand import panel, signals

    md = panel({"X": [(10.0, 10.0, 10.0, 10.0, 1e6)] * 5})
    res = run_event(signals(md, [0] * 5), md)
    s = res.summary()
    assert s["trades"] == 0 and s["total_return"] == 0 and np.isnan(s["sharpe"])
    assert json.loads(res.to_json())["summary"]["sharpe"] is None
    assert isinstance(res.trades, pd.DataFrame) and res.trades.empty
