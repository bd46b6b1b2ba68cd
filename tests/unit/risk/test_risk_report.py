"""RiskReport gathers the seed's RiskMetrics, with the units and keys documented."""

from __future__ import annotations

import json

import empyrical
import numpy as np
import pandas as pd
import pytest

from ntlab.errors import ConfigError, RiskError
from ntlab.risk import RiskReport, measures, position_values, value_at_risk

SEED_KEYS = {
    "var95",
    "var99",
    "cvar95",
    "maxDrawdown",
    "sharpeRatio",
    "sortinoRatio",
    "beta",
    "volatility",
}


@pytest.fixture(scope="module")
def report(sp20_returns, sp20_last_prices, index_returns):
    positions = {"AAPL": 200, "JPM": 150, "XOM": 300, "KO": 400, "MSFT": 100}
    return RiskReport.from_positions(
        sp20_returns,
        positions,
        sp20_last_prices,
        cash=25_000,
        benchmark=index_returns["SP500"],
        n_paths=5_000,
    )


def test_portfolio_metrics_match_direct_computation(
    report, sp20_returns, sp20_last_prices, index_returns
):
    values = position_values(
        {"AAPL": 200, "JPM": 150, "XOM": 300, "KO": 400, "MSFT": 100}, sp20_last_prices
    )
    equity = 25_000 + values.sum()
    assert report.equity == pytest.approx(equity)
    port = (sp20_returns[values.index] * values).sum(axis=1) / equity
    np.testing.assert_allclose(report.returns, port, rtol=1e-12)
    m = report.metrics
    assert m.var_95 == pytest.approx(-empyrical.value_at_risk(port, 0.05), rel=1e-10)
    assert m.var_99 == pytest.approx(value_at_risk(port, 0.99), rel=1e-10)
    assert m.cvar_95 >= m.var_95 > 0
    assert m.sharpe_ratio == pytest.approx(empyrical.sharpe_ratio(port), rel=1e-9)
    assert m.sortino_ratio == pytest.approx(empyrical.sortino_ratio(port), rel=1e-9)
    assert m.max_drawdown == pytest.approx(empyrical.max_drawdown(port), rel=1e-9)
    assert m.volatility == pytest.approx(empyrical.annual_volatility(port), rel=1e-9)
    joined = pd.concat([port, index_returns["SP500"]], axis=1, join="inner")
    assert m.beta == pytest.approx(empyrical.beta(joined.iloc[:, 0], joined.iloc[:, 1]), rel=1e-9)
    # currency: the fraction times equity
    assert report.var_table.loc[("historical", 0.95), "var"] == pytest.approx(
        m.var_95 * equity, rel=1e-10
    )


def test_to_dict_uses_the_seed_keys_in_camel_case(report):
    out = report.to_dict()
    assert SEED_KEYS <= set(out)
    assert out["var95Value"] == pytest.approx(out["var95"] * out["equity"], rel=1e-10)
    assert {row["method"] for row in out["varTable"]} == {
        "historical",
        "normal",
        "cornish_fisher",
        "monte_carlo",
    }
    assert {"varPct", "esSe", "nPaths"} <= set(out["varTable"][0])
    json.dumps(out)
    assert set(report.metrics.to_dict()) == SEED_KEYS


def test_summary_extends_the_metrics(report):
    s = report.summary()
    assert s["calmar_ratio"] == pytest.approx(
        measures.cagr(report.returns) / abs(s["max_drawdown"])
    )
    assert s["correlation"] == pytest.approx(measures.correlation(report.returns, report.benchmark))
    assert s["max_drawdown_bars"] >= 1


def test_from_returns_and_method_choice(index_returns):
    r = index_returns["NASDAQ"]
    rep = RiskReport.from_returns(r, method="normal", n_paths=2_000)
    assert rep.metrics.var_99 == pytest.approx(value_at_risk(r, 0.99, "normal"))
    assert rep.metrics.beta is None and rep.to_dict()["beta"] is None
    assert "var95Value" not in rep.to_dict()
    mc = RiskReport.from_returns(r, method="monte_carlo", n_paths=20_000)
    assert mc.metrics.var_95 == pytest.approx(rep.metrics.var_95, rel=0.03)


def test_report_errors(sp20_returns, sp20_last_prices, index_returns):
    with pytest.raises(ConfigError, match="unknown VaR method"):
        RiskReport.from_returns(index_returns["NASDAQ"], method="x", n_paths=200)
    with pytest.raises(RiskError, match="equity"):
        RiskReport.from_positions(sp20_returns, {"AAPL": -10}, sp20_last_prices, n_paths=200)
    with pytest.raises(RiskError, match="Series"):
        RiskReport.from_returns(index_returns, n_paths=200)


@pytest.mark.slow
def test_plots_build(report, index_returns):
    import holoviews as hv

    from ntlab.risk import var_backtest

    assert isinstance(report.plot(), hv.Layout)
    fig = var_backtest(index_returns["SP500"], 0.99).plot()
    assert isinstance(fig, hv.Overlay)
