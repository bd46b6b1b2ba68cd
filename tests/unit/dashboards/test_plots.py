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
def result(stocks):
    return run_vector(get("momentum"), stocks.select(["AAPL", "IBM"]))


def test_equity_and_drawdown_plots_hold_the_results_series(result):
    np.testing.assert_allclose(
        plots.equity_plot(result).dimension_values("equity"), result.equity.to_numpy()
    )
    drawdown = plots.drawdown_plot(result).dimension_values("drawdown")
    np.testing.assert_allclose(drawdown, measures.drawdown(result.returns).to_numpy(), atol=1e-12)
    assert drawdown.min() == pytest.approx(result.summary()["max_drawdown"])


def test_the_price_plot_marks_that_symbols_trades(result):
    import holoviews as hv

    overlay = plots.price_trades_plot(result, "IBM")
    ibm = result.trades[result.trades["symbol"] == "IBM"]
    points = overlay.traverse(lambda el: el.dimension_values("price"), [hv.Scatter])
    expected = np.concatenate([ibm["entry_price"].to_numpy(), ibm["exit_price"].to_numpy()])
    np.testing.assert_allclose(np.sort(np.concatenate(points)), np.sort(expected))
    assert len(ibm) > 3


def test_sweep_heatmap_labels_every_cell():
    grid = pd.DataFrame(
        [[0.1, 0.2], [0.3, 0.456]],
        index=pd.Index([40, 80], name="z_window"),
        columns=pd.Index([10, 30], name="lookback"),
    )
    labels = plots.sweep_heatmap(grid, "sharpe").get(1)
    assert sorted(labels.dimension_values("label")) == ["0.10", "0.20", "0.30", "0.46"]
