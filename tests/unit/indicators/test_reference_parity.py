"""Indicators TA-Lib lacks (or extra outputs), against pandas, exact sums, or hand cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import ntlab.indicators as ind
from tests.unit.indicators._helpers import assert_same, sample


@pytest.fixture(scope="module")
def stocks():
    return sample("stocks")


def _exact_std(x: np.ndarray, w: int, ddof: int) -> np.ndarray:
    """Two-pass std of each full window (independent of ntlab's running sums)."""
    out = np.full(len(x), np.nan)
    out[w - 1 :] = sliding_window_view(x, w).std(axis=1, ddof=ddof)
    return out


def test_returns_match_pandas(stocks):
    close = stocks.close
    for p in (1, 5):
        assert_same(
            ind.returns(close, p).to_numpy(),
            (close / close.shift(p) - 1).to_numpy()[:, :],
            exact=False,
        )
    s = stocks.close["AAPL"]
    assert_same(
        ind.returns(s, 3, log=True).to_numpy(),
        np.log(s / s.shift(3)).to_numpy(),
        exact=False,
        rtol=1e-12,
    )


def test_rolling_volatility_matches_pandas_and_two_pass(stocks):
    s = stocks.close["IBM"]
    r = np.log(s / s.shift())
    got = ind.rolling_volatility(s, 20, periods_per_year=252).to_numpy()
    assert_same(got, (r.rolling(20).std() * math.sqrt(252)).to_numpy(), exact=False, rtol=1e-9)
    exact = _exact_std(r.to_numpy()[1:], 20, 1) * math.sqrt(252)
    assert_same(got[1:], exact, exact=False, rtol=1e-10)
    simple = ind.rolling_volatility(s, 10, log=False).to_numpy()
    assert_same(simple, s.pct_change().rolling(10).std().to_numpy(), exact=False, rtol=1e-9)


def test_rolling_zscore_matches_two_pass_reference(stocks):
    x = stocks.close["MSFT"].to_numpy()
    w = 20
    mean = np.full(len(x), np.nan)
    mean[w - 1 :] = np.array([math.fsum(v) / w for v in sliding_window_view(x, w)])
    expected = (x - mean) / _exact_std(x, w, 1)
    got = ind.rolling_zscore(pd.Series(x), w).to_numpy()
    assert_same(got, expected, exact=False, rtol=1e-9, atol=1e-9)
    s = pd.Series(x)  # and pandas, whose running sums are less exact
    ref = ((s - s.rolling(w).mean()) / s.rolling(w).std()).to_numpy()
    assert_same(got, ref, exact=False, rtol=1e-6, atol=1e-7)


def test_bollinger_percent_b_and_bandwidth_by_hand():
    x = pd.Series([1.0, 2.0, 3.0, 4.0, 6.0])
    b = ind.bollinger(x, window=3, k=2.0)
    sd = np.std([3.0, 4.0, 6.0])  # population std of the last window
    mid = 13.0 / 3.0
    assert b.middle.iloc[-1] == pytest.approx(mid, rel=1e-15)
    assert b.upper.iloc[-1] == pytest.approx(mid + 2 * sd, rel=1e-14)
    assert b.lower.iloc[-1] == pytest.approx(mid - 2 * sd, rel=1e-14)
    assert b.percent_b.iloc[-1] == pytest.approx((6.0 - (mid - 2 * sd)) / (4 * sd), rel=1e-13)
    assert b.bandwidth.iloc[-1] == pytest.approx(4 * sd / mid, rel=1e-13)
    flat = ind.bollinger(pd.Series([5.0] * 6), window=3)
    assert (flat.upper.iloc[2:] == 5.0).all() and flat.percent_b.iloc[2:].isna().all()


def test_vwap_matches_pandas(stocks):
    tp = (stocks.high + stocks.low + stocks.close) / 3
    v = stocks.volume
    rolling = (tp * v).rolling(20).sum() / v.rolling(20).sum()
    got = ind.vwap(stocks, window=20)
    assert_same(got.to_numpy(), rolling.to_numpy(), exact=False, rtol=1e-9)
    cum = ind.vwap(stocks, window=None)["AAPL"]
    ref = (tp["AAPL"] * v["AAPL"]).cumsum() / v["AAPL"].cumsum()
    assert_same(cum.to_numpy(), ref.to_numpy(), exact=False, rtol=1e-9)


def test_volume_ratio_and_return_features_match_pandas(stocks):
    v = stocks.volume
    assert_same(
        ind.volume_ratio(stocks, 20).to_numpy(), (v / v.rolling(20).mean()).to_numpy(), exact=False
    )
    feats = ind.return_features(stocks, horizons=(5, 10, 20, 50), volume_window=20)
    assert list(feats) == ["ret_5", "ret_10", "ret_20", "ret_50", "volume_ratio"]
    for h in (5, 10, 20, 50):
        ref = stocks.close / stocks.close.shift(h) - 1
        assert_same(feats[f"ret_{h}"].to_numpy(), ref.to_numpy(), exact=False)
    pd.testing.assert_index_equal(feats["ret_5"].columns, stocks.close.columns)


def test_corr_and_beta_match_pandas_on_returns(stocks):
    r = stocks.close.pct_change()
    bench = r["MSFT"]
    corr = ind.rolling_corr(r, bench, 30)
    beta = ind.rolling_beta(r, bench, 30)
    for sym in ("AAPL", "GOOG", "IBM"):
        assert_same(
            corr[sym].to_numpy(), r[sym].rolling(30).corr(bench).to_numpy(), exact=False, atol=1e-9
        )
        ref = r[sym].rolling(30).cov(bench) / bench.rolling(30).var()
        assert_same(beta[sym].to_numpy(), ref.to_numpy(), exact=False, atol=1e-9)
    assert np.allclose(corr["MSFT"].dropna(), 1.0) and np.allclose(beta["MSFT"].dropna(), 1.0)


def test_obv_and_small_cases_by_hand():
    close = pd.Series([10.0, 11.0, 11.0, 9.0, 12.0])
    vol = pd.Series([100.0, 50.0, 70.0, 30.0, 20.0])
    assert ind.obv(close, vol).tolist() == [100.0, 150.0, 150.0, 120.0, 140.0]
    assert ind.momentum(close, 2).tolist()[2:] == [1.0, -2.0, 1.0]
    assert ind.sma(close, 2).tolist()[1:] == [10.5, 11.0, 10.0, 10.5]
    # RSI: all gains over the window -> 100; no movement -> 0 (TA-Lib convention)
    assert ind.rsi(pd.Series([1.0, 2.0, 3.0, 4.0]), 2).iloc[-1] == 100.0
    assert ind.rsi(pd.Series([5.0] * 5), 2).iloc[-1] == 0.0
