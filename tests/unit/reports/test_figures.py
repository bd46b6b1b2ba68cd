import subprocess
import sys

import numpy as np
import pytest

from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.reports import figures, monthly_returns, tearsheet
from ntlab.risk import measures
from tests.unit.reports._cases import hand_case

hv = pytest.importorskip("holoviews")


@pytest.fixture(scope="module")
def result():
    md, sig = hand_case()
    return run_vector(sig, md, VectorSettings(init_cash=1000, fees=0.001, slippage=0.01)), md


def test_equity_figure_draws_the_equity_and_benchmark(result):
    res, md = result
    sheet = tearsheet(res, close=md.close)
    fig = figures.equity_figure(res, sheet.benchmark)
    curves = {str(k[0]): c for k, c in fig.data.items()}
    assert set(curves) == {"hand", "benchmark"}
    np.testing.assert_allclose(curves["hand"].dimension_values("value"), res.equity.to_numpy())
    np.testing.assert_allclose(
        curves["benchmark"].dimension_values("value"), 1000 * md.close["X"] / 10.5
    )


def test_drawdown_and_monthly_figures_hold_the_numbers(result):
    res, _ = result
    dd = figures.drawdown_figure(res)
    assert isinstance(dd, hv.Area)
    assert dd.dimension_values("drawdown").min() == pytest.approx(
        measures.max_drawdown(res.returns)
    )
    heat = figures.monthly_heatmap(res)
    assert isinstance(heat, hv.HeatMap)
    assert heat.dimension_values("return_pct")[0] == pytest.approx(
        monthly_returns(res.returns).iloc[0, 0] * 100
    )


def test_price_figure_rebases_and_tearsheet_layout(result):
    res, md = result
    fig = figures.price_figure(md.close)
    assert fig.dimension_values(1)[0] == 1.0 and fig.dimension_values(1)[-1] == pytest.approx(
        14.5 / 10.5
    )
    layout = tearsheet(res, close=md.close).layout()
    assert isinstance(layout, hv.Layout) and len(layout) == 3
    assert isinstance(figures.returns_histogram(res), hv.Histogram)


def test_import_ntlab_reports_is_light():
    code = (
        "import sys, ntlab.reports, ntlab.cli.report;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'holoviews','hvplot','bokeh','panel','papermill','nbconvert','vectorbt','ray','talib','quantstats','empyrical','backtrader'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_sharpe_claims_chart_gives_each_strategy_its_own_readable_row():
    import holoviews as hv
    import pandas as pd

    from ntlab.reports.figures import sharpe_claims_figure

    names = ["momentum", "mean_reversion", "mirror (filings)", "enhanced_momentum", "neural_sentiment"]
    rows = pd.DataFrame(
        {
            "check": [f"Sharpe of {n}" for n in names],
            "ntlab_value": [0.55, 0.19, 0.44, 0.62, 0.26],
            "reference_value": [2.84, 2.15, 6.01, 3.20, float("nan")],
        }
    )
    fig = hv.render(sharpe_claims_figure(rows), backend="bokeh")
    factors = [f[0] if isinstance(f, tuple) else f for f in fig.y_range.factors]
    assert sorted(set(factors)) == sorted(names)  # names on the vertical axis, level
    assert fig.height / len(names) >= 40  # each strategy's row is taller than a label
    assert fig.yaxis[0].major_label_orientation in ("horizontal", 0, 0.0)
