"""Ratios and drawdowns against empyrical and quantstats on real returns (seed: Sharpe within 1%)."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from ntlab.errors import ConfigError, RiskError
from ntlab.risk import measures as m

RTOL = 1e-9  # the formulas are the same; the seed only asks for 1%


def _columns(sp20_returns, index_returns):
    cols = [sp20_returns[c] for c in sp20_returns.columns[:8]]
    return cols + [index_returns[c] for c in index_returns.columns]


@pytest.fixture(scope="module")
def series(sp20_returns, index_returns):
    return _columns(sp20_returns, index_returns)


def test_sharpe_volatility_sortino_match_empyrical_and_quantstats(series):
    for r in series:
        assert m.sharpe_ratio(r) == pytest.approx(empyrical.sharpe_ratio(r), rel=RTOL)
        assert m.sharpe_ratio(r) == pytest.approx(qs.stats.sharpe(r), rel=RTOL)
        assert m.volatility(r) == pytest.approx(empyrical.annual_volatility(r), rel=RTOL)
        assert m.volatility(r) == pytest.approx(qs.stats.volatility(r), rel=RTOL)
        assert m.sortino_ratio(r) == pytest.approx(empyrical.sortino_ratio(r), rel=RTOL)
        assert m.sortino_ratio(r) == pytest.approx(qs.stats.sortino(r), rel=RTOL)
        assert m.downside_deviation(r) == pytest.approx(empyrical.downside_risk(r), rel=RTOL)


def test_quantstats_smart_sortino_is_a_different_convention(index_returns):
    r = index_returns["SP500"]
    assert qs.stats.sortino(r, smart=True) != pytest.approx(m.sortino_ratio(r), rel=1e-3)


def test_drawdown_cagr_calmar_omega_match_references(series):
    for r in series:
        assert m.max_drawdown(r) == pytest.approx(empyrical.max_drawdown(r), rel=RTOL)
        assert m.max_drawdown(r) == pytest.approx(qs.stats.max_drawdown(r), rel=RTOL)
        assert m.cagr(r) == pytest.approx(empyrical.annual_return(r), rel=RTOL)
        assert m.calmar_ratio(r) == pytest.approx(empyrical.calmar_ratio(r), rel=RTOL)
        assert m.calmar_ratio(r) == pytest.approx(qs.stats.calmar(r), rel=RTOL)
        assert m.omega_ratio(r) == pytest.approx(
            empyrical.omega_ratio(r, annualization=1), rel=RTOL
        )
        t = 0.0005
        assert m.omega_ratio(r, t) == pytest.approx(
            empyrical.omega_ratio(r, required_return=t, annualization=1), rel=RTOL
        )


def test_beta_and_correlation_to_a_benchmark(sp20_returns, index_returns):
    bench = index_returns["SP500"]
    for sym in ("AAPL", "JPM", "XOM"):
        r = sp20_returns[sym]
        joined = pd.concat([r, bench], axis=1, join="inner").tz_localize(
            None
        )  # quantstats wants naive
        assert len(joined) > 4000
        assert m.beta(r, bench) == pytest.approx(
            empyrical.beta(joined.iloc[:, 0], joined.iloc[:, 1]), rel=1e-9
        )
        assert m.beta(r, bench) == pytest.approx(
            qs.stats.greeks(joined.iloc[:, 0], joined.iloc[:, 1])["beta"], rel=1e-9
        )
        assert m.correlation(r, bench) == pytest.approx(
            joined.iloc[:, 0].corr(joined.iloc[:, 1]), rel=1e-12
        )


def test_drawdown_periods_match_quantstats_details(index_returns):
    r = index_returns["NASDAQ"]
    ours = m.drawdown_periods(r)
    ref = qs.stats.drawdown_details(qs.stats.to_drawdown_series(r))
    ref = ref.sort_values("max drawdown", kind="stable").reset_index(drop=True)
    assert len(ours) == len(ref)
    top = ours.head(10)
    assert list(top["start"].dt.strftime("%Y-%m-%d")) == list(ref["start"].head(10))
    assert list(top["end"].dt.strftime("%Y-%m-%d")) == list(ref["end"].head(10))
    assert list(top["valley"].dt.strftime("%Y-%m-%d")) == list(ref["valley"].head(10))
    assert list(top["days"]) == list(ref["days"].head(10))
    np.testing.assert_allclose(top["depth"] * 100, ref["max drawdown"].head(10), rtol=1e-9)
    # the dot-com crash: NASDAQ did not regain its March 2000 peak before 2015
    worst = ours.iloc[0]
    assert worst["start"].year == 2000 and worst["end"].year == 2015 and worst["recovered"]
    assert m.max_drawdown_duration(r) == ours["bars"].max() > 3500


def test_drawdown_periods_hand_computed():
    r = pd.Series([0.10, -0.10, 0.05, 0.10, -0.5, 0.2])
    out = m.drawdown_periods(r)
    # curve 1.1, 0.99, 1.0395, 1.14345 (new peak), 0.571725, 0.68607
    assert list(out["bars"]) == [2, 2]
    assert out.loc[0, "depth"] == pytest.approx(-0.5)
    assert not out.loc[0, "recovered"] and out.loc[1, "recovered"]
    assert out.loc[1, "depth"] == pytest.approx(0.99 / 1.1 - 1)
    assert "days" not in out.columns
    assert m.max_drawdown_duration(pd.Series([0.01, 0.02])) == 0


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([], "empty"),
        ([0.01, np.nan, 0.02], "NaN"),
        ([0.01, np.inf], "infinite"),
        ([[0.1, 0.2]], "one-dimensional"),
    ],
)
def test_bad_inputs_raise_risk_error(values, match):
    with pytest.raises(RiskError, match=match):
        m.sharpe_ratio(np.array(values, dtype=float))


def test_undefined_ratios_raise_unless_nan_is_asked_for():
    flat = pd.Series([0.001] * 50)
    with pytest.raises(RiskError, match="zero volatility"):
        m.sharpe_ratio(flat)
    assert np.isnan(m.sharpe_ratio(flat, undefined="nan"))
    with pytest.raises(RiskError, match="below the target"):
        m.sortino_ratio(flat)
    with pytest.raises(RiskError, match="never draws down"):
        m.calmar_ratio(flat)
    with pytest.raises(RiskError, match="below the threshold"):
        m.omega_ratio(flat)
    with pytest.raises(RiskError, match="zero variance"):
        m.beta(pd.Series([0.01, -0.02, 0.03]), pd.Series([0.01, 0.01, 0.01]))
    with pytest.raises(RiskError, match="at least 2"):
        m.volatility([0.01])
    with pytest.raises(ConfigError, match="undefined"):
        m.sharpe_ratio(flat, undefined="zero")


def test_beta_rejects_series_without_common_dates():
    a = pd.Series([0.01, 0.02], index=pd.date_range("2020-01-01", periods=2, tz="UTC"))
    b = pd.Series([0.01, 0.02], index=pd.date_range("2021-01-01", periods=2, tz="UTC"))
    with pytest.raises(RiskError, match="share no index"):
        m.beta(a, b)
    with pytest.raises(RiskError, match="differ in length"):
        m.beta(np.array([0.01, 0.02, 0.03]), np.array([0.01, 0.02]))
