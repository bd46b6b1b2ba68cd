"""The explorer's figures carry the backtest's own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest.vector import run_vector
from ntlab.dashboards import plots
from ntlab.risk import measures
from ntlab.strategies import get


@pytest.fixture(scope="module")
def backtest(stocks):
    data = stocks.select(["AAPL", "IBM"])
    return data, run_vector(get("momentum"), data)


def test_equity_and_drawdown_plots_hold_the_results_series(backtest):
    _, result = backtest
    equity = plots.equity_plot(result)
    np.testing.assert_allclose(equity.dimension_values("equity"), result.equity.to_numpy())
    times = pd.DatetimeIndex(equity.dimension_values("time"))
    assert times[0] == result.equity.index[0].tz_convert(None)
    drawdown = plots.drawdown_plot(result)
    np.testing.assert_allclose(
        drawdown.dimension_values("drawdown"),
        100 * measures.drawdown(result.returns).to_numpy(),
        atol=1e-9,
    )


def test_trade_markers_are_the_trades_of_that_symbol(backtest):
    data, result = backtest
    entries, exits = plots.trade_markers(result, "IBM")
    trades = result.trades[
        result.trades["Column"].map(lambda c: c[-1] if isinstance(c, tuple) else c) == "IBM"
    ]
    assert len(entries) == len(trades) > 3
    assert len(exits) == int((trades["Status"] == "Closed").sum())
    np.testing.assert_allclose(entries["price"], trades["Avg Entry Price"])
    # a long entry fills at the next bar's open (plus slippage): the price lies near that bar's open
    opens = data.open["IBM"].reindex(pd.DatetimeIndex(entries["time"]).tz_localize("UTC"))
    np.testing.assert_allclose(entries["price"], opens.to_numpy() * 1.0005, rtol=1e-9)
    overlay = plots.price_trades_plot(data, result, "IBM")
    assert len(overlay) == 3


def test_sweep_heatmap_labels_every_cell():
    grid = pd.DataFrame(
        [[0.1, 0.2], [0.3, 0.456]],
        index=pd.Index([40, 80], name="z_window"),
        columns=pd.Index([10, 30], name="lookback"),
    )
    heat = plots.sweep_heatmap(grid, "sharpe")
    labels = heat.get(1)
    assert sorted(labels.dimension_values("label")) == ["0.10", "0.20", "0.30", "0.46"]
